"""Engagements 17, 18 and 19 measured by hand from measures.md (never from the code's output)."""

from __future__ import annotations

from datetime import date

import pytest

from casetrack.calendar import WorkingCalendar
from casetrack.errors import CalendarRangeError
from casetrack.facts import Facts
from casetrack.measures import Measure, Status, measure, measure_all
from casetrack.rules import Engagement, RuleSet, default_rule_set, parse_rule_set

RULES = default_rule_set()
CALENDAR = WorkingCalendar()
LATE_AS_OF = date(2026, 12, 31)


def dossier(
    filed_on: date = date(2024, 1, 2),
    *,
    section: str = "05",
    prestation: str = "PL",
    **facts: object,
) -> Facts:
    return Facts(
        number="2024-000001",
        section=section,
        prestation=prestation,
        filed_on=filed_on,
        **facts,  # type: ignore[arg-type]
    )


def measured(
    facts: Facts,
    engagement: int | Engagement,
    as_of: date = LATE_AS_OF,
    calendar: WorkingCalendar = CALENDAR,
) -> Measure | None:
    rule = RULES.engagement(engagement) if isinstance(engagement, int) else engagement
    return measure(facts, rule, calendar, as_of)


def summary(result: Measure | None) -> tuple[object, ...] | None:
    if result is None:
        return None
    return (result.start, result.stop, result.due, result.elapsed, result.status)


def what_if(**changes: object) -> RuleSet:
    """A one-engagement variant of 17 (calendar days), built as a rule set file would be."""
    engagement = {
        "number": 17,
        "start": ["completed"],
        "stop": ["notified"],
        "limit": 15,
        "unit": "calendar_days",
        "prestations": ["PL"],
    }
    data: dict[str, object] = {
        "id": "WHAT-IF",
        "effective_from": date(2024, 1, 1),
        "engagements": [engagement],
    }
    data.update(changes)
    return parse_rule_set(data, source="test")


# --- The spec's worked example (2024: 1 May, 8 May, 9 May Ascension, 20 May) ---------------


def test_worked_example_second_info_on_seventh_working_day_is_met() -> None:
    facts = dossier(first_info_on=date(2024, 5, 3), second_info_on=date(2024, 5, 16))

    result = measured(facts, 19)

    # After Fri 3 May: Mon 6 (1), Tue 7 (2), [Wed 8 and Thu 9 holidays], Fri 10 (3),
    # Mon 13 (4), Tue 14 (5), Wed 15 (6), Thu 16 (7).
    assert summary(result) == (
        date(2024, 5, 3),
        date(2024, 5, 16),
        date(2024, 5, 16),
        7,
        Status.MET,
    )


def test_worked_example_second_info_on_eighth_working_day_is_breached() -> None:
    facts = dossier(first_info_on=date(2024, 5, 3), second_info_on=date(2024, 5, 17))

    result = measured(facts, 19)

    # As above, then Fri 17 May (8).
    assert summary(result) == (
        date(2024, 5, 3),
        date(2024, 5, 17),
        date(2024, 5, 16),
        8,
        Status.BREACHED,
    )


# --- Public holidays -------------------------------------------------------------------------


def test_christmas_and_new_year_are_not_working_days() -> None:
    facts = dossier(first_info_on=date(2024, 12, 20), second_info_on=date(2025, 1, 2))

    result = measured(facts, 19)

    # After Fri 20 Dec 2024: Mon 23 (1), Tue 24 (2), [Wed 25 Christmas], Thu 26 (3),
    # Fri 27 (4), Mon 30 (5), Tue 31 (6), [Wed 1 Jan New Year], Thu 2 Jan 2025 (7).
    assert summary(result) == (
        date(2024, 12, 20),
        date(2025, 1, 2),
        date(2025, 1, 2),
        7,
        Status.MET,
    )


def test_second_info_on_friday_after_new_year_is_breached() -> None:
    facts = dossier(first_info_on=date(2024, 12, 20), second_info_on=date(2025, 1, 3))

    result = measured(facts, 19)

    # As above, then Fri 3 Jan 2025 (8).
    assert result is not None
    assert (result.elapsed, result.status) == (8, Status.BREACHED)


def test_fourteenth_of_july_is_not_a_working_day() -> None:
    facts = dossier(first_info_on=date(2025, 7, 4), second_info_on=date(2025, 7, 16))

    result = measured(facts, 19)

    # After Fri 4 Jul 2025: Mon 7 (1), Tue 8 (2), Wed 9 (3), Thu 10 (4), Fri 11 (5),
    # [Mon 14 Bastille Day], Tue 15 (6), Wed 16 (7).
    assert summary(result) == (
        date(2025, 7, 4),
        date(2025, 7, 16),
        date(2025, 7, 16),
        7,
        Status.MET,
    )


