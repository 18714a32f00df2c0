"""Working days of the CASVP: French public holidays, weekends and configured closure days."""

from __future__ import annotations

import functools
import hashlib
import itertools
import tomllib
from array import array
from collections.abc import Iterable, Mapping
from datetime import MAXYEAR, MINYEAR, date, datetime
from pathlib import Path

from workalendar.europe import France

from casetrack.errors import CalendarRangeError, ConfigurationError

_SATURDAY = 5  # date.weekday(): Monday is 0, so Saturday and Sunday are 5 and 6
_TOML_KEYS = frozenset({"first_year", "last_year", "closures", "sections"})


@functools.cache
def _france_holidays(year: int) -> frozenset[date]:
    """The French public holidays of one year, as workalendar computes them."""
    # Cached per year because workalendar rebuilds Easter and friends on every new instance,
    # and every section calendar covers the same years.
    return frozenset(day for day, _label in France().holidays(year))


@functools.cache
def _base_flags(first_year: int, last_year: int) -> bytes:
    """One byte per covered day: 1 for a Monday-Friday that is not a French public holiday."""
    holidays = frozenset().union(*(_france_holidays(y) for y in range(first_year, last_year + 1)))
    first = date(first_year, 1, 1).toordinal()
    last = date(last_year, 12, 31).toordinal()
    return bytes(
        0 if date.fromordinal(o).weekday() >= _SATURDAY or date.fromordinal(o) in holidays else 1
        for o in range(first, last + 1)
    )


