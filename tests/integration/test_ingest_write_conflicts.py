"""A batch that loses a race with another writer reloads its dossiers and saves again.

Ingestion holds the store's ingest lock, but the Python API (`DossierTracker.record`,
`record_transfer`) writes without it: a batch can find that a dossier it loaded has
gained events before its own are stored. Both PIAF and TOPVIR batches then reload and
record again, up to three attempts, and the dossier ends with both writers' facts. A
writer that keeps winning gets a clear refusal, and nothing of the file is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.ingest import Ingestor
from casetrack.application import DossierTracker
from casetrack.errors import InputRefused
from casetrack.facts import Snapshot
from tests.integration.ingest_helpers import (
    cli,
    piaf_row,
    release_connections,
    write_piaf,
    write_topvir,
)

FILED = date(2025, 1, 2)
DECIDED = date(2025, 2, 10)


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


def decided_store(tracker: DossierTracker, tmp_path: Path) -> Ingestor:
    """D1 and D2 filed and decided (accord) by an extract of 2025-02-14."""
    rows = [
        piaf_row(
            number,
            DATE_DEPOT="02/01/2025",
            DATE_DOSSIER_COMPLET="20/01/2025",
            DATE_DECISION="10/02/2025",
            SENS_DECISION="ACCORD",
            DATE_NOTIFICATION="11/02/2025",
        )
        for number in ("D1", "D2")
    ]
    ingestor = Ingestor(tracker)
    ingestor.ingest_piaf(write_piaf(tmp_path / "piaf_20250214.csv", rows))
    return ingestor


def interfere(ingestor: Ingestor, times: int, write: Callable[[], object]) -> list[int]:
    """Make another writer's `write` land just after the batch's first `times` loads."""
    load = ingestor._load
    calls: list[int] = []

    def racing_load(*args: Any, **kwargs: Any) -> Any:
        loaded = load(*args, **kwargs)
        calls.append(len(calls))
        if len(calls) <= times:
            write()
        return loaded

    ingestor._load = racing_load  # type: ignore[method-assign]
    return calls


def test_a_topvir_batch_that_lost_a_race_reloads_and_keeps_the_earliest_order(
    tracker: DossierTracker, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ingestor = decided_store(tracker, tmp_path)
    other = DossierTracker(db_url)
    try:
        # The other writer orders D1's transfer on 03-10, after this file's 03-05 order.
        calls = interfere(
            ingestor,
            1,
            lambda: other.record_transfer("D1", date(2025, 3, 10), "L9", date(2025, 3, 11)),
        )
        path = tmp_path / "topvir_20250307.csv"
        orders = [("D1", "05/03/2025", "L1"), ("D2", "06/03/2025", "L1")]
        with caplog.at_level(logging.WARNING, logger="casetrack.ingest"):
            summary = ingestor.ingest_topvir(write_topvir(path, orders))
    finally:
        other.close()
    assert len(calls) == 2, "the batch loads once, loses the race, and loads again"
    assert "version conflict on a batch of 2 transfers (attempt 1 of 3)" in caplog.text
    d1, d2 = tracker.facts("D1"), tracker.facts("D2")
    assert d1 is not None and d2 is not None
    # The earliest order stands, whichever writer recorded it.
    assert d1.ordered_on == date(2025, 3, 5)
    assert d2.ordered_on == date(2025, 3, 6)
    assert summary.quarantined_rows == 0
    # Each dossier's versions are gapless: nothing was overwritten or lost.
    for number in ("D1", "D2"):
        versions = [e.originator_version for e in tracker.history(number)]
        assert versions == list(range(1, len(versions) + 1))


def test_a_piaf_batch_that_lost_a_race_reloads_and_records_its_newer_snapshot(
    tracker: DossierTracker, db_url: str, tmp_path: Path
) -> None:
    ingestor = decided_store(tracker, tmp_path)
    other = DossierTracker(db_url)
    # The other writer's snapshot, of 02-21, says D1 was notified on 02-12.
    snapshot = Snapshot(
        "05", "PL", FILED, completed_on=date(2025, 1, 20), decided_on=DECIDED, outcome="ACCORD",
        notified_on=date(2025, 2, 12),
    )  # fmt: skip
    try:
        calls = interfere(ingestor, 1, lambda: other.record("D1", snapshot, date(2025, 2, 21)))
        row = piaf_row(
            "D1",
            DATE_DOSSIER_COMPLET="20/01/2025",
            DATE_DECISION="10/02/2025",
            SENS_DECISION="ACCORD",
            DATE_NOTIFICATION="11/02/2025",
            DATE_VIREMENT="20/02/2025",
            ETAT="PAYE",
        )
        ingestor.ingest_piaf(write_piaf(tmp_path / "piaf_20250228.csv", [row]))
    finally:
        other.close()
    assert len(calls) == 2, "the batch loads once, loses the race, and loads again"
    facts = tracker.facts("D1")
    assert facts is not None
    # The extract of 02-28 is the newest snapshot: its values stand over the other's.
    assert (facts.notified_on, facts.ordered_on) == (date(2025, 2, 11), date(2025, 2, 20))
    history = tracker.history("D1")
    assert {e.known_on for e in history} == {
        date(2025, 2, 14),
        date(2025, 2, 21),
        date(2025, 2, 28),
    }
    versions = [e.originator_version for e in history]
    assert versions == list(range(1, len(versions) + 1))


def test_a_writer_that_wins_every_race_gets_a_refusal_and_the_file_stores_nothing(
    tracker: DossierTracker, db_url: str, tmp_path: Path
) -> None:
    ingestor = decided_store(tracker, tmp_path)
    other = DossierTracker(db_url)
    days = iter(range(20, 10, -1))  # each order earlier than the last: a new event
    try:
        interfere(
            ingestor,
            3,
            lambda: other.record_transfer("D1", date(2025, 3, next(days)), "L9", date(2025, 3, 25)),
        )
        before = len(tracker.history("D2"))
        path = write_topvir(
            tmp_path / "topvir_20250307.csv",
            [("D1", "05/03/2025", "L1"), ("D2", "06/03/2025", "L1")],
        )
        with pytest.raises(InputRefused, match="another writer keeps changing it; rerun"):
            ingestor.ingest_topvir(path)
    finally:
        other.close()
    d2 = tracker.facts("D2")
    assert d2 is not None and d2.ordered_on is None
    assert len(tracker.history("D2")) == before
    # The rerun, without the other writer, applies the file.
    ingestor._load = Ingestor._load.__get__(ingestor)  # type: ignore[method-assign]
    ingestor.ingest_topvir(path)
    d1, d2 = tracker.facts("D1"), tracker.facts("D2")
    assert d1 is not None and d2 is not None
    assert (d1.ordered_on, d2.ordered_on) == (date(2025, 3, 5), date(2025, 3, 6))


def test_the_command_stops_with_exit_2_on_lost_races_and_its_rerun_applies_the_file(
    tracker: DossierTracker,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decided_store(tracker, tmp_path)
    other = DossierTracker(db_url)
    days = iter(range(20, 10, -1))
    load = Ingestor._load

    def racing_load(self: Ingestor, *args: Any, **kwargs: Any) -> Any:
        loaded = load(self, *args, **kwargs)
        other.record_transfer("D1", date(2025, 3, next(days)), "L9", date(2025, 3, 25))
        return loaded

    path = write_topvir(
        tmp_path / "topvir_20250307.csv", [("D1", "05/03/2025", "L1"), ("D2", "06/03/2025", "L1")]
    )
    try:
        with monkeypatch.context() as patch:
            patch.setattr(Ingestor, "_load", racing_load)
            run = cli(capsys, "--db", db_url, "-q", "ingest", "topvir", str(path))
    finally:
        other.close()
    assert run.code == 2, run.err
    assert "another writer keeps changing it; rerun" in run.err
    assert "Traceback" not in run.err
    d2 = tracker.facts("D2")
    assert d2 is not None and d2.ordered_on is None
    again = cli(capsys, "--db", db_url, "-q", "ingest", "topvir", str(path))
    assert again.code == 0, again.err
    d1, d2 = tracker.facts("D1"), tracker.facts("D2")
    assert d1 is not None and d2 is not None
    assert (d1.ordered_on, d2.ordered_on) == (date(2025, 3, 5), date(2025, 3, 6))