def test_ascension_and_whit_monday_are_not_working_days() -> None:
    facts = dossier(first_info_on=date(2025, 5, 28), second_info_on=date(2025, 6, 10))

    result = measured(facts, 19)

    # After Wed 28 May 2025: [Thu 29 Ascension], Fri 30 (1), Mon 2 Jun (2), Tue 3 (3),
    # Wed 4 (4), Thu 5 (5), Fri 6 (6), [Mon 9 Whit Monday], Tue 10 (7).
    assert summary(result) == (
        date(2025, 5, 28),
        date(2025, 6, 10),
        date(2025, 6, 10),
        7,
        Status.MET,
    )


def test_second_info_the_day_after_whit_tuesday_is_breached() -> None:
    facts = dossier(first_info_on=date(2025, 5, 28), second_info_on=date(2025, 6, 11))

    result = measured(facts, 19)

    # As above, then Wed 11 Jun 2025 (8).
    assert result is not None
    assert (result.elapsed, result.status) == (8, Status.BREACHED)


# --- Start, stop and due on particular days ---------------------------------------------------


def test_start_on_a_saturday_never_counts() -> None:
    facts = dossier(first_info_on=date(2024, 6, 1), second_info_on=date(2024, 6, 3))

    result = measured(facts, 19)

    # After Sat 1 Jun 2024: [Sun 2], Mon 3 (1). Due: Mon 3 (1), Tue 4 (2), Wed 5 (3),
    # Thu 6 (4), Fri 7 (5), Mon 10 (6), Tue 11 (7).
    assert summary(result) == (
        date(2024, 6, 1),
        date(2024, 6, 3),
        date(2024, 6, 11),
        1,
        Status.MET,
    )


def test_start_on_a_working_day_never_counts() -> None:
    facts = dossier(first_info_on=date(2024, 6, 3), second_info_on=date(2024, 6, 4))

    result = measured(facts, 19)

    # Mon 3 Jun 2024 is the start, so only Tue 4 (1) counts.
    assert result is not None
    assert result.elapsed == 1


def test_stop_on_the_start_day_is_met_with_nothing_elapsed() -> None:
    facts = dossier(first_info_on=date(2024, 6, 4), second_info_on=date(2024, 6, 4))

    result = measured(facts, 19)

    # Due after Tue 4 Jun 2024: Wed 5 (1), Thu 6 (2), Fri 7 (3), Mon 10 (4), Tue 11 (5),
    # Wed 12 (6), Thu 13 (7).
    assert summary(result) == (
        date(2024, 6, 4),
        date(2024, 6, 4),
        date(2024, 6, 13),
        0,
        Status.MET,
    )


def test_calendar_day_stop_on_the_start_day_is_met_with_nothing_elapsed() -> None:
    facts = dossier(completed_on=date(2024, 3, 1), notified_on=date(2024, 3, 1))

    result = measured(facts, 17)

    assert summary(result) == (
        date(2024, 3, 1),
        date(2024, 3, 1),
        date(2024, 3, 16),
        0,
        Status.MET,
    )


def test_stop_before_start_is_invalid_with_dates_but_no_elapsed() -> None:
    facts = dossier(first_info_on=date(2024, 6, 10), second_info_on=date(2024, 6, 7))

    result = measured(facts, 19)

    # Due after Mon 10 Jun 2024: Tue 11 (1), Wed 12 (2), Thu 13 (3), Fri 14 (4), Mon 17 (5),
    # Tue 18 (6), Wed 19 (7).
    assert summary(result) == (
        date(2024, 6, 10),
        date(2024, 6, 7),
        date(2024, 6, 19),
        None,
        Status.INVALID,
    )


def test_calendar_day_stop_before_start_is_invalid() -> None:
    facts = dossier(completed_on=date(2024, 3, 10), notified_on=date(2024, 3, 5))

    result = measured(facts, 17)

    # Due 10 Mar + 15 days = 25 Mar 2024.
    assert summary(result) == (
        date(2024, 3, 10),
        date(2024, 3, 5),
        date(2024, 3, 25),
        None,
        Status.INVALID,
    )


def test_invalid_stop_before_start_is_not_measured_until_the_start() -> None:
    facts = dossier(first_info_on=date(2024, 6, 10), second_info_on=date(2024, 6, 7))

    # On Sat 8 Jun 2024 the stop is known but the clock only starts on Mon 10 (step 3).
    assert measured(facts, 19, as_of=date(2024, 6, 8)) is None


