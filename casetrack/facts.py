"""What PIAF says about one dossier: the snapshot read from a row and the facts recorded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from attrs import evolve, field, frozen

ACCORD: Final = "ACCORD"
REJET: Final = "REJET"
OUTCOMES: Final = frozenset({ACCORD, REJET})

#: Section codes PIAF uses: the twenty arrondissements and Paris Centre.
SECTIONS: Final = frozenset([f"{n:02d}" for n in range(1, 21)] + ["PC"])

#: The day sections 01 to 04 merged into the Paris Centre sector.
PARIS_CENTRE_FROM: Final = date(2020, 7, 11)
_CENTRE_SECTIONS: Final = frozenset({"01", "02", "03", "04"})


def sector_of(section: str, on: date) -> str:
    """Return the sector in force on `on` for a section code (`01`..`04` become `PC`)."""
    if section in _CENTRE_SECTIONS and on >= PARIS_CENTRE_FROM:
        return "PC"
    return section


PARIS: Final = ZoneInfo("Europe/Paris")


def paris_date(value: date) -> date:
    """A calendar date; a timestamp is first converted to Europe/Paris (measures.md)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(PARIS)
        return value.date()
    return value


def _optional_paris_date(value: date | None) -> date | None:
    # Plain dates (every row of every extract) return at once: the converter runs on
    # each field of each snapshot.
    if value is None or type(value) is date:
        return value
    return paris_date(value)


@frozen
class Snapshot:
    """The facts one PIAF row states about a dossier on its extraction date.

    `None` means the field was empty: the fact is not known (or no longer known).
    Timestamps given through the Python API become Paris dates.
    """

    section: str
    prestation: str
    filed_on: date = field(converter=paris_date)
    first_info_on: date | None = field(default=None, converter=_optional_paris_date)
    second_info_on: date | None = field(default=None, converter=_optional_paris_date)
    completed_on: date | None = field(default=None, converter=_optional_paris_date)
    decided_on: date | None = field(default=None, converter=_optional_paris_date)
    notified_on: date | None = field(default=None, converter=_optional_paris_date)
    outcome: str | None = None
    ordered_on: date | None = field(default=None, converter=_optional_paris_date)
    closed: bool = False


@frozen
class Facts:
    """The latest recorded value of every fact of a dossier."""

    number: str
    section: str
    prestation: str
    filed_on: date
    first_info_on: date | None = None
    second_info_on: date | None = None
    completed_on: date | None = None
    decided_on: date | None = None
    notified_on: date | None = None
    outcome: str | None = None
    ordered_on: date | None = None
    batch: str | None = None
    closed_on: date | None = None

    @property
    def decision_date(self) -> date | None:
        """Decision date, falling back to the notification date (spec: dates as read)."""
        return self.decided_on or self.notified_on

    @property
    def notification_date(self) -> date | None:
        """Notification date, falling back to the decision date (spec: dates as read)."""
        return self.notified_on or self.decided_on

    def fact_date(self, fact: str) -> date | None:
        """Return the date of a named fact, as rule sets name them."""
        value: date | None = _FACT_DATES[fact](self)
        return value

    def replace(self, **changes: Any) -> Facts:
        """Return a copy with some facts changed."""
        return evolve(self, **changes)


_FACT_DATES: Final = {
    "filed": lambda f: f.filed_on,
    "first_info": lambda f: f.first_info_on,
    "second_info": lambda f: f.second_info_on,
    "completed": lambda f: f.completed_on,
    "decided": lambda f: f.decision_date,
    "notified": lambda f: f.notification_date,
    "ordered": lambda f: f.ordered_on,
    "closed": lambda f: f.closed_on,
}

#: Fact names a rule set may use as a clock's start or stop.
FACT_NAMES: Final = frozenset(_FACT_DATES)
