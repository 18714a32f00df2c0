"""A dossier's clock for one engagement, in a form that answers "what status at day E?".

`measure()` is `clock_of(...).at(E)`. The same fields, stored as a row, let SQL
reports find the clocks open at any period's last day without the calendar.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from attrs import frozen

from casetrack.calendar import WorkingCalendar
from casetrack.facts import Facts
from casetrack.rules import Engagement
from casetrack.status import Status

#: The anomaly of an `invalid` clock: its stop comes before its start.
STOP_BEFORE_START: Final = "stop_before_start"


@frozen
class Clock:
    """Everything needed to evaluate one engagement of one dossier at any date.

    The fields mirror the steps of measures.md: `excluded_from` is step 2's outcome
    exclusion, `unmeasured_from` step 2's "no stop once complete or closed", then
    `start`/`stop` steps 3-4, `closed_on` step 5, and `overdue_from` step 6.
    """

    engagement: int
    applicable: bool
    start: date | None = None
    stop: date | None = None
    due: date | None = None
    #: First day an open clock counts as overdue (its elapsed exceeds the limit).
    overdue_from: date | None = None
    #: Elapsed at `stop`, in the engagement's unit (None when invalid or not stopped).
    elapsed: int | None = None
    #: Status.MET, BREACHED or INVALID once stopped (plain text when read back from SQL).
    outcome: str | None = None
    excluded_from: date | None = None
    unmeasured_from: date | None = None
    closed_on: date | None = None

    def state_at(self, day: date) -> str | None:
        """The status at `day`: a status name, or None when the clock has not started."""
        if not self.applicable:
            return Status.NOT_APPLICABLE
        if self.excluded_from is not None and self.excluded_from <= day:
            return Status.NOT_APPLICABLE
        stopped = self.stop is not None and self.stop <= day
        if not stopped and self.unmeasured_from is not None and self.unmeasured_from <= day:
            return Status.NOT_APPLICABLE
        if self.start is None or self.start > day:
            return None
        if stopped:
            return self.outcome
        if self.closed_on is not None and self.closed_on <= day:
            return Status.NOT_APPLICABLE
        assert self.overdue_from is not None  # set whenever start is
        return Status.OVERDUE if day >= self.overdue_from else Status.PENDING


def clock_of(facts: Facts, engagement: Engagement, calendar: WorkingCalendar) -> Clock:
    """Build the clock of one engagement from a dossier's latest facts.

    The terms are those of the référentiel version in force on the clock's start date
    (`terms_of`).
    """
    terms = terms_of(facts, engagement)
    number = terms.number
    if facts.prestation not in terms.prestations:
        return Clock(number, applicable=False)
    excluded_from = None
    if facts.outcome in terms.not_applicable_after_outcome:
        excluded_from = facts.decision_date
    unmeasured = [facts.fact_date(n) for n in terms.not_applicable_without_stop_once]
    unmeasured_from = min((d for d in unmeasured if d is not None), default=None)
    start = first_known(facts, terms.start)
    stop = first_known(facts, terms.stop)
    common: dict[str, date | None] = {
        "excluded_from": excluded_from,
        "unmeasured_from": unmeasured_from,
        "closed_on": facts.closed_on,
        "stop": stop,
    }
    if start is None:
        return Clock(number, True, **common)  # type: ignore[arg-type]
    cal = calendar.for_section(facts.section)
    check_covered(cal, start, stop)
    due = due_date(terms, cal, start)
    overdue_from = _overdue_from(terms, cal, start, due)
    elapsed = outcome = None
    if stop is not None:
        if anomaly(start, stop) is not None:
            outcome = Status.INVALID
        else:
            elapsed = elapsed_between(terms, cal, start, stop)
            met = stop <= due if terms.roll_due_forward else elapsed <= terms.limit
            outcome = Status.MET if met else Status.BREACHED
    return Clock(
        number,
        applicable=True,
        start=start,
        due=due,
        overdue_from=overdue_from,
        elapsed=elapsed,
        outcome=outcome,
        **common,
    )


def terms_of(facts: Facts, engagement: Engagement) -> Engagement:
    """The engagement's terms that measure this dossier: the version in force on its start.

    A clock that has not started takes the version in force on the filing date, the day
    the dossier entered the référentiel; the start facts are the same in every version
    (casetrack.rules.versions), so the start date does not depend on the version.
    """
    start = first_known(facts, engagement.start)
    return engagement.in_force(facts.filed_on if start is None else start)


def first_known(facts: Facts, names: tuple[str, ...]) -> date | None:
    """The date of the first fact of the list that is known."""
    found = known_fact(facts, names)
    return None if found is None else found[1]


def known_fact(facts: Facts, names: tuple[str, ...]) -> tuple[str, date] | None:
    """The first fact of the list that is known, with its date: after the first, a fallback."""
    for name in names:
        value = facts.fact_date(name)
        if value is not None:
            return name, value
    return None


def anomaly(start: date, stop: date) -> str | None:
    """Why a clock stopped on `stop` is `invalid` (measures.md, step 4), or None if it is not."""
    return STOP_BEFORE_START if stop < start else None


def check_covered(cal: WorkingCalendar, *days: date | None) -> None:
    """Raise CalendarRangeError for a date outside the calendar's years.

    measures.md: never a silent guess, even for calendar-day engagements that
    otherwise never consult the calendar.
    """
    for day in days:
        if day is not None:
            cal.is_working_day(day)


def due_date(engagement: Engagement, cal: WorkingCalendar, start: date) -> date:
    """The due date: the limit-th working day after start, or start + limit days."""
    if engagement.unit == "working_days":
        return cal.add_working_days(start, engagement.limit)
    due = start + timedelta(days=engagement.limit)
    if engagement.roll_due_forward and not cal.is_working_day(due):
        due = cal.add_working_days(due, 1)
    return due


def elapsed_between(engagement: Engagement, cal: WorkingCalendar, start: date, stop: date) -> int:
    """Elapsed time in the engagement's unit (the start day never counts)."""
    if engagement.unit == "working_days":
        return cal.working_days_between(start, stop)
    return (stop - start).days


def days_left(engagement: Engagement, cal: WorkingCalendar, day: date, due: date) -> int:
    """Days (in the engagement's unit) from `day` to `due`; negative once late."""
    if engagement.unit == "working_days":
        return cal.working_days_between(day, due)
    return (due - day).days


def _overdue_from(engagement: Engagement, cal: WorkingCalendar, start: date, due: date) -> date:
    if engagement.roll_due_forward:
        return due + timedelta(days=1)
    if engagement.unit == "working_days":
        # Overdue once more than `limit` working days have passed: from the next one.
        return cal.add_working_days(start, engagement.limit + 1)
    return start + timedelta(days=engagement.limit + 1)
