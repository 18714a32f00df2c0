"""Working-day arithmetic of casetrack.calendar, checked by hand, against workalendar and numpy."""

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from workalendar.europe import France

from casetrack.calendar import WorkingCalendar
from casetrack.errors import CalendarRangeError, ConfigurationError

CALENDAR = WorkingCalendar()
FRANCE = France()

AGREEMENT_FIRST = date(2000, 1, 1)
AGREEMENT_LAST = date(2040, 12, 31)
AGREEMENT_DAYS = [
    AGREEMENT_FIRST + timedelta(days=i) for i in range((AGREEMENT_LAST - AGREEMENT_FIRST).days + 1)
]
# Stop offsets (calendar days from start) for the counting agreements: before, same day, after.
STOP_OFFSETS = (-40, -9, -1, 0, 1, 3, 10, 40)


# Spec worked example (measures.md, "Counting days").


def test_seventh_working_day_after_friday_3_may_2024_is_thursday_16_may() -> None:
    start = date(2024, 5, 3)

    due = CALENDAR.add_working_days(start, 7)

    assert due == date(2024, 5, 16)


def test_stop_on_due_day_counts_seven_working_days() -> None:
    elapsed = CALENDAR.working_days_between(date(2024, 5, 3), date(2024, 5, 16))

    assert elapsed == 7


def test_stop_the_day_after_due_counts_eight_working_days() -> None:
    elapsed = CALENDAR.working_days_between(date(2024, 5, 3), date(2024, 5, 17))

    assert elapsed == 8


def test_french_public_holidays_of_2024_are_not_working_days() -> None:
    # The spec's list, on weekdays of 2024 (14 July 2024 is a Sunday, checked for completeness).
    holidays = [
        date(2024, 1, 1),
        date(2024, 4, 1),  # Easter Monday
        date(2024, 5, 1),
        date(2024, 5, 8),
        date(2024, 5, 9),  # Ascension
        date(2024, 5, 20),  # Whit Monday
        date(2024, 7, 14),
        date(2024, 8, 15),
        date(2024, 11, 1),
        date(2024, 11, 11),
        date(2024, 12, 25),
    ]

    working = [d for d in holidays if CALENDAR.is_working_day(d)]

    assert working == []


def test_ordinary_weekday_is_a_working_day() -> None:
    assert CALENDAR.is_working_day(date(2024, 5, 6))


def test_weekend_days_are_not_working_days() -> None:
    assert not CALENDAR.is_working_day(date(2024, 5, 4))
    assert not CALENDAR.is_working_day(date(2024, 5, 5))


# Holidays around the year.


def test_christmas_is_skipped() -> None:
    due = CALENDAR.add_working_days(date(2024, 12, 24), 1)

    assert due == date(2024, 12, 26)


def test_new_year_is_skipped_across_the_year_boundary() -> None:
    due = CALENDAR.add_working_days(date(2024, 12, 31), 1)

    assert due == date(2025, 1, 2)


def test_bastille_day_on_a_monday_is_skipped() -> None:
    due = CALENDAR.add_working_days(date(2025, 7, 11), 1)

    assert due == date(2025, 7, 15)


def test_ascension_thursday_2025_is_skipped() -> None:
    # Easter 2025 is 20 April, so Ascension (Easter + 39) is Thursday 29 May.
    due = CALENDAR.add_working_days(date(2025, 5, 28), 1)

    assert due == date(2025, 5, 30)


def test_whit_monday_2025_is_skipped() -> None:
    # Pentecost 2025 is 8 June, so Whit Monday is 9 June.
    due = CALENDAR.add_working_days(date(2025, 6, 6), 1)

    assert due == date(2025, 6, 10)


# Start and stop edge cases.


def test_start_on_saturday_does_not_count_and_first_working_day_is_monday() -> None:
    saturday = date(2024, 5, 4)

    due = CALENDAR.add_working_days(saturday, 1)
    elapsed = CALENDAR.working_days_between(saturday, date(2024, 5, 6))

    assert due == date(2024, 5, 6)
    assert elapsed == 1


def test_start_on_a_holiday_does_not_count() -> None:
    # 8 May 2024 (holiday) then 9 May (Ascension): the first working day after is Friday 10 May.
    due = CALENDAR.add_working_days(date(2024, 5, 8), 1)

    assert due == date(2024, 5, 10)


def test_stop_on_a_weekend_after_friday_counts_no_working_day() -> None:
    elapsed = CALENDAR.working_days_between(date(2024, 5, 3), date(2024, 5, 5))

    assert elapsed == 0


