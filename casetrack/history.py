"""A dossier's history as lines a person reads: each fact, its value, when it was known."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, Final

from casetrack.dossier import Dossier, known_on_of
from casetrack.event_kinds import CLEARED, CLEARED_LABELS, EVENT_KINDS

#: French labels of facts, as the sections name them, per event (FactCleared: per fact).
FACT_LABELS: Final = {kind.name: kind.label for kind in EVENT_KINDS if kind.name != CLEARED}
#: History key of each event: the fact it records.
_KEYS: Final = {kind.name: kind.fact for kind in EVENT_KINDS if kind.name != CLEARED}


#: How a history writes a date: ISO for machine outputs (the sample's CSV), or a
#: person's format (casetrack.report_words.french_date) for the dossier view and tables.
DayFormat = Callable[[date], str]


def describe(event: Any, day: DayFormat = date.isoformat) -> tuple[str, str, str]:
    """(fact key, French label, value) of one dossier event, dates written by `day`."""
    kind = type(event).__name__
    if kind == CLEARED:
        return event.fact, CLEARED_LABELS[event.fact], "(effacé)"
    key = _KEYS[kind]
    return key, FACT_LABELS[kind], _value(kind, event, day)


def _value(kind: str, e: Any, day: DayFormat) -> str:
    def d(value: date | None) -> str:
        return day(value) if value else "?"

    if kind in ("Filed", "FilingCorrected"):
        return f"{d(e.filed_on)} section {e.section} {e.prestation}"
    if kind in ("FirstInfoSent", "SecondInfoSent"):
        return d(e.sent_on)
    if kind == "Completed":
        return d(e.completed_on)
    if kind == "DecisionNotified":
        return f"{e.outcome or '?'} décidée {d(e.decided_on)} notifiée {d(e.notified_on)}"
    if kind == "PaymentOrdered":
        return d(e.ordered_on) + (f" lot {e.batch}" if e.batch else "")
    return d(e.known_on)


def history_lines(events: Iterable[Any], day: DayFormat = date.isoformat) -> list[Sequence[str]]:
    """Rows (fact, value, known on, value it replaces) of a dossier's events."""
    last: dict[str, str] = {}
    rows: list[Sequence[str]] = []
    for event in events:
        if not isinstance(event, Dossier.Event):
            continue
        key, label, value = describe(event, day)
        replaced = last.get(key, "")
        rows.append((label, value, day(known_on_of(event)), replaced))
        last[key] = value
    return rows


def one_line(events: Iterable[Any]) -> str:
    """The whole history on one line, for audit samples."""
    return "; ".join(
        f"{label} {value} (connu {known})" for label, value, known, _ in history_lines(events)
    )
