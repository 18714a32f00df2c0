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

from attrs import define
from sqlalchemy import Connection, Engine, bindparam, delete, insert, inspect, or_, select, update

from adapters.sqlstore import engine_for
from casetrack.application import DossierTracker
from casetrack.dossier import Dossier, fold, restore
from casetrack.facts import Facts
from casetrack.progress import Progress
from projections.rows import clock_from_row, dossier_row, measure_rows
from projections.schema import (
    MEASURE_TABLE,
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
_FACT_COLUMNS: Final = (
    "number",
    "section",
    "prestation",
    "filed_on",
    "first_info_on",
    "second_info_on",
    "completed_on",
    "decided_on",
    "notified_on",
    "outcome",
    "ordered_on",
    "batch",
    "closed_on",
)


@define
class RunResult:
    """What one catch-up or rebuild did."""

    events: int = 0
    dossiers: int = 0
    position: int = 0
    seconds: float = 0.0
    rebuilt: bool = False


class ReadModels:
    """The read models of one store: catch up, rebuild, and report where they stand."""

    def __init__(self, tracker: DossierTracker, engine: Engine | None = None) -> None:
        self.tracker = tracker
        self.engine = engine or engine_for(tracker.database.url)

    # -- state -----------------------------------------------------------------

    def tracking(self) -> Tracking | None:
        """The tracking row, or None when the read models were never built."""
        if not inspect(self.engine).has_table(Tracking.__tablename__):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(Tracking).where(Tracking.name == PROJECTION_NAME)).first()
        if row is None:
            return None
        return Tracking(
            name=row.name,
            position=row.position,
            schema_version=row.schema_version,
            status_as_of=row.status_as_of,
        )

    def is_current(self) -> bool:
        """Whether the read models hold every stored event, in the current schema."""
        tracking = self.tracking()
        if tracking is None or tracking.schema_version != SCHEMA_VERSION:
            return False
        last = self.tracker.recorder.max_notification_id() or 0
        return tracking.position >= last and tracking.status_as_of == self.tracker.default_as_of()

    # -- catch-up --------------------------------------------------------------

    def catch_up(self, progress: Progress | None = None) -> RunResult:
        """Apply every event after the tracked position; rebuild on a new schema version."""
        tracking = self.tracking()
        if tracking is None or tracking.schema_version != SCHEMA_VERSION:
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
            events = [self.tracker.mapper.to_domain_event(n) for n in page]
            with self.engine.begin() as conn:
                touched = self._apply(conn, events, as_of)
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

    def _apply(self, conn: Connection, events: Sequence[Any], as_of: date | None) -> int:
        """Fold a page of events into the rows of the dossiers they touch."""
        ids = {e.originator_id for e in events if isinstance(e, Dossier.Event)}
        if not ids:
            return 0
        dossiers = self._load(conn, ids)
        for domain_event in events:
            current = dossiers.get(domain_event.originator_id)
            if current is not None and domain_event.originator_version <= current.version:
                continue  # already applied (a page re-read after a crash never gets here)
            fold(dossiers, domain_event, None)
        numbers = [d.facts.number for d in dossiers.values()]
        for start in range(0, len(numbers), CHUNK):
            part = numbers[start : start + CHUNK]
            conn.execute(delete(DossierRow).where(DossierRow.number.in_(part)))
            conn.execute(delete(MeasureRow).where(MeasureRow.dossier.in_(part)))
        self._insert(conn, dossiers.values(), as_of)
        return len(numbers)

    def _load(self, conn: Connection, ids: set[UUID]) -> dict[UUID, Dossier]:
        """The dossiers among `ids` that the read model already holds, as aggregates."""
        found: dict[UUID, Dossier] = {}
        keys = [i.hex for i in ids]
        for start in range(0, len(keys), CHUNK):
            part = keys[start : start + CHUNK]
            rows = conn.execute(
                select(DossierRow.__table__).where(DossierRow.stream_id.in_(part))
            )
            for row in rows:
                facts = Facts(**{c: getattr(row, c) for c in _FACT_COLUMNS})
                found[UUID(row.stream_id)] = restore(facts, row.known_on, row.version)
        return found

    def _insert(self, conn: Connection, dossiers: Iterable[Dossier], as_of: date | None) -> None:
        rule_set, calendar = self.tracker.rule_set, self.tracker.calendar
        dossier_rows: list[dict[str, Any]] = []
        measure_batch: list[dict[str, Any]] = []
        for dossier in dossiers:
            dossier_rows.append(dossier_row(dossier.facts, dossier.known_on, dossier.version))
            measure_batch.extend(measure_rows(dossier.facts, rule_set, calendar, as_of))
            if len(dossier_rows) >= INSERT_CHUNK:
                _bulk(conn, dossier_rows, measure_batch)
                dossier_rows, measure_batch = [], []
        _bulk(conn, dossier_rows, measure_batch)

    # -- rebuild ---------------------------------------------------------------

    def rebuild(self, progress: Progress | None = None) -> RunResult:
        """Fold every event in memory, then replace the read models in one transaction."""
        started = time.monotonic()
        last = self.tracker.recorder.max_notification_id() or 0
        if progress is not None:
            progress.total = last
        dossiers: dict[UUID, Dossier] = {}
        position = 0
        while position < last:
            page = self.tracker.recorder.select_notifications(position + 1, PAGE, stop=last)
            if not page:
                break
            for notification in page:
                fold(dossiers, self.tracker.mapper.to_domain_event(notification), None)
            position = page[-1].id
            if progress is not None:
                progress.advance(len(page))
        as_of = self.tracker.default_as_of()
        with self.engine.begin() as conn:
            # Dropping and creating inside the transaction: readers keep the old tables
            # until the commit, then see the new ones whole.
            Base.metadata.drop_all(conn, tables=list(READ_MODEL_TABLES))
            Base.metadata.create_all(conn, tables=list(READ_MODEL_TABLES))
            self._insert(conn, dossiers.values(), as_of)
            conn.execute(
                insert(Tracking).values(
                    name=PROJECTION_NAME,
                    position=position,
                    schema_version=SCHEMA_VERSION,
                    status_as_of=as_of,
                )
            )
        return RunResult(
            events=position,
            dossiers=len(dossiers),
            position=position,
            seconds=time.monotonic() - started,
            rebuilt=True,
        )

    def refresh_statuses(self, previous: date | None, as_of: date | None) -> None:
        """Re-evaluate statuses at a new default date (open clocks change as days pass).

        Only rows whose status can differ are read: those open or not started at the
        previous date, and those with a date between the previous and the new one.
        """
        table = MEASURE_TABLE
        query = select(table).where(table.c.applicable == 1)
        if previous is not None and as_of is not None and previous <= as_of:
            c = table.c
            query = query.where(
                or_(
                    c.status.is_(None),
                    c.status.in_(("pending", "overdue")),
                    c.stop > previous,
                    c.excluded_from > previous,
                    c.unmeasured_from > previous,
                    c.closed_on > previous,
                )
            )
        with self.engine.begin() as conn:
            changes = []
            for row in conn.execute(query):
                status = clock_from_row(row).state_at(as_of) if as_of else None
                if status != row.status:
                    changes.append({"d": row.dossier, "e": row.engagement, "s": status})
            if changes:
                conn.execute(
                    update(table)
                    .where(table.c.dossier == bindparam("d"), table.c.engagement == bindparam("e"))
                    .values(status=bindparam("s")),
                    changes,
                )
            conn.execute(
                update(Tracking).where(Tracking.name == PROJECTION_NAME).values(status_as_of=as_of)
            )


def _bulk(conn: Connection, dossiers: list[dict[str, Any]], measures: list[dict[str, Any]]) -> None:
    if dossiers:
        conn.execute(insert(DossierRow), dossiers)
    if measures:
        conn.execute(insert(MeasureRow), measures)