def test_same_day_stop_counts_zero_on_working_and_non_working_days() -> None:
    assert CALENDAR.working_days_between(date(2024, 5, 6), date(2024, 5, 6)) == 0
    assert CALENDAR.working_days_between(date(2024, 5, 4), date(2024, 5, 4)) == 0


def test_adding_zero_working_days_returns_the_start_even_on_a_saturday() -> None:
    saturday = date(2024, 5, 4)

    due = CALENDAR.add_working_days(saturday, 0)

    assert due == saturday


def test_stop_before_start_counts_negative() -> None:
    elapsed = CALENDAR.working_days_between(date(2024, 5, 16), date(2024, 5, 3))

    assert elapsed == -7


def test_adding_a_negative_number_of_working_days_raises_value_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_working_days(date(2024, 5, 3), -1)


# Closure days.


def test_city_wide_closure_day_is_not_a_working_day() -> None:
    calendar = WorkingCalendar(closures=[date(2025, 12, 26)])

    due = calendar.add_working_days(date(2025, 12, 24), 1)

    # 25 Christmas, 26 closed, 27-28 weekend.
    assert due == date(2025, 12, 29)
    assert CALENDAR.add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 26)


def test_section_closure_applies_to_that_section_only() -> None:
    calendar = WorkingCalendar(section_closures={"05": [date(2025, 8, 14)]})

    section_due = calendar.for_section("05").add_working_days(date(2025, 8, 13), 1)
    city_due = calendar.add_working_days(date(2025, 8, 13), 1)

    # 14 closed in section 05, 15 Assumption, 16-17 weekend.
    assert section_due == date(2025, 8, 18)
    assert city_due == date(2025, 8, 14)


def test_section_closures_do_not_leak_into_other_sections() -> None:
    calendar = WorkingCalendar(
        section_closures={"05": [date(2025, 8, 14)], "06": [date(2025, 8, 18)]}
    )

    section_05 = calendar.for_section("05")
    section_06 = calendar.for_section("06")

    assert not section_05.is_working_day(date(2025, 8, 14))
    assert section_05.is_working_day(date(2025, 8, 18))
    assert section_06.is_working_day(date(2025, 8, 14))
    assert not section_06.is_working_day(date(2025, 8, 18))
    assert calendar.is_working_day(date(2025, 8, 14))
    assert calendar.is_working_day(date(2025, 8, 18))


def test_section_calendar_keeps_city_wide_closures() -> None:
    calendar = WorkingCalendar(
        closures=[date(2025, 5, 2)], section_closures={"05": [date(2025, 8, 14)]}
    )

    section_05 = calendar.for_section("05")

    assert not section_05.is_working_day(date(2025, 5, 2))


def test_for_section_is_memoised() -> None:
    calendar = WorkingCalendar(section_closures={"05": [date(2025, 8, 14)]})

    first = calendar.for_section("05")
    second = calendar.for_section("05")

    assert first is second
    assert first is not calendar


def test_for_section_without_closures_returns_the_city_calendar() -> None:
    calendar = WorkingCalendar(section_closures={"05": [date(2025, 8, 14)], "07": []})

    assert calendar.for_section("12") is calendar
    assert calendar.for_section("07") is calendar


# Covered range.


def test_date_before_the_covered_years_raises_with_the_date_and_advice() -> None:
    calendar = WorkingCalendar(first_year=2024, last_year=2025)

    with pytest.raises(CalendarRangeError, match=r"2023-12-31.*2024 to 2025.*first_year/last_year"):
        calendar.is_working_day(date(2023, 12, 31))


def test_stop_after_the_covered_years_raises_with_the_date() -> None:
    calendar = WorkingCalendar(first_year=2024, last_year=2025)

    with pytest.raises(CalendarRangeError, match="2026-01-01"):
        calendar.working_days_between(date(2025, 12, 1), date(2026, 1, 1))


def test_start_outside_the_covered_years_raises_even_when_adding_zero() -> None:
    calendar = WorkingCalendar(first_year=2024, last_year=2025)

    with pytest.raises(CalendarRangeError, match="2026-01-05"):
        calendar.add_working_days(date(2026, 1, 5), 0)


