"""Baselines measured in the same run: raw SQL limits and plain eventsourcing peers."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final
from uuid import UUID

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect

from adapters.errors import RowError
from adapters.piaf_reader import PiafReader
from adapters.sql_engine import engine_for
from benchmarks.progress import step
from benchmarks.results import Measurement
from benchmarks.stores import Stores
from benchmarks.workloads import Context, timed
from casetrack.application import DossierTracker, open_dossier
from casetrack.dossier import Dossier, fold, restore
from casetrack.facts import Facts
from casetrack.persistence import parse_url

#: Rows per executemany transaction of the raw insert.
RAW_BATCH: Final = 25_000
#: The one-by-one baselines stop after this long (the first run sets the count for all):
#: their per-item cost does not depend on the store's size, so the rate extrapolates.
TIME_CAP: Final = 20.0
EventRow = tuple[Any, int, str, bytes]
_FACTS: Final = (
    "number", "section", "prestation", "filed_on", "first_info_on", "second_info_on",
    "completed_on", "decided_on", "notified_on", "outcome", "ordered_on", "batch", "closed_on",
)  # fmt: skip


@contextmanager
def dbapi(url: str) -> Iterator[Any]:
    """A raw driver connection to a store (sqlite3, or psycopg on the store's schema)."""
    db = parse_url(url)
    if db.backend == "sqlite":
        connection: Any = sqlite3.connect(str(db.path))
    else:
        import psycopg

        base = url.split("?", 1)[0]
        connection = psycopg.connect(base, options=f"-csearch_path={db.schema}")
    try:
        yield connection
    finally:
        connection.close()


def events_table(url: str) -> str:
    """eventsourcing's events table of a store."""
    return "stored_events" if parse_url(url).backend == "sqlite" else "casetrack_events"


def read_event_rows(url: str) -> list[EventRow]:
    """Every stored event as (originator_id, originator_version, topic, state)."""
    order = "rowid" if parse_url(url).backend == "sqlite" else "notification_id"
    with dbapi(url) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT originator_id, originator_version, topic, state "
            f"FROM {events_table(url)} ORDER BY {order}"
        )
        return [(i, v, t, bytes(s)) for i, v, t, s in cursor.fetchall()]


def raw_read(url: str) -> int:
    """SELECT every event and json.loads its state: the read limit of a rebuild."""
    order = "rowid" if parse_url(url).backend == "sqlite" else "notification_id"
    count = 0
    with dbapi(url) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT originator_id, originator_version, topic, state "
            f"FROM {events_table(url)} ORDER BY {order}"
        )
        while rows := cursor.fetchmany(10_000):
            for row in rows:
                json.loads(row[3])
            count += len(rows)
    return count


def raw_insert_sqlite(path: Any, rows: Sequence[EventRow]) -> None:
    """executemany into a fresh file with eventsourcing's schema: WAL, 25,000 rows a batch."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    # The same durability as casetrack's bulk insert (NORMAL is safe in WAL mode).
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    for start in range(0, len(rows), RAW_BATCH):
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO stored_events VALUES (?, ?, ?, ?)", rows[start : start + RAW_BATCH]
        )
        connection.execute("COMMIT")
    connection.close()


def raw_insert_postgres(url: str, rows: Sequence[EventRow]) -> None:
    """executemany into a fresh table of the store's schema, 25,000 rows a transaction."""
    with dbapi(url) as connection:
        connection.execute(
            "CREATE TABLE raw_events (originator_id uuid, originator_version integer, "
            "topic text, state bytea, PRIMARY KEY (originator_id, originator_version))"
        )
        connection.commit()
        for start in range(0, len(rows), RAW_BATCH):
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO raw_events VALUES (%s, %s, %s, %s)",
                    rows[start : start + RAW_BATCH],
                )
            connection.commit()


def raw_insert(ctx: Context) -> Measurement:
    """The first load's events written by the driver alone: the storage limit of (a)."""
    rows = read_event_rows(ctx.loaded_url)
    backend = ctx.stores.backend
    m = ctx.report.add(
        Measurement(
            "base.insert",
            f"raw {driver_name(backend)} executemany of the first "
            "load's event rows (batches of 25,000)",
            events=len(rows),
        )
    )
    with step("baseline: raw insert"):
        for _ in range(ctx.runs):
            m.seconds.append(raw_insert_once(ctx.stores, rows))
    return m


def raw_insert_once(stores: Stores, rows: Sequence[EventRow]) -> float:
    """Seconds the driver alone takes to write `rows` into a fresh table of the backend."""
    if stores.backend == "sqlite":
        path = stores.sqlite_file("raw-insert")
        seconds, _ = timed(raw_insert_sqlite, path, rows)
        stores.drop(f"sqlite:///{path}")
    else:
        url = stores.fresh("raw-insert")
        seconds, _ = timed(raw_insert_postgres, url, rows)
        stores.drop(url)
    return seconds


def driver_name(backend: str) -> str:
    """The raw driver of a backend's baselines."""
    return "sqlite3" if backend == "sqlite" else "psycopg"


