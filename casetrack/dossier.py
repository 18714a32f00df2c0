"""The Dossier aggregate: one event stream per PIAF dossier, facts accepted in any order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any, Final
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.domain import Snapshot as AggregateSnapshot
from eventsourcing.utils import get_topic

from casetrack.event_kinds import CLEARABLE, CLEARED, EVENT_KINDS, KINDS
from casetrack.facts import Facts, Snapshot

#: Namespace of dossier stream ids: uuid5(namespace, PIAF number) never changes.
DOSSIER_NAMESPACE: Final = UUID("6f1c7a52-3b8e-5d4a-9c1e-0a2b4c6d8e10")

#: Where a fact came from: a PIAF snapshot row, or a TOPVIR transfer line.
PIAF: Final = "piaf"
TOPVIR: Final = "topvir"


@lru_cache(maxsize=1 << 16)
def dossier_id(number: str) -> UUID:
    """The stream id of a PIAF dossier number."""
    # Cached: ingestion asks for each number several times within a batch.
    return uuid5(DOSSIER_NAMESPACE, number)


class Dossier(Aggregate):
    """One aid dossier: what PIAF and TOPVIR said about it, and when casetrack learnt it.

    Every event carries `known_on`, the extraction date of the file that reported it.
    Recording a value already recorded emits nothing; a different value is a
    correction (a new event; the old one stays in the stream); an emptied date is
    a `FactCleared` correction. History moves forward: a PIAF snapshot older than
    the newest one already applied (`snapshot_on`) changes nothing.
    """

    @staticmethod
    def create_id(number: str) -> UUID:
        """Derive the stream id from the PIAF number."""
        return dossier_id(number)

    @event("Filed")
    def __init__(
        self, number: str, section: str, prestation: str, filed_on: date, known_on: date
    ) -> None:
        payload = {"number": number, "section": section, "prestation": prestation}
        self.facts = Facts(**effects("Filed", **payload, filed_on=filed_on))
        self.known_on = known_on
        #: Extraction date of the newest PIAF snapshot applied (TOPVIR lines excluded).
        self.snapshot_on = known_on

    # -- commands ------------------------------------------------------------

    def record(self, snapshot: Snapshot, known_on: date) -> bool:
        """Record what a PIAF row says; only facts that differ give events.

        Returns False, recording nothing, when the row is stale: the dossier already
        holds facts from a newer PIAF snapshot, which an older one must never undo.
        """
        if known_on < self.snapshot_on:
            return False
        for name, fields in changes(self.facts, snapshot):
            getattr(self, _TRIGGERS[name])(**fields, known_on=known_on)
        return True

    def record_transfer(self, ordered_on: date, batch: str | None, known_on: date) -> None:
        """Record a TOPVIR transfer order, unless an earlier or same-day one is recorded.

        TOPVIR only adds: it never clears or replaces a fact, whatever its date.
        """
        recorded = self.facts.ordered_on
        if recorded is None or ordered_on < recorded:
            self._payment_ordered(ordered_on, batch, TOPVIR, known_on)

    # -- events --------------------------------------------------------------

    @event("FilingCorrected")
    def _filing_corrected(
        self, section: str, prestation: str, filed_on: date, known_on: date
    ) -> None:
        self._set(
            "FilingCorrected",
            section=section,
            prestation=prestation,
            filed_on=filed_on,
            known_on=known_on,
        )

    @event("FirstInfoSent")
    def _first_info_sent(self, sent_on: date, known_on: date) -> None:
        self._set("FirstInfoSent", sent_on=sent_on, known_on=known_on)

    @event("SecondInfoSent")
    def _second_info_sent(self, sent_on: date, known_on: date) -> None:
        self._set("SecondInfoSent", sent_on=sent_on, known_on=known_on)

    @event("Completed")
    def _completed(self, completed_on: date, known_on: date) -> None:
        self._set("Completed", completed_on=completed_on, known_on=known_on)

    @event("DecisionNotified")
    def _decision_notified(
        self,
        decided_on: date | None,
        notified_on: date | None,
        outcome: str | None,
        known_on: date,
    ) -> None:
        self._set(
            "DecisionNotified",
            decided_on=decided_on,
            notified_on=notified_on,
            outcome=outcome,
            known_on=known_on,
        )

    class PaymentOrdered(Aggregate.Event):
        """A transfer ordered, from PIAF's DATE_VIREMENT or a TOPVIR line (`source`).

        Version 2 added `source`; a version-1 event came from TOPVIR when it has a batch.
        """

        class_version = 2
        ordered_on: date
        batch: str | None
        source: str
        known_on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 had no source: TOPVIR lines were the ones with a batch."""
            state["source"] = TOPVIR if state.get("batch") else PIAF

    @event(PaymentOrdered)
    def _payment_ordered(
        self, ordered_on: date, batch: str | None, source: str, known_on: date
    ) -> None:
        self._set(
            "PaymentOrdered", ordered_on=ordered_on, batch=batch, source=source, known_on=known_on
        )

    @event("Closed")
    def _closed(self, known_on: date) -> None:
        self._set("Closed", known_on=known_on)

    @event("FactCleared")
    def _fact_cleared(self, fact: str, known_on: date) -> None:
        self._set("FactCleared", fact=fact, known_on=known_on)

    def _set(self, name: str, /, **payload: Any) -> None:
        self.facts = self.facts.replace(**effects(name, **payload))
        known_on: date = payload["known_on"]
        self.known_on = max(self.known_on, known_on)
        if from_snapshot(name, payload):
            self.snapshot_on = max(self.snapshot_on, known_on)


