"""From a dossier's facts to its read-model rows: pure functions, no SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any, Final
from uuid import UUID

from casetrack.calendar import WorkingCalendar
from casetrack.clocks import Clock, clock_of
from casetrack.dossier import dossier_id
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
)


def dossier_values(
    facts: Facts, known_on: date, version: int, stream_id: UUID | None = None
) -> tuple[Any, ...]:
    """The `dossier` row of a dossier, in DOSSIER_COLUMNS order."""
    f = facts
    return (
        f.number,
        (stream_id or dossier_id(f.number)).hex,
        f.section,
        f.prestation,
        f.filed_on,
        f.first_info_on,
        f.second_info_on,
        f.completed_on,
        f.decided_on,
        f.notified_on,
        f.outcome,
        f.ordered_on,
        f.batch,
        f.closed_on,
        known_on,
        version,
    )


def measure_values(
    facts: Facts, rule_set: RuleSet, calendar: WorkingCalendar, as_of: date | None
) -> list[tuple[Any, ...]]:
    """The `measure` rows of a dossier, one per engagement, statuses at `as_of`."""
    return [
        measure_value(facts, clock_of(facts, engagement, calendar), as_of)
        for engagement in rule_set.ordered
    ]


def measure_value(facts: Facts, clock: Clock, as_of: date | None) -> tuple[Any, ...]:
    """One `measure` row, in MEASURE_COLUMNS order."""
    stop = clock.stop
    anchor = stop or clock.start or facts.filed_on
    return (
        facts.number,
        clock.engagement,
        facts.section,
        sector_of(facts.section, anchor),
        facts.prestation,
        int(clock.applicable),
        clock.start,
        stop,
        clock.due,
        clock.elapsed,
        clock.state_at(as_of) if as_of is not None else None,
        f"{stop.year:04d}-{stop.month:02d}" if stop else None,
        clock.overdue_from,
        clock.outcome,
        clock.excluded_from,
        clock.unmeasured_from,
        clock.closed_on,
    )


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
