"""How each delay is measured: a pure function of facts, engagement, calendar and date."""

from __future__ import annotations

from datetime import date
from typing import Final

from attrs import frozen

from casetrack.calendar import WorkingCalendar
from casetrack.clocks import Clock, check_covered, clock_of, days_left, elapsed_between
from casetrack.facts import Facts
from casetrack.rules import Engagement, RuleSet
from casetrack.status import STOPPED, Status

__all__ = ["AT_RISK_DAYS", "STOPPED", "Measure", "Status", "measure_all", "measure_clock"]

#: A pending clock with at most this many days (in its own unit) left is at risk.
AT_RISK_DAYS: Final = 2


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
    clock = clock_of(facts, engagement, calendar)
    return measure_clock(clock, engagement, calendar.for_section(facts.section), as_of)


def measure_clock(
    clock: Clock, engagement: Engagement, cal: WorkingCalendar, as_of: date
) -> Measure | None:
    """Evaluate a clock at `as_of` (with the dossier section's calendar)."""
    state = clock.state_at(as_of)
    if state is None:
        return None
    status = Status(state)
    number = clock.engagement
    if status is Status.NOT_APPLICABLE:
        return Measure(number, status)
    assert clock.start is not None and clock.due is not None  # started clocks have both
    if status in STOPPED:
        return Measure(
            number,
            status,
            start=clock.start,
            stop=clock.stop,
            due=clock.due,
            elapsed=clock.elapsed,
        )
    check_covered(cal, as_of)
    return Measure(
        number,
        status,
        start=clock.start,
        due=clock.due,
        elapsed=elapsed_between(engagement, cal, clock.start, as_of),
        days_left=days_left(engagement, cal, as_of, clock.due),
    )


def measure_all(
    facts: Facts, rule_set: RuleSet, calendar: WorkingCalendar, as_of: date
) -> list[Measure]:
    """Evaluate every engagement of a rule set, in engagement order; unstarted clocks omitted."""
    measures = (measure(facts, e, calendar, as_of) for e in rule_set.ordered)
    return [m for m in measures if m is not None]
