"""Poison in mapped columns, through the real CLI on both backends: NUL, line breaks inside a
quoted field, spreadsheet formulas and full-width digits quarantine their rows with a reason
naming the column and the kind of problem (docs/mapping.md); nothing of them is stored or
printed, and every later command still runs.

Most poisoned values carry the marker PZQX7 (full-width in the full-width number), so a
raw scan of the store and of every output can tell that none of them was kept; the last
three (`@SUM(1+1)`, `+1`, `-1`) are too short to scan for and are checked by their reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.ingest_helpers import (
    PIAF_HEADER,
    TOPVIR_HEADER,
    Run,
    cli,
    piaf_row,
    quarantine_rows,
    release_connections,
    write_rows,
)
from tests.integration.store_scan import found_in, store_bytes

MARKER = "PZQX7"
WIDE_MARKER = "ＰＺＱＸ７"
CONTROL = "control character"
FORMULA = "starts with =, +, -, @ or a tab (a spreadsheet formula)"
NUMBER = "NUM_DOSSIER: not a dossier number (letters, digits, - _ / . ; at most 32)"
YEAR = ("--from", "2025-01-01", "--to", "2025-12-31")
FIRST, FIXED, TOPVIR = "piaf_20250110.csv", "piaf_20250117.csv", "topvir_20250117.csv"
#: (dossier, changed columns, quarantine reason or "" when stored) of each row of the first
#: extract. A row whose number is poisoned is quarantined under no dossier number.
ROWS: list[tuple[str, dict[str, str], str]] = [
    ("2025-13-000001", {}, ""),
    ("2025-13-000002", {"NUM_DOSSIER": f"{MARKER}-\x00-2"}, f"NUM_DOSSIER: {CONTROL}"),
    ("2025-13-000003", {"PRESTATION": f"PL\x00{MARKER}"}, f"PRESTATION: {CONTROL}"),
    ("2025-13-000004", {"DATE_DEPOT": f"02/01/2025\x00{MARKER}"}, f"DATE_DEPOT: {CONTROL}"),
    ("2025-13-000005", {"PRESTATION": f"P\r\n{MARKER}"}, f"PRESTATION: {CONTROL}"),
    ("2025-13-000006", {"PRESTATION": f'=HYPERLINK("http://x","{MARKER}")'},
     f"PRESTATION: {FORMULA}"),
    ("2025-13-000007", {"SECTION": f"@SUM({MARKER})"}, f"SECTION: {FORMULA}"),
    ("2025-13-000008", {"ETAT": f"+{MARKER}"}, f"ETAT: {FORMULA}"),
    ("2025-13-000009", {"DATE_DECISION": "05/02/2025", "SENS_DECISION": f"-{MARKER}"},
     f"SENS_DECISION: {FORMULA}"),
    ("2025-13-000010", {"NUM_DOSSIER": f"-1{MARKER}"}, f"NUM_DOSSIER: {FORMULA}"),
    ("2025-13-000011", {"NUM_DOSSIER": f"２０２５-{WIDE_MARKER}"}, NUMBER),
    ("2025-13-000012", {"PRESTATION": "CSP"}, ""),
    ("2025-13-000013", {"PRESTATION": "@SUM(1+1)"}, f"PRESTATION: {FORMULA}"),
    ("2025-13-000014", {"SECTION": "+1"}, f"SECTION: {FORMULA}"),
    ("2025-13-000015", {"DATE_DEPOT": "-1"}, f"DATE_DEPOT: {FORMULA}"),
]  # fmt: skip


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


def extract(folder: Path, name: str, *, poisoned: bool) -> Path:
    """The extract of ROWS, poisoned or with every row fixed (in UTF-8: full-width digits)."""
    rows = []
    for number, changes, _ in ROWS:
        rows.append(piaf_row(number, **(changes if poisoned else {})))
    return write_rows(folder / name, PIAF_HEADER, rows, encoding="utf-8")


def expected_quarantine() -> set[tuple[str, int, str, str]]:
    """(file, line, dossier, reason) of the poisoned rows: a quoted line break adds a line."""
    found, line = set(), 2
    for number, changes, reason in ROWS:
        if reason:
            found.add((FIRST, line, "" if "NUM_DOSSIER" in changes else number, reason))
        line += 1 + sum(value.count("\r\n") for value in changes.values())
    return found


def run_ok(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> Run:
    run = cli(capsys, "--db", url, "-q", *argv)
    assert run.code == 0, (argv, run.err[-500:])
    return run


def stored_numbers(capsys: pytest.CaptureFixture[str], url: str) -> set[str]:
    out = run_ok(capsys, url, "measures", "--format", "csv").out
    return {row["dossier"] for row in csv.DictReader(io.StringIO(out))}


def test_poisoned_rows_are_quarantined_never_stored_and_every_command_still_runs(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = extract(tmp_path, FIRST, poisoned=True)
    topvir = write_rows(
        tmp_path / TOPVIR,
        TOPVIR_HEADER,
        [
            dict(zip(TOPVIR_HEADER, row, strict=True))
            for row in [
                ("2025-13-000001", "20/01/2025", "L1"),
                (f"2025-{MARKER}\x00", "20/01/2025", "L1"),
                ("2025-13-000012", "20/01/2025", f"={MARKER}"),
                ("2025-13-000012", f"20/01/2025\t{MARKER}", "L2"),
            ]
        ],
    )

    runs = [run_ok(capsys, db_url, "ingest", "piaf", str(first))]
    quarantined = set(quarantine_rows(db_url))
    stored = stored_numbers(capsys, db_url)
    runs.append(run_ok(capsys, db_url, "ingest", "topvir", str(topvir)))
    runs += [
        run_ok(capsys, db_url, "project"),
        run_ok(capsys, db_url, "project", "--rebuild"),
        run_ok(capsys, db_url, "report", *YEAR),
        run_ok(capsys, db_url, "worklist", "--overdue"),
        run_ok(capsys, db_url, "quarantine", "--format", "csv"),
        run_ok(capsys, db_url, "quarantine"),
        run_ok(capsys, db_url, "measures"),
        run_ok(capsys, db_url, "export", "eventlog", "--format", "xes"),
        run_ok(capsys, db_url, "ingest", "piaf", str(first)),  # the same file again
    ]

    assert quarantined == expected_quarantine()
    assert stored == {"2025-13-000001", "2025-13-000012"}
    assert set(quarantine_rows(db_url)) - quarantined == {
        (TOPVIR, 3, "", f"NUM_DOSSIER: {CONTROL}"),
        (TOPVIR, 4, "2025-13-000012", f"LOT: {FORMULA}"),
        (TOPVIR, 5, "2025-13-000012", f"DATE_ORDRE_VIREMENT: {CONTROL}"),
    }
    for run in runs:
        assert found_in((run.out + run.err).encode(), [MARKER, WIDE_MARKER]) == []
    assert found_in(store_bytes(db_url), [MARKER, WIDE_MARKER, "２０２５"]) == []


def test_rows_fixed_in_a_later_extract_come_back_like_any_other(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_ok(capsys, db_url, "ingest", "piaf", str(extract(tmp_path, FIRST, poisoned=True)))

    run_ok(capsys, db_url, "ingest", "piaf", str(extract(tmp_path, FIXED, poisoned=False)))

    assert stored_numbers(capsys, db_url) == {number for number, _, _ in ROWS}
    assert {file for file, _, _, _ in quarantine_rows(db_url)} == {FIRST}
    run_ok(capsys, db_url, "report", *YEAR, "--format", "csv")
