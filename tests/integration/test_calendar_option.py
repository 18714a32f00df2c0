"""Closure days from `--calendar`: measures count them, read models follow the calendar."""

from __future__ import annotations

from pathlib import Path

import pytest

from casetrack.cli import main

EXTRACT = (
    "NUM_DOSSIER;SECTION;PRESTATION;DATE_DEPOT;DATE_PREMIERE_INFO;DATE_DEUXIEME_INFO\n"
    "A1;13;PL;03/03/2025;04/03/2025;13/03/2025\n"
    "B1;05;PL;03/03/2025;04/03/2025;13/03/2025\n"
)
CALENDAR = 'closures = [2025-03-05]\n[sections]\n"13" = [2025-03-06]\n'


def measures(db: Path, capsys: pytest.CaptureFixture[str], *options: str) -> list[str]:
    assert main(["--db", f"sqlite:///{db}", *options, "measures", "--format", "csv"]) == 0
    return capsys.readouterr().out.splitlines()[1:]


def test_closure_days_lengthen_working_day_delays_per_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "piaf_20250314.csv").write_text(EXTRACT, encoding="utf-8")
    (tmp_path / "closures.toml").write_text(CALENDAR, encoding="utf-8")
    db = tmp_path / "store.sqlite"
    calendar = ("--calendar", str(tmp_path / "closures.toml"))
    assert (
        main(
            [
                "--db",
                f"sqlite:///{db}",
                "-q",
                *calendar,
                "ingest",
                "piaf",
                str(tmp_path / "piaf_20250314.csv"),
            ]
        )
        == 0
    )
    # From Tue 4 March. A1 (section 13): 5th (city) and 6th (section) closed, so
    # 7, 10, 11, 12, 13 = 5 working days; due is the 7th: 7,10,11,12,13,14,17 -> 17 March.
    # B1 (section 05): only the 5th closed: 6, 7, 10, 11, 12, 13 = 6; due 14 March.
    assert measures(db, capsys, *calendar) == [
        "A1,13,PL,19,2025-03-04,2025-03-13,2025-03-17,5,met",
        "B1,05,PL,19,2025-03-04,2025-03-13,2025-03-14,6,met",
    ]
    # Without closure days, read models computed with the other calendar are not used.
    # 5, 6, 7, 10, 11, 12, 13 = 7 working days for both; due 13 March.
    assert measures(db, capsys) == [
        "A1,13,PL,19,2025-03-04,2025-03-13,2025-03-13,7,met",
        "B1,05,PL,19,2025-03-04,2025-03-13,2025-03-13,7,met",
    ]
