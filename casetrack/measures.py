"""How each delay is measured: a pure function of facts, engagement, calendar and date."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from attrs import frozen

from casetrack.calendar import WorkingCalendar
from casetrack.facts import Facts
from casetrack.rules import Engagement, RuleSet

#: A pending clock with at most this many days (in its own unit) left is at risk.
AT_RISK_DAYS: Final = 2


class Status(StrEnum):
    """The six statuses of measures.md."""

    MET = "met"
    BREACHED = "breached"
    PENDING = "pending"
    OVERDUE = "overdue"
    NOT_APPLICABLE = "not_applicable"
    INVALID = "invalid"


STOPPED: Final = frozenset({Status.MET, Status.BREACHED, Status.INVALID})
OPEN: Final = frozenset({Status.PENDING, Status.OVERDUE})


@frozen
class Measure:
    """One engagement's clock for one dossier, evaluated at a date."""

    engagement: int
    status: Status
    start: date | None = None
    stop: date | None = None
    due: date | None = None
    elapsed: int | None = None
    #: Days left before `due` (negative once late), for open clocks only.
    days_left: int | None = None

    @property
    def at_risk(self) -> bool:
        """A pending clock with at most two days left before its due date."""
        return (
            self.status is Status.PENDING
            and self.days_left is not None
            and self.days_left <= AT_RISK_DAYS
        )


def measure(
    facts: Facts, engagement: Engagement, calendar: WorkingCalendar, as_of: date
) -> Measure | None:
    """Evaluate one engagement for one dossier at `as_of`; None when the clock has not started.

    The first matching step of measures.md ("Per dossier, step by step") decides.
    """
    number = engagement.number
    not_applicable = Measure(number, Status.NOT_APPLICABLE)
    # 1. Prestation outside the rule set.
    if facts.prestation not in engagement.prestations:
        return not_applicable
    # 2. The engagement's own exclusions.
    if _excluded(facts, engagement, as_of):
        return not_applicable
    # 3. The clock has not started.
    start = _first_known(facts, engagement.start)
    if start is None or start > as_of:
        return None
    cal = calendar.for_section(facts.section)
    stop = _first_known(facts, engagement.stop)
    _check_covered(cal, start, stop, as_of)
    due = _due(engagement, cal, start)
    # 4. The clock stopped.
    if stop is not None and stop <= as_of:
        if stop < start:
            return Measure(number, Status.INVALID, start=start, stop=stop, due=due)
        elapsed = _elapsed(engagement, cal, start, stop)
        met = stop <= due if engagement.roll_due_forward else elapsed <= engagement.limit
        status = Status.MET if met else Status.BREACHED
        return Measure(number, status, start=start, stop=stop, due=due, elapsed=elapsed)
    # 5. Closed without decision: open clocks are no longer measured.
    if facts.closed_on is not None and facts.closed_on <= as_of:
        return not_applicable
    # 6. Open clock, counted as if it stopped on as_of.
    elapsed = _elapsed(engagement, cal, start, as_of)
    left = _days_left(engagement, cal, as_of, due)
    late = as_of > due if engagement.roll_due_forward else elapsed > engagement.limit
    status = Status.OVERDUE if late else Status.PENDING
    return Measure(number, status, start=start, due=due, elapsed=elapsed, days_left=left)


def measure_all(
    facts: Facts, rule_set: RuleSet, calendar: WorkingCalendar, as_of: date
) -> list[Measure]:
    """Evaluate every engagement of a rule set, in engagement order; unstarted clocks omitted."""
    measures = (measure(facts, e, calendar, as_of) for e in rule_set.ordered)
    return [m for m in measures if m is not None]


def _first_known(facts: Facts, names: tuple[str, ...]) -> date | None:
    for name in names:
        value = facts.fact_date(name)
        if value is not None:
            return value
    return None


def _excluded(facts: Facts, engagement: Engagement, as_of: date) -> bool:
    if facts.outcome in engagement.not_applicable_after_outcome:
        decided = facts.decision_date
        if decided is not None and decided <= as_of:
            return True
    if engagement.not_applicable_without_stop_once:
        stop = _first_known(facts, engagement.stop)
        if stop is None or stop > as_of:
            for name in engagement.not_applicable_without_stop_once:
                happened = facts.fact_date(name)
                if happened is not None and happened <= as_of:
                    return True
    return False


def _check_covered(cal: WorkingCalendar, *days: date | None) -> None:
    # measures.md: a date outside the calendar's years is an error, never a silent guess,
    # even for calendar-day engagements that otherwise never consult the calendar.
    for day in days:
        if day is not None:
            cal.is_working_day(day)


def _due(engagement: Engagement, cal: WorkingCalendar, start: date) -> date:
    if engagement.unit == "working_days":
        return cal.add_working_days(start, engagement.limit)
    due = start + timedelta(days=engagement.limit)
    if engagement.roll_due_forward and not cal.is_working_day(due):
        due = cal.add_working_days(due, 1)
    return due


def _elapsed(engagement: Engagement, cal: WorkingCalendar, start: date, stop: date) -> int:
    if engagement.unit == "working_days":
        return cal.working_days_between(start, stop)
    return (stop - start).days


def _days_left(engagement: Engagement, cal: WorkingCalendar, as_of: date, due: date) -> int:
    if engagement.unit == "working_days":
        return cal.working_days_between(as_of, due)
    return (due - as_of).days
