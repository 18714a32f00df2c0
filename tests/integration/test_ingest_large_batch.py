"""A first load larger than one insert's worth of events completes, on both backends.

On PostgreSQL a single pipelined insert of ~25,000 events used to wait forever (client
and server each waiting on the other); the test runs in a subprocess with a timeout so
that such a hang fails instead of stalling the suite.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent

from adapters import ingest as ingest_module
from adapters.ingest import Ingestor
from adapters.synthetic import generate
from casetrack.application import DossierTracker
from casetrack.eventstore import insert_stored_events
from tests.integration.ingest_helpers import piaf_row, write_piaf


def test_a_full_extract_of_several_thousand_new_dossiers_loads(db_url: str, tmp_path: Path) -> None:
    files = generate(tmp_path / "data", year=2025, dossiers=6500, seed=11, full_extract=True)
    assert files.full is not None
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "casetrack.cli",
            "--db",
            db_url,
            "-q",
            "ingest",
            "piaf",
            "--no-project",
            str(files.full),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    tracker = DossierTracker(db_url)
    try:
        filed = [n for n in tracker.iter_notifications() if n.topic.endswith(".Filed")]
        rows = files.full.read_text(encoding="cp1252").splitlines()
        # Header and footer aside, every row of the full extract files one dossier,
        # unless quarantined.
        quarantined = subprocess.run(
            [
                sys.executable,
                "-m",
                "casetrack.cli",
                "--db",
                db_url,
                "quarantine",
                "--format",
                "csv",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.splitlines()[1:]
        assert len(filed) + len(quarantined) == len(rows) - 2
        assert len(filed) > 6000
    finally:
        tracker.close()


def test_an_extract_is_written_in_transactions_of_at_most_one_batch(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Memory stays flat and an interruption loses at most one batch only if every kind of
    # row (first rows, repeats, rows without a number) counts towards the batch.
    rows = [piaf_row(f"D{i:03d}") for i in range(47)]
    rows[5:5] = [piaf_row("D003")]  # an identical repeat
    rows[20:20] = [piaf_row("")]  # no number: quarantined
    path = write_piaf(tmp_path / "piaf_20250110.csv", rows)
    written: list[int] = []

    def counted(recorder: object, stored: Sequence[StoredEvent]) -> None:
        written.append(len({s.originator_id for s in stored}))
        insert_stored_events(recorder, stored)

    monkeypatch.setattr(ingest_module, "insert_stored_events", counted)
    tracker = DossierTracker(db_url)
    try:
        summary = Ingestor(tracker, batch_size=10).ingest_piaf(path)
    finally:
        tracker.close()
    assert summary.dossiers_created == 47
    # 47 dossiers and a row without a number, 10 rows per batch: 5 transactions.
    assert len(written) == 5
    assert max(written) <= 10
    assert sum(written) == 47
