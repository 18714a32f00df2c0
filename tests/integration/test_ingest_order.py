"""Extracts given in any order on the command line are ingested in extraction-date order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from casetrack.application import DossierTracker
from casetrack.cli import main

HEADER = "NUM_DOSSIER;SECTION;PRESTATION;DATE_DEPOT;DATE_PREMIERE_INFO\n"


def test_files_given_newest_first_are_ingested_oldest_first(tmp_path: Path) -> None:
    older = tmp_path / "piaf_20250307.csv"
    newer = tmp_path / "piaf_20250314.csv"
    older.write_text(HEADER + "O-1;13;PL;03/03/2025;04/03/2025\n", encoding="utf-8")
    newer.write_text(HEADER + "O-1;13;PL;03/03/2025;05/03/2025\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert main(["--db", url, "-q", "ingest", "piaf", "--no-project", str(newer), str(older)]) == 0
    tracker = DossierTracker(url)
    facts = tracker.facts("O-1")
    assert facts is not None and facts.first_info_on == date(2025, 3, 5)
    known_then = tracker.facts("O-1", known_at=date(2025, 3, 7))
    assert known_then is not None and known_then.first_info_on == date(2025, 3, 4)
