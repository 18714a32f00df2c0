"""The catch-up runner: pulls the notification log in pages, writes rows and tracking together.

eventsourcing's ProjectionRunner cannot subscribe on SQLite, so this is a pull loop.
Each page is one transaction holding the new rows and the new position: an event is
applied exactly once, and a crash resumes after the last committed page.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date
from functools import partial
from typing import Any, Final
from uuid import UUID

from attrs import define, fields
from sqlalchemy import Connection, Engine, delete, insert, inspect, select, update
from sqlalchemy.schema import CreateIndex, CreateTable

from adapters.sql_engine import engine_for, write_transaction
from casetrack.application import DossierTracker
from casetrack.eventstore import (
    FactsFolder,
    is_dossier_topic,
    select_streams,
    stream_versions,
)
from casetrack.eventstore.records import log_pages
from casetrack.facts import Facts
from casetrack.progress import Progress
from projections.cells import CellCounter, insert_cells, write_cells
from projections.parallel import RowsOf, ShardedFold, WorkerStopped, worker_count
from projections.rows import (
    CLOCK_COLUMNS,
    DOSSIER_COLUMNS,
    DOSSIER_VERSION_COLUMNS,
    MEASURE_COLUMNS,
    MEASURE_VERSION_COLUMNS,
    DayValues,
    RowBatch,
    add_version,
    clock_from_values,
    day_value,
    merged_runs,
    new_batch,
    row_batches,
    status_changes_on,
)
from projections.schema import (
    PROJECTION_NAME,
    READ_MODEL_TABLES,
    SCHEMA_VERSION,
    Base,
    DossierRow,
    DossierVersionRow,
    MeasureRow,
    MeasureVersionRow,
    Tracking,
)

PAGE: Final = 10_000
#: Events from which a rebuild folds on worker processes: below, forking costs more.
PARALLEL_FROM: Final = 100_000
INSERT_CHUNK: Final = 2_000
#: Bound parameters per IN list: well under SQLite's limit.
CHUNK: Final = 900
#: Columns of `dossier` that hold a Facts field, named as Facts names them.
_FACT_COLUMNS: Final = tuple(field.name for field in fields(Facts))


@define
class RunResult:
    """What one catch-up or rebuild did."""

    events: int = 0
    dossiers: int = 0
    position: int = 0
    seconds: float = 0.0
    rebuilt: bool = False


@define
class ModelState:
    """Whether the read models can answer for a tracker's settings, and how far behind."""

    usable: bool
    #: Why they cannot answer ("" when they can).
    why: str = ""
    #: Events of the event store not yet applied.
    behind: int = 0
    #: The extraction date their statuses were computed at.
    as_of: date | None = None