def raw_select(ctx: Context) -> Measurement:
    """SELECT of every event with json.loads of each state: the read limit of (c)."""
    m = ctx.report.add(
        Measurement("base.read", "raw SELECT of every event + json.loads of each state")
    )
    with step("baseline: raw read"):
        for _ in range(ctx.runs):
            seconds, count = timed(lambda: raw_read(ctx.weekly_url))
            m.seconds.append(seconds)
            m.events = count
    return m


def plain_save(ctx: Context) -> Measurement:
    """eventsourcing used plainly: one `app.save(dossier)` per dossier of the full extract."""
    m = ctx.report.add(
        Measurement(
            "base.save",
            "plain eventsourcing: Application.save() of one new Dossier at a time",
        )
    )
    limit = ctx.subset
    with step("baseline: plain eventsourcing saves"):
        for _ in range(ctx.runs):
            url = ctx.stores.fresh("plain-save")
            tracker = DossierTracker(url)
            seconds, (saved, events) = timed(_save_one_by_one, tracker, ctx, limit)
            tracker.close()
            ctx.stores.drop(url)
            m.seconds.append(seconds)
            m.events, limit = events, saved
    m.note = (
        f"first {limit:,} dossiers of the full extract (at most {TIME_CAP:g} s); rate extrapolated"
    )
    return m


def _save_one_by_one(tracker: DossierTracker, ctx: Context, limit: int) -> tuple[int, int]:
    reader = PiafReader(ctx.data.full)
    saved = events = 0
    deadline = time.perf_counter() + TIME_CAP
    for raw in reader.raw_rows():
        if saved >= limit or time.perf_counter() > deadline:
            break
        try:
            snapshot = reader.convert(raw)
        except RowError:
            continue
        dossier = open_dossier(raw.number, snapshot, reader.extracted_on)
        events += len(tracker.save(dossier))
        saved += 1
    return saved, events


def plain_projection(ctx: Context) -> Measurement:
    """A projection applying one event per transaction, as a team would first write it."""
    m = ctx.report.add(
        Measurement(
            "base.project",
            "per-event projection: one transaction per event (upsert a dossier row, "
            "update a tracking row, commit)",
        )
    )
    source = DossierTracker(ctx.weekly_url)
    page = list(source.recorder.select_notifications(1, ctx.subset))
    with step("baseline: per-event projection"):
        for _ in range(ctx.runs):
            url = ctx.stores.fresh("plain-projection")
            seconds, done = timed(_project_one_by_one, source, page, url)
            ctx.stores.drop(url)
            m.seconds.append(seconds)
            m.events = done
            page = page[:done]
    source.close()
    m.note = (
        f"first {len(page):,} notifications of the weekly store (at most {TIME_CAP:g} s); "
        "no measure rows; rate extrapolated"
    )
    return m


def _project_one_by_one(source: DossierTracker, notifications: Sequence[Any], url: str) -> int:
    metadata = MetaData()
    dates = ("filed_on", "first_info_on", "second_info_on", "completed_on", "decided_on",
             "notified_on", "ordered_on", "closed_on", "known_on")  # fmt: skip
    table = Table(
        "plain_dossier",
        metadata,
        Column("stream_id", String, primary_key=True),
        *(Column(c, Date if c in dates else String) for c in _FACTS if c != "number"),
        Column("number", String),
        Column("known_on", Date),
        Column("version", Integer),
    )
    tracking = Table(
        "plain_tracking",
        metadata,
        Column("name", String, primary_key=True),
        Column("position", Integer),
    )
    engine = engine_for(url)
    metadata.create_all(engine)
    dialect: Any = sqlite_dialect if parse_url(url).backend == "sqlite" else postgresql
    with engine.begin() as conn:
        conn.execute(tracking.insert().values(name="plain", position=0))
    deadline = time.perf_counter() + TIME_CAP
    done = 0
    for done, notification in enumerate(notifications, start=1):
        if time.perf_counter() > deadline:
            return done - 1
        domain_event = source.mapper.to_domain_event(notification)
        with engine.begin() as conn:
            if isinstance(domain_event, Dossier.Event):
                key = domain_event.originator_id.hex
                row = conn.execute(select(table).where(table.c.stream_id == key)).first()
                dossiers: dict[UUID, Dossier] = {}
                if row is not None:
                    facts = Facts(**{c: getattr(row, c) for c in _FACTS})
                    dossiers[domain_event.originator_id] = restore(
                        facts, row.known_on, row.version, row.known_on
                    )
                fold(dossiers, domain_event, None)
                dossier = dossiers.get(domain_event.originator_id)
                if dossier is not None:
                    values = {c: getattr(dossier.facts, c) for c in _FACTS}
                    values |= {"known_on": dossier.known_on, "version": dossier.version}
                    statement = dialect.insert(table).values(stream_id=key, **values)
                    conn.execute(
                        statement.on_conflict_do_update(index_elements=["stream_id"], set_=values)
                    )
            conn.execute(
                update(tracking).where(tracking.c.name == "plain").values(position=notification.id)
            )
    return done
