"""Rule sets as data: the built-in CASVP-2014-05 is the spec's table, and bad files are refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from casetrack.calendar import WorkingCalendar
from casetrack.errors import RuleSetError
from casetrack.facts import Facts
from casetrack.measures import Status, measure
from casetrack.rules import RuleSet, default_rule_set, load_rule_set

SPEC_PRESTATIONS = frozenset({"PL", "PLF", "PLFM", "PARISOL", "PLPAPH", "CSP"})

VALID_TOML = """\
id = "WHAT-IF-2024"
title = "What if engagement 19 allowed 10 working days"
effective_from = 2024-01-01

[[engagements]]
number = 19
start = ["first_info", "filed"]
stop = ["second_info"]
limit = {limit}
unit = "working_days"
prestations = ["PL", "PLF", "PLFM", "PARISOL", "PLPAPH", "CSP"]
not_applicable_without_stop_once = ["completed", "closed"]

[[engagements]]
number = 17
start = ["completed"]
stop = ["notified"]
limit = 15
unit = "calendar_days"
prestations = ["PL"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_built_in_rule_set_is_casvp_2014_05_with_its_effective_date() -> None:
    rules = default_rule_set()

    assert rules.id == "CASVP-2014-05"
    assert isinstance(rules.effective_from, date)
    assert (rules.effective_from.year, rules.effective_from.month) == (2014, 5)


def test_built_in_rule_set_has_the_three_engagements_in_report_order() -> None:
    rules = default_rule_set()

    assert [e.number for e in rules.ordered] == [17, 18, 19]


def test_built_in_engagement_19_is_first_info_to_second_info_in_7_working_days() -> None:
    engagement = default_rule_set().engagement(19)

    # First info, else the filing date (spec: dates as read from PIAF).
    assert engagement.start == ("first_info", "filed")
    assert engagement.stop == ("second_info",)
    assert (engagement.limit, engagement.unit) == (7, "working_days")
    assert set(engagement.not_applicable_without_stop_once) == {"completed", "closed"}
    assert engagement.not_applicable_after_outcome == frozenset()


def test_built_in_engagement_17_is_completion_to_notification_in_15_calendar_days() -> None:
    engagement = default_rule_set().engagement(17)

    assert engagement.start == ("completed",)
    assert engagement.stop == ("notified",)
    assert (engagement.limit, engagement.unit) == (15, "calendar_days")
    assert engagement.not_applicable_without_stop_once == ()
    assert engagement.not_applicable_after_outcome == frozenset()


def test_built_in_engagement_18_is_decision_to_transfer_in_15_calendar_days_except_refusals() -> (
    None
):
    engagement = default_rule_set().engagement(18)

    assert engagement.start == ("decided",)
    assert engagement.stop == ("ordered",)
    assert (engagement.limit, engagement.unit) == (15, "calendar_days")
    assert engagement.not_applicable_after_outcome == frozenset({"REJET"})
    assert engagement.not_applicable_without_stop_once == ()


def test_built_in_engagements_apply_to_the_six_prestations() -> None:
    rules = default_rule_set()

    assert {e.number: e.prestations for e in rules.engagements} == dict.fromkeys(
        (17, 18, 19), SPEC_PRESTATIONS
    )


def test_built_in_rule_set_does_not_roll_due_dates_forward() -> None:
    rules = default_rule_set()

    assert [e.roll_due_forward for e in rules.engagements] == [False, False, False]


def test_asking_for_an_unknown_engagement_names_the_known_ones() -> None:
    with pytest.raises(RuleSetError, match=r"no engagement 20.*17.*18.*19|no engagement 20"):
        default_rule_set().engagement(20)


def test_rule_set_file_is_loaded_from_toml(tmp_path: Path) -> None:
    path = write(tmp_path, VALID_TOML.format(limit=10))

    rules = load_rule_set(path)

    assert isinstance(rules, RuleSet)
    assert (rules.id, rules.effective_from) == ("WHAT-IF-2024", date(2024, 1, 1))
    assert [e.number for e in rules.ordered] == [17, 19]
    engagement = rules.engagement(19)
    assert (engagement.limit, engagement.unit, engagement.roll_due_forward) == (
        10,
        "working_days",
        False,
    )
    assert rules.engagement(17).prestations == frozenset({"PL"})


def test_rule_set_wide_roll_due_forward_applies_to_every_engagement(tmp_path: Path) -> None:
    path = write(tmp_path, "roll_due_forward = true\n" + VALID_TOML.format(limit=7))

    rules = load_rule_set(path)

    assert [e.roll_due_forward for e in rules.engagements] == [True, True]


def test_what_if_limit_of_ten_working_days_meets_the_eighth_day(tmp_path: Path) -> None:
    what_if = load_rule_set(write(tmp_path, VALID_TOML.format(limit=10)))
    facts = Facts(
        number="2024-000001",
        section="05",
        prestation="PL",
        filed_on=date(2024, 5, 2),
        first_info_on=date(2024, 5, 3),
        second_info_on=date(2024, 5, 17),
    )
    calendar = WorkingCalendar()

    built_in = measure(facts, default_rule_set().engagement(19), calendar, date(2024, 6, 30))
    variant = measure(facts, what_if.engagement(19), calendar, date(2024, 6, 30))

    # Worked example: Fri 17 May 2024 is the 8th working day after Fri 3 May. With 10, due is
    # Mon 6 (1), Tue 7 (2), Fri 10 (3), Mon 13 (4), Tue 14 (5), Wed 15 (6), Thu 16 (7),
    # Fri 17 (8), [Mon 20 Whit Monday], Tue 21 (9), Wed 22 (10).
    assert built_in is not None
    assert variant is not None
    assert (built_in.elapsed, built_in.status) == (8, Status.BREACHED)
    assert (variant.elapsed, variant.status, variant.due) == (8, Status.MET, date(2024, 5, 22))


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        pytest.param("limit = 10\n", "", r"limit", id="missing-limit"),
        pytest.param('id = "WHAT-IF-2024"\n', "", r"\bid\b", id="missing-id"),
        pytest.param(
            'start = ["completed"]', 'start = ["complete"]', r"complete", id="unknown-fact"
        ),
        pytest.param(
            'stop = ["second_info"]', 'stop = ["third_info"]', r"third_info", id="unknown-stop"
        ),
        pytest.param('unit = "working_days"', 'unit = "weeks"', r"unit.*weeks", id="unknown-unit"),
        pytest.param("limit = 10", "limit = true", r"limit.*True", id="boolean-limit"),
        pytest.param("limit = 10", 'limit = "10"', r"limit", id="text-limit"),
        pytest.param("limit = 10", "limit = -1", r"limit.*negative", id="negative-limit"),
        pytest.param("number = 17", "number = 19", r"repeat", id="repeated-number"),
        pytest.param(
            "effective_from = 2024-01-01",
            'effective_from = "2024"',
            r"effective_from",
            id="text-date",
        ),
        pytest.param("limit = 10", "limit = 10\nstart = [", r"TOML|rule set", id="bad-syntax"),
    ],
)
def test_bad_rule_set_file_names_the_problem(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    text = VALID_TOML.format(limit=10)
    assert old in text
    path = write(tmp_path, text.replace(old, new, 1))

    with pytest.raises(RuleSetError, match=problem):
        load_rule_set(path)


def test_missing_rule_set_file_is_a_rule_set_error(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match=r"nowhere\.toml"):
        load_rule_set(tmp_path / "nowhere.toml")


def test_unknown_outcome_exclusion_is_refused(tmp_path: Path) -> None:
    text = VALID_TOML.format(limit=10) + 'not_applicable_after_outcome = ["PEUT-ETRE"]\n'

    with pytest.raises(RuleSetError, match=r"outcome"):
        load_rule_set(write(tmp_path, text))


def test_prestations_given_as_one_string_are_refused(tmp_path: Path) -> None:
    # A bare string would otherwise be read letter by letter, as the prestations "P" and "L".
    text = VALID_TOML.format(limit=10).replace('prestations = ["PL"]', 'prestations = "PL"', 1)

    with pytest.raises(RuleSetError, match=r"prestations"):
        load_rule_set(write(tmp_path, text))


def test_misspelt_engagement_key_is_refused(tmp_path: Path) -> None:
    # Silently ignoring "roll_due_foward" would measure without rolling, against the file's intent.
    text = VALID_TOML.format(limit=10).replace(
        "limit = 15", "limit = 15\nroll_due_foward = true", 1
    )

    with pytest.raises(RuleSetError, match=r"roll_due_foward"):
        load_rule_set(write(tmp_path, text))