class ReadModels:
    """The read models of one store: catch up, rebuild, and report where they stand."""

    def __init__(self, tracker: DossierTracker, engine: Engine | None = None) -> None:
        self.tracker = tracker
        self.engine = engine or engine_for(tracker.database.url)
        self.fingerprint = f"{tracker.rule_set.fingerprint}-{tracker.calendar.fingerprint}"

    def _compatible(self, tracking: Tracking) -> bool:
        """Rows of this schema, computed with this rule set and calendar."""
        return (
            tracking.schema_version == SCHEMA_VERSION and tracking.fingerprint == self.fingerprint
        )

    # -- state -----------------------------------------------------------------

    def tracking(self) -> Tracking | None:
        """The tracking row, or None when the read models were never built."""
        if not inspect(self.engine).has_table(Tracking.__tablename__):
            return None
        with self.engine.connect() as conn:
            # Read the version alone first: an older schema's table may lack later columns.
            version = conn.execute(
                select(Tracking.schema_version).where(Tracking.name == PROJECTION_NAME)
            ).scalar()
            if version is None:
                return None
            if version != SCHEMA_VERSION:
                return Tracking(name=PROJECTION_NAME, position=0, schema_version=version)
            row = conn.execute(select(Tracking).where(Tracking.name == PROJECTION_NAME)).first()
        if row is None:
            return None
        return Tracking(
            name=row.name,
            position=row.position,
            schema_version=row.schema_version,
            status_as_of=row.status_as_of,
            fingerprint=row.fingerprint,
        )

    def state(self) -> ModelState:
        """Where the read models stand for this tracker's rule set and calendar (reads only)."""
        tracking = self.tracking()
        if tracking is None:
            return ModelState(False, "the read models were never built")
        if tracking.schema_version != SCHEMA_VERSION:
            return ModelState(False, "the read models are of an older casetrack version")
        if tracking.fingerprint != self.fingerprint:
            return ModelState(
                False, "the read models were computed with another rule set or calendar"
            )
        last = self.tracker.recorder.max_notification_id() or 0
        behind = max(last - tracking.position, 0)
        return ModelState(True, behind=behind, as_of=tracking.status_as_of)

    def is_current(self) -> bool:
        """Whether the read models hold every stored event, in the current schema."""
        tracking = self.tracking()
        if tracking is None or not self._compatible(tracking):
            return False
        last = self.tracker.recorder.max_notification_id() or 0
        return tracking.position >= last and tracking.status_as_of == self.tracker.default_as_of()

    # -- catch-up --------------------------------------------------------------

    def catch_up(self, progress: Progress | None = None) -> RunResult:
        """Apply every event after the tracked position; rebuild on a new schema version."""
        tracking = self.tracking()
        if tracking is None or not self._compatible(tracking):
            return self.rebuild(progress)
        started = time.monotonic()
        result = RunResult(position=tracking.position)
        last = self.tracker.recorder.max_notification_id() or 0
        if progress is not None:
            progress.total = max(last - tracking.position, 0)
        as_of = self.tracker.default_as_of()
        while result.position < last:
            page = list(
                self.tracker.recorder.select_notifications(result.position + 1, PAGE, stop=last)
            )
            if not page:
                break
            with write_transaction(self.engine) as conn:
                touched = self._apply(conn, page, as_of)
                conn.execute(
                    update(Tracking)
                    .where(Tracking.name == PROJECTION_NAME)
                    .values(position=page[-1].id)
                )
            result.events += len(page)
            result.dossiers += touched
            result.position = page[-1].id
            if progress is not None:
                progress.advance(len(page))
        if as_of != tracking.status_as_of:
            self.refresh_statuses(tracking.status_as_of, as_of)
        result.seconds = time.monotonic() - started
        return result

    def _apply(self, conn: Connection, page: Sequence[Any], as_of: date | None) -> int:
        """Fold a page of notifications into the rows of the dossiers they touch.

        A touched dossier's rows and its version known until now are replaced; the
        versions this page ends are added. A dossier whose events came out of order of
        knowledge gets all its versions again, from its whole stream.
        """
        folder = FactsFolder(self.tracker.mapper, versions=True)
        ids = {n.originator_id for n in page if is_dossier_topic(n.topic)}
        if not ids:
            return 0
        self._seed(conn, folder, ids)
        for n in page:
            folder.apply_stored(n)
        results = list(folder.results())
        numbers = [f.facts.number for f in results]
        disordered = [f.facts.number for f in results if f.disordered]
        cells = self._cell_counter()
        open_runs: dict[tuple[str, int], tuple[Any, ...]] = {}
        for start in range(0, len(numbers), CHUNK):
            part = numbers[start : start + CHUNK]
            cells.add(_rows_of(conn, "measure", MEASURE_COLUMNS, part), -1)
            # The versions known now: the clocks' runs the refold may continue.
            known_now = "known_until IS NULL"
            for row in _rows_of(conn, "measure_version", MEASURE_VERSION_COLUMNS, part, known_now):
                open_runs[(row[0], row[1])] = tuple(row)
            conn.execute(delete(DossierRow).where(DossierRow.number.in_(part)))
            conn.execute(delete(MeasureRow).where(MeasureRow.dossier.in_(part)))
            for version_table, key in (
                (DossierVersionRow, DossierVersionRow.number),
                (MeasureVersionRow, MeasureVersionRow.dossier),
            ):
                conn.execute(
                    delete(version_table).where(key.in_(part), version_table.known_until.is_(None))
                )
        for start in range(0, len(disordered), CHUNK):
            part = disordered[start : start + CHUNK]
            conn.execute(delete(DossierVersionRow).where(DossierVersionRow.number.in_(part)))
            conn.execute(delete(MeasureVersionRow).where(MeasureVersionRow.dossier.in_(part)))
        batches = self._rows_of(as_of)(results)
        for batch in batches:
            _continue_runs(batch.measure_versions, open_runs)
            self._insert(conn, batch)
            cells.add(batch.measures)
            self._insert_versions_of(conn, batch.disordered)
        write_cells(conn, cells.changes)
        return len(numbers)

    def _cell_counter(self) -> CellCounter:
        """Report cells counted with the versions of this tracker's référentiel."""
        return CellCounter([v.effective_from for v in self.tracker.rule_set.all_versions[1:]])

    def _insert_versions_of(self, conn: Connection, streams: Sequence[UUID]) -> None:
        """Insert every version of these dossiers, each folded from its whole stream."""
        if not streams:
            return
        days = DayValues(text=self.engine.dialect.name == "sqlite")
        rule_set, calendar = self.tracker.rule_set, self.tracker.calendar
        by_stream: dict[UUID | str, list[Any]] = {}
        for event in select_streams(self.tracker.recorder, list(streams)):
            by_stream.setdefault(event.originator_id, []).append(event)
        batch = new_batch()
        for events in by_stream.values():
            first = len(batch.measure_versions)
            for known in stream_versions(self.tracker.mapper, events):
                add_version(batch, known, rule_set, calendar, days)
            batch.measure_versions[first:] = merged_runs(batch.measure_versions[first:])
        self._insert(conn, batch)

    def _seed(self, conn: Connection, folder: FactsFolder, ids: set[UUID]) -> None:
        """Start the folder from the facts the read model holds for these dossiers."""
        keys = [i.hex for i in ids]
        table = DossierRow.__table__
        for start in range(0, len(keys), CHUNK):
            part = keys[start : start + CHUNK]
            for row in conn.execute(select(table).where(table.c.stream_id.in_(part))):
                facts = Facts(**{c: getattr(row, c) for c in _FACT_COLUMNS})
                folder.seed(UUID(row.stream_id), facts, row.known_on, row.version)

    def _rows_of(self, as_of: date | None) -> RowsOf:
        """The row computation of both paths, for dossiers folded at `as_of`."""
        days = DayValues(text=self.engine.dialect.name == "sqlite")
        rule_set, calendar = self.tracker.rule_set, self.tracker.calendar
        return partial(
            row_batches,
            rule_set=rule_set,
            calendar=calendar,
            as_of=as_of,
            days=days,
            size=INSERT_CHUNK,
        )

    def _insert(self, conn: Connection, batch: RowBatch) -> None:
        """Insert a batch's rows through the driver: one `executemany` per table on SQLite,
        one COPY on PostgreSQL."""
        sqlite = conn.dialect.name == "sqlite"
        for table, columns, rows in (
            ("dossier", DOSSIER_COLUMNS, batch.dossiers),
            ("measure", MEASURE_COLUMNS, batch.measures),
            ("dossier_version", DOSSIER_VERSION_COLUMNS, batch.dossier_versions),
            ("measure_version", MEASURE_VERSION_COLUMNS, batch.measure_versions),
        ):
            if not rows:
                continue
            if sqlite:
                marks = ", ".join(["?"] * len(columns))
                statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                conn.exec_driver_sql(statement, rows)
            else:
                _copy_rows(conn, table, columns, rows)

    # -- rebuild ---------------------------------------------------------------

    def rebuild(self, progress: Progress | None = None) -> RunResult:
        """Fold every event, then replace the read models in one transaction.

        A large store folds on worker processes where that is safe (projections.parallel);
        if a worker stops, the rebuild starts again serially.
        """
        started = time.monotonic()
        last = self.tracker.recorder.max_notification_id() or 0
        workers = worker_count() if last >= PARALLEL_FROM else 0
        if workers:
            try:
                return self._rebuild(last, workers, progress, started)
            except WorkerStopped:
                pass  # serially below, which raises a worker's error as its own, if any
        return self._rebuild(last, 0, progress, started)

    def _rebuild(
        self, last: int, workers: int, progress: Progress | None, started: float
    ) -> RunResult:
        """One rebuild, on `workers` processes (0: in this one)."""
        if progress is not None:
            progress.total, progress.done = last, 0  # from the start again after a fallback
        as_of = self.tracker.default_as_of()
        rows_of = self._rows_of(as_of)
        position = 0
        with ExitStack() as stack:
            folder = FactsFolder(self.tracker.mapper, versions=True)
            sharded = None
            if workers:
                sharded = stack.enter_context(ShardedFold(self.tracker.mapper, rows_of, workers))
            fold = folder.apply_rows if sharded is None else sharded.deal
            for page in log_pages(self.tracker.recorder, 1, last, PAGE):
                fold(page)
                position = page[-1][0]
                if progress is not None:
                    progress.advance(len(page))
            batches = rows_of(folder.results()) if sharded is None else sharded.batches()
            with write_transaction(self.engine) as conn:
                # Dropping and creating inside the transaction: readers keep the old
                # tables until the commit, then see the new ones whole.
                Base.metadata.drop_all(conn, tables=list(READ_MODEL_TABLES))
                # The indexes after the rows: one sort each instead of a B-tree insert per row.
                for table in READ_MODEL_TABLES:
                    conn.execute(CreateTable(table))
                cells = self._cell_counter()
                for batch in batches:
                    self._insert(conn, batch)
                    cells.add(batch.measures)
                    self._insert_versions_of(conn, batch.disordered)
                insert_cells(conn, cells.changes)
                for table in READ_MODEL_TABLES:
                    for index in table.indexes:
                        conn.execute(CreateIndex(index))
                conn.execute(
                    insert(Tracking).values(
                        name=PROJECTION_NAME,
                        position=position,
                        schema_version=SCHEMA_VERSION,
                        fingerprint=self.fingerprint,
                        status_as_of=as_of,
                    )
                )
        return RunResult(
            events=position,
            dossiers=len(folder.states) if sharded is None else sharded.dossiers,
            position=position,
            seconds=time.monotonic() - started,
            rebuilt=True,
        )

    def refresh_statuses(self, previous: date | None, as_of: date | None) -> None:
        """Re-evaluate statuses at a new default date (open clocks change as days pass).

        Each row keeps the first day after its evaluation date on which its status
        changes (`status_changes_on`, indexed), so moving the date forward reads and
        writes only the rows whose day has come: a week costs the clocks that change in
        it, not the size of the store. A first date, or one moved back, re-reads all.
        """
        sqlite = self.engine.dialect.name == "sqlite"
        mark = "?" if sqlite else "%s"
        days = DayValues(text=sqlite)
        select_sql = (
            f"SELECT dossier, {', '.join(CLOCK_COLUMNS)}, status, status_changes_on FROM measure"
        )
        params: tuple[object, ...] = ()
        if previous is not None and as_of is not None and previous <= as_of:
            select_sql += f" WHERE status_changes_on <= {mark}"
            params = (days[as_of],)
        with write_transaction(self.engine) as conn:
            changes = []
            for part in conn.exec_driver_sql(select_sql, params).partitions(PAGE):
                for row in part:
                    clock = clock_from_values(row[1:-2])
                    status = clock.state_at(as_of) if as_of is not None else None
                    changes_on = status_changes_on(clock, as_of, status)
                    if status != row[-2] or changes_on != day_value(row[-1]):
                        changes.append((status, days[changes_on], row[0], row[1]))
            if changes:
                conn.exec_driver_sql(
                    f"UPDATE measure SET status = {mark}, status_changes_on = {mark} "
                    f"WHERE dossier = {mark} AND engagement = {mark}",
                    changes,
                )
            conn.execute(
                update(Tracking).where(Tracking.name == PROJECTION_NAME).values(status_as_of=as_of)
            )


