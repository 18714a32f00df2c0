"""The latency audit's pure parts: the delay figures against a naive nearest rank, and the
fold's first reports and stop corrections from hand-written events."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from casetrack.rules import default_rule_set
from projections.latency import DELAY_FACTS, Delay, delay_rows
from projections.latency_fold import LatencyFolder
from tests.examples import scaled

DAY = date(2025, 3, 3)


def naive_rank(values: list[int], tenths: int) -> int:
    """The smallest value with at least `tenths`/10 of the values at or below it.

    Nearest rank said another way (docs/reports.md), with no index arithmetic.
    """
    n = len(values)
    return min(v for v in values if 10 * sum(x <= v for x in values) >= tenths * n)


def test_nearest_rank_of_one_to_ten_is_5_then_9() -> None:
    found = delay_rows(
        [Delay("filed_on", "05", DAY, DAY + timedelta(d)) for d in range(10, 0, -1)], ["fact"]
    )

    assert [(r.count, r.median, r.p90, r.max) for r in found] == [(10, 5, 9, 10)]


def test_an_even_count_takes_the_lower_median_and_a_single_value_is_every_figure() -> None:
    two = delay_rows([Delay("filed_on", "05", DAY, DAY + timedelta(d)) for d in (3, 8)], ["fact"])
    one = delay_rows([Delay("filed_on", "05", DAY, DAY + timedelta(7))], ["fact"])

    assert [(r.median, r.p90, r.max) for r in two] == [(3, 8, 8)]
    assert [(r.median, r.p90, r.max) for r in one] == [(7, 7, 7)]


@settings(max_examples=scaled(1))
@given(
    st.lists(
        st.tuples(
            st.sampled_from(DELAY_FACTS),
            st.sampled_from(["05", "13", "PC"]),
            st.dates(date(2025, 1, 1), date(2025, 4, 30)),
            st.integers(-5, 400),
        ),
        max_size=80,
    ),
    st.sets(st.sampled_from(["fact", "sector", "month"]), min_size=1),
)
def test_every_group_has_the_naive_count_median_p90_and_max(
    drawn: list[tuple[str, str, date, int]], keys: set[str]
) -> None:
    delays = [Delay(f, s, d, d + timedelta(days)) for f, s, d, days in drawn]
    expected: dict[tuple[str | None, ...], list[int]] = defaultdict(list)
    for f, s, d, days in drawn:
        key = (
            f if "fact" in keys else None,
            s if "sector" in keys else None,
            f"{d.year}-{d.month:02d}" if "month" in keys else None,
        )
        expected[key].append(days)

    found = delay_rows(delays, [k for k in ("fact", "sector", "month") if k in keys])

    assert {(r.fact, r.sector, r.month): (r.count, r.median, r.p90, r.max) for r in found} == {
        key: (len(v), naive_rank(v, 5), naive_rank(v, 9), max(v)) for key, v in expected.items()
    }
    assert len(found) == len(expected)


def fold(*events: tuple[str, dict[str, object]]) -> LatencyFolder:
    """A folder fed one dossier's events in order."""
    folder = LatencyFolder(default_rule_set().ordered)
    for name, payload in events:
        folder.apply("stream", name, payload)
    return folder


FILED = ("Filed", {"number": "N", "section": "05", "prestation": "PL", "filed_on": DAY})


def test_the_first_report_of_the_value_in_force_counts_even_when_logged_later() -> None:
    # A TOPVIR line of 14/03 ingested after the extract of 21/03 that gave the same date.
    piaf = {"ordered_on": date(2025, 3, 12), "batch": None, "source": "piaf"}
    topvir = {"ordered_on": date(2025, 3, 12), "batch": "L1", "source": "topvir"}
    folder = fold(
        (FILED[0], {**FILED[1], "known_on": date(2025, 3, 7)}),
        ("PaymentOrdered", {**piaf, "known_on": date(2025, 3, 21)}),
        ("PaymentOrdered", {**topvir, "known_on": date(2025, 3, 14)}),
    )

    [trail] = folder.dossiers()

    assert trail.first_report("ordered_on") == date(2025, 3, 14)
    assert trail.first_report("filed_on") == date(2025, 3, 7)
    assert trail.first_report("second_info_on") is None


def test_a_stop_emptied_then_given_earlier_is_a_correction_from_the_last_stop_recorded() -> None:
    folder = fold(
        (FILED[0], {**FILED[1], "known_on": date(2025, 3, 7)}),
        ("SecondInfoSent", {"sent_on": date(2025, 3, 20), "known_on": date(2025, 3, 21)}),
        ("FactCleared", {"fact": "second_info", "known_on": date(2025, 3, 28)}),
        ("SecondInfoSent", {"sent_on": date(2025, 3, 11), "known_on": date(2025, 4, 4)}),
    )

    [trail] = folder.dossiers()

    [correction] = trail.corrections
    assert (correction.engagement, correction.previous) == (19, date(2025, 3, 20))
    assert correction.known_on == date(2025, 4, 4)
    assert correction.before.second_info_on is None
    assert correction.after.second_info_on == date(2025, 3, 11)


def test_a_stop_moved_later_is_no_correction() -> None:
    folder = fold(
        (FILED[0], {**FILED[1], "known_on": date(2025, 3, 7)}),
        ("SecondInfoSent", {"sent_on": date(2025, 3, 11), "known_on": date(2025, 3, 14)}),
        ("SecondInfoSent", {"sent_on": date(2025, 3, 12), "known_on": date(2025, 3, 21)}),
    )

    [trail] = folder.dossiers()

    assert trail.corrections == ()
    assert trail.first_report("second_info_on") == date(2025, 3, 21)
