"""The recorder's rows: bulk insert, the streams of many dossiers, and the notification log.

Everything here goes through the application's eventsourcing recorder: its public
methods where they carry the speed, its own connection (`datastore.transaction`) for
the reads they lack and the PostgreSQL COPY, and one private method, named where it
is called. No SQL driver is imported: the domain core stays free of them. The SQL below
reads and writes only the columns every eventsourcing recorder has, in the table the
recorder names.
tests/unit/test_recorder_contract.py pins each of these uses, so an eventsourcing
upgrade that changes one fails there, not in a store.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteApplicationRecorder

#: The events table of eventsourcing's SQLite factory: the files casetrack may open are
#: recognised by it before any recorder exists (adapters/sqlitecheck.py); the contract
#: test checks a recorder says the same.
SQLITE_EVENTS_TABLE: Final = "stored_events"
#: SQLite page cache while inserting, in KiB.
CACHE_KIB: Final = 64 * 1024
#: Streams per read of many streams: well under SQLite's 32,766 bound parameters.
STREAM_CHUNK: Final = 900
#: Notifications read per page when folding the whole store.
PAGE_SIZE: Final = 5000


def events_table_of(recorder: Any) -> str:
    """The name of the table where the recorder stores events, as the recorder says it.

    Both of eventsourcing's SQL recorders expose `events_table_name`.
    """
    name = getattr(recorder, "events_table_name", None)
    if not isinstance(name, str) or not name:
        msg = f"{type(recorder).__name__} does not say its events table (events_table_name)"
        raise TypeError(msg)
    return name


def insert_stored_events(recorder: Any, stored: Sequence[StoredEvent]) -> None:
    """Insert stored events atomically; IntegrityError if any already exists.

    eventsourcing's SQLite application recorder runs one INSERT per event to return
    notification ids, which ingestion never uses; its aggregate recorder's
    `executemany` writes the same rows to the same table in one call, several
    times faster. On PostgreSQL, a COPY (`_copy_events`).
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
    _copy_events(recorder, stored)


def _copy_events(recorder: Any, stored: Sequence[StoredEvent]) -> None:
    """Insert stored events into PostgreSQL by COPY, in one transaction.

    eventsourcing's PostgreSQL recorder inserts an array of a composite type, which
    psycopg escapes field by field in Python: over half a first load's time. COPY
    writes the same columns of the recorder's own table, through the recorder's own
    connection (which turns a duplicate key into eventsourcing's IntegrityError). Before
    it, the recorder's own lock statements (`lock_table_statements`: EXCLUSIVE mode, so
    that notification ids commit in the order they were issued and a reader of the log
    never passes a gap filled later) and its NOTIFY, as its insert runs them.
    tests/unit/test_recorder_contract.py pins both attributes.
    """
    table = f"{_quoted(recorder.datastore.schema)}.{_quoted(events_table_of(recorder))}"
    with recorder.datastore.transaction(commit=True) as cursor:
        for statement in recorder.lock_table_statements:
            cursor.execute(statement)
        cursor.execute(f"NOTIFY {_quoted(recorder.channel_name)}")
        columns = "originator_id, originator_version, topic, state"
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for event in stored:
                copy.write_row(
                    (event.originator_id, event.originator_version, event.topic, event.state)
                )


def select_streams(recorder: Any, ids: Sequence[UUID]) -> Iterator[StoredEvent]:
    """Every stored event of these streams, each stream in version order.

    The recorders read one stream per query (`select_events`); ingestion reads the
    streams of a whole batch, so this asks for them a chunk at a time, through the
    recorder's own connection and table.
    """
    sqlite = isinstance(recorder, SQLiteAggregateRecorder)
    table = events_table_of(recorder)
    for start in range(0, len(ids), STREAM_CHUNK):
        part = ids[start : start + STREAM_CHUNK]
        params: list[Any]
        if sqlite:
            # eventsourcing 9.5 keeps SQLite stream ids as 32 hex digits (select_events
            # binds `originator_id.hex`); its `convert_originator_id` reads them back.
            marks = ",".join("?" * len(part))
            where, params = f"{table} WHERE originator_id IN ({marks})", [i.hex for i in part]
        else:
            schema = recorder.datastore.schema
            where = f"{_quoted(schema)}.{_quoted(table)} WHERE originator_id = ANY(%s)"
            params = [list(part)]
        statement = (
            f"SELECT originator_id, originator_version, topic, state FROM {where} "
            "ORDER BY originator_id, originator_version"
        )
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, params)
            rows = cursor.fetchall()
        for row in rows:
            ident = row["originator_id"]
            yield StoredEvent(
                originator_id=recorder.convert_originator_id(ident) if sqlite else ident,
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )


#: One row of the notification log as stored: notification id, stream id (32 hex digits on
#: SQLite, a UUID on PostgreSQL), version, topic, state; read by position (on SQLite, the
#: recorder's connections give `sqlite3.Row`, which also reads by position).
LogRow = Sequence[Any]


def log_pages(
    recorder: Any, start: int, stop: int, size: int = PAGE_SIZE
) -> Iterator[list[LogRow]]:
    """The notification log from `start` to `stop` (inclusive), in pages of rows as stored.

    `select_notifications` builds a Notification per event and, on SQLite, a UUID from
    the stored hex digits: a year's rebuild reads 800,000 events of 150,000 streams,
    and that conversion alone took a quarter of its reading. A fold needs the id only to
    tell streams apart, so these rows keep it as stored; `FactsFolder.results` converts
    each stream's once. Same table, columns and order as the recorder's own read.
    """
    sqlite = isinstance(recorder, SQLiteAggregateRecorder)
    table = events_table_of(recorder)
    if sqlite:
        statement = (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {table} "
            "WHERE rowid >= ? AND rowid <= ? ORDER BY rowid LIMIT ?"
        )
    else:
        statement = (
            "SELECT notification_id, originator_id, originator_version, topic, state "
            f"FROM {_quoted(recorder.datastore.schema)}.{_quoted(table)} "
            "WHERE notification_id >= %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        )
    position = start
    while position <= stop:
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, (position, stop, size))
            if sqlite:
                page: list[LogRow] = cursor.fetchall()
            else:  # psycopg's rows of the recorder read by name only
                page = [
                    (
                        row["notification_id"],
                        row["originator_id"],
                        row["originator_version"],
                        row["topic"],
                        bytes(row["state"]),
                    )
                    for row in cursor.fetchall()
                ]
        if not page:
            return
        yield page
        position = page[-1][0] + 1


def iter_notifications(recorder: Any, start: int = 1) -> Iterator[Notification]:
    """Every stored event from notification `start` on, read in pages (public API)."""
    position = start
    while True:
        page = recorder.select_notifications(position, PAGE_SIZE)
        if not page:
            return
        yield from page
        position = page[-1].id + 1


def _quoted(identifier: str) -> str:
    # PostgreSQL's quoting of an identifier (the recorder checked its length already).
    return '"' + identifier.replace('"', '""') + '"'
