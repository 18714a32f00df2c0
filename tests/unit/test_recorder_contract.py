"""What casetrack takes from eventsourcing's recorders beyond their abstract interface.

An upgrade of the library that renames one of these fails here, not silently in a store.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import SQLiteAggregateRecorder

from casetrack.application import DossierTracker
from casetrack.eventstore import events_table_of, insert_stored_events
from tests.conftest import drop_postgres_schema, new_postgres_schema, postgres_base_url


def test_the_sqlite_recorder_names_the_table_casetrack_reads(tmp_path: Path) -> None:
    tracker = DossierTracker(f"sqlite:///{tmp_path / 'store.sqlite'}")
    try:
        assert events_table_of(tracker.recorder) == "stored_events"
    finally:
        tracker.close()


@pytest.fixture
def postgres_tracker() -> Iterator[DossierTracker]:
    """A tracker on a fresh PostgreSQL schema (skipped without a server)."""
    base = postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL tests need CASETRACK_TEST_POSTGRES_URL (.ci/run sets it)")
    url, schema = new_postgres_schema(base)
    tracker = DossierTracker(url)
    try:
        yield tracker
    finally:
        tracker.close()
        drop_postgres_schema(base, schema)


def test_the_postgresql_recorder_names_the_table_casetrack_reads(
    postgres_tracker: DossierTracker,
) -> None:
    assert events_table_of(postgres_tracker.recorder) == "casetrack_events"


def test_the_private_bulk_insert_casetrack_calls_keeps_its_signature(tmp_path: Path) -> None:
    # casetrack/eventstore/records.py calls SQLiteAggregateRecorder._insert_events(recorder,
    # cursor, stored)
    # for SQLite batches: a private method, so an eventsourcing upgrade may change it.
    signature = inspect.signature(SQLiteAggregateRecorder._insert_events)
    assert list(signature.parameters)[:3] == ["self", "c", "stored_events"]
    tracker = DossierTracker(f"sqlite:///{tmp_path / 'store.sqlite'}")
    try:
        stored = [StoredEvent(originator_id=uuid4(), originator_version=1, topic="t", state=b"{}")]
        insert_stored_events(tracker.recorder, stored)
        found = tracker.recorder.select_events(stored[0].originator_id)
        assert [(e.originator_version, e.topic, e.state) for e in found] == [(1, "t", b"{}")]
    finally:
        tracker.close()


def test_the_recorder_parts_the_bulk_stream_read_uses_are_there(tmp_path: Path) -> None:
    # casetrack/eventstore/records.py reads many streams through the recorder's own
    # connection and converts SQLite's stored ids back as the recorder does; the
    # backend comparison is tests/integration/test_event_store_boundary.py.
    tracker = DossierTracker(f"sqlite:///{tmp_path / 'store.sqlite'}")
    try:
        recorder = tracker.recorder
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT 1 AS one")
            assert cursor.fetchall()[0]["one"] == 1
        ident = uuid4()
        assert recorder.convert_originator_id(ident.hex) == ident
    finally:
        tracker.close()


def test_a_recorder_that_does_not_name_its_table_is_refused() -> None:
    with pytest.raises(TypeError, match="events_table_name"):
        events_table_of(object())


def test_the_postgresql_recorder_parts_the_copy_insert_uses_are_there(
    postgres_tracker: DossierTracker,
) -> None:
    # casetrack/eventstore/records.py inserts PostgreSQL batches by COPY into the
    # recorder's table, after the recorder's own lock statements and NOTIFY: an upgrade
    # that renames them, or stops locking the table in EXCLUSIVE mode, fails here.
    recorder: Any = postgres_tracker.recorder
    with recorder.datastore.get_connection() as conn:
        locks = [statement.as_string(conn) for statement in recorder.lock_table_statements]
    assert any("LOCK TABLE" in s and "IN EXCLUSIVE MODE" in s for s in locks), locks
    assert recorder.channel_name == events_table_of(recorder)
    ident = uuid4()
    stored = [
        StoredEvent(originator_id=ident, originator_version=v, topic="t", state=b"\x00{}")
        for v in (1, 2)
    ]
    insert_stored_events(recorder, stored)
    found = recorder.select_events(ident)
    assert [(e.originator_version, e.topic, e.state) for e in found] == [
        (1, "t", b"\x00{}"),
        (2, "t", b"\x00{}"),
    ]
    # Notification ids are issued as the recorder's own insert issues them.
    notified = recorder.select_notifications(1, 10)
    assert [n.originator_version for n in notified] == [1, 2]
    assert notified[0].id < notified[1].id
    # A duplicate raises eventsourcing's IntegrityError, which ingestion retries on.
    with pytest.raises(IntegrityError):
        insert_stored_events(recorder, stored[1:])
    assert len(recorder.select_events(ident)) == 2