def test_second_info_on_the_saturday_after_a_friday_due_is_met() -> None:
    facts = dossier(first_info_on=date(2024, 6, 5), second_info_on=date(2024, 6, 15))

    result = measured(facts, 19)

    # After Wed 5 Jun 2024: Thu 6 (1), Fri 7 (2), Mon 10 (3), Tue 11 (4), Wed 12 (5),
    # Thu 13 (6), Fri 14 (7) = due; Sat 15 is not a working day, so still 7.
    assert summary(result) == (
        date(2024, 6, 5),
        date(2024, 6, 15),
        date(2024, 6, 14),
        7,
        Status.MET,
    )


def test_second_info_on_the_sunday_after_a_friday_due_is_met() -> None:
    facts = dossier(first_info_on=date(2024, 6, 5), second_info_on=date(2024, 6, 16))

    result = measured(facts, 19)

    assert result is not None
    assert (result.elapsed, result.status) == (7, Status.MET)


def test_second_info_on_the_monday_after_a_friday_due_is_breached() -> None:
    facts = dossier(first_info_on=date(2024, 6, 5), second_info_on=date(2024, 6, 17))

    result = measured(facts, 19)

    # As above, then Mon 17 Jun 2024 (8).
    assert result is not None
    assert (result.elapsed, result.status) == (8, Status.BREACHED)


# --- Engagement 17: completion to notification, 15 calendar days ----------------------------


def test_notification_fifteen_calendar_days_after_completion_is_met() -> None:
    facts = dossier(completed_on=date(2024, 3, 1), notified_on=date(2024, 3, 16))

    result = measured(facts, 17)

    # 1 Mar + 15 = 16 Mar 2024 (a Saturday: calendar days ignore weekends).
    assert summary(result) == (
        date(2024, 3, 1),
        date(2024, 3, 16),
        date(2024, 3, 16),
        15,
        Status.MET,
    )


def test_notification_sixteen_calendar_days_after_completion_is_breached() -> None:
    facts = dossier(completed_on=date(2024, 3, 1), notified_on=date(2024, 3, 17))

    result = measured(facts, 17)

    assert summary(result) == (
        date(2024, 3, 1),
        date(2024, 3, 17),
        date(2024, 3, 16),
        16,
        Status.BREACHED,
    )


def test_calendar_days_count_the_leap_day() -> None:
    facts = dossier(completed_on=date(2024, 2, 20), notified_on=date(2024, 3, 6))

    result = measured(facts, 17)

    # 20 Feb -> 29 Feb is 9 days, then 6 more to 6 Mar: 15. Due 20 Feb + 15 = 6 Mar 2024.
    assert summary(result) == (
        date(2024, 2, 20),
        date(2024, 3, 6),
        date(2024, 3, 6),
        15,
        Status.MET,
    )


def test_calendar_days_count_public_holidays() -> None:
    facts = dossier(completed_on=date(2024, 12, 20), notified_on=date(2025, 1, 4))

    result = measured(facts, 17)

    # 20 Dec -> 31 Dec is 11 days, then 4 more to 4 Jan 2025: 15, Christmas and New Year included.
    assert summary(result) == (
        date(2024, 12, 20),
        date(2025, 1, 4),
        date(2025, 1, 4),
        15,
        Status.MET,
    )


# --- Engagement 18: favourable decision to transfer, 15 calendar days ------------------------


def test_transfer_fifteen_days_after_a_favourable_decision_is_met() -> None:
    facts = dossier(decided_on=date(2024, 4, 2), outcome="ACCORD", ordered_on=date(2024, 4, 17))

    result = measured(facts, 18)

    # 2 Apr + 15 = 17 Apr 2024.
    assert summary(result) == (
        date(2024, 4, 2),
        date(2024, 4, 17),
        date(2024, 4, 17),
        15,
        Status.MET,
    )


def test_transfer_sixteen_days_after_a_favourable_decision_is_breached() -> None:
    facts = dossier(decided_on=date(2024, 4, 2), outcome="ACCORD", ordered_on=date(2024, 4, 18))

    result = measured(facts, 18)

    assert summary(result) == (
        date(2024, 4, 2),
        date(2024, 4, 18),
        date(2024, 4, 17),
        16,
        Status.BREACHED,
    )


def test_refusal_makes_transfer_not_applicable() -> None:
    facts = dossier(decided_on=date(2024, 4, 2), outcome="REJET")

    result = measured(facts, 18, as_of=date(2024, 4, 30))

    assert result == Measure(18, Status.NOT_APPLICABLE)


def test_refusal_decided_after_as_of_is_not_yet_excluded() -> None:
    facts = dossier(completed_on=date(2024, 3, 25), decided_on=date(2024, 4, 2), outcome="REJET")

    # On 1 Apr 2024 the refusal has not happened: step 2 does not apply, and the decision
    # clock has not started (step 3), so 18 is not listed at all rather than not_applicable.
    # 17: 25 Mar -> 1 Apr 2024 = 7 days, pending; 19: complete without second info.
    assert measured(facts, 18, as_of=date(2024, 4, 1)) is None
    assert [
        (m.engagement, m.status) for m in measure_all(facts, RULES, CALENDAR, date(2024, 4, 1))
    ] == [(17, Status.PENDING), (19, Status.NOT_APPLICABLE)]


