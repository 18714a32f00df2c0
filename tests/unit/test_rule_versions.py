"""A rule-set file with several référentiel versions: each clock measured under the version
in force on its start date, expected values worked out by hand from measures.md.

tests/rules/two-versions.toml holds CASVP-2014-05 and a made-up CASVP-2024-01 in which,
from 2024-01-01, engagement 19 allows 5 working days instead of 7. Around the boundary the
working days are (France): 1 January 2024 is a public holiday (a Monday), so the working
days after Friday 29 December 2023 are 2, 3, 4, 5, 8, 9, 10, 11, 12 January.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casetrack.calendar import WorkingCalendar
from casetrack.clocks import clock_of
from casetrack.facts import Facts
from casetrack.measures import measure
from casetrack.rules import default_rule_set, load_rule_set
from projections.queries import worklist_of
from tests.naive import naive_measure

TWO_VERSIONS = Path(__file__).parents[1] / "rules" / "two-versions.toml"
RULES = load_rule_set(TWO_VERSIONS)
CALENDAR = WorkingCalendar()
AS_OF = date(2024, 1, 12)
BOUNDARY = date(2024, 1, 1)


def dossier(
    number: str = "2024-05-000001",
    *,
    filed: date = date(2023, 12, 27),
    first: date | None = None,
    second: date | None = None,
    prestation: str = "PL",
    completed: date | None = None,
) -> Facts:
    return Facts(
        number=number,
        section="05",
        prestation=prestation,
        filed_on=filed,
        first_info_on=first,
        second_info_on=second,
        completed_on=completed,
    )


def measured_19(facts: Facts) -> tuple[object, ...] | None:
    found = measure(facts, RULES.engagement(19), CALENDAR, AS_OF)
    if found is None:
        return None
    return (found.start, found.stop, found.due, found.elapsed, str(found.status))


def test_the_file_holds_two_versions_oldest_first() -> None:
    assert [v.id for v in RULES.versions] == ["CASVP-2014-05", "CASVP-2024-01"]
    assert [v.effective_from for v in RULES.versions] == [date(2014, 5, 1), BOUNDARY]
    assert (RULES.id, RULES.effective_from) == ("CASVP-TEST", date(2014, 5, 1))


def test_the_version_in_force_changes_on_its_effective_date() -> None:
    assert RULES.version_on(date(2023, 12, 31)).id == "CASVP-2014-05"
    assert RULES.version_on(BOUNDARY).id == "CASVP-2024-01"
    # Before the first version, the first one measures (as a single version always did).
    assert RULES.version_on(date(2010, 1, 1)).id == "CASVP-2014-05"


def test_engagement_19_allows_7_working_days_before_2024_and_5_from_it() -> None:
    engagement = RULES.engagement(19)

    assert engagement.in_force(date(2023, 12, 31)).limit == 7
    assert engagement.in_force(BOUNDARY).limit == 5
    assert RULES.engagement(17).in_force(BOUNDARY).limit == 15


def test_a_clock_started_on_29_december_is_measured_at_7_working_days() -> None:
    # Due: the 7th working day after 29/12 is 10/01; a stop on 10/01 is 7 days, met.
    facts = dossier(first=date(2023, 12, 29), second=date(2024, 1, 10))

    assert measured_19(facts) == (
        date(2023, 12, 29),
        date(2024, 1, 10),
        date(2024, 1, 10),
        7,
        "met",
    )


def test_a_clock_started_on_29_december_stopped_on_the_8th_day_is_breached() -> None:
    facts = dossier(first=date(2023, 12, 29), second=date(2024, 1, 11))

    assert measured_19(facts) == (
        date(2023, 12, 29),
        date(2024, 1, 11),
        date(2024, 1, 10),
        8,
        "breached",
    )


def test_a_clock_started_on_sunday_31_december_keeps_the_old_limit() -> None:
    # 6 working days (2, 3, 4, 5, 8, 9 January): met at 7, it would be breached at 5.
    facts = dossier(first=date(2023, 12, 31), second=date(2024, 1, 9))

    assert measured_19(facts) == (date(2023, 12, 31), date(2024, 1, 9), date(2024, 1, 10), 6, "met")


def test_a_clock_started_on_the_effective_date_takes_the_new_limit() -> None:
    # Started on the holiday 1 January (the start day never counts): 5th working day 8/01.
    facts = dossier(first=BOUNDARY, second=date(2024, 1, 9))

    assert measured_19(facts) == (BOUNDARY, date(2024, 1, 9), date(2024, 1, 8), 6, "breached")


def test_a_clock_started_on_2_january_is_measured_at_5_working_days() -> None:
    # 3, 4, 5, 8, 9 January: due 9/01; stop on 9/01 met (5), on 10/01 breached (6).
    met = dossier(first=date(2024, 1, 2), second=date(2024, 1, 9))
    late = dossier(first=date(2024, 1, 2), second=date(2024, 1, 10))

    assert measured_19(met) == (date(2024, 1, 2), date(2024, 1, 9), date(2024, 1, 9), 5, "met")
    assert measured_19(late) == (
        date(2024, 1, 2),
        date(2024, 1, 10),
        date(2024, 1, 9),
        6,
        "breached",
    )


def test_an_open_clock_started_in_2024_is_overdue_after_5_working_days() -> None:
    # From 3/01 to 12/01: 4, 5, 8, 9, 10, 11, 12 = 7 working days (pending at 7, overdue at 5).
    facts = dossier(first=date(2024, 1, 3))

    assert measured_19(facts) == (date(2024, 1, 3), None, date(2024, 1, 10), 7, "overdue")


def test_without_first_info_the_filing_date_starts_the_clock_and_picks_the_version() -> None:
    # Filed 2/01, no first info: 5 working days, due 9/01; at 12/01, 8 days: overdue.
    facts = dossier(filed=date(2024, 1, 2))

    assert measured_19(facts) == (date(2024, 1, 2), None, date(2024, 1, 9), 8, "overdue")


def with_fsl_in_the_new_version(tmp_path: Path) -> Path:
    """The two versions, engagement 17 covering FSL too from 2024-01-01."""
    text = TWO_VERSIONS.read_text(encoding="utf-8")
    old = 'prestations = ["PL", "PLF", "PLFM", "PARISOL", "PLPAPH", "CSP"]\n'
    head, new = text.split('id = "CASVP-2024-01"')
    start = new.index("number = 17")
    at = new.index(old, start)
    new = new[:at] + old.replace('"CSP"]', '"CSP", "FSL"]') + new[at + len(old) :]
    path = tmp_path / "fsl.toml"
    path.write_text(f'{head}id = "CASVP-2024-01"{new}', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("filed", "applicable"),
    [(date(2023, 12, 20), False), (date(2024, 1, 5), True)],
)
def test_a_clock_not_started_takes_the_version_in_force_on_the_filing_date(
    tmp_path: Path, filed: date, applicable: bool
) -> None:
    rules = load_rule_set(with_fsl_in_the_new_version(tmp_path))
    facts = dossier(filed=filed, prestation="FSL")

    clock = clock_of(facts, rules.engagement(17), CALENDAR)

    assert (clock.applicable, clock.start) == (applicable, None)


def test_a_started_clock_takes_the_version_of_its_start_not_of_the_filing(
    tmp_path: Path,
) -> None:
    # Filed in 2023 (FSL not covered then) but complete in 2024: 17 is measured, 15 days.
    rules = load_rule_set(with_fsl_in_the_new_version(tmp_path))
    facts = dossier(filed=date(2023, 12, 20), prestation="FSL", completed=date(2024, 1, 3))

    found = measure(facts, rules.engagement(17), CALENDAR, AS_OF)

    assert found is not None
    assert (found.start, found.due, found.elapsed, str(found.status)) == (
        date(2024, 1, 3),
        date(2024, 1, 18),
        9,
        "pending",
    )


def test_days_late_in_the_worklist_count_against_the_limit_of_the_clocks_version() -> None:
    # 29/12 -> 12/01: 9 working days, 2 over 7. 2/01 -> 10/01: 6 days, 1 over 5.
    facts = [
        dossier("2023-05-000009", first=date(2023, 12, 29), second=date(2024, 1, 12)),
        dossier("2024-05-000005", first=date(2024, 1, 2), second=date(2024, 1, 10)),
    ]
    rows = [
        (f.number, f.section, f.prestation, clock_of(f, RULES.engagement(19), CALENDAR))
        for f in facts
    ]

    items = worklist_of(rows, "breached", RULES, CALENDAR, AS_OF)

    assert [(i.dossier, i.days) for i in items] == [("2023-05-000009", 2), ("2024-05-000005", 1)]


def test_the_fingerprint_covers_every_version(tmp_path: Path) -> None:
    text = TWO_VERSIONS.read_text(encoding="utf-8")
    later_limit = tmp_path / "later.toml"
    later_limit.write_text(text.replace("limit = 5\n", "limit = 6\n"), encoding="utf-8")
    later_day = tmp_path / "day.toml"
    later_day.write_text(text.replace("2024-01-01", "2024-02-01"), encoding="utf-8")

    prints = {
        RULES.fingerprint,
        load_rule_set(later_limit).fingerprint,
        load_rule_set(later_day).fingerprint,
        default_rule_set().fingerprint,
    }

    assert len(prints) == 4


@given(
    start=st.dates(date(2023, 11, 1), date(2024, 2, 29)),
    gap=st.integers(0, 20),
    first_info=st.booleans(),
)
def test_every_clock_is_measured_as_the_naive_spec_with_the_limit_of_its_start(
    start: date, gap: int, first_info: bool
) -> None:
    # The naive measure spells out measures.md; the limit is chosen here, by hand.
    facts = dossier(
        filed=start if not first_info else start - timedelta(days=3),
        first=start if first_info else None,
        second=start + timedelta(days=gap),
    )
    as_of = date(2024, 3, 31)
    limit = 7 if start < BOUNDARY else 5

    found = measure(facts, RULES.engagement(19), CALENDAR, as_of)
    expected = naive_measure(facts, 19, as_of, limit=limit)

    assert found is not None and expected is not None
    assert (found.start, found.stop, found.due, found.elapsed, str(found.status)) == (
        expected.start,
        expected.stop,
        expected.due,
        expected.elapsed,
        expected.status,
    )
