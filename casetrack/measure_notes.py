"""Why a measure reads as it does, in French: the facts that started and stopped its clock
(fallbacks marked), why it is an anomaly, and which days it counted.

Each note reads the decision where the clock takes it (`casetrack.clocks`), so that what
it says is what was measured.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Final

from attrs import frozen

from casetrack.calendar import WorkingCalendar
from casetrack.clocks import STOP_BEFORE_START, anomaly, known_fact
from casetrack.facts import Facts
from casetrack.measures import Measure, Status
from casetrack.report_words import french_date
from casetrack.rules import Engagement

#: The dossier fields a rule-set fact reads, in order: when the first is empty the next
#: stands in (Facts.decision_date and Facts.notification_date; docs/measures.md).
FACT_FIELDS: Final = {
    "filed": ("filed_on",),
    "first_info": ("first_info_on",),
    "second_info": ("second_info_on",),
    "completed": ("completed_on",),
    "decided": ("decided_on", "notified_on"),
    "notified": ("notified_on", "decided_on"),
    "ordered": ("ordered_on",),
    "closed": ("closed_on",),
}
#: The dossier fields that are dates a clock may read.
DATE_FIELDS: Final = frozenset(f for fields in FACT_FIELDS.values() for f in fields)
_SATURDAY: Final = 5


@frozen
class FieldWords:
    """How the view names a dated fact: 'date de décision', 'la décision', 'décision prise'."""

    label: str
    noun: str
    done: str


FIELD_WORDS: Final = {
    "filed_on": FieldWords("date de dépôt", "le dépôt", "dossier déposé"),
    "first_info_on": FieldWords(
        "date de première info", "la première info", "première info envoyée"
    ),
    "second_info_on": FieldWords(
        "date de deuxième info", "la deuxième info", "deuxième info envoyée"
    ),
    "completed_on": FieldWords("date de dossier complet", "le dossier complet", "dossier complet"),
    "decided_on": FieldWords("date de décision", "la décision", "décision prise"),
    "notified_on": FieldWords("date de notification", "la notification", "décision notifiée"),
    "ordered_on": FieldWords("date d'ordre de virement", "l'ordre de virement", "virement ordonné"),
    "closed_on": FieldWords("date de classement", "le classement", "dossier classé"),
}


@frozen
class ClockEnd:
    """The date that started or stopped a clock, the field it came from, and the field the
    engagement names first (they differ when a fallback stood in)."""

    day: date
    field: str
    own: str

    @property
    def fallback(self) -> bool:
        """Whether another fact stood in for the one the engagement names."""
        return self.field != self.own

    def source(self) -> str:
        """'date de décision, faute de date de notification', or just the label."""
        used = FIELD_WORDS[self.field].label
        if not self.fallback:
            return used
        return f"{used}, faute de {FIELD_WORDS[self.own].label}"


def clock_end(facts: Facts, names: tuple[str, ...]) -> ClockEnd | None:
    """The end a clock takes from this list of facts (the first known), or None."""
    found = known_fact(facts, names)
    if found is None:
        return None
    name, day = found
    field = next(f for f in FACT_FIELDS[name] if getattr(facts, f) == day)
    return ClockEnd(day, field, FACT_FIELDS[names[0]][0])


def own_label(names: tuple[str, ...]) -> str:
    """The label of the fact the engagement names first: 'date de dossier complet'."""
    return FIELD_WORDS[FACT_FIELDS[names[0]][0]].label


def anomaly_note(start: ClockEnd, stop: ClockEnd) -> str | None:
    """Why a clock between these ends is an anomaly, in a sentence; None if it is not one."""
    if anomaly(start.day, stop.day) != STOP_BEFORE_START:
        return None
    return (
        f"{FIELD_WORDS[stop.field].done} le {french_date(stop.day)}, avant "
        f"{FIELD_WORDS[start.field].noun} du {french_date(start.day)} : la fin précède le "
        "début, le délai n'est pas mesuré et ne compte dans aucun taux."
    )


def days_note(
    measure: Measure, engagement: Engagement, calendar: WorkingCalendar, section: str, as_of: date
) -> list[str]:
    """The days a measure counted: a line, then for working days each day skipped."""
    if measure.start is None or measure.status in (Status.INVALID, Status.NOT_APPLICABLE):
        return []
    end = measure.stop or as_of
    span = f"du {french_date(measure.start)} exclu au {french_date(end)} inclus"
    if engagement.unit != "working_days":
        return [
            f"jours calendaires {span} : chaque jour compte, week-ends, jours fériés et "
            "fermetures compris."
        ]
    skipped = list(skipped_days(calendar, section, measure.start, end))
    if not skipped:
        return [
            f"jours ouvrés {span}, sans les samedis et dimanches ; aucun jour férié ni "
            "fermeture entre les deux."
        ]
    return [
        f"jours ouvrés {span}, sans les samedis et dimanches ni ces jours :",
        *(f"{french_date(day)} {why}" for day, why in skipped),
    ]


def skipped_days(
    calendar: WorkingCalendar, section: str, start: date, end: date
) -> Iterator[tuple[date, str]]:
    """Weekdays after `start` up to `end` that do not count, each with why: a public holiday,
    a closure of the whole city or one of the section, as the calendar holds them."""
    holidays_only = WorkingCalendar(calendar.first_day.year, calendar.last_day.year)
    own = calendar.for_section(section)
    day = start + timedelta(days=1)
    while day <= end:
        if day.weekday() < _SATURDAY and not own.is_working_day(day):
            if not holidays_only.is_working_day(day):
                yield day, "jour férié"
            elif not calendar.is_working_day(day):
                yield day, "fermeture (toute la ville)"
            else:
                yield day, f"fermeture (section {section})"
        day += timedelta(days=1)
