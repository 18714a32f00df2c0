"""Facts as PIAF states them: Paris dates, sectors, fallbacks between decision dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from casetrack.facts import Facts, Snapshot, sector_of


def test_a_utc_timestamp_late_in_the_evening_is_the_next_day_in_paris_in_winter() -> None:
    # 14 March 2025 23:30 UTC is 15 March 00:30 in Paris (UTC+1).
    snapshot = Snapshot(
        section="05", prestation="PL", filed_on=datetime(2025, 3, 14, 23, 30, tzinfo=UTC)
    )
    assert snapshot.filed_on == date(2025, 3, 15)


def test_a_utc_timestamp_at_22_30_is_the_next_day_in_paris_in_summer() -> None:
    # 14 July 2025 22:30 UTC is 15 July 00:30 in Paris (UTC+2); at 21:30 UTC still the 14th.
    late = Snapshot(
        section="05", prestation="PL", filed_on=datetime(2025, 7, 14, 22, 30, tzinfo=UTC)
    )
    earlier = Snapshot(
        section="05", prestation="PL", filed_on=datetime(2025, 7, 14, 21, 30, tzinfo=UTC)
    )
    assert (late.filed_on, earlier.filed_on) == (date(2025, 7, 15), date(2025, 7, 14))


def test_a_timestamp_in_another_zone_is_converted_too() -> None:
    # 15 March 2025 01:00 in UTC+5 is 14 March 20:00 UTC, 21:00 in Paris.
    plus_five = timezone(timedelta(hours=5))
    snapshot = Snapshot(
        section="05",
        prestation="PL",
        filed_on=date(2025, 3, 1),
        completed_on=datetime(2025, 3, 15, 1, 0, tzinfo=plus_five),
    )
    assert snapshot.completed_on == date(2025, 3, 14)


def test_a_local_timestamp_keeps_its_date() -> None:
    naive = datetime(2025, 3, 14, 23, 59)  # noqa: DTZ001 - a local timestamp, on purpose
    snapshot = Snapshot(section="05", prestation="PL", filed_on=naive)
    assert snapshot.filed_on == date(2025, 3, 14)


def test_sections_01_to_04_become_paris_centre_from_11_july_2020() -> None:
    assert sector_of("03", date(2020, 7, 10)) == "03"
    assert sector_of("03", date(2020, 7, 11)) == "PC"
    assert sector_of("05", date(2020, 7, 11)) == "05"
    assert sector_of("PC", date(2025, 1, 1)) == "PC"


def test_decision_and_notification_dates_stand_in_for_each_other() -> None:
    only_decided = Facts(
        number="N",
        section="05",
        prestation="PL",
        filed_on=date(2025, 1, 2),
        decided_on=date(2025, 2, 3),
    )
    only_notified = Facts(
        number="N",
        section="05",
        prestation="PL",
        filed_on=date(2025, 1, 2),
        notified_on=date(2025, 2, 4),
    )
    assert only_decided.fact_date("notified") == date(2025, 2, 3)
    assert only_notified.fact_date("decided") == date(2025, 2, 4)
