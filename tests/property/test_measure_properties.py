"""Properties of the measures, checked against the naive reference implementation."""

from __future__ import annotations

from datetime import date, timedelta

import attrs
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from casetrack.calendar import WorkingCalendar
from casetrack.facts import Facts
from casetrack.measures import STOPPED, Measure, Status, measure
from casetrack.rules import Engagement, default_rule_set
from tests.examples import scaled
from tests.naive import NaiveMeasure, naive_measure

RULES = default_rule_set()
DEFAULT_CALENDAR = WorkingCalendar()
#: Every drawn date stays within 2015..2030: the base date leaves room for the offsets.
FIRST_BASE = date(2015, 1, 6)
LAST_BASE = date(2030, 8, 31)
MAX_OFFSET = 120
CLOSURE_SECTION = "05"

# Cheap examples, so five times the profile's count (tests/examples.py); the naive calendar
# steps day by day, which is what keeps it from more.
MODERATE = settings(
    max_examples=scaled(5),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@attrs.frozen
class Scenario:
    """One dossier, one engagement variant, one evaluation date and the closure days."""

    facts: Facts
    number: int
    limit: int | None
    roll: bool
    as_of: date
    closures: frozenset[date]
    section_closures: frozenset[date]

    @property
    def engagement(self) -> Engagement:
        built_in = RULES.engagement(self.number)
        limit = built_in.limit if self.limit is None else self.limit
        return attrs.evolve(built_in, limit=limit, roll_due_forward=self.roll)

    @property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(
            first_year=2014,
            last_year=2032,
            closures=self.closures,
            section_closures={CLOSURE_SECTION: self.section_closures},
        )

    def naive(self, as_of: date | None = None) -> NaiveMeasure | None:
        return naive_measure(
            self.facts,
            self.number,
            self.as_of if as_of is None else as_of,
            limit=self.limit,
            roll_due_forward=self.roll,
            closures=self.closures,
            section_closures={CLOSURE_SECTION: self.section_closures},
        )

    def measured(self, as_of: date | None = None) -> Measure | None:
        return measure(
            self.facts, self.engagement, self.calendar, self.as_of if as_of is None else as_of
        )


def as_naive(result: Measure | None) -> NaiveMeasure | None:
    if result is None:
        return None
    return NaiveMeasure(
        result.start, result.stop, result.due, result.elapsed, result.status.value, result.at_risk
    )


@st.composite
def scenarios(
    draw: st.DrawFn,
    *,
    prestations: tuple[str, ...] = ("PL", "CSP", "PARISOL", "AUTRE"),
    with_closures: bool = True,
    what_if: bool = True,
    as_of_offsets: st.SearchStrategy[int] | None = None,
    stopped: bool = False,
    open_clock: bool = False,
) -> Scenario:
    """Dates near one base date.

    With `stopped`, the engagement's start and stop are known; with `open_clock`, only its
    start is, and as_of falls near the due date.
    """
    base = draw(st.dates(FIRST_BASE, LAST_BASE))

    def day(offset: int) -> date:
        return base + timedelta(days=offset)

    def maybe_after(anchor: date | None) -> date | None:
        # Mostly a few days after the fact it follows in a dossier's life, sometimes before it.
        offset = draw(st.none() | st.integers(0, 20) | st.integers(-5, 30))
        return None if offset is None else (anchor or base) + timedelta(days=offset)

    first_info = maybe_after(base)
    completed = maybe_after(first_info)
    decided = maybe_after(completed)
    notified = maybe_after(completed)
    facts = Facts(
        number="2024-000001",
        section=draw(st.sampled_from(["01", CLOSURE_SECTION, "PC"])),
        prestation=draw(st.sampled_from(prestations)),
        filed_on=base,
        first_info_on=first_info,
        second_info_on=maybe_after(first_info),
        completed_on=completed,
        decided_on=decided,
        notified_on=notified,
        outcome=draw(st.sampled_from([None, "ACCORD", "REJET"])),
        ordered_on=maybe_after(decided or notified),
        # Closure without decision is rarer than the other facts.
        closed_on=maybe_after(first_info) if draw(st.integers(0, 3)) == 0 else None,
    )
    number = draw(st.sampled_from([17, 18, 19]))
    if stopped:
        start = day(draw(st.integers(-5, 60)))
        stop = start + timedelta(days=draw(st.integers(-3, 30)))
        clock = {
            17: {"completed_on": start, "notified_on": stop},
            18: {"decided_on": start, "ordered_on": stop, "outcome": "ACCORD"},
            19: {"first_info_on": start, "second_info_on": stop},
        }
        facts = facts.replace(**clock[number])
    if open_clock:
        start = day(draw(st.integers(-5, 60)))
        clock = {
            17: {"completed_on": start, "decided_on": None, "notified_on": None},
            18: {"decided_on": start, "ordered_on": None, "outcome": "ACCORD"},
            19: {"first_info_on": start, "second_info_on": None, "completed_on": None},
        }
        facts = facts.replace(closed_on=None, **clock[number])
        as_of_offsets = st.integers(-2, 25).map(lambda n: (start - base).days + n)
    limit = draw(st.none() | st.integers(0, 20)) if what_if else None
    # Rolling is only drawn for calendar-day engagements: for working-day ones the spec does
    # not say whether "met means stop <= due" replaces "elapsed <= limit".
    roll = what_if and number != 19 and draw(st.booleans())
    closure_days = st.frozensets(st.integers(-3, 100).map(day), max_size=4)
    closures = draw(closure_days) if with_closures else frozenset()
    section_closures = draw(closure_days) if with_closures else frozenset()
    if as_of_offsets is None:
        as_of_offsets = st.integers(-5, 60) | st.integers(-5, MAX_OFFSET)
    as_of = day(draw(as_of_offsets))
    return Scenario(facts, number, limit, roll, as_of, closures, section_closures)


@MODERATE
@given(scenarios())
def test_measure_agrees_with_the_naive_reference(scenario: Scenario) -> None:
    expected = scenario.naive()
    event(f"{scenario.number}: {expected.status if expected else 'not started'}")

    assert as_naive(scenario.measured()) == expected


@MODERATE
@given(scenarios(open_clock=True))
def test_open_clock_agrees_with_the_naive_reference(scenario: Scenario) -> None:
    expected = scenario.naive()
    event("not started" if expected is None else f"{expected.status}, at risk {expected.at_risk}")

    assert as_naive(scenario.measured()) == expected


@MODERATE
@given(scenarios(with_closures=False, what_if=False))
def test_measure_with_the_default_calendar_agrees_with_the_naive_reference(
    scenario: Scenario,
) -> None:
    result = measure(scenario.facts, scenario.engagement, DEFAULT_CALENDAR, scenario.as_of)

    assert as_naive(result) == scenario.naive()


@MODERATE
@given(scenarios(prestations=("PL",), as_of_offsets=st.just(MAX_OFFSET), stopped=True))
def test_non_rolling_measure_is_met_exactly_when_elapsed_is_within_the_limit(
    scenario: Scenario,
) -> None:
    assume(not scenario.roll)
    result = scenario.measured()
    assume(result is not None and result.status in {Status.MET, Status.BREACHED})
    assert result is not None
    assert result.elapsed is not None

    assert (result.status is Status.MET) == (result.elapsed <= scenario.engagement.limit)


@MODERATE
@given(
    scenarios(prestations=("PL",)),
    st.integers(0, 40),
)
def test_due_never_decreases_as_the_start_grows(scenario: Scenario, gap: int) -> None:
    start_fact = {17: "completed_on", 18: "decided_on", 19: "first_info_on"}[scenario.number]
    early_start = scenario.facts.filed_on + timedelta(days=MAX_OFFSET // 2)
    late_start = early_start + timedelta(days=gap)

    def open_clock(start: date) -> Measure | None:
        # Only the start fact is known, so the clock is open at the later start.
        facts = Facts(
            number="2024-000001",
            section=scenario.facts.section,
            prestation="PL",
            filed_on=scenario.facts.filed_on,
            outcome="ACCORD",
            **{start_fact: start},
        )
        return measure(facts, scenario.engagement, scenario.calendar, late_start)

    early = open_clock(early_start)
    late = open_clock(late_start)

    assert early is not None
    assert late is not None
    assert early.due is not None
    assert late.due is not None
    assert early.due <= late.due


@MODERATE
@given(
    scenarios(prestations=("PL", "CSP"), as_of_offsets=st.just(MAX_OFFSET), stopped=True),
    st.integers(0, 60),
)
def test_stopped_measure_does_not_depend_on_as_of_once_past_start_and_stop(
    scenario: Scenario, extra_days: int
) -> None:
    result = scenario.measured()
    assume(result is not None and result.status in STOPPED)
    assert result is not None
    assert result.start is not None
    assert result.stop is not None

    later = max(result.start, result.stop) + timedelta(days=extra_days)

    assert scenario.measured(as_of=later) == result