def test_due_day_past_the_covered_years_raises() -> None:
    calendar = WorkingCalendar(first_year=2024, last_year=2025)

    # 29, 30 and 31 December 2025 are working days; 1 January 2026 is outside.
    assert calendar.add_working_days(date(2025, 12, 26), 3) == date(2025, 12, 31)
    with pytest.raises(CalendarRangeError, match=r"2025-12-26.*first_year/last_year"):
        calendar.add_working_days(date(2025, 12, 26), 4)


def test_configured_years_set_first_and_last_day() -> None:
    calendar = WorkingCalendar(first_year=1995, last_year=2070)

    assert calendar.first_day == date(1995, 1, 1)
    assert calendar.last_day == date(2070, 12, 31)
    assert calendar.is_working_day(date(2070, 12, 31))  # a Wednesday


def test_default_years_are_1990_to_2060() -> None:
    assert CALENDAR.first_day == date(1990, 1, 1)
    assert CALENDAR.last_day == date(2060, 12, 31)


def test_first_year_after_last_year_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"2030\.\.2020"):
        WorkingCalendar(first_year=2030, last_year=2020)


def test_closure_outside_the_covered_years_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="2205-12-26"):
        WorkingCalendar(closures=[date(2205, 12, 26)])


# TOML configuration.


