"""The event-store boundary (casetrack.eventstore) reads what the library reads, on both backends.

Its bulk reads and decoding are checked against eventsourcing's own per-stream reads
and `to_domain_event`; a payload type the fast paths do not write themselves goes
through the application's transcoder both ways.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from attrs import evolve
from eventsourcing.persistence import StoredEvent

from casetrack.application import DossierTracker, open_dossier
from casetrack.dossier import Dossier, dossier_id
from casetrack.eventstore import (
    SQLITE_EVENTS_TABLE,
    NewDossierEncoder,
    events_table_of,
    insert_stored_events,
    select_streams,
)
from casetrack.facts import Snapshot
from tests.integration.ingest_helpers import release_connections

STAMP = datetime(2025, 3, 14, 17, 30, tzinfo=UTC)
KNOWN = date(2025, 3, 14)
FULL = Snapshot(
    section="75113",
    prestation="PL",
    filed_on=date(2025, 1, 2),
    first_info_on=date(2025, 1, 3),
    second_info_on=date(2025, 1, 9),
    completed_on=date(2025, 1, 20),
    decided_on=date(2025, 2, 3),
    notified_on=date(2025, 2, 4),
    outcome="ACCORD",
    ordered_on=date(2025, 2, 12),
    closed=False,
)


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


def rows(events: list[StoredEvent]) -> list[tuple[UUID, int, str, bytes]]:
    return [(UUID(str(e.originator_id)), e.originator_version, e.topic, e.state) for e in events]


def test_many_streams_read_at_once_equal_the_recorders_reads_one_by_one(
    tracker: DossierTracker,
) -> None:
    numbers = [f"N{i:04d}" for i in range(2_000)]  # more than one chunk of streams
    encoder = NewDossierEncoder(tracker.mapper)
    insert_stored_events(
        tracker.recorder, [s for n in numbers for s in encoder.encode(n, FULL, KNOWN, STAMP)]
    )
    # One stream longer than the others: a decision corrected later.
    assert tracker.record("N0006", evolve(FULL, outcome="REJET"), date(2025, 3, 21)) == 1
    wanted = [dossier_id(n) for n in numbers[::3]] + [dossier_id("never filed")]
    expected = [e for i in wanted for e in tracker.recorder.select_events(i)]
    found = list(select_streams(tracker.recorder, wanted))
    assert sorted(rows(found)) == sorted(rows(expected))
    assert len(found) == 667 * 6 + 1  # six events per new dossier, and the correction
    # Each stream in version order, as a fold needs it.
    versions: dict[UUID, list[int]] = {}
    for e in found:
        versions.setdefault(UUID(str(e.originator_id)), []).append(e.originator_version)
    assert all(v == sorted(v) for v in versions.values())


def test_the_recorder_names_its_table_and_sqlite_names_the_one_casetrack_recognises(
    tracker: DossierTracker, db_url: str
) -> None:
    table = events_table_of(tracker.recorder)
    if db_url.startswith("sqlite"):
        assert table == SQLITE_EVENTS_TABLE
    else:
        assert table == "casetrack_events"


def test_event_state_is_what_to_domain_event_builds(tracker: DossierTracker) -> None:
    dossier = open_dossier("D1", FULL, KNOWN)
    tracker.save(dossier)
    for stored in tracker.recorder.select_events(dossier_id("D1")):
        cls, state = tracker.mapper.event_state(stored.topic, stored.state)
        event = tracker.mapper.to_domain_event(stored)
        assert cls is type(event)
        expected = {
            k: v for k, v in vars(event).items() if k not in ("originator_id", "originator_version")
        }
        assert state == expected


class WithAmount(Dossier.Event):
    """A test-only event carrying a payload type no dossier event carries (Decimal)."""

    amount: Decimal
    known_on: date


def test_a_payload_type_the_fast_paths_do_not_write_goes_through_the_transcoder(
    tracker: DossierTracker,
) -> None:
    encoder = NewDossierEncoder(tracker.mapper)
    assert encoder._json(Decimal("12.50")) == '{"_type_":"decimal_str","_data_":"12.50"}'
    assert json.loads(encoder._json(STAMP)) == {
        "_type_": "datetime_iso",
        "_data_": STAMP.isoformat(),
    }
    stored = tracker.mapper.to_stored_event(
        WithAmount(
            originator_id=dossier_id("D1"),
            originator_version=2,
            timestamp=STAMP,
            amount=Decimal("12.50"),
            known_on=KNOWN,
        )
    )
    cls, state = tracker.mapper.event_state(stored.topic, stored.state)
    assert cls is WithAmount
    assert state["amount"] == Decimal("12.50")
    assert state["timestamp"] == STAMP