def test_refusal_known_only_by_its_notification_date_excludes_transfer() -> None:
    facts = dossier(notified_on=date(2024, 4, 5), outcome="REJET")

    result = measured(facts, 18, as_of=date(2024, 4, 30))

    assert result == Measure(18, Status.NOT_APPLICABLE)


def test_favourable_decision_without_transfer_is_pending() -> None:
    facts = dossier(decided_on=date(2024, 4, 2), outcome="ACCORD")

    result = measured(facts, 18, as_of=date(2024, 4, 10))

    # 2 Apr -> 10 Apr 2024 = 8 days, 7 left before 17 Apr.
    assert result is not None
    assert (result.stop, result.due, result.elapsed, result.status, result.at_risk) == (
        None,
        date(2024, 4, 17),
        8,
        Status.PENDING,
        False,
    )


# --- Dates as read from PIAF: decision <-> notification fallback ---------------------------


def test_notification_falls_back_to_the_decision_date() -> None:
    facts = dossier(completed_on=date(2024, 3, 1), decided_on=date(2024, 3, 10))

    result = measured(facts, 17)

    # Stop = decision date 10 Mar 2024: 9 days after 1 Mar.
    assert summary(result) == (
        date(2024, 3, 1),
        date(2024, 3, 10),
        date(2024, 3, 16),
        9,
        Status.MET,
    )


def test_decision_falls_back_to_the_notification_date() -> None:
    facts = dossier(notified_on=date(2024, 4, 5), outcome="ACCORD", ordered_on=date(2024, 4, 25))

    result = measured(facts, 18)

    # Start = notification date 5 Apr 2024; due 5 Apr + 15 = 20 Apr; 5 -> 25 Apr = 20 days.
    assert summary(result) == (
        date(2024, 4, 5),
        date(2024, 4, 25),
        date(2024, 4, 20),
        20,
        Status.BREACHED,
    )


def test_known_notification_date_wins_over_the_decision_date() -> None:
    facts = dossier(
        completed_on=date(2024, 3, 1),
        decided_on=date(2024, 3, 10),
        notified_on=date(2024, 3, 20),
    )

    result = measured(facts, 17)

    # Stop = notification 20 Mar 2024: 19 days after 1 Mar.
    assert result is not None
    assert (result.stop, result.elapsed, result.status) == (
        date(2024, 3, 20),
        19,
        Status.BREACHED,
    )


def test_known_decision_date_wins_over_the_notification_date() -> None:
    facts = dossier(
        decided_on=date(2024, 4, 2),
        notified_on=date(2024, 4, 5),
        outcome="ACCORD",
        ordered_on=date(2024, 4, 17),
    )

    result = measured(facts, 18)

    # Start = decision 2 Apr 2024, 15 days before 17 Apr.
    assert result is not None
    assert (result.start, result.elapsed, result.status) == (date(2024, 4, 2), 15, Status.MET)


# --- Engagement 19: measured only when there is a second info ------------------------------


def test_missing_documents_start_at_filing_when_no_first_info() -> None:
    facts = dossier(date(2024, 6, 5), second_info_on=date(2024, 6, 14))

    result = measured(facts, 19)

    # Filed Wed 5 Jun 2024: Thu 6 (1), Fri 7 (2), Mon 10 (3), Tue 11 (4), Wed 12 (5),
    # Thu 13 (6), Fri 14 (7).
    assert summary(result) == (
        date(2024, 6, 5),
        date(2024, 6, 14),
        date(2024, 6, 14),
        7,
        Status.MET,
    )


def test_missing_documents_from_filing_breached_on_eighth_working_day() -> None:
    facts = dossier(date(2024, 6, 5), second_info_on=date(2024, 6, 17))

    result = measured(facts, 19)

    # As above, then Mon 17 Jun 2024 (8).
    assert result is not None
    assert (result.start, result.elapsed, result.status) == (
        date(2024, 6, 5),
        8,
        Status.BREACHED,
    )


def test_first_info_wins_over_the_filing_date() -> None:
    facts = dossier(
        date(2024, 6, 3), first_info_on=date(2024, 6, 5), second_info_on=date(2024, 6, 14)
    )

    result = measured(facts, 19)

    # From Wed 5 Jun 2024 (not Mon 3): Fri 14 Jun is the 7th working day.
    assert result is not None
    assert (result.start, result.elapsed, result.status) == (date(2024, 6, 5), 7, Status.MET)