class WorkingCalendar:
    """French working days (workalendar France holidays) minus city and section closure days."""

    def __init__(
        self,
        first_year: int = 1990,
        last_year: int = 2060,
        closures: Iterable[date] = (),
        section_closures: Mapping[str, Iterable[date]] | None = None,
    ) -> None:
        """Precompute the working days of first_year..last_year, minus the closure days."""
        if not MINYEAR <= first_year <= last_year <= MAXYEAR:
            raise ConfigurationError(
                f"working-day calendar years {first_year}..{last_year} are not a valid range: "
                f"first_year must be <= last_year, both between {MINYEAR} and {MAXYEAR}"
            )
        self._first_year = first_year
        self._last_year = last_year
        self._first_day = date(first_year, 1, 1)
        self._last_day = date(last_year, 12, 31)
        self._base = self._first_day.toordinal()
        self._closures = frozenset(self._checked_closures(closures, "city-wide"))
        self._section_closures = {
            section: frozenset(self._checked_closures(days, f"section {section!r}"))
            for section, days in (section_closures or {}).items()
        }
        self._sections: dict[str, WorkingCalendar] = {}

        flags = bytearray(_base_flags(first_year, last_year))
        for day in self._closures:
            flags[day.toordinal() - self._base] = 0
        self._flags = bytes(flags)
        # _before[i] = number of working days at offsets < i, so a count over any interval is one
        # subtraction; _working[k] = offset of the (k+1)-th working day, so adding n is one lookup.
        self._before = array("i", itertools.accumulate(flags, initial=0))
        self._working = array("i", itertools.compress(range(len(flags)), flags))

    @classmethod
    def from_toml(cls, path: Path) -> WorkingCalendar:
        """Read first_year, last_year, closures and [sections] from a TOML file."""
        try:
            with path.open("rb") as file:
                data = tomllib.load(file)
        except OSError as exc:
            raise ConfigurationError(f"cannot read calendar file {path}: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"calendar file {path} is not valid TOML: {exc}") from exc

        unknown = sorted(set(data) - _TOML_KEYS)
        if unknown:
            raise ConfigurationError(
                f"calendar file {path}: unknown keys {unknown}; expected {sorted(_TOML_KEYS)}"
            )
        first_year = _toml_year(data, "first_year", 1990, path)
        last_year = _toml_year(data, "last_year", 2060, path)
        closures = _toml_dates(data.get("closures", []), "closures", path)
        sections = data.get("sections", {})
        if not isinstance(sections, dict):
            raise ConfigurationError(
                f"calendar file {path}: 'sections' must be a table of section = [dates]"
            )
        section_closures = {
            str(section): _toml_dates(days, f"sections.{section}", path)
            for section, days in sections.items()
        }
        try:
            return cls(first_year, last_year, closures, section_closures)
        except ConfigurationError as exc:
            raise ConfigurationError(f"calendar file {path}: {exc}") from exc

    @property
    def first_day(self) -> date:
        """The first day the calendar covers (1 January of first_year)."""
        return self._first_day

    @property
    def last_day(self) -> date:
        """The last day the calendar covers (31 December of last_year)."""
        return self._last_day

    @property
    def fingerprint(self) -> str:
        """A digest of what defines this calendar (years and closure days)."""
        parts = [str(self._first_year), str(self._last_year)]
        parts += sorted(d.isoformat() for d in self._closures)
        for section in sorted(self._section_closures):
            parts += [f"{section}:{d.isoformat()}" for d in sorted(self._section_closures[section])]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

    def is_working_day(self, d: date) -> bool:
        """True when d is Monday-Friday, not a French public holiday and not a closure day."""
        return self._flags[self._offset(d)] == 1

    def working_days_between(self, start: date, stop: date) -> int:
        """Working days d with start < d <= stop; minus those with stop < d <= start if reversed."""
        # The same subtraction gives the negative count when stop < start.
        return self._before[self._offset(stop) + 1] - self._before[self._offset(start) + 1]

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after start (start itself when n is 0; start never counts)."""
        if n < 0:
            raise ValueError(f"cannot add a negative number of working days ({n})")
        offset = self._offset(start)
        if n == 0:
            return start
        index = self._before[offset + 1] + n - 1
        if index >= len(self._working):
            raise CalendarRangeError(
                f"the {n}th working day after {start.isoformat()} falls after {self._last_day}, "
                f"the end of the working-day calendar ({self._years()}); "
                "configure a wider calendar with first_year/last_year"
            )
        return date.fromordinal(self._base + self._working[index])

    def for_section(self, section: str) -> WorkingCalendar:
        """This calendar plus the section's closure days (memoised; self when it has none)."""
        days = self._section_closures.get(section)
        if not days or days <= self._closures:
            return self
        calendar = self._sections.get(section)
        if calendar is None:
            # The section calendar has no sections of its own: it is the end of the chain.
            calendar = WorkingCalendar(
                self._first_year, self._last_year, closures=self._closures | days
            )
            self._sections[section] = calendar
        return calendar

    def _offset(self, d: date) -> int:
        """Index of d in the tables, or CalendarRangeError when d is not covered."""
        if not self._first_day <= d <= self._last_day:
            raise CalendarRangeError(
                f"{d.isoformat()} is outside the working-day calendar ({self._years()}); "
                "configure a wider calendar with first_year/last_year"
            )
        return d.toordinal() - self._base

    def _years(self) -> str:
        """The covered years, for error messages."""
        return f"it covers {self._first_year} to {self._last_year}"

    def _checked_closures(self, days: Iterable[date], scope: str) -> Iterable[date]:
        """The closure days, refusing any outside the covered years (most likely a typo)."""
        for day in days:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ConfigurationError(f"{scope} closure {day!r} is not a date")
            if not self._first_day <= day <= self._last_day:
                raise ConfigurationError(
                    f"{scope} closure {day.isoformat()} is outside the working-day calendar "
                    f"({self._years()}); configure a wider calendar with first_year/last_year"
                )
            yield day


def _toml_year(data: Mapping[str, object], key: str, default: int, path: Path) -> int:
    """An integer year from the TOML data, or the default when absent."""
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(
            f"calendar file {path}: {key} must be an integer year, got {value!r}"
        )
    return value


def _toml_dates(value: object, key: str, path: Path) -> list[date]:
    """A list of TOML local dates (not datetimes), or ConfigurationError naming the key."""
    if not isinstance(value, list) or not all(
        isinstance(day, date) and not isinstance(day, datetime) for day in value
    ):
        raise ConfigurationError(
            f"calendar file {path}: {key} must be a list of dates such as [2025-12-26], "
            f"got {value!r}"
        )
    return list(value)
