"""The latency audit's measures: stops that became known only after the due date, and stop
dates corrected to an earlier date once the due date had passed (docs/reports.md,
"Data latency").

Pure: dossier trails (projections.latency_fold), the rule set and the calendar in, frozen
rows out. Clocks come from `casetrack.clocks.clock_of`, as every measure does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Final

from attrs import frozen

from casetrack.calendar import WorkingCalendar
from casetrack.clocks import clock_of
from casetrack.facts import sector_of
from casetrack.measure_notes import clock_end
from casetrack.rules import RuleSet
from casetrack.status import STOPPED, Status
from projections.latency_fold import DossierTrail

#: CSV columns of the measures whose stop was known after the due date.
LATE_KNOWN_COLUMNS: Final = (
    "dossier",
    "section",
    "sector",
    "prestation",
    "engagement",
    "start",
    "stop",
    "due",
    "stop_fact",
    "stop_known_on",
    "days_after_due",
    "status",
)
#: CSV columns of the stops corrected to an earlier date after the due date.
BACKDATED_COLUMNS: Final = (
    "dossier",
    "section",
    "sector",
    "prestation",
    "engagement",
    "start",
    "due",
    "stop_before",
    "stop_after",
    "known_on",
    "status_before",
    "status_after",
    "breach_to_met",
)
#: A status that counts as a breach at the correction's date: stopped late, or still open
#: past the due date.
_BREACHES: Final = frozenset({Status.BREACHED, Status.OVERDUE})


@frozen
class LateKnown:
    """A measure whose stop fact was first reported after the clock's due date."""

    dossier: str
    section: str
    sector: str
    prestation: str
    engagement: int
    start: date
    stop: date
    due: date
    #: The dossier field the stop came from (`decided_on` when it stood in for 17's
    #: notification).
    stop_fact: str
    stop_known_on: date
    status: str

    @property
    def days_after_due(self) -> int:
        """Calendar days from the due date to the extraction that reported the stop."""
        return (self.stop_known_on - self.due).days

    def record(self) -> dict[str, Any]:
        """The row keyed by LATE_KNOWN_COLUMNS."""
        return {c: getattr(self, c) for c in LATE_KNOWN_COLUMNS}


@frozen
class Backdated:
    """A stop date corrected to an earlier date by an extraction later than the due date."""

    dossier: str
    section: str
    sector: str
    prestation: str
    engagement: int
    start: date
    due: date
    stop_before: date
    stop_after: date
    known_on: date
    #: The measure's status at `known_on`, before and after the correction (None: the
    #: clock had not started).
    status_before: str | None
    status_after: str | None

    @property
    def breach_to_met(self) -> bool:
        """Whether the correction turned a breach (or an overdue clock) into `met`."""
        return self.status_before in _BREACHES and self.status_after == Status.MET

    def record(self) -> dict[str, Any]:
        """The row keyed by BACKDATED_COLUMNS."""
        return {c: getattr(self, c) for c in BACKDATED_COLUMNS}


def late_known(
    trails: Iterable[DossierTrail],
    rule_set: RuleSet,
    calendar: WorkingCalendar,
    start: date,
    end: date,
    as_of: date,
) -> list[LateKnown]:
    """Measures stopped in `start..end` (status at `as_of`) whose stop was known after due."""
    found = []
    for trail in trails:
        facts = trail.facts
        for engagement in rule_set.ordered:
            clock = clock_of(facts, engagement, calendar)
            stop, due = clock.stop, clock.due
            if stop is None or due is None or clock.start is None or not start <= stop <= end:
                continue
            status = clock.state_at(as_of)
            ended = clock_end(facts, engagement.stop)
            if status not in STOPPED or ended is None:
                continue
            known_on = trail.first_report(ended.field)
            if known_on is None or known_on <= due:
                continue
            found.append(
                LateKnown(
                    facts.number,
                    facts.section,
                    sector_of(facts.section, stop),
                    facts.prestation,
                    engagement.number,
                    clock.start,
                    stop,
                    due,
                    ended.field,
                    known_on,
                    str(status),
                )
            )
    order = [e.number for e in rule_set.ordered]
    found.sort(key=lambda m: (m.dossier, order.index(m.engagement)))
    return found


def backdated(
    trails: Iterable[DossierTrail],
    rule_set: RuleSet,
    calendar: WorkingCalendar,
    start: date,
    end: date,
) -> list[Backdated]:
    """Stops corrected earlier after the due date, the corrected stop in `start..end`.

    Breaches turned into `met` come first: auditors read those first.
    """
    found = []
    for trail in trails:
        for correction in trail.corrections:
            engagement = rule_set.engagement(correction.engagement)
            after = clock_of(correction.after, engagement, calendar)
            stop, due = after.stop, after.due
            if stop is None or due is None or after.start is None:
                continue  # no clock running: nothing was measured against a due date
            if correction.known_on <= due or not start <= stop <= end:
                continue
            before = clock_of(correction.before, engagement, calendar)
            facts = correction.after
            found.append(
                Backdated(
                    facts.number,
                    facts.section,
                    sector_of(facts.section, stop),
                    facts.prestation,
                    engagement.number,
                    after.start,
                    due,
                    correction.previous,
                    stop,
                    correction.known_on,
                    _status(before.state_at(correction.known_on)),
                    _status(after.state_at(correction.known_on)),
                )
            )
    order = [e.number for e in rule_set.ordered]
    found.sort(
        key=lambda b: (not b.breach_to_met, b.dossier, order.index(b.engagement), b.known_on)
    )
    return found


def _status(state: str | None) -> str | None:
    return None if state is None else str(state)