#: Event payload field -> Facts field, per event (from casetrack.event_kinds).
_EFFECTS: Final = {kind.name: dict(kind.sets) for kind in KINDS.values()}


def effects(name: str, /, **payload: Any) -> dict[str, Any]:
    """The Facts fields an event sets, from its payload: the one place events meet facts."""
    if name == CLEARED:
        return dict.fromkeys(CLEARABLE[payload["fact"]])
    return {target: payload[source] for source, target in _EFFECTS[name].items()}


def from_snapshot(name: str, payload: dict[str, Any]) -> bool:
    """Whether an event came from a PIAF snapshot row (every event but TOPVIR's orders)."""
    return name != "PaymentOrdered" or payload["source"] == PIAF


#: Event name -> the @event method that triggers it.
_TRIGGERS: Final = {kind.name: kind.trigger for kind in KINDS.values() if kind.trigger}

#: Dated facts of a snapshot, from the events that set one clearable date each:
#: (fact, Facts/Snapshot field, event, event field), in life-cycle order.
_DATED: Final = tuple(
    (kind.fact, field, kind.name, param)
    for kind in EVENT_KINDS
    if kind.clearable and kind.replaces and len(kind.sets) == 1
    for param, field in kind.sets.items()
)

Change = tuple[str, dict[str, Any]]


def changes(facts: Facts, snapshot: Snapshot) -> list[Change]:
    """The events (name, fields but `known_on`) that bring `facts` to what `snapshot` says.

    Each fact is compared on its own, so the list does not depend on the order in
    which PIAF filled the dates: facts are accepted in any order.
    """
    found: list[Change] = []
    filing = (snapshot.section, snapshot.prestation, snapshot.filed_on)
    if filing != (facts.section, facts.prestation, facts.filed_on):
        found.append(
            (
                "FilingCorrected",
                {"section": filing[0], "prestation": filing[1], "filed_on": filing[2]},
            )
        )
    for fact, field, name, param in _DATED:
        new = getattr(snapshot, field)
        if new != getattr(facts, field):
            found.append((CLEARED, {"fact": fact}) if new is None else (name, {param: new}))
    decision = (snapshot.decided_on, snapshot.notified_on, snapshot.outcome)
    if decision != (facts.decided_on, facts.notified_on, facts.outcome):
        if decision == (None, None, None):
            found.append((CLEARED, {"fact": "decision"}))
        else:
            found.append(
                (
                    "DecisionNotified",
                    {"decided_on": decision[0], "notified_on": decision[1], "outcome": decision[2]},
                )
            )
    if snapshot.ordered_on is None:
        # An empty DATE_VIREMENT withdraws only a date PIAF itself gave: transfers
        # that came through TOPVIR (with a batch) are not PIAF's to retract.
        if facts.ordered_on is not None and facts.batch is None:
            found.append((CLEARED, {"fact": "payment"}))
    elif snapshot.ordered_on != facts.ordered_on and not _earlier_transfer(facts, snapshot):
        found.append(
            ("PaymentOrdered", {"ordered_on": snapshot.ordered_on, "batch": None, "source": PIAF})
        )
    if snapshot.closed and facts.closed_on is None:
        found.append(("Closed", {}))
    elif not snapshot.closed and facts.closed_on is not None:
        found.append((CLEARED, {"fact": "closed"}))
    return found


