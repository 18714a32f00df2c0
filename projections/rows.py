"""From a dossier's facts to its read-model rows: pure functions, no SQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from typing import Any, Final, NamedTuple
from uuid import UUID

from casetrack.calendar import WorkingCalendar
from casetrack.clocks import Clock, clock_of
from casetrack.dossier import dossier_id
from casetrack.eventstore import Folded, KnownVersion
from casetrack.facts import Facts, sector_of
from casetrack.rules import RuleSet

#: Column order of the tuples below (the `dossier` and `measure` tables).
DOSSIER_COLUMNS: Final = (
    "number",
    "stream_id",
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
    "known_on",
    "version",
)
MEASURE_COLUMNS: Final = (
    "dossier",
    "engagement",
    "section",
    "sector",
    "prestation",
    "applicable",
    "start",
    "stop",
    "due",
    "elapsed",
    "status",
    "stop_period",
    "overdue_from",
    "outcome",
    "excluded_from",
    "unmeasured_from",
    "closed_on",
    "status_changes_on",
    "open_until",
)

#: Columns of the version tables: facts or clocks as known from `known_from` until
#: `known_until` (docs/schema.md); a measure's status depends on the day asked, so the
#: versions keep the columns that give it at any day instead.
DOSSIER_VERSION_COLUMNS: Final = (
    "number",
    "known_from",
    "known_until",
    *DOSSIER_COLUMNS[2:14],
    "version",
)
MEASURE_VERSION_COLUMNS: Final = (
    "dossier",
    "engagement",
    "known_from",
    "known_until",
    *(c for c in MEASURE_COLUMNS[2:] if c not in ("status", "status_changes_on")),
)
#: Where the version columns come from in the rows of `dossier` and `measure`.
_DOSSIER_FACTS: Final = slice(2, 14)
_MEASURE_KEPT: Final = tuple(MEASURE_COLUMNS.index(c) for c in MEASURE_VERSION_COLUMNS[4:])


class DayValues(dict[date | None, Any]):
    """Dates as the driver is given them, each converted once and then looked up.

    SQLite keeps a DATE as ISO text: with `text`, a date becomes that text here, once per
    distinct day, instead of once per value in the driver's adapter (a third of a
    rebuild's insert time; the adapter is also deprecated since Python 3.12). Otherwise
    (PostgreSQL) a date stays a date. None stays None.
    """

    def __init__(self, *, text: bool) -> None:
        super().__init__({None: None})
        self.text = text

    def __missing__(self, day: date) -> Any:
        value = self[day] = day.isoformat() if self.text else day
        return value


def dossier_values(
    facts: Facts, known_on: date, version: int, stream_id: UUID | None, days: DayValues
) -> tuple[Any, ...]:
    """The `dossier` row of a dossier, in DOSSIER_COLUMNS order."""
    f = facts
    return (
        f.number,
        (stream_id or dossier_id(f.number)).hex,
        f.section,
        f.prestation,
        days[f.filed_on],
        days[f.first_info_on],
        days[f.second_info_on],
        days[f.completed_on],
        days[f.decided_on],
        days[f.notified_on],
        f.outcome,
        days[f.ordered_on],
        f.batch,
        days[f.closed_on],
        days[known_on],
        version,
    )


Rows = list[tuple[Any, ...]]


class RowBatch(NamedTuple):
    """The rows of some dossiers, table by table (a tuple: workers pickle it cheaply)."""

    dossiers: Rows
    measures: Rows
    dossier_versions: Rows
    measure_versions: Rows
    #: Streams whose versions need their whole stream (`Folded.disordered`).
    disordered: list[UUID]


def new_batch() -> RowBatch:
    """An empty batch."""
    return RowBatch([], [], [], [], [])


def row_batches(
    results: Iterable[Folded],
    rule_set: RuleSet,
    calendar: WorkingCalendar,
    as_of: date | None,
    days: DayValues,
    size: int,
) -> Iterator[RowBatch]:
    """The rows of folded dossiers, `size` dossiers at a time.

    The versions come from a fold with `versions=True`: the ones it saw end, then the
    one known now, whose rows are those of `dossier` and `measure` without the status.
    A disordered stream gets none here: its caller computes them from its whole stream.
    """
    batch = new_batch()
    for f in results:
        dossier = dossier_values(f.facts, f.known_on, f.version, f.ident, days)
        measures = measure_values(f.facts, rule_set, calendar, as_of, days)
        batch.dossiers.append(dossier)
        batch.measures.extend(measures)
        if f.disordered:
            batch.disordered.append(f.ident)
        else:
            first = len(batch.measure_versions)
            for closed in f.closed:
                add_version(batch, closed, rule_set, calendar, days)
            until = days[None]
            batch.dossier_versions.append(
                (f.facts.number, days[f.known_on], until, *dossier[_DOSSIER_FACTS], f.version)
            )
            batch.measure_versions.extend(
                (f.facts.number, row[1], days[f.known_on], until, *[row[i] for i in _MEASURE_KEPT])
                for row in measures
            )
            batch.measure_versions[first:] = merged_runs(batch.measure_versions[first:])
        if len(batch.dossiers) >= size:
            yield batch
            batch = new_batch()
    if batch.dossiers or batch.dossier_versions:
        yield batch


def merged_runs(rows: Rows) -> Rows:
    """One dossier's `measure_version` rows, oldest first, with each run of versions that
    leave a clock unchanged merged into one row (known from the run's first date until
    its last one's end).

    A new dossier version changes one fact or a few, which most of its three clocks do
    not read: a third of the rows would otherwise repeat the one before.
    """
    last: dict[int, int] = {}
    merged: Rows = []
    for row in rows:
        at = last.get(row[1])
        if at is not None and merged[at][4:] == row[4:] and merged[at][3] == row[2]:
            merged[at] = (*merged[at][:3], row[3], *row[4:])
        else:
            last[row[1]] = len(merged)
            merged.append(row)
    return merged


def add_version(
    batch: RowBatch,
    known: KnownVersion,
    rule_set: RuleSet,
    calendar: WorkingCalendar,
    days: DayValues,
) -> None:
    """Add the `dossier_version` and `measure_version` rows of one version to a batch."""
    f = known.facts
    start, until = days[known.known_from], days[known.known_until]
    dossier = dossier_values(f, known.known_from, known.version, None, days)
    batch.dossier_versions.append((f.number, start, until, *dossier[_DOSSIER_FACTS], known.version))
    for row in measure_values(f, rule_set, calendar, None, days):
        batch.measure_versions.append(
            (f.number, row[1], start, until, *[row[i] for i in _MEASURE_KEPT])
        )


def measure_values(
    facts: Facts,
    rule_set: RuleSet,
    calendar: WorkingCalendar,
    as_of: date | None,
    days: DayValues,
) -> list[tuple[Any, ...]]:
    """The `measure` rows of a dossier, one per engagement, statuses at `as_of`."""
    return [
        measure_value(facts, clock_of(facts, engagement, calendar), as_of, days)
        for engagement in rule_set.ordered
    ]


def measure_value(
    facts: Facts, clock: Clock, as_of: date | None, days: DayValues
) -> tuple[Any, ...]:
    """One `measure` row, in MEASURE_COLUMNS order."""
    stop = clock.stop
    anchor = stop or clock.start or facts.filed_on
    status = clock.state_at(as_of) if as_of is not None else None
    return (
        facts.number,
        clock.engagement,
        facts.section,
        sector_of(facts.section, anchor),
        facts.prestation,
        int(clock.applicable),
        days[clock.start],
        days[stop],
        days[clock.due],
        clock.elapsed,
        status,
        f"{stop.year:04d}-{stop.month:02d}" if stop else None,
        days[clock.overdue_from],
        clock.outcome,
        days[clock.excluded_from],
        days[clock.unmeasured_from],
        days[clock.closed_on],
        days[status_changes_on(clock, as_of, status)],
        days[open_until(clock)],
    )


def open_until(clock: Clock) -> date | None:
    """The first day the clock is no longer open: its earliest stop, exclusion, unmeasured
    or closure date; None while none is known. Reports count a clock open on day d when
    `start <= d < open_until`, so an index on it finds the clocks a period can count."""
    ends = [
        d
        for d in (clock.stop, clock.excluded_from, clock.unmeasured_from, clock.closed_on)
        if d is not None
    ]
    return min(ends, default=None)


def status_changes_on(clock: Clock, day: date | None, status: str | None) -> date | None:
    """The first day after `day` on which the clock's status is no longer `status`.

    `status` is the clock's status at `day`. A status depends only on which of the
    clock's own dates have passed (`Clock.state_at` compares each with the day), so it
    holds from one of those dates to the next: the first later date with another
    status is the next change. None when the status never changes again, or when there
    is no evaluation date (the first one re-evaluates every row).
    """
    if day is None or not clock.applicable:
        return None
    later = [
        d
        for d in (
            clock.start,
            clock.stop,
            clock.excluded_from,
            clock.unmeasured_from,
            clock.closed_on,
            clock.overdue_from,
        )
        if d is not None and d > day
    ]
    for d in sorted(later):
        if clock.state_at(d) != status:
            return d
    return None


#: Columns `clock_from_values` reads, in order, for reads through the driver.
CLOCK_COLUMNS: Final = (
    "engagement",
    "applicable",
    "start",
    "stop",
    "due",
    "overdue_from",
    "elapsed",
    "outcome",
    "excluded_from",
    "unmeasured_from",
    "closed_on",
)


@lru_cache(maxsize=1 << 14)
def _iso_day(text: str) -> date:
    return date.fromisoformat(text)


def day_value(value: object) -> date | None:
    """A date read through the driver: ISO text on SQLite, a date on PostgreSQL."""
    if value is None or isinstance(value, date):
        return value
    return _iso_day(str(value))


def clock_from_values(v: Sequence[Any]) -> Clock:
    """A clock from driver values in CLOCK_COLUMNS order (no ORM: a year has 450k rows)."""
    return Clock(
        v[0],
        bool(v[1]),
        day_value(v[2]),
        day_value(v[3]),
        day_value(v[4]),
        day_value(v[5]),
        v[6],
        v[7],
        day_value(v[8]),
        day_value(v[9]),
        day_value(v[10]),
    )
