"""`measure.status_changes_on` is the first later day with another status, day by day.

The catch-up re-reads only the rows whose change date has come (docs/schema.md), so a
wrong date would leave a stale status. The expectation is stepped one day at a time with
the naive reference of measures.md, independently of `casetrack.clocks`.
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs
from hypothesis import given
from hypothesis import strategies as st

from casetrack.calendar import WorkingCalendar
from casetrack.clocks import clock_of
from casetrack.facts import Facts
from casetrack.rules import Engagement, default_rule_set
from projections.rows import status_changes_on
from tests.naive import naive_measure

RULES = default_rule_set()
CALENDAR = WorkingCalendar()
BASE = date(2025, 4, 28)  # a month with public holidays (1 and 8 May, Ascension)
#: Dates within a season: the naive reference steps day by day.
days = st.integers(min_value=0, max_value=60).map(lambda n: BASE + timedelta(days=n))
maybe_days = st.none() | days
#: After the last fact, a status can still change once: an open clock becomes overdue
#: at most 15 calendar or 7 working days (plus holidays) after its start.
SETTLED_AFTER = timedelta(days=40)


@st.composite
def facts(draw: st.DrawFn) -> Facts:
    """A dossier's facts in any order, closed or not."""
    decided, notified = draw(maybe_days), draw(maybe_days)
    decision = decided is not None or notified is not None
    return Facts(
        number="2025-05-000001",
        section=draw(st.sampled_from(["05", "13"])),
        prestation=draw(st.sampled_from(["PL", "PARISOL", "CSP", "AUTRE"])),
        filed_on=draw(days),
        first_info_on=draw(maybe_days),
        second_info_on=draw(maybe_days),
        completed_on=draw(maybe_days),
        decided_on=decided,
        notified_on=notified,
        outcome=draw(st.sampled_from(["ACCORD", "REJET"])) if decision else None,
        ordered_on=draw(maybe_days),
        closed_on=draw(maybe_days),
    )


def naive_status(f: Facts, engagement: int, day: date) -> str | None:
    """The status of measures.md on a day (None: not started)."""
    found = naive_measure(f, engagement, day)
    return None if found is None else found.status


@given(facts(), days, st.sampled_from(RULES.ordered))
def test_the_status_holds_until_its_change_date_and_changes_on_it(
    f: Facts, evaluated: date, engagement: Engagement
) -> None:
    clock = clock_of(f, engagement, CALENDAR)
    number = clock.engagement
    status = naive_status(f, number, evaluated)

    changes_on = status_changes_on(clock, evaluated, clock.state_at(evaluated))

    dated = [d for d in attrs.astuple(f) if isinstance(d, date)]
    horizon = max([*dated, evaluated]) + SETTLED_AFTER
    last = horizon if changes_on is None else changes_on - timedelta(days=1)
    day = evaluated + timedelta(days=1)
    while day <= last:
        assert naive_status(f, number, day) == status, day
        day += timedelta(days=1)
    if changes_on is not None:
        assert changes_on > evaluated
        assert naive_status(f, number, changes_on) != status
