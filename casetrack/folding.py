"""Folding stored events straight into facts, for rebuilds and re-audits of whole stores.

Decoding each event into an eventsourcing object and applying it through the
aggregate costs some 25 µs; a year holds about a million events. Stored states
are plain JSON, so this reads them with `json.loads`, upcasts older versions with
the event classes' own `upcast_vN_vM` methods (as eventsourcing's mapper does), and
applies `effects()` and `from_snapshot()`, the definitions the aggregate's event
methods use. A test checks both folds agree.

Event versions come from `class_versions()`, read when a folder is made (not at
import), so the hot loop keeps one dict lookup per event and a changed
`class_version` is honoured as the mapper honours it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any, Final
from uuid import UUID

from attrs import frozen
from eventsourcing.persistence import Mapper, MapperDeserialisationError
from eventsourcing.utils import get_topic

from casetrack.dossier import Dossier, class_versions, effects, from_snapshot
from casetrack.event_kinds import CREATED
from casetrack.facts import Facts

_PREFIX: Final = get_topic(Dossier) + "."
_SKIP: Final = frozenset({"timestamp", "originator_topic"})
_FACT_FIELDS: Final = tuple(a.name for a in Facts.__attrs_attrs__)
_JSON: Final = json.JSONDecoder()


def is_dossier_topic(topic: str) -> bool:
    """Whether a stored event belongs to a dossier stream."""
    return topic.startswith(_PREFIX)


def _upcast(name: str, payload: dict[str, Any], current: int) -> None:
    """Bring a stored payload to its event class's `current` version, as the mapper does."""
    version = payload.pop("class_version", 1)
    while version < current:
        getattr(getattr(Dossier, name), f"upcast_v{version}_v{version + 1}")(payload)
        version += 1


def _decoded(value: Any) -> Any:
    # JSONTranscoder writes dates as {"_type_": "date_iso", "_data_": "AAAA-MM-JJ"}.
    if type(value) is dict and value.get("_type_") == "date_iso":
        return date.fromisoformat(value["_data_"])
    return value


@frozen
class Folded:
    """One dossier's state after a fold: its facts, dates of knowledge and version."""

    ident: UUID
    facts: Facts
    #: Newest `known_on` of any event, and of the events of PIAF snapshots only.
    known_on: date
    snapshot_on: date
    version: int


class FactsFolder:
    """Accumulates the facts of many dossiers from their stored events, in log order."""

    def __init__(self, mapper: Mapper[UUID], known_at: date | None = None) -> None:
        self.compressor = mapper.compressor
        self.cipher = mapper.cipher
        self.known_at = known_at
        self.versions = class_versions()
        #: Per stream: facts fields, _known_on, _snapshot_on, _version, mutable for speed.
        self.states: dict[UUID, dict[str, Any]] = {}

    def seed(self, ident: UUID, facts: Facts, known_on: date, version: int) -> None:
        """Start a dossier from facts a read model kept, to apply only newer events.

        Read models do not keep `snapshot_on`, which only ingestion needs: it folds
        from the events themselves.
        """
        state = {name: getattr(facts, name) for name in _FACT_FIELDS}
        state["_known_on"], state["_version"] = known_on, version
        state["_snapshot_on"] = known_on
        self.states[ident] = state

    def apply(self, ident: UUID | str, version: int, topic: str, stored_state: bytes) -> bool:
        """Apply one stored event; False when it is not a dossier event or is skipped."""
        if not topic.startswith(_PREFIX):
            return False
        if not isinstance(ident, UUID):
            ident = UUID(ident)
        current = self.states.get(ident)
        if current is not None and version <= current["_version"]:
            return False  # already folded (a read model's seed includes it)
        name = topic[len(_PREFIX) :]
        try:
            if self.cipher:
                stored_state = self.cipher.decrypt(stored_state)
            if self.compressor:
                stored_state = self.compressor.decompress(stored_state)
            decoded = _JSON.decode(stored_state.decode("utf-8"))
        except Exception as error:
            # As eventsourcing's mapper says it: an encrypted store read without its key
            # (or with another one) fails here, and the command line explains that.
            msg = f"Failed to deserialise state of stored event with topic {topic!r}: {error}"
            raise MapperDeserialisationError(msg) from error
        payload = {k: _decoded(v) for k, v in decoded.items() if k not in _SKIP}
        _upcast(name, payload, self.versions.get(name, 1))
        known_on: date = payload["known_on"]
        if self.known_at is not None and known_on > self.known_at:
            return False
        if current is None:
            if name != CREATED:
                return False  # the dossier itself is not known yet
            current = dict.fromkeys(_FACT_FIELDS)
            current["_known_on"] = current["_snapshot_on"] = known_on
            self.states[ident] = current
        current.update(effects(name, **payload))
        current["_known_on"] = max(current["_known_on"], known_on)
        if from_snapshot(name, payload):
            current["_snapshot_on"] = max(current["_snapshot_on"], known_on)
        current["_version"] = version
        return True

    def results(self) -> Iterator[Folded]:
        """The state of every dossier folded."""
        for ident, state in self.states.items():
            facts = Facts(**{name: state[name] for name in _FACT_FIELDS})
            yield Folded(ident, facts, state["_known_on"], state["_snapshot_on"], state["_version"])
