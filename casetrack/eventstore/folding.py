"""Folding stored events straight into facts, for rebuilds, re-audits and ingestion.

Building each event as an eventsourcing object and applying it through the aggregate
costs some 25 µs; a year holds about a million events. This folds the attributes the
application's mapper decodes and upcasts (`DossierMapper.event_state`) with `effects()`
and `from_snapshot()`, the definitions the aggregate's event methods use. A test
checks both folds agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, Final
from uuid import UUID

from attrs import frozen
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from casetrack.dossier import Dossier, effects, from_snapshot
from casetrack.event_kinds import CREATED
from casetrack.eventstore.mapper import DossierMapper
from casetrack.eventstore.records import LogRow
from casetrack.facts import Facts

_PREFIX: Final = get_topic(Dossier) + "."
_FACT_FIELDS: Final = tuple(a.name for a in Facts.__attrs_attrs__)


def is_dossier_topic(topic: str) -> bool:
    """Whether a stored event belongs to a dossier stream."""
    return topic.startswith(_PREFIX)


@frozen
class KnownVersion:
    """A dossier's facts as known from one extraction date until the next that changed them.

    "As known at K" folds only the events known on or before K, so the facts known at K
    change only on the `known_on` of one of the dossier's events: each such date starts
    a version, which holds until the next one (`known_until` excluded; None for the
    version known now).
    """

    known_from: date
    known_until: date | None
    facts: Facts
    #: Stream version of the last event folded into it.
    version: int


@frozen
class Folded:
    """One dossier's state after a fold: its facts, dates of knowledge and version."""

    ident: UUID
    facts: Facts
    #: Newest `known_on` of any event, and of the events of PIAF snapshots only.
    known_on: date
    snapshot_on: date
    version: int
    #: With `FactsFolder(versions=True)`: the versions before the one known now, oldest
    #: first (only those this fold saw end; a seeded dossier's earlier ones are stored).
    closed: tuple[KnownVersion, ...] = ()
    #: An event came known earlier than one before it in the stream (an older extract
    #: ingested after a newer one): its versions are not a prefix fold, and
    #: `stream_versions` must compute them from the whole stream.
    disordered: bool = False

    @property
    def current(self) -> KnownVersion:
        """The version known now."""
        return KnownVersion(self.known_on, None, self.facts, self.version)


class FactsFolder:
    """Accumulates the facts of many dossiers from their stored events, in log order.

    Streams are told apart by their id as given, a UUID or, read raw from SQLite, its 32
    hex digits (`records.log_pages`); one folder takes one of the two. `results` gives
    UUIDs either way, converting each stream's id once instead of each event's.
    """

    def __init__(
        self, mapper: DossierMapper, known_at: date | None = None, *, versions: bool = False
    ) -> None:
        self.mapper = mapper
        self.known_at = known_at
        #: Keep each stream's versions (`KnownVersion`) as later-known events end them.
        self.versions = versions
        #: Per stream: facts fields, _known_on, _snapshot_on, _version, mutable for speed;
        #: with versions, also _closed (KnownVersion list) and _disordered.
        self.states: dict[UUID | str, dict[str, Any]] = {}

    def seed(self, ident: UUID, facts: Facts, known_on: date, version: int) -> None:
        """Start a dossier from facts a read model kept, to apply only newer events.

        Read models do not keep `snapshot_on`, which only ingestion needs: it folds
        from the events themselves.
        """
        state = {name: getattr(facts, name) for name in _FACT_FIELDS}
        state["_known_on"], state["_version"] = known_on, version
        state["_snapshot_on"] = known_on
        state["_closed"], state["_disordered"] = [], False
        self.states[ident] = state

    def apply_stored(self, stored: StoredEvent) -> bool:
        """Apply one stored event (or notification); see `apply`."""
        return self.apply(
            stored.originator_id, stored.originator_version, stored.topic, stored.state
        )

    def apply_rows(self, rows: Iterable[LogRow]) -> None:
        """Apply rows of the notification log as stored (`records.log_pages`)."""
        apply = self.apply
        for _, ident, version, topic, state in rows:
            apply(ident, version, topic, state)

    def apply(self, ident: UUID | str, version: int, topic: str, stored_state: bytes) -> bool:
        """Apply one stored event; False when it is not a dossier event or is skipped."""
        if not topic.startswith(_PREFIX):
            return False
        current = self.states.get(ident)
        if current is not None and version <= current["_version"]:
            return False  # already folded (a read model's seed includes it)
        cls, payload = self.mapper.event_state(topic, stored_state)
        name = cls.__name__
        known_on: date = payload["known_on"]
        if self.known_at is not None and known_on > self.known_at:
            return False
        if current is None:
            if name != CREATED:
                return False  # the dossier itself is not known yet
            current = dict.fromkeys(_FACT_FIELDS)
            current["_known_on"] = current["_snapshot_on"] = known_on
            current["_closed"], current["_disordered"] = [], False
            self.states[ident] = current
        elif self.versions and known_on != current["_known_on"]:
            if known_on > current["_known_on"]:
                current["_closed"].append(
                    KnownVersion(
                        current["_known_on"], known_on, _facts(current), current["_version"]
                    )
                )
            else:
                current["_disordered"] = True
        current.update(effects(name, **payload))
        current["_known_on"] = max(current["_known_on"], known_on)
        if known_on > current["_snapshot_on"] and from_snapshot(name, payload):
            current["_snapshot_on"] = known_on
        current["_version"] = version
        return True

    def results(self) -> Iterator[Folded]:
        """The state of every dossier folded."""
        for ident, state in self.states.items():
            yield Folded(
                ident if isinstance(ident, UUID) else UUID(ident),
                _facts(state),
                state["_known_on"],
                state["_snapshot_on"],
                state["_version"],
                tuple(state["_closed"]),
                state["_disordered"],
            )


def _facts(state: dict[str, Any]) -> Facts:
    return Facts(**{name: state[name] for name in _FACT_FIELDS})


def stream_versions(mapper: DossierMapper, events: Iterable[StoredEvent]) -> list[KnownVersion]:
    """Every version of one dossier, from its whole stream, in any order of knowledge.

    The facts known at K fold the events known on or before K in stream order, wherever
    they are in it: each date a version starts is folded on its own. A fold keeps
    versions as a prefix when events come known in order, which is the rule; this is
    for the streams where they do not (`Folded.disordered`).
    """
    stored = list(events)
    days = sorted({mapper.event_state(e.topic, e.state)[1]["known_on"] for e in stored})
    found: list[KnownVersion] = []
    for start, end in zip(days, [*days[1:], None], strict=True):
        folder = FactsFolder(mapper, start)
        for event in stored:
            folder.apply_stored(event)
        for folded in folder.results():  # none while the dossier's filing is unknown
            found.append(KnownVersion(start, end, folded.facts, folded.version))
    return found