def test_from_toml_reads_years_city_and_section_closures(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text(
        "first_year = 2020\n"
        "last_year = 2030\n"
        "closures = [2025-12-26, 2025-05-02]\n"
        "[sections]\n"
        '"05" = [2025-08-14]\n',
        encoding="utf-8",
    )

    calendar = WorkingCalendar.from_toml(path)

    assert calendar.first_day == date(2020, 1, 1)
    assert calendar.last_day == date(2030, 12, 31)
    assert not calendar.is_working_day(date(2025, 12, 26))
    assert not calendar.is_working_day(date(2025, 5, 2))
    assert calendar.is_working_day(date(2025, 8, 14))
    assert not calendar.for_section("05").is_working_day(date(2025, 8, 14))


def test_from_toml_defaults_to_1990_to_2060(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text("closures = []\n", encoding="utf-8")

    calendar = WorkingCalendar.from_toml(path)

    assert (calendar.first_day, calendar.last_day) == (date(1990, 1, 1), date(2060, 12, 31))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("closures = [2025-12-26", "not valid TOML"),
        ("closure = [2025-12-26]\n", "unknown keys"),
        ('closures = ["2025-12-26"]\n', "closures must be a list of dates"),
        ("closures = [2025-12-26T10:00:00]\n", "closures must be a list of dates"),
        ('first_year = "1990"\n', "first_year must be an integer year"),
        ('sections = ["05"]\n', "'sections' must be a table"),
        ('[sections]\n"05" = 2025-08-14\n', "sections.05 must be a list of dates"),
        ("first_year = 2030\nlast_year = 2020\n", "not a valid range"),
        ("last_year = 2030\nclosures = [2031-01-02]\n", "2031-01-02 is outside"),
    ],
)
def test_bad_toml_file_raises_configuration_error_naming_file_and_problem(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(ConfigurationError) as excinfo:
        WorkingCalendar.from_toml(path)

    assert str(path) in str(excinfo.value)
    assert problem in str(excinfo.value)


def test_missing_toml_file_raises_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"

    with pytest.raises(ConfigurationError, match=r"absent\.toml"):
        WorkingCalendar.from_toml(path)


# Agreement with workalendar, every start day 2000-2040.


@pytest.mark.parametrize("n", [0, 1, 7, 15])
def test_add_working_days_agrees_with_workalendar_for_every_start_day(n: int) -> None:
    # workalendar's add_working_days steps one day at a time from the start and counts only the
    # days it steps onto, so the start never counts, whatever it is: the spec's definition. For
    # n = 0 its loop does not run and it returns the start unchanged, even on a Saturday, which
    # is also the spec's (and our) n = 0; so every n is compared directly.
    expected = [FRANCE.add_working_days(d, n) for d in AGREEMENT_DAYS]

    actual = [CALENDAR.add_working_days(d, n) for d in AGREEMENT_DAYS]

    assert actual == expected


@pytest.mark.parametrize("offset", STOP_OFFSETS)
def test_working_days_between_agrees_with_workalendar_for_every_start_day(offset: int) -> None:
    # get_working_days_delta(a, b) counts the working days d with min(a, b) < d <= max(a, b):
    # the earlier day is excluded and the later one included, as in the spec, but it ignores
    # the order (always >= 0). So only the sign needs restoring for a stop before the start.
    sign = -1 if offset < 0 else 1
    pairs = [(d, d + timedelta(days=offset)) for d in AGREEMENT_DAYS]
    expected = [sign * FRANCE.get_working_days_delta(start, stop) for start, stop in pairs]

    actual = [CALENDAR.working_days_between(start, stop) for start, stop in pairs]

    assert actual == expected


def test_workalendar_include_start_adds_the_earlier_day_except_on_the_same_day() -> None:
    # include_start=True counts min(a, b) too when it is a working day (per workalendar's own
    # is_working_day), but returns 0 outright when a == b. Documents the flag we do not use:
    # only workalendar is involved here.
    pairs = [(d, d + timedelta(days=offset)) for d in AGREEMENT_DAYS for offset in (-9, 0, 10)]
    expected = [
        0
        if start == stop
        else FRANCE.get_working_days_delta(start, stop)
        + int(FRANCE.is_working_day(min(start, stop)))
        for start, stop in pairs
    ]

    actual = [
        FRANCE.get_working_days_delta(start, stop, include_start=True) for start, stop in pairs
    ]

    assert actual == expected


# Agreement with numpy's business-day functions, every day 2000-2040.


def _numpy_holidays() -> np.ndarray:
    """workalendar France holidays of 1999-2041 (numpy may roll a little outside 2000-2040)."""
    days = [d for year in range(1999, 2042) for d, _label in FRANCE.holidays(year)]
    return np.array(days, dtype="datetime64[D]")


@pytest.mark.parametrize("n", [1, 7, 15, 60])
def test_add_working_days_agrees_with_numpy_busday_offset(n: int) -> None:
    # busday_offset first rolls a non-working start; rolling *backward* to the previous working
    # day p changes nothing (no working day lies between p and the start), whereas rolling
    # forward would make the first working day count. n = 0 is not comparable this way: numpy
    # would return p, while the spec returns the start itself (checked above).
    starts = np.array(AGREEMENT_DAYS, dtype="datetime64[D]")
    expected = np.busday_offset(starts, n, roll="backward", holidays=_numpy_holidays()).tolist()

    actual = [CALENDAR.add_working_days(d, n) for d in AGREEMENT_DAYS]

    assert actual == expected


def test_working_days_between_agrees_with_numpy_busday_count() -> None:
    # busday_count(a, b) counts [a, b) for a <= b, so the spec's (start, stop] is
    # busday_count(start + 1, stop + 1). A stop before the start is computed as the negated
    # forward count, because numpy's own reversed count changed meaning in 1.25 (numpy#23197:
    # it now counts (b, a], no longer [b, a)) and would be off by one day here.
    holidays = _numpy_holidays()
    starts = np.array(AGREEMENT_DAYS, dtype="datetime64[D]")
    one = np.timedelta64(1, "D")
    for offset in STOP_OFFSETS:
        stops = starts + np.timedelta64(offset, "D")
        if offset >= 0:
            expected = np.busday_count(starts + one, stops + one, holidays=holidays).tolist()
        else:
            expected = (-np.busday_count(stops + one, starts + one, holidays=holidays)).tolist()

        actual = [
            CALENDAR.working_days_between(d, d + timedelta(days=offset)) for d in AGREEMENT_DAYS
        ]

        assert actual == expected, f"offset {offset}"


# Properties.

PROPERTY_DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2059, 12, 31))
PROPERTY_COUNTS = st.integers(min_value=0, max_value=250)  # < a year of working days


@given(start=PROPERTY_DAYS, n=PROPERTY_COUNTS)
def test_counting_up_to_the_nth_working_day_gives_n(start: date, n: int) -> None:
    due = CALENDAR.add_working_days(start, n)

    assert CALENDAR.working_days_between(start, due) == n


@given(a=PROPERTY_DAYS, b=PROPERTY_DAYS, n=PROPERTY_COUNTS)
def test_add_working_days_is_non_decreasing_in_start(a: date, b: date, n: int) -> None:
    earlier, later = sorted((a, b))

    assert CALENDAR.add_working_days(earlier, n) <= CALENDAR.add_working_days(later, n)


@given(a=PROPERTY_DAYS, b=PROPERTY_DAYS, c=PROPERTY_DAYS)
def test_working_days_between_is_additive(a: date, b: date, c: date) -> None:
    first, middle, last = sorted((a, b, c))

    whole = CALENDAR.working_days_between(first, last)
    parts = CALENDAR.working_days_between(first, middle) + CALENDAR.working_days_between(
        middle, last
    )

    assert whole == parts
