"""Read models left by an older casetrack, whose tables lack today's columns, are rebuilt."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from casetrack.application import DossierTracker
from casetrack.facts import Snapshot
from projections.runner import ReadModels


def test_a_tracking_table_without_the_fingerprint_column_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    tracker = DossierTracker(f"sqlite:///{path}")
    tracker.record(
        "U-1", Snapshot(section="05", prestation="PL", filed_on=date(2025, 3, 3)), date(2025, 3, 7)
    )
    with sqlite3.connect(path) as old:  # version 1 of the read models had no fingerprint
        old.execute(
            "CREATE TABLE projection_tracking (name TEXT PRIMARY KEY, position INTEGER, "
            "schema_version INTEGER, status_as_of DATE)"
        )
        old.execute("INSERT INTO projection_tracking VALUES ('casetrack_read_models', 1, 1, NULL)")
    models = ReadModels(tracker)
    assert not models.is_current()
    result = models.catch_up()
    assert result.rebuilt
    assert models.is_current()
    with sqlite3.connect(path) as new:
        assert new.execute("SELECT number FROM dossier").fetchall() == [("U-1",)]