def test_dossier_complete_without_second_info_is_not_applicable_for_missing_documents() -> None:
    facts = dossier(first_info_on=date(2024, 6, 3), completed_on=date(2024, 6, 10))

    result = measured(facts, 19, as_of=date(2024, 6, 30))

    assert result == Measure(19, Status.NOT_APPLICABLE)


def test_dossier_closed_without_second_info_is_not_applicable_for_missing_documents() -> None:
    facts = dossier(first_info_on=date(2024, 6, 3), closed_on=date(2024, 6, 10))

    result = measured(facts, 19, as_of=date(2024, 6, 30))

    assert result == Measure(19, Status.NOT_APPLICABLE)


def test_complete_dossier_with_second_info_is_measured() -> None:
    facts = dossier(
        first_info_on=date(2024, 6, 3),
        second_info_on=date(2024, 6, 5),
        completed_on=date(2024, 6, 20),
    )

    result = measured(facts, 19, as_of=date(2024, 6, 30))

    # After Mon 3 Jun 2024: Tue 4 (1), Wed 5 (2).
    assert result is not None
    assert (result.elapsed, result.status) == (2, Status.MET)


def test_second_info_after_as_of_does_not_save_a_complete_dossier() -> None:
    facts = dossier(
        first_info_on=date(2024, 6, 3),
        completed_on=date(2024, 6, 10),
        second_info_on=date(2024, 6, 20),
    )

    # As of 15 Jun 2024 it is complete with no second info yet (step 2).
    result = measured(facts, 19, as_of=date(2024, 6, 15))

    assert result == Measure(19, Status.NOT_APPLICABLE)


def test_completion_after_as_of_leaves_missing_documents_open() -> None:
    facts = dossier(first_info_on=date(2024, 6, 5), completed_on=date(2024, 6, 20))

    result = measured(facts, 19, as_of=date(2024, 6, 11))

    # After Wed 5 Jun 2024: Thu 6 (1), Fri 7 (2), Mon 10 (3), Tue 11 (4).
    assert result is not None
    assert (result.elapsed, result.status) == (4, Status.PENDING)


def test_first_info_alone_is_an_open_clock() -> None:
    facts = dossier(first_info_on=date(2024, 6, 5))

    result = measured(facts, 19, as_of=date(2024, 6, 11))

    # After Wed 5 Jun 2024: Thu 6 (1), Fri 7 (2), Mon 10 (3), Tue 11 (4); due Fri 14 (7),
    # so Wed 12, Thu 13, Fri 14 = 3 working days left: not at risk.
    assert result is not None
    assert summary(result) == (date(2024, 6, 5), None, date(2024, 6, 14), 4, Status.PENDING)
    assert not result.at_risk


def test_filing_alone_opens_the_missing_documents_clock() -> None:
    # Steps 3 and 6 read literally: the start falls back to the filing date.
    facts = dossier(date(2024, 6, 5))

    result = measured(facts, 19, as_of=date(2024, 6, 17))

    # After Wed 5 Jun 2024: ... Fri 14 (7), Mon 17 (8).
    assert summary(result) == (date(2024, 6, 5), None, date(2024, 6, 14), 8, Status.OVERDUE)


# --- Open clocks: pending, overdue, at risk, not started ------------------------------------


def test_open_clock_two_working_days_before_due_is_at_risk() -> None:
    facts = dossier(first_info_on=date(2024, 6, 5))

    result = measured(facts, 19, as_of=date(2024, 6, 12))

    # After Wed 5 Jun 2024: ... Wed 12 (5); left: Thu 13, Fri 14 = 2.
    assert result is not None
    assert (result.elapsed, result.status, result.at_risk) == (5, Status.PENDING, True)


def test_open_clock_on_its_due_day_is_pending_and_at_risk() -> None:
    facts = dossier(first_info_on=date(2024, 6, 5))

    result = measured(facts, 19, as_of=date(2024, 6, 14))

    assert result is not None
    assert (result.elapsed, result.status, result.at_risk) == (7, Status.PENDING, True)


def test_open_clock_on_the_saturday_after_due_is_still_pending() -> None:
    facts = dossier(first_info_on=date(2024, 6, 5))

    result = measured(facts, 19, as_of=date(2024, 6, 15))

    # Sat 15 Jun 2024 adds no working day: elapsed 7 <= 7.
    assert result is not None
    assert (result.elapsed, result.status, result.at_risk) == (7, Status.PENDING, True)


def test_open_clock_past_its_limit_is_overdue_and_not_at_risk() -> None:
    facts = dossier(first_info_on=date(2024, 6, 5))

    result = measured(facts, 19, as_of=date(2024, 6, 17))

    # Mon 17 Jun 2024 is the 8th working day.
    assert result is not None
    assert (result.stop, result.elapsed, result.status, result.at_risk) == (
        None,
        8,
        Status.OVERDUE,
        False,
    )


