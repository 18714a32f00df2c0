"""The latency audit's one pass over the event store: per dossier, its facts now, when each
value of each dated fact was first reported, and the events that moved a clock's stop earlier.

Events are applied with `casetrack.dossier.effects`, the definition the aggregate itself
applies, in the order of the notification log (a stream's own order).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any, Final

from attrs import frozen

from casetrack.clocks import first_known
from casetrack.dossier import effects
from casetrack.event_kinds import CREATED
from casetrack.facts import Facts
from casetrack.measure_notes import FACT_FIELDS
from casetrack.rules import Engagement

_FACT_FIELDS: Final = tuple(a.name for a in Facts.__attrs_attrs__)
#: The dated facts whose first report is kept (docs/schema.md's column names).
DATED_FIELDS: Final = (
    "filed_on",
    "first_info_on",
    "second_info_on",
    "completed_on",
    "decided_on",
    "notified_on",
    "ordered_on",
    "closed_on",
)

#: Per dated fact, each value it was ever set to, with the first extraction that reported it.
FirstReports = Mapping[str, Mapping[date, date]]


@frozen
class StopCorrection:
    """An event that set a clock's stop earlier than the stop last recorded before it."""

    engagement: int
    #: The extraction date of the correcting event.
    known_on: date
    #: The stop date last recorded before it (a date emptied in between is skipped).
    previous: date
    #: The dossier's facts just before and just after the event.
    before: Facts
    after: Facts


@frozen
class DossierTrail:
    """One dossier as the latency audit reads it."""

    facts: Facts
    first_reports: FirstReports
    corrections: tuple[StopCorrection, ...]

    def first_report(self, field: str) -> date | None:
        """The first extraction that reported the value `field` holds now (None if empty)."""
        value = getattr(self.facts, field)
        return None if value is None else self.first_reports[field][value]


class _Dossier:
    """The mutable state of one dossier during the pass."""

    __slots__ = ("corrections", "last_stop", "reports", "state")

    def __init__(self) -> None:
        self.state: dict[str, Any] = dict.fromkeys(_FACT_FIELDS)
        self.reports: dict[str, dict[date, date]] = {f: {} for f in DATED_FIELDS}
        self.last_stop: dict[int, date] = {}
        self.corrections: list[StopCorrection] = []


class LatencyFolder:
    """Folds decoded dossier events, stream by stream, as the log gives them."""

    def __init__(self, engagements: Iterable[Engagement]) -> None:
        #: Each engagement's stop facts, as the rule set names them.
        self.stops = {e.number: e.stop for e in engagements}
        #: The Facts fields a stop reads, fallbacks included: only events that set one can
        #: move a stop, so only those build Facts objects.
        self.stop_fields = frozenset(
            field for names in self.stops.values() for n in names for field in FACT_FIELDS[n]
        )
        self._dossiers: dict[object, _Dossier] = {}

    def apply(self, ident: object, name: str, payload: Mapping[str, Any]) -> None:
        """Apply one event of stream `ident` (`name`: the event class's name)."""
        current = self._dossiers.get(ident)
        if current is None:
            if name != CREATED:
                return  # as every fold does: a dossier starts with its Filed event
            current = self._dossiers[ident] = _Dossier()
        known_on: date = payload["known_on"]
        changes = effects(name, **payload)
        for field, value in changes.items():
            reports = current.reports.get(field)
            # The earliest report of a value counts, whatever the log order: a TOPVIR file
            # can be ingested after newer PIAF extracts.
            if reports is not None and value is not None:
                first = reports.get(value)
                if first is None or known_on < first:
                    reports[value] = known_on
        if self.stop_fields.isdisjoint(changes) or name == CREATED:
            current.state.update(changes)
            return
        before = Facts(**current.state)
        current.state.update(changes)
        after = Facts(**current.state)
        self._note_stops(current, known_on, before, after)

    def _note_stops(self, current: _Dossier, known_on: date, before: Facts, after: Facts) -> None:
        for engagement, names in self.stops.items():
            stop = first_known(after, names)
            if stop is None:
                continue  # emptied: the last stop recorded stays the one to compare with
            previous = current.last_stop.get(engagement)
            if previous is not None and stop < previous:
                current.corrections.append(
                    StopCorrection(engagement, known_on, previous, before, after)
                )
            current.last_stop[engagement] = stop

    def dossiers(self) -> Iterator[DossierTrail]:
        """Every dossier folded, with its facts as known now."""
        for current in self._dossiers.values():
            yield DossierTrail(
                Facts(**current.state),
                current.reports,
                tuple(current.corrections),
            )
