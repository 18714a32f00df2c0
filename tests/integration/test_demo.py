"""`casetrack demo` and `casetrack generate` work from a fresh directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casetrack.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_ingests_a_year_and_prints_the_report_of_the_year(tmp_path: Path) -> None:
    done = run(["demo", "--dossiers", "400"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "casetrack-demo.sqlite").exists()
    assert "rows/s" in done.stderr  # progress with a rate
    headings = [line for line in done.stdout.splitlines() if line.startswith("Engagement ")]
    assert [h.split()[1] for h in headings] == ["17", "18", "19"]
    header = done.stdout.splitlines()[done.stdout.splitlines().index(headings[0]) + 1]
    for label in ("Secteur", "Mesurés", "Respectés", "Dépassés", "Taux", "En cours"):
        assert label in header

    # The demo prints what `casetrack report` prints for the same year, block for block.
    report = run(
        [
            "--db",
            "sqlite:///casetrack-demo.sqlite",
            "report",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
        ],
        tmp_path,
    )
    assert report.returncode == 0, report.stderr
    title = report.stdout.splitlines()[0]
    assert title.startswith("Rapport du 01/01/2025 au 31/12/2025, évalué au ")
    assert title in done.stdout
    blocks = report.stdout.split("\n\n", 1)[1]  # after the title and grouping lines
    assert blocks in done.stdout


def test_demo_can_run_twice(tmp_path: Path) -> None:
    assert run(["demo", "--dossiers", "150"], tmp_path).returncode == 0
    again = run(["demo", "--dossiers", "150"], tmp_path)
    assert again.returncode == 0, again.stderr
    assert "started afresh" in again.stderr


def test_generate_writes_weekly_files_named_by_date(tmp_path: Path) -> None:
    done = run(["generate", "--year", "2024", "--dossiers", "200", "--out", "data"], tmp_path)
    assert done.returncode == 0, done.stderr
    piaf = sorted(p.name for p in (tmp_path / "data").glob("piaf_2*.csv"))
    assert piaf[0] == "piaf_20240105.csv"  # the first Friday of 2024
    assert len(list((tmp_path / "data").glob("topvir_*.csv"))) == len(piaf)