def test_calendar_day_clock_with_three_days_left_is_not_at_risk() -> None:
    facts = dossier(completed_on=date(2024, 3, 1))

    result = measured(facts, 17, as_of=date(2024, 3, 13))

    # 12 days elapsed, due 16 Mar: 3 days left.
    assert result is not None
    assert (result.elapsed, result.status, result.at_risk) == (12, Status.PENDING, False)


def test_calendar_day_clock_with_two_days_left_is_at_risk() -> None:
    facts = dossier(completed_on=date(2024, 3, 1))

    result = measured(facts, 17, as_of=date(2024, 3, 14))

    # 13 days elapsed, due 16 Mar: 2 days left.
    assert result is not None
    assert (result.elapsed, result.status, result.at_risk) == (13, Status.PENDING, True)


def test_calendar_day_clock_the_day_after_due_is_overdue() -> None:
    facts = dossier(completed_on=date(2024, 3, 1))

    result = measured(facts, 17, as_of=date(2024, 3, 17))

    assert result is not None
    assert (result.elapsed, result.status, result.at_risk) == (16, Status.OVERDUE, False)


def test_clock_starting_after_as_of_is_not_measured() -> None:
    facts = dossier(completed_on=date(2024, 3, 1))

    assert measured(facts, 17, as_of=date(2024, 2, 29)) is None


def test_stop_after_as_of_leaves_the_clock_open() -> None:
    facts = dossier(completed_on=date(2024, 3, 1), notified_on=date(2024, 3, 20))

    result = measured(facts, 17, as_of=date(2024, 3, 10))

    assert summary(result) == (date(2024, 3, 1), None, date(2024, 3, 16), 9, Status.PENDING)


# --- Closure without decision (CLASSE) -------------------------------------------------------


def test_closure_makes_open_clocks_not_applicable() -> None:
    facts = dossier(completed_on=date(2024, 3, 1), closed_on=date(2024, 3, 10))

    result = measured(facts, 17, as_of=date(2024, 3, 31))

    assert result == Measure(17, Status.NOT_APPLICABLE)


def test_closure_keeps_a_met_clock_met() -> None:
    facts = dossier(
        completed_on=date(2024, 3, 1), notified_on=date(2024, 3, 5), closed_on=date(2024, 3, 10)
    )

    result = measured(facts, 17, as_of=date(2024, 3, 31))

    assert summary(result) == (
        date(2024, 3, 1),
        date(2024, 3, 5),
        date(2024, 3, 16),
        4,
        Status.MET,
    )


def test_closure_keeps_a_breached_clock_breached() -> None:
    facts = dossier(
        completed_on=date(2024, 3, 1), notified_on=date(2024, 3, 20), closed_on=date(2024, 3, 25)
    )

    result = measured(facts, 17, as_of=date(2024, 3, 31))

    assert result is not None
    assert (result.elapsed, result.status) == (19, Status.BREACHED)


def test_closure_after_as_of_does_not_count() -> None:
    facts = dossier(completed_on=date(2024, 3, 1), closed_on=date(2024, 4, 10))

    result = measured(facts, 17, as_of=date(2024, 3, 31))

    # 1 Mar -> 31 Mar 2024 = 30 days > 15.
    assert summary(result) == (date(2024, 3, 1), None, date(2024, 3, 16), 30, Status.OVERDUE)


def test_closure_after_as_of_leaves_missing_documents_open() -> None:
    facts = dossier(first_info_on=date(2024, 6, 5), closed_on=date(2024, 6, 20))

    result = measured(facts, 19, as_of=date(2024, 6, 12))

    assert result is not None
    assert (result.elapsed, result.status) == (5, Status.PENDING)


# --- Prestations outside the rule set, and what not_applicable carries ----------------------


def test_prestation_outside_the_rule_set_is_not_applicable_for_all_three() -> None:
    facts = dossier(
        prestation="AUTRE",
        first_info_on=date(2024, 6, 3),
        second_info_on=date(2024, 6, 5),
        completed_on=date(2024, 6, 10),
        decided_on=date(2024, 6, 12),
        outcome="ACCORD",
        ordered_on=date(2024, 6, 20),
    )

    result = measure_all(facts, RULES, CALENDAR, date(2024, 6, 30))

    assert result == [
        Measure(17, Status.NOT_APPLICABLE),
        Measure(18, Status.NOT_APPLICABLE),
        Measure(19, Status.NOT_APPLICABLE),
    ]


