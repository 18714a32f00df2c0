"""The event log's activities, read from the dossiers' stored events (never the read models).

Each stored dossier event is folded with `effects()`, the one definition of how an event
changes the facts; an activity appears, is corrected or is cleared whenever its value
changes. The full history keeps every such change; the default log keeps, per activity,
only its value in force. docs/eventlog.md describes both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, Final
from uuid import UUID

from attrs import define, frozen

from adapters.eventlog import (
    BUSINESS_DATE,
    CLEARED,
    CORRECTED,
    EXTRACTION_DATE,
    RECORDED,
    LogLine,
)
from casetrack.dossier import PIAF, TOPVIR, Dossier, effects, from_snapshot, known_on_of
from casetrack.event_kinds import CREATED
from casetrack.facts import Facts


@frozen
class Activity:
    """A fact as process mining sees it: a key for machines, a French label for people."""

    #: Stable key, as rule sets name facts (`filed`, `first_info`, ..., `closed`).
    fact: str
    label: str
    #: The Facts field holding its business date.
    field: str
    #: Other Facts fields whose change is a correction of this activity.
    also: tuple[str, ...] = ()
    #: A Facts field whose value ends the label when set (`Décision ACCORD`).
    suffix: str | None = None
    #: What its `field` holds: a business date, or the extraction date that reported it.
    dated_by: str = BUSINESS_DATE

    @property
    def fields(self) -> tuple[str, ...]:
        """The Facts fields a change of this activity is measured on."""
        return (self.field, *self.also)

    def value(self, facts: Facts | None) -> tuple[Any, ...] | None:
        """Its fields' values; None when it has no date."""
        if facts is None or getattr(facts, self.field) is None:
            return None
        return tuple(getattr(facts, name) for name in self.fields)

    def name(self, facts: Facts) -> str:
        """The label, with its suffix when the facts hold one."""
        extra = getattr(facts, self.suffix) if self.suffix else None
        return f"{self.label} {extra}" if extra else self.label

    def corrected(self, facts: Facts) -> str:
        """The label of a later value replacing this one: `Correction dépôt`."""
        return f"Correction {_lowered(self.name(facts))}"

    def cleared(self) -> str:
        """The label of its emptying: `Effacement deuxième info`."""
        return f"Effacement {_lowered(self.label)}"


def _lowered(label: str) -> str:
    return label[:1].lower() + label[1:]


#: In life-cycle order: events of one day keep this order.
ACTIVITIES: Final = (
    Activity("filed", "Dépôt", "filed_on", also=("section", "prestation")),
    Activity("first_info", "Première info", "first_info_on"),
    Activity("second_info", "Deuxième info", "second_info_on"),
    Activity("completed", "Dossier complet", "completed_on"),
    Activity("decided", "Décision", "decided_on", also=("outcome",), suffix="outcome"),
    Activity("notified", "Notification", "notified_on"),
    Activity("ordered", "Virement ordonné", "ordered_on"),
    # Dated by the extraction date that first reported CLASSE (effects() of Closed).
    Activity("closed", "Classement sans suite", "closed_on", dated_by=EXTRACTION_DATE),
)

#: Facts field -> the activities (their indexes in ACTIVITIES) measured on it.
_WATCHING: Final = {
    field: tuple(order for order, a in enumerate(ACTIVITIES) if field in a.fields)
    for field in {field for a in ACTIVITIES for field in a.fields}
}


@frozen
class Step:
    """One change of one activity of a dossier."""

    order: int
    change: str
    day: date
    dated_by: str
    known_on: date
    source: str
    label: str
    #: The label of the value alone, as the default log shows it.
    plain: str


@define
class Trace:
    """One dossier while its events are folded: its facts so far and its steps."""

    facts: Facts
    steps: list[Step]


def steps_of(
    before: Facts | None, after: Facts, changed: Iterable[str], known_on: date, source: str
) -> Iterator[Step]:
    """The activity changes one event makes, from the facts before it to those after.

    Only the activities measured on a `changed` field are compared: an event sets a few
    fields, and a year holds hundreds of thousands of events.
    """
    for order in sorted({order for field in changed for order in _WATCHING.get(field, ())}):
        activity = ACTIVITIES[order]
        old, new = activity.value(before), activity.value(after)
        if old == new:
            continue
        if new is None:
            # An emptied date has no business date: the extract that showed it empty
            # dates it, as the extract that first reported CLASSE dates a closure.
            change, day, dated_by, label = CLEARED, known_on, EXTRACTION_DATE, activity.cleared()
        else:
            day, dated_by = getattr(after, activity.field), activity.dated_by
            change = RECORDED if old is None else CORRECTED
            label = activity.name(after) if old is None else activity.corrected(after)
        yield Step(order, change, day, dated_by, known_on, source, label, activity.name(after))


def fold_traces(events: Iterable[object], known_at: date | None = None) -> dict[UUID, Trace]:
    """Every dossier's trace from stored events in recording order, known at `known_at`.

    As `casetrack.dossier.fold` does, an event known after `known_at` is skipped and a
    dossier appears with its `Filed` event.
    """
    traces: dict[UUID, Trace] = {}
    for event in events:
        if not isinstance(event, Dossier.Event):
            continue
        known_on = known_on_of(event)
        if known_at is not None and known_on > known_at:
            continue
        name, payload = type(event).__name__, vars(event)
        changed = effects(name, **payload)
        trace = traces.get(event.originator_id)
        if trace is None:
            if name != CREATED:
                continue
            before, after = None, Facts(**changed)
            trace = traces[event.originator_id] = Trace(after, [])
        else:
            before, after = trace.facts, trace.facts.replace(**changed)
        source = PIAF if from_snapshot(name, payload) else TOPVIR
        trace.steps.extend(steps_of(before, after, changed, known_on, source))
        trace.facts = after
    return traces


def current_steps(steps: Iterable[Step]) -> list[Step]:
    """Per activity, its latest step unless that emptied it: the value in force."""
    latest = {step.order: step for step in steps}
    return [step for step in latest.values() if step.change != CLEARED]


def log_lines(
    events: Iterable[object], *, known_at: date | None = None, history: bool = False
) -> Iterator[LogLine]:
    """The event log, by dossier number then date: the facts in force, or every change."""
    traces = fold_traces(events, known_at)
    for trace in sorted(traces.values(), key=_number):
        facts = trace.facts
        steps = trace.steps if history else current_steps(trace.steps)
        # Time order; one day keeps the life-cycle order, then the order of knowledge.
        for step in sorted(steps, key=lambda s: (s.day, s.order, s.known_on)):
            yield LogLine(
                facts.number,
                step.label if history else step.plain,
                step.day,
                facts.section,
                facts.prestation,
                fact=ACTIVITIES[step.order].fact,
                change=step.change,
                dated_by=step.dated_by,
                known_on=step.known_on,
                source=step.source,
            )


def _number(trace: Trace) -> str:
    return trace.facts.number