def _continue_runs(rows: list[Any], open_runs: dict[tuple[str, int], tuple[Any, ...]]) -> None:
    """Join a catch-up's new measure versions to the run each clock was in.

    The clock known now may be unchanged since before the dossier's latest version
    (`merged_runs`): its row starts earlier than the versions the catch-up refolds, which
    start at that version. The first new row of the clock continues the old run when it
    holds the same values; otherwise the old values end where the new row starts.
    """
    seen: set[tuple[str, int]] = set()
    for at, row in enumerate(list(rows)):
        key = (row[0], row[1])
        if key in seen:
            continue
        seen.add(key)
        old = open_runs.get(key)
        if old is None or old[2] == row[2]:
            continue
        if old[4:] == row[4:]:
            rows[at] = (*row[:2], old[2], *row[3:])
        else:
            rows.append((*old[:3], row[2], *old[4:]))


def _rows_of(
    conn: Connection, table: str, columns: Sequence[str], dossiers: Sequence[str], where: str = ""
) -> Any:
    """The rows of these dossiers (and `where`) in a table keyed by `dossier`, `columns`
    in order."""
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    return conn.exec_driver_sql(
        f"SELECT {', '.join(columns)} FROM {table} "
        f"WHERE {where + ' AND ' if where else ''}"
        f"dossier IN ({', '.join([mark] * len(dossiers))})",
        tuple(dossiers),
    )


def _copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Rows into a PostgreSQL table by COPY, in the connection's transaction.

    A rebuild writes millions of rows with the versions: psycopg's `executemany` sends
    them as statements, about five times slower than COPY. The table name is resolved by
    the connection's search_path, as the INSERT statements are.
    """
    driver: Any = conn.connection.driver_connection
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
