"""The fast encoding of new dossiers stores exactly what the aggregate path stores.

Compared with the mapper's encoding and with what `app.save()` wrote to a store, apart
from timestamps; the library reads the fast path's events back through its repository.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from casetrack.application import DossierTracker, open_dossier
from casetrack.dossier import Dossier, dossier_id
from casetrack.eventstore import NewDossierEncoder
from casetrack.facts import Snapshot
from tests.strategies import snapshots

TRACKER = DossierTracker("sqlite:///:memory:")
STAMP = datetime(2025, 3, 14, 17, 30, tzinfo=UTC)
numbers = st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != "")


def without_timestamp(state: bytes) -> dict[str, object]:
    decoded = json.loads(state)
    decoded.pop("timestamp")
    return decoded


@given(numbers, snapshots())
def test_fast_encoding_equals_the_aggregate_path(number: str, snapshot: Snapshot) -> None:
    known_on = date(2025, 3, 14)
    slow = [
        TRACKER.mapper.to_stored_event(e)
        for e in open_dossier(number, snapshot, known_on).collect_events()
    ]
    fast = NewDossierEncoder(TRACKER.mapper).encode(number, snapshot, known_on, STAMP)
    assert [(s.originator_id, s.originator_version, s.topic) for s in fast] == [
        (s.originator_id, s.originator_version, s.topic) for s in slow
    ]
    assert [without_timestamp(s.state) for s in fast] == [without_timestamp(s.state) for s in slow]
    decoded = [TRACKER.mapper.to_domain_event(s) for s in fast]
    assert all(e.timestamp == STAMP for e in decoded)


@contextmanager
def fresh_tracker() -> Iterator[DossierTracker]:
    """A tracker on an empty SQLite file of its own (hypothesis examples share no fixture)."""
    with tempfile.TemporaryDirectory() as folder:
        app = DossierTracker(f"sqlite:///{Path(folder) / 'store.sqlite'}")
        try:
            yield app
        finally:
            app.close()


def saved_and_fast(
    number: str, snapshot: Snapshot, known_on: date
) -> tuple[list[StoredEvent], list[StoredEvent]]:
    """Stored events of a new dossier as `app.save()` wrote them, and as the fast path encodes."""
    with fresh_tracker() as app:
        app.save(open_dossier(number, snapshot, known_on))
        saved = list(app.recorder.select_events(dossier_id(number)))
        fast = NewDossierEncoder(app.mapper).encode(number, snapshot, known_on, STAMP)
    return saved, fast


@given(numbers, snapshots())
def test_fast_encoding_equals_what_app_save_stores_and_reads_back_through_the_repository(
    number: str, snapshot: Snapshot
) -> None:
    known_on = date(2025, 3, 14)
    saved, fast = saved_and_fast(number, snapshot, known_on)
    with fresh_tracker() as app:
        app.recorder.insert_events(fast)
        read: Dossier = app.repository.get(dossier_id(number))

    assert [(s.originator_id, s.originator_version, s.topic) for s in fast] == [
        (s.originator_id, s.originator_version, s.topic) for s in saved
    ]
    assert [without_timestamp(s.state) for s in fast] == [without_timestamp(s.state) for s in saved]
    assert read.facts == open_dossier(number, snapshot, known_on).facts
    assert read.version == len(saved)


def test_payment_ordered_is_stored_at_version_2_by_both_paths() -> None:
    snapshot = Snapshot(
        section="05",
        prestation="PL",
        filed_on=date(2025, 1, 6),
        decided_on=date(2025, 2, 3),
        outcome="ACCORD",
        notified_on=date(2025, 2, 4),
        ordered_on=date(2025, 2, 10),
    )
    saved, fast = saved_and_fast("D1", snapshot, date(2025, 2, 14))

    payments = [
        without_timestamp(s.state) for s in (*saved, *fast) if s.topic.endswith(".PaymentOrdered")
    ]
    expected = {
        "ordered_on": {"_type_": "date_iso", "_data_": "2025-02-10"},
        "batch": None,
        "source": "piaf",
        "known_on": {"_type_": "date_iso", "_data_": "2025-02-14"},
        "class_version": 2,
    }
    assert payments == [expected, expected]
