"""Dates in PIAF fields: the three accepted forms, and why a text is no date."""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from adapters.errors import RowError

_DATE_TIME: Final = re.compile(r"(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d)(?::(\d\d))?", re.ASCII)
_ISO_DATE: Final = re.compile(r"(\d{4})-(\d\d)-(\d\d)", re.ASCII)
_DATE_FORMS: Final = "expected JJ/MM/AAAA, JJ/MM/AAAA HH:MM[:SS] or AAAA-MM-JJ"

# Memo of date texts already parsed: a year of extracts has a few thousand distinct dates.
# Only valid dates are kept, so it never holds anything else a field contained.
_KNOWN_DATES: Final[dict[str, date]] = {}
_KNOWN_DATES_MAX: Final = 100_000


def valid_date(year: int, month: int, day: int) -> date | None:
    """The date of these numbers, or None when there is no such day."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_date(text: str, column: str) -> date | None:
    """Parse a stripped date field (None when empty); raise RowError naming the column."""
    if not text:
        return None
    found = _KNOWN_DATES.get(text)
    if found is not None:
        return found
    parts = _date_parts(text)
    if parts is None:
        raise RowError(f"{column}: not a date ({_DATE_FORMS})")
    year, month, day, time = parts
    found = valid_date(year, month, day) if time else None
    if found is None:
        raise RowError(f"{column}: {_impossible(year, month, time)}")
    if len(_KNOWN_DATES) < _KNOWN_DATES_MAX:
        _KNOWN_DATES[text] = found
    return found


def _date_parts(text: str) -> tuple[int, int, int, bool] | None:
    """Year, month, day and whether the time is possible, of a date-shaped text; else None."""
    if len(text) == 10 and text[2] == "/" and text[5] == "/":
        day, month, year = text[:2], text[3:5], text[6:]
        if text.isascii() and day.isdigit() and month.isdigit() and year.isdigit():
            return int(year), int(month), int(day), True
        return None
    if match := _DATE_TIME.fullmatch(text):
        day, month, year, hour, minute, second = match.groups("00")
        time = int(hour) < 24 and int(minute) < 60 and int(second) < 60
        return int(year), int(month), int(day), time
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
        return int(year), int(month), int(day), True
    return None


def _impossible(year: int, month: int, time: bool) -> str:
    """The kind of problem of a date-shaped text that is no date, never the text itself."""
    if not time:
        return "impossible time (expected 00:00 to 23:59, seconds 00 to 59)"
    if not 1 <= month <= 12:
        return "impossible date (no such month: expected 01 to 12)"
    if year < 1:
        return "impossible date (year 0000)"
    return "impossible date (no such day in that month)"
