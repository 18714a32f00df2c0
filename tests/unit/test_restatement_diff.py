"""The pure parts of `restatements`: facts compared, lines written, the date of a change."""

from __future__ import annotations

from datetime import date

import pytest

from casetrack.application import open_dossier
from casetrack.errors import InputRefused
from casetrack.facts import Facts, Snapshot
from projections.restatement_diff import FactChange, RestatedMeasure, Window, fact_changes, lines
from projections.restatement_handlers import value_known_on

FILED = Facts("N-1", "05", "PL", date(2025, 3, 3))


def test_facts_that_differ_are_listed_in_the_dossier_table_order() -> None:
    after = FILED.replace(section="06", completed_on=date(2025, 3, 7), outcome="ACCORD")

    assert fact_changes(FILED, after) == (
        FactChange("section", "05", "06"),
        FactChange("completed_on", None, date(2025, 3, 7)),
        FactChange("outcome", None, "ACCORD"),
    )


def test_a_dossier_unknown_at_k1_has_every_known_fact_new() -> None:
    assert fact_changes(None, FILED) == (
        FactChange("section", None, "05"),
        FactChange("prestation", None, "PL"),
        FactChange("filed_on", None, date(2025, 3, 3)),
    )


def test_a_restated_measure_without_a_changed_fact_still_has_its_line() -> None:
    # Not reachable with one rule set and calendar (a clock depends on the facts alone), but
    # a measure must never vanish from the list the auditor signs.
    measure = RestatedMeasure("N-1", "05", "PL", 17, "pending", "met", 3, 2, ("05",), ())

    [only] = lines([measure], {})

    assert only.record()["fact"] is None
    assert only.record()["known_on"] is None
    assert only.record()["status_after"] == "met"


def test_each_fact_line_carries_the_date_of_its_own_change() -> None:
    change = (FactChange("section", "05", "06"), FactChange("filed_on", None, date(2025, 3, 3)))
    measure = RestatedMeasure("N-1", "06", "PL", 19, "met", "met", 7, 5, ("05", "06"), change)
    dates = {"N-1": {"section": date(2025, 4, 11), "filed_on": date(2025, 4, 4)}}

    found = [(line.change, line.known_on) for line in lines([measure], dates)]

    assert found == [(change[0], date(2025, 4, 11)), (change[1], date(2025, 4, 4))]


def test_the_date_of_a_value_is_the_extract_that_first_reported_the_value_in_force() -> None:
    first = Snapshot("05", "PL", date(2025, 3, 3), completed_on=date(2025, 3, 5))
    dossier = open_dossier("N-1", first, date(2025, 3, 28))
    dossier.record(
        Snapshot("05", "PL", date(2025, 3, 3), completed_on=date(2025, 3, 6)), date(2025, 4, 11)
    )
    # The same value again, then a TOPVIR order: neither moves the completion's date.
    dossier.record(
        Snapshot("05", "PL", date(2025, 3, 3), completed_on=date(2025, 3, 6)), date(2025, 4, 18)
    )
    dossier.record_transfer(date(2025, 4, 20), "L1", date(2025, 4, 25))
    events = dossier.collect_events()

    assert value_known_on(events, None) == {
        "number": date(2025, 3, 28),
        "section": date(2025, 3, 28),
        "prestation": date(2025, 3, 28),
        "filed_on": date(2025, 3, 28),
        "completed_on": date(2025, 4, 11),
        "ordered_on": date(2025, 4, 25),
        "batch": date(2025, 4, 25),
    }
    # As known at 4 April, the completion's value in force was first reported on 28 March.
    assert value_known_on(events, date(2025, 4, 4))["completed_on"] == date(2025, 3, 28)


@pytest.mark.parametrize(
    ("start", "end", "as_of", "message"),
    [
        (date(2025, 3, 31), date(2025, 3, 1), date(2025, 4, 4), "--to 2025-03-01 is before"),
        (date(2025, 3, 1), date(2025, 3, 31), date(2025, 2, 1), "evaluation date 2025-02-01"),
    ],
)
def test_a_window_that_cannot_be_measured_is_refused(
    start: date, end: date, as_of: date, message: str
) -> None:
    with pytest.raises(InputRefused, match=message):
        Window(start, end, as_of)