def _earlier_transfer(facts: Facts, snapshot: Snapshot) -> bool:
    # The first transfer order counts: one TOPVIR reported earlier than PIAF's date stands.
    return (
        facts.batch is not None
        and facts.ordered_on is not None
        and snapshot.ordered_on is not None
        and facts.ordered_on <= snapshot.ordered_on
    )


def filed_facts(number: str, snapshot: Snapshot) -> Facts:
    """The facts a `Filed` event alone records."""
    return Facts(
        number=number,
        section=snapshot.section,
        prestation=snapshot.prestation,
        filed_on=snapshot.filed_on,
    )


def class_versions() -> dict[str, int]:
    """The current `class_version` of each dossier event class, by name, read when called.

    The one place casetrack's own codecs (folding, encoding) learn event versions, as
    eventsourcing's mapper does: at use time, never frozen at import.
    """
    return {
        name: getattr(value, "class_version", 1)
        for name, value in vars(Dossier).items()
        if isinstance(value, type) and issubclass(value, Dossier.Event)
    }


def known_on_of(domain_event: object) -> date:
    """The `known_on` every dossier event carries."""
    known_on: date = vars(domain_event)["known_on"]
    return known_on


def fold(dossiers: dict[UUID, Dossier], domain_event: object, known_at: date | None) -> None:
    """Apply one stored event to the dossier it belongs to, if known at `known_at`.

    Events of other aggregates are ignored; a dossier appears with its `Filed` event.
    """
    if not isinstance(domain_event, Dossier.Event):
        return
    if known_at is not None and known_on_of(domain_event) > known_at:
        return
    current = dossiers.get(domain_event.originator_id)
    if current is None:
        if isinstance(domain_event, Aggregate.Created):
            created = domain_event.mutate(None)
            if isinstance(created, Dossier):
                dossiers[created.id] = created
        return
    # apply() rather than mutate(): skipping later-known events leaves gaps in
    # the version sequence, which mutate() would (rightly, elsewhere) refuse.
    domain_event.apply(current)
    current.version = domain_event.originator_version


def replay(events: Iterable[object], known_at: date | None = None) -> Dossier | None:
    """Rebuild one dossier from its events, keeping only those known on or before `known_at`.

    Returns None when the dossier itself was not yet known at `known_at`.
    """
    dossiers: dict[UUID, Dossier] = {}
    for domain_event in events:
        fold(dossiers, domain_event, known_at)
    return next(iter(dossiers.values()), None)


def restore(facts: Facts, known_on: date, version: int, snapshot_on: date) -> Dossier:
    """A dossier rebuilt from facts folded from its stored events, ready for newer events.

    Ingestion folds stored states in bulk rather than replaying each aggregate; the
    result continues exactly as the replayed aggregate would. It is made the way
    eventsourcing restores an aggregate from a snapshot (`Snapshot.mutate`), so the
    library sets its own attributes.
    """
    # The read model keeps no timestamp; midnight of known_on avoids reading the clock.
    stamp = datetime.combine(known_on, time(), UTC)
    state = {
        "_created_on": stamp,
        "_modified_on": stamp,
        "facts": facts,
        "known_on": known_on,
        "snapshot_on": snapshot_on,
    }
    snapshot = AggregateSnapshot(
        originator_id=dossier_id(facts.number),
        originator_version=version,
        timestamp=stamp,
        topic=get_topic(Dossier),
        state=state,
    )
    restored = snapshot.mutate(None)
    if not isinstance(restored, Dossier):  # the topic above names Dossier: cannot happen
        msg = f"a dossier snapshot restored a {type(restored).__name__}"
        raise TypeError(msg)
    return restored
