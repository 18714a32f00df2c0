"""`python -m benchmarks --size small` runs end to end and appends a complete section.

Durations are never asserted: CI machines are shared and noisy. The run's own check,
that a plain Python report from the raw files equals casetrack's, must hold.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKLOAD_LINES = (
    "| a. first load",
    "| b2. re-ingest",
    "| b. weekly extracts in order",
    "| c. full read-model rebuild",
    "| d. catch-up of the read models after the last weekly extract",
    "| e. report: the year by sector and month",
    "| e. report: one sector",
    "| e. per-dossier measures export",
    "| f. re-audit",
    "| g. audit sample",
    "| i. CLI first load",
    "| j. files → first report",
    "| k. `casetrack --version`",
)
BASELINE_LINES = (
    "| CSV parse alone",
    "| raw sqlite3 executemany",
    "| raw SELECT of every event",
    "| plain eventsourcing: Application.save()",
    "| per-event projection",
    "| plain Python report",
    "| raw sqlite3 executemany of the CLI first load's event rows",
)
TARGET_LINES = (
    "| first load ≥ 75,000 events/s |",
    "| first load ≤ 3× raw insert (time per event) |",
    "| re-ingest without changes ≤ 2× CSV parse |",
    "| rebuild ≥ 85,000 events/s |",
    "| rebuild ≤ 3× raw read (time per event) |",
    "| catch-up ≥ 40,000 events/s (after the last week) |",
    "| yearly report ≤ 200 ms |",
    "| re-audit of a year ≤ 30 s |",
    "| memory: ingest peak RSS < 300 MB at any size |",
    "| CLI first load at 60,000 dossiers ≤ 3× raw insert |",
    "| files → first report ≤ 4× the plain script |",
)
#: Measured with --size decade only (python -m benchmarks.history runs them alone).
DECADE_TARGET_LINES = (
    "| flat cost: weekly ingests into a ten-year store ≤ 1.25× a one-year store",
    "| flat cost: first load of a year into a ten-year store ≤ 1.25× a one-year store",
)


@pytest.fixture(scope="module")
def section(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The section one small benchmark run appends to an empty results file."""
    output = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--size", "small", "--runs", "1",
         "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"benchmarks exited with {done.returncode}:\n{done.stderr[-3000:]}"
    return output.read_text(encoding="utf-8")


def test_small_run_appends_one_dated_section_for_the_small_size(section: str) -> None:
    headings = [line for line in section.splitlines() if line.startswith("## ")]

    assert len(headings) == 1
    assert "size `small`, backend `sqlite`, 1 run(s) per workload" in headings[0]


def test_small_run_reports_every_workload_and_baseline(section: str) -> None:
    lines = section.splitlines()

    for expected in WORKLOAD_LINES + BASELINE_LINES:
        assert any(line.startswith(expected) for line in lines), f"no line {expected!r}"


def _target_rows(section: str) -> list[str]:
    table = section.split("### Targets", 1)[1].split("\n### ", 1)[0]
    return [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]


def test_small_run_writes_the_targets_table_with_a_status_for_each_target(section: str) -> None:
    rows = _target_rows(section)

    for expected in TARGET_LINES:
        matching = [row for row in rows if row.startswith(expected)]
        assert matching, f"no target row {expected!r}"
        assert matching[0].rstrip(" |").endswith(("met", "**missed**"))


def test_small_run_lists_the_decade_targets_as_not_measured(section: str) -> None:
    rows = _target_rows(section)

    for expected in DECADE_TARGET_LINES:
        matching = [row for row in rows if row.startswith(expected)]
        assert matching, f"no target row {expected!r}"
        assert matching[0].rstrip(" |").endswith("not measured")


def test_small_run_says_why_each_missed_cli_target_was_missed(section: str) -> None:
    targets = section.split("### Targets", 1)[1].split("\n### ", 1)[0]
    missed = [
        row.split(" | ", 1)[0].removeprefix("| ")
        for row in _target_rows(section)
        if row.startswith(TARGET_LINES[-2:]) and row.rstrip(" |").endswith("**missed**")
    ]

    for label in missed:
        assert f"- *{label}*: " in targets, f"no why for {label!r}"


def test_small_run_records_the_slowest_imports_of_the_command(section: str) -> None:
    imports = section.split("### Import time of the command", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in imports.splitlines() if line.startswith("| `")]

    assert len(rows) == 10


def test_small_run_finds_the_plain_report_equal_to_casetracks(section: str) -> None:
    check = section.split("### Naive report check", 1)[1].split("\n### ", 1)[0]

    assert "**Same numbers**" in check
