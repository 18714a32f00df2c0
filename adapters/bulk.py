"""Writing a batch of stored events in one transaction, as fast as the backend allows, and
the recorder's table name for the raw reads of ingestion (adapters/rowstate.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteApplicationRecorder


def events_table_of(recorder: Any) -> str:
    """The name of the table where the recorder stores events, as the recorder says it.

    Both of eventsourcing's SQL recorders expose `events_table_name` (checked by
    tests/unit/test_recorder_contract.py, so an upgrade that drops it fails there).
    """
    name = getattr(recorder, "events_table_name", None)
    if not isinstance(name, str) or not name:
        msg = f"{type(recorder).__name__} does not say its events table (events_table_name)"
        raise TypeError(msg)
    return name


#: Events per PostgreSQL insert.
PG_CHUNK: Final = 5_000
#: SQLite page cache while inserting, in KiB.
CACHE_KIB: Final = 64 * 1024


def insert_stored_events(recorder: Any, stored: Sequence[StoredEvent]) -> None:
    """Insert stored events atomically; IntegrityError if any already exists.

    eventsourcing's SQLite application recorder runs one INSERT per event to return
    notification ids, which ingestion never uses; its aggregate recorder's
    `executemany` writes the same rows to the same table in one call, several
    times faster. PostgreSQL's recorder already inserts in bulk.
    """
    if not stored:
        return
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.get_connection(commit=True) as connection:
            settings = connection.cursor()
            # Index pages of a growing store are written all over the file: a larger page
            # cache than SQLite's 2 MB default keeps a yearly load from thrashing.
            settings.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            # In WAL mode NORMAL never corrupts; a power cut may only undo the last
            # batches, which a rerun of the (idempotent) ingest writes again.
            settings.execute("PRAGMA synchronous = NORMAL")
            with connection.transaction(commit=True) as cursor:
                # The one private eventsourcing API casetrack calls (9.5.x): pinned by
                # tests/unit/test_recorder_contract.py, which fails on an upgrade that
                # changes it.
                SQLiteAggregateRecorder._insert_events(recorder, cursor, stored)
        return
    # eventsourcing's PostgreSQL recorder sends one pipelined INSERT of the whole list;
    # past about 20,000 events the client and the server both wait on each other (seen
    # with psycopg 3.3 and eventsourcing 9.5.6), so it gets at most PG_CHUNK at a time.
    # Each chunk commits on its own: a rerun after a failure skips what is stored.
    for start in range(0, len(stored), PG_CHUNK):
        recorder.insert_events(stored[start : start + PG_CHUNK])
