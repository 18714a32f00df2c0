"""Bad multi-version rule-set files are refused with the file and the problem named, and
the single-version format keeps loading as one version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from casetrack.errors import RuleSetError
from casetrack.rules import default_rule_set, load_rule_set

TWO_VERSIONS = (Path(__file__).parents[1] / "rules" / "two-versions.toml").read_text("utf-8")
FIRST, SECOND = 'id = "CASVP-2014-05"', 'id = "CASVP-2024-01"'


def versions(text: str) -> tuple[str, str, str]:
    """The file's head, first version and second version (each from its [[versions]])."""
    head, rest = text.split("[[versions]]\n", 1)
    first, second = rest.split("[[versions]]\n", 1)
    return head, first, second


def swapped(text: str) -> str:
    head, first, second = versions(text)
    return f"{head}[[versions]]\n{second}\n[[versions]]\n{first}"


def without_engagement_18_in_the_second(text: str) -> str:
    head, first, second = versions(text)
    start = second.index("[[versions.engagements]]\nnumber = 18")
    return f"{head}[[versions]]\n{first}[[versions]]\n{second[:start]}"


def with_engagement_20_in_the_second(text: str) -> str:
    extra = (
        '\n[[versions.engagements]]\nnumber = 20\nstart = ["filed"]\nstop = ["completed"]\n'
        'limit = 30\nunit = "calendar_days"\nprestations = ["PL"]\n'
    )
    return text + extra


def in_second(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        head, first, second = versions(text)
        assert old in second
        return f"{head}[[versions]]\n{first}[[versions]]\n{second.replace(old, new, 1)}"

    return change


BAD = {
    "unsorted": (swapped, ["oldest first", "CASVP-2014-05", "CASVP-2024-01"]),
    "same day": (
        in_second("effective_from = 2024-01-01", "effective_from = 2014-05-01"),
        ["both take effect on 2014-05-01"],
    ),
    "same id": (in_second(SECOND, FIRST), ["versions 1 and 2", "same id CASVP-2014-05"]),
    "missing engagement": (
        without_engagement_18_in_the_second,
        ["version CASVP-2024-01 has no engagement 18", "every version lists every engagement"],
    ),
    "extra engagement": (
        with_engagement_20_in_the_second,
        ["version CASVP-2024-01 has engagement 20", "CASVP-2014-05 lacks"],
    ),
    "unit changes": (
        in_second('limit = 5\nunit = "working_days"', 'limit = 5\nunit = "calendar_days"'),
        ["engagement 19: unit", "CASVP-2014-05", "CASVP-2024-01"],
    ),
    "start changes": (
        in_second('start = ["first_info", "filed"]', 'start = ["filed"]'),
        ["engagement 19: start", "the start date chooses the version"],
    ),
    "missing limit": (
        in_second("limit = 5\n", ""),
        ["version 2: missing key 'limit'"],
    ),
    "date and time": (
        in_second("effective_from = 2024-01-01", "effective_from = 2024-01-01T00:00:00"),
        ["version 2: effective_from must be a date"],
    ),
    "effective_from beside versions": (
        lambda text: text.replace(
            'title = "Référentiel', 'effective_from = 2014-05-01\ntitle = "R', 1
        ),
        ["['effective_from'] cannot sit beside [[versions]]"],
    ),
    "no file id": (
        lambda text: text.replace('id = "CASVP-TEST"\n', "", 1),
        ["needs a top-level id"],
    ),
    "empty versions": (
        lambda text: 'id = "X"\nversions = []\n',
        ["versions must be one or more [[versions]] tables"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_multi_version_file_names_the_file_and_the_problem(tmp_path: Path, case: str) -> None:
    change, words = BAD[case]
    path = tmp_path / "versions.toml"
    path.write_text(change(TWO_VERSIONS), encoding="utf-8")

    with pytest.raises(RuleSetError) as caught:
        load_rule_set(path)

    message = str(caught.value)
    assert message.startswith(str(path)), message
    for word in words:
        assert word in message, message


def test_a_single_version_file_is_one_version_with_no_history() -> None:
    rules = default_rule_set()

    assert rules.versions == ()
    assert [v.id for v in rules.all_versions] == ["CASVP-2014-05"]
    engagement = rules.engagement(19)
    assert engagement.versions == ()
    assert engagement.in_force(engagement_day := rules.effective_from) is engagement
    assert rules.version_on(engagement_day).id == "CASVP-2014-05"


def test_one_version_in_versions_form_measures_like_the_single_version_file(
    tmp_path: Path,
) -> None:
    head, first, _ = versions(TWO_VERSIONS)
    path = tmp_path / "one.toml"
    path.write_text(f"{head}[[versions]]\n{first}", encoding="utf-8")

    rules = load_rule_set(path)

    built_in = default_rule_set()
    for mine, theirs in zip(rules.ordered, built_in.ordered, strict=True):
        assert (mine.number, mine.start, mine.stop, mine.limit, mine.unit) == (
            theirs.number,
            theirs.start,
            theirs.stop,
            theirs.limit,
            theirs.unit,
        )
        assert mine.prestations == theirs.prestations
