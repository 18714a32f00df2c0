"""The catch-up runner: pulls the notification log in pages, writes rows and tracking together.

eventsourcing's ProjectionRunner cannot subscribe on SQLite, so this is a pull loop.
Each page is one transaction holding the new rows and the new position: an event is
applied exactly once, and a crash resumes after the last committed page.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Final
from uuid import UUID

from attrs import define, fields
from sqlalchemy import Connection, Engine, delete, insert, inspect, select, update

from adapters.sql_engine import engine_for, write_transaction
from casetrack.application import DossierTracker
from casetrack.eventstore import FactsFolder, Folded, is_dossier_topic
from casetrack.facts import Facts
from casetrack.progress import Progress
from projections.rows import (
    CLOCK_COLUMNS,
    DOSSIER_COLUMNS,
    MEASURE_COLUMNS,
    clock_from_values,
    dossier_values,
    measure_values,
)
from projections.schema import (
    PROJECTION_NAME,
    READ_MODEL_TABLES,
    SCHEMA_VERSION,
    Base,
    DossierRow,
    MeasureRow,
    Tracking,
)

PAGE: Final = 10_000
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
        """Fold a page of notifications into the rows of the dossiers they touch."""
        folder = FactsFolder(self.tracker.mapper)
        ids = {n.originator_id for n in page if is_dossier_topic(n.topic)}
        if not ids:
            return 0
        self._seed(conn, folder, ids)
        for n in page:
            folder.apply_stored(n)
        results = list(folder.results())
        numbers = [f.facts.number for f in results]
        for start in range(0, len(numbers), CHUNK):
            part = numbers[start : start + CHUNK]
            conn.execute(delete(DossierRow).where(DossierRow.number.in_(part)))
            conn.execute(delete(MeasureRow).where(MeasureRow.dossier.in_(part)))
        self._write(conn, results, as_of)
        return len(numbers)

    def _seed(self, conn: Connection, folder: FactsFolder, ids: set[UUID]) -> None:
        """Start the folder from the facts the read model holds for these dossiers."""
        keys = [i.hex for i in ids]
        table = DossierRow.__table__
        for start in range(0, len(keys), CHUNK):
            part = keys[start : start + CHUNK]
            for row in conn.execute(select(table).where(table.c.stream_id.in_(part))):
                facts = Facts(**{c: getattr(row, c) for c in _FACT_COLUMNS})
                folder.seed(UUID(row.stream_id), facts, row.known_on, row.version)

    def _write(
        self,
        conn: Connection,
        results: Iterable[Folded],
        as_of: date | None,
    ) -> None:
        """Insert dossier and measure rows, through the driver in large batches."""
        rule_set, calendar = self.tracker.rule_set, self.tracker.calendar
        dossiers: list[tuple[Any, ...]] = []
        measures: list[tuple[Any, ...]] = []
        for f in results:
            dossiers.append(dossier_values(f.facts, f.known_on, f.version, f.ident))
            measures.extend(measure_values(f.facts, rule_set, calendar, as_of))
            if len(dossiers) >= INSERT_CHUNK:
                self._insert(conn, dossiers, measures)
                dossiers, measures = [], []
        self._insert(conn, dossiers, measures)

    def _insert(
        self, conn: Connection, dossiers: list[tuple[Any, ...]], measures: list[tuple[Any, ...]]
    ) -> None:
        mark = "?" if conn.dialect.name == "sqlite" else "%s"
        for table, columns, rows in (
            ("dossier", DOSSIER_COLUMNS, dossiers),
            ("measure", MEASURE_COLUMNS, measures),
        ):
            if rows:
                marks = ", ".join([mark] * len(columns))
                statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                conn.exec_driver_sql(statement, rows)

    # -- rebuild ---------------------------------------------------------------

    def rebuild(self, progress: Progress | None = None) -> RunResult:
        """Fold every event in memory, then replace the read models in one transaction."""
        started = time.monotonic()
        last = self.tracker.recorder.max_notification_id() or 0
        if progress is not None:
            progress.total = last
        folder = FactsFolder(self.tracker.mapper)
        position = 0
        while position < last:
            page = self.tracker.recorder.select_notifications(position + 1, PAGE, stop=last)
            if not page:
                break
            for n in page:
                folder.apply_stored(n)
            position = page[-1].id
            if progress is not None:
                progress.advance(len(page))
        as_of = self.tracker.default_as_of()
        with write_transaction(self.engine) as conn:
            # Dropping and creating inside the transaction: readers keep the old tables
            # until the commit, then see the new ones whole.
            Base.metadata.drop_all(conn, tables=list(READ_MODEL_TABLES))
            Base.metadata.create_all(conn, tables=list(READ_MODEL_TABLES))
            self._write(conn, folder.results(), as_of)
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
            dossiers=len(folder.states),
            position=position,
            seconds=time.monotonic() - started,
            rebuilt=True,
        )

    def refresh_statuses(self, previous: date | None, as_of: date | None) -> None:
        """Re-evaluate statuses at a new default date (open clocks change as days pass).

        A clock's status changes only on its own dates (start, stop, exclusions,
        closure, first overdue day): only rows with one of them in (previous, as_of]
        are read, through the driver.
        """
        sqlite = self.engine.dialect.name == "sqlite"
        mark = "?" if sqlite else "%s"
        select_sql = (
            f"SELECT dossier, {', '.join(CLOCK_COLUMNS)}, status FROM measure WHERE applicable = 1"
        )
        params: list[object] = []
        if previous is not None and as_of is not None and previous <= as_of:
            moved = [
                f"({column} > {mark} AND {column} <= {mark})"
                for column in (
                    "start",
                    "stop",
                    "excluded_from",
                    "unmeasured_from",
                    "closed_on",
                    "overdue_from",
                )
            ]
            select_sql += f" AND ({' OR '.join(moved)})"
            params = [previous, as_of] * len(moved)
        with write_transaction(self.engine) as conn:
            changes = []
            for row in conn.exec_driver_sql(select_sql, tuple(params)):
                status = clock_from_values(row[1:-1]).state_at(as_of) if as_of else None
                if status != row[-1]:
                    changes.append((status, row[0], row[1]))
            if changes:
                conn.exec_driver_sql(
                    f"UPDATE measure SET status = {mark} "
                    f"WHERE dossier = {mark} AND engagement = {mark}",
                    changes,
                )
            conn.execute(
                update(Tracking).where(Tracking.name == PROJECTION_NAME).values(status_as_of=as_of)
            )