def test_prestation_outside_the_rule_set_is_not_applicable_even_before_any_clock() -> None:
    facts = dossier(date(2024, 6, 3), prestation="AUTRE")

    result = measure_all(facts, RULES, CALENDAR, date(2024, 6, 30))

    # Step 1 comes before step 3: listed as not_applicable, not omitted.
    assert [(m.engagement, m.status) for m in result] == [
        (17, Status.NOT_APPLICABLE),
        (18, Status.NOT_APPLICABLE),
        (19, Status.NOT_APPLICABLE),
    ]


def test_each_listed_prestation_is_measured() -> None:
    statuses = {
        prestation: measured(
            dossier(prestation=prestation, completed_on=date(2024, 3, 1)), 17, date(2024, 3, 2)
        )
        for prestation in ("PL", "PLF", "PLFM", "PARISOL", "PLPAPH", "CSP")
    }

    assert {p: m.status if m else None for p, m in statuses.items()} == dict.fromkeys(
        statuses, Status.PENDING
    )


def test_not_applicable_carries_no_dates_and_no_elapsed() -> None:
    facts = dossier(
        first_info_on=date(2024, 6, 3),
        completed_on=date(2024, 6, 10),
        decided_on=date(2024, 6, 12),
        outcome="REJET",
    )

    results = [measured(facts, n, as_of=date(2024, 6, 30)) for n in (18, 19)]

    # 18 after a refusal, 19 complete without second info.
    for result in results:
        assert result is not None
        assert result.status is Status.NOT_APPLICABLE
        assert (result.start, result.stop, result.due, result.elapsed) == (None,) * 4
        assert not result.at_risk


# --- roll_due_forward = true (what-if rule set) ---------------------------------------------


def test_rolled_due_on_a_saturday_moves_to_monday_and_a_monday_stop_is_met() -> None:
    rules = what_if(roll_due_forward=True)
    facts = dossier(completed_on=date(2024, 3, 1), notified_on=date(2024, 3, 18))

    result = measured(facts, rules.engagement(17))

    # 1 Mar + 15 = Sat 16 Mar 2024 -> Mon 18 Mar; 17 days elapsed but stop <= due.
    assert summary(result) == (
        date(2024, 3, 1),
        date(2024, 3, 18),
        date(2024, 3, 18),
        17,
        Status.MET,
    )


def test_the_same_monday_stop_is_breached_without_rolling() -> None:
    facts = dossier(completed_on=date(2024, 3, 1), notified_on=date(2024, 3, 18))

    result = measured(facts, 17)

    assert result is not None
    assert (result.due, result.elapsed, result.status) == (date(2024, 3, 16), 17, Status.BREACHED)


def test_rolled_due_stop_the_day_after_is_breached() -> None:
    rules = what_if(roll_due_forward=True)
    facts = dossier(completed_on=date(2024, 3, 1), notified_on=date(2024, 3, 19))

    result = measured(facts, rules.engagement(17))

    assert result is not None
    assert (result.due, result.elapsed, result.status) == (date(2024, 3, 18), 18, Status.BREACHED)


def test_rolled_due_skips_consecutive_holidays() -> None:
    rules = what_if(roll_due_forward=True)
    facts = dossier(completed_on=date(2024, 4, 23), notified_on=date(2024, 5, 10))

    result = measured(facts, rules.engagement(17))

    # 23 Apr + 15 = Wed 8 May 2024 (holiday) -> [Thu 9 Ascension] -> Fri 10 May.
    assert result is not None
    assert (result.due, result.elapsed, result.status) == (date(2024, 5, 10), 17, Status.MET)


def test_rolled_due_on_a_working_day_does_not_move() -> None:
    rules = what_if(roll_due_forward=True)
    facts = dossier(completed_on=date(2024, 3, 5), notified_on=date(2024, 3, 21))

    result = measured(facts, rules.engagement(17))

    # 5 Mar + 15 = Wed 20 Mar 2024, a working day; 21 Mar is 16 days: breached.
    assert result is not None
    assert (result.due, result.elapsed, result.status) == (date(2024, 3, 20), 16, Status.BREACHED)


def test_rolled_open_clock_is_pending_until_the_rolled_due() -> None:
    rules = what_if(roll_due_forward=True)
    facts = dossier(completed_on=date(2024, 3, 1))

    on_due = measured(facts, rules.engagement(17), as_of=date(2024, 3, 18))
    after = measured(facts, rules.engagement(17), as_of=date(2024, 3, 19))

    # Mon 18 Mar 2024 is the rolled due: it can still be met that day, not the day after.
    assert on_due is not None
    assert after is not None
    assert (on_due.elapsed, on_due.status) == (17, Status.PENDING)
    assert (after.elapsed, after.status) == (18, Status.OVERDUE)


# --- Closure days of the city and of one section --------------------------------------------


