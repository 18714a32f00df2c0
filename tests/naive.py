"""A deliberately naive reference implementation of measures.md, for tests only.

Written straight from the spec text, independently of `casetrack.measures` and
`casetrack.calendar`: working days are found by stepping one day at a time with
workalendar's `France().is_working_day`, and the three engagements of
CASVP-2014-05 are spelled out by hand rather than read from the rule set.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from datetime import date, timedelta
from typing import NamedTuple

from workalendar.europe import France

from casetrack.facts import Facts

#: The prestations the CASVP-2014-05 engagements apply to (spec, "The three engagements").
PRESTATIONS = frozenset({"PL", "PLF", "PLFM", "PARISOL", "PLPAPH", "CSP"})
#: The spec table: engagement number -> (limit, unit).
TABLE = {
    17: (15, "calendar_days"),
    18: (15, "calendar_days"),
    19: (7, "working_days"),
}
AT_RISK_DAYS = 2

_FRANCE = France()
_ONE_DAY = timedelta(days=1)


class NaiveMeasure(NamedTuple):
    """What the spec says one measure holds (status as its plain string)."""

    start: date | None
    stop: date | None
    due: date | None
    elapsed: int | None
    status: str
    at_risk: bool


NOT_APPLICABLE = NaiveMeasure(None, None, None, None, "not_applicable", at_risk=False)


@functools.cache
def _french_working_day(day: date) -> bool:
    return bool(_FRANCE.is_working_day(day))


def is_working_day(day: date, closures: Collection[date] = ()) -> bool:
    """Monday to Friday, not a French public holiday, not a closure day."""
    return _french_working_day(day) and day not in closures


def count_working_days(start: date, stop: date, closures: Collection[date] = ()) -> int:
    """Working days d with start < d <= stop, counted one day at a time."""
    count = 0
    day = start + _ONE_DAY
    while day <= stop:
        if is_working_day(day, closures):
            count += 1
        day += _ONE_DAY
    return count


def nth_working_day_after(start: date, n: int, closures: Collection[date] = ()) -> date:
    """The n-th working day after start (start itself when n is 0)."""
    day = start
    found = 0
    while found < n:
        day += _ONE_DAY
        if is_working_day(day, closures):
            found += 1
    return day


def _decision_date(facts: Facts) -> date | None:
    # PIAF: the decision date falls back to the notification date.
    return facts.decided_on if facts.decided_on is not None else facts.notified_on


def _notification_date(facts: Facts) -> date | None:
    # PIAF: the notification date falls back to the decision date.
    return facts.notified_on if facts.notified_on is not None else facts.decided_on


def _on_or_before(day: date | None, as_of: date) -> bool:
    return day is not None and day <= as_of


def _clock(facts: Facts, engagement: int) -> tuple[date | None, date | None]:
    """The spec table's "clock starts" and "clock stops" columns."""
    if engagement == 19:
        start = facts.first_info_on if facts.first_info_on is not None else facts.filed_on
        return start, facts.second_info_on
    if engagement == 17:
        return facts.completed_on, _notification_date(facts)
    if engagement == 18:
        return _decision_date(facts), facts.ordered_on
    msg = f"the spec has no engagement {engagement}"
    raise ValueError(msg)


def _excluded(facts: Facts, engagement: int, as_of: date) -> bool:
    """Step 2: the engagement's own exclusion."""
    if engagement == 18:
        return facts.outcome == "REJET" and _on_or_before(_decision_date(facts), as_of)
    if engagement == 19:
        has_second_info = _on_or_before(facts.second_info_on, as_of)
        complete_or_closed = _on_or_before(facts.completed_on, as_of) or _on_or_before(
            facts.closed_on, as_of
        )
        return not has_second_info and complete_or_closed
    return False


def naive_measure(
    facts: Facts,
    engagement: int,
    as_of: date,
    *,
    limit: int | None = None,
    roll_due_forward: bool = False,
    closures: Collection[date] = (),
    section_closures: Mapping[str, Collection[date]] | None = None,
) -> NaiveMeasure | None:
    """Measure one engagement of one dossier at as_of, or None when its clock has not started.

    `limit` and `roll_due_forward` give what-if variants of the spec's engagement.
    """
    table_limit, unit = TABLE[engagement]
    limit = table_limit if limit is None else limit
    closed_days = set(closures) | set((section_closures or {}).get(facts.section, ()))

    def working(day: date) -> bool:
        return is_working_day(day, closed_days)

    def elapsed_between(start: date, stop: date) -> int:
        if unit == "working_days":
            return count_working_days(start, stop, closed_days)
        return (stop - start).days

    # 1. Prestation outside the rule set.
    if facts.prestation not in PRESTATIONS:
        return NOT_APPLICABLE
    # 2. The engagement's own exclusion.
    if _excluded(facts, engagement, as_of):
        return NOT_APPLICABLE
    # 3. Start unknown or after as_of: no measure.
    start, stop = _clock(facts, engagement)
    if start is None or start > as_of:
        return None
    if unit == "working_days":
        due = nth_working_day_after(start, limit, closed_days)
    else:
        due = start + timedelta(days=limit)
        if roll_due_forward:
            while not working(due):
                due += _ONE_DAY

    def in_time(elapsed: int, last_day: date) -> bool:
        return last_day <= due if roll_due_forward else elapsed <= limit

    # 4. Stop known, on or before as_of.
    if stop is not None and stop <= as_of:
        if stop < start:
            return NaiveMeasure(start, stop, due, None, "invalid", at_risk=False)
        elapsed = elapsed_between(start, stop)
        status = "met" if in_time(elapsed, stop) else "breached"
        return NaiveMeasure(start, stop, due, elapsed, status, at_risk=False)
    # 5. Dossier closed on or before as_of.
    if _on_or_before(facts.closed_on, as_of):
        return NOT_APPLICABLE
    # 6. Open clock, counted as if it stopped on as_of.
    elapsed = elapsed_between(start, as_of)
    if not in_time(elapsed, as_of):
        return NaiveMeasure(start, None, due, elapsed, "overdue", at_risk=False)
    if unit == "working_days":
        days_left = count_working_days(as_of, due, closed_days)
    else:
        days_left = (due - as_of).days
    return NaiveMeasure(start, None, due, elapsed, "pending", at_risk=days_left <= AT_RISK_DAYS)