def test_section_closure_day_does_not_count_for_that_section() -> None:
    calendar = WorkingCalendar(section_closures={"05": [date(2024, 6, 10)]})
    facts = dossier(section="05", first_info_on=date(2024, 6, 5), second_info_on=date(2024, 6, 14))

    result = measured(facts, 19, calendar=calendar)

    # After Wed 5 Jun 2024: Thu 6 (1), Fri 7 (2), [Mon 10 closed], Tue 11 (3), Wed 12 (4),
    # Thu 13 (5), Fri 14 (6); due Mon 17 (7).
    assert summary(result) == (
        date(2024, 6, 5),
        date(2024, 6, 14),
        date(2024, 6, 17),
        6,
        Status.MET,
    )


def test_section_closure_day_counts_for_other_sections() -> None:
    calendar = WorkingCalendar(section_closures={"05": [date(2024, 6, 10)]})
    facts = dossier(section="06", first_info_on=date(2024, 6, 5), second_info_on=date(2024, 6, 17))

    result = measured(facts, 19, calendar=calendar)

    # Mon 10 Jun 2024 counts in section 06: due Fri 14 (7), Mon 17 is the 8th.
    assert summary(result) == (
        date(2024, 6, 5),
        date(2024, 6, 17),
        date(2024, 6, 14),
        8,
        Status.BREACHED,
    )


def test_section_closure_day_saves_the_eighth_day_of_that_section() -> None:
    calendar = WorkingCalendar(section_closures={"05": [date(2024, 6, 10)]})
    facts = dossier(section="05", first_info_on=date(2024, 6, 5), second_info_on=date(2024, 6, 17))

    result = measured(facts, 19, calendar=calendar)

    # Mon 17 Jun 2024 is the 7th working day of section 05.
    assert result is not None
    assert (result.elapsed, result.status) == (7, Status.MET)


def test_city_closure_day_does_not_count_for_any_section() -> None:
    calendar = WorkingCalendar(closures=[date(2024, 6, 10)])
    facts = dossier(section="06", first_info_on=date(2024, 6, 5), second_info_on=date(2024, 6, 17))

    result = measured(facts, 19, calendar=calendar)

    assert result is not None
    assert (result.due, result.elapsed, result.status) == (date(2024, 6, 17), 7, Status.MET)


def test_closure_days_do_not_change_calendar_day_measures() -> None:
    calendar = WorkingCalendar(
        closures=[date(2024, 3, 4)], section_closures={"05": [date(2024, 3, 5)]}
    )
    facts = dossier(completed_on=date(2024, 3, 1), notified_on=date(2024, 3, 16))

    result = measured(facts, 17, calendar=calendar)

    assert result is not None
    assert (result.due, result.elapsed, result.status) == (date(2024, 3, 16), 15, Status.MET)


# --- measure_all ------------------------------------------------------------------------------


def test_measure_all_lists_engagements_17_18_19_in_order() -> None:
    facts = dossier(
        first_info_on=date(2024, 6, 3),
        second_info_on=date(2024, 6, 5),
        completed_on=date(2024, 6, 10),
        decided_on=date(2024, 6, 12),
        outcome="ACCORD",
        ordered_on=date(2024, 6, 20),
    )

    result = measure_all(facts, RULES, CALENDAR, date(2024, 6, 30))

    # 17: 10 -> 12 Jun = 2 days; 18: 12 -> 20 Jun = 8 days; 19: Tue 4 (1), Wed 5 (2).
    assert [(m.engagement, m.elapsed, m.status) for m in result] == [
        (17, 2, Status.MET),
        (18, 8, Status.MET),
        (19, 2, Status.MET),
    ]


def test_measure_all_omits_clocks_that_have_not_started() -> None:
    facts = dossier(first_info_on=date(2024, 6, 5))

    result = measure_all(facts, RULES, CALENDAR, date(2024, 6, 11))

    assert [(m.engagement, m.status) for m in result] == [(19, Status.PENDING)]


# --- Dates outside the calendar's covered years ----------------------------------------------

CALENDAR_2020_2024 = WorkingCalendar(first_year=2020, last_year=2024)


def test_working_day_start_before_the_calendar_years_is_an_error() -> None:
    facts = dossier(first_info_on=date(2019, 12, 20), second_info_on=date(2020, 1, 3))

    with pytest.raises(CalendarRangeError, match="2019-12-20"):
        measured(facts, 19, as_of=date(2020, 2, 1), calendar=CALENDAR_2020_2024)


def test_calendar_day_stop_after_the_calendar_years_is_an_error() -> None:
    facts = dossier(completed_on=date(2024, 12, 20), notified_on=date(2025, 1, 3))

    # Calendar days need no working-day table, but the spec forbids a silent guess.
    with pytest.raises(CalendarRangeError, match="2025-01"):
        measured(facts, 17, as_of=date(2025, 1, 10), calendar=CALENDAR_2020_2024)
