"""Stored events of new dossiers written straight from snapshots, for first loads.

Creating an aggregate costs eventsourcing's event machinery some 30 µs per event;
a yearly first load creates about a million. A new dossier's events are known
without it: `Filed`, then `changes()` from the filed facts. This module encodes
them exactly as the mapper would (same topics, same JSON, same compression and
cipher), so the stream reads back identically; a test checks the two paths agree.

Each event's `class_version` comes from `class_versions()`, read when an encoder is
made (not at import), as the mapper reads it when it encodes. Values of a type the
fast path does not write itself (anything but text, dates and None) go through the
application's transcoder, so a new payload type needs only its transcoding.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from json.encoder import encode_basestring
from typing import Any, Final
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from casetrack.dossier import Dossier, changes, class_versions, dossier_id, filed_facts
from casetrack.event_kinds import CREATED, EVENT_KINDS
from casetrack.facts import Snapshot

_DOSSIER_TOPIC: Final = get_topic(Dossier)


def _topic(name: str) -> str:
    return get_topic(getattr(Dossier, name))


#: Topics are static (versions are not): built once from the declared events.
_TOPICS: Final = {kind.name: _topic(kind.name) for kind in EVENT_KINDS}


class NewDossierEncoder:
    """Encodes the events of dossiers that have no stream yet."""

    def __init__(self, mapper: Mapper[UUID]) -> None:
        self.transcoder = mapper.transcoder
        self.compressor = mapper.compressor
        self.cipher = mapper.cipher
        #: The mapper appends `class_version` after the payload when an event class is past 1.
        self.tails = {
            name: f',"class_version":{version}' if version > 1 else ""
            for name, version in class_versions().items()
        }
        self._dates: dict[date, str] = {}
        self._stamped: tuple[datetime, date] | None = None
        self._stamp = self._known = ""

    def encode(
        self, number: str, snapshot: Snapshot, known_on: date, timestamp: datetime
    ) -> list[StoredEvent]:
        """The stored events `open_dossier(number, snapshot, known_on)` would save."""
        # A batch shares its timestamp and extraction date: their JSON is made once.
        if self._stamped != (timestamp, known_on):
            self._stamped = (timestamp, known_on)
            iso = timestamp.isoformat()
            self._stamp = '{"timestamp":{"_type_":"datetime_iso","_data_":"' + iso + '"}'
            self._known = ',"known_on":' + self._json(known_on)
        stamp, known, json = self._stamp, self._known, self._json
        filed = (
            f'{stamp},"originator_topic":"{_DOSSIER_TOPIC}","number":{json(number)},'
            f'"section":{json(snapshot.section)},"prestation":{json(snapshot.prestation)},'
            f'"filed_on":{json(snapshot.filed_on)}{known}{self.tails[CREATED]}}}'
        )
        states = [(CREATED, filed)]
        for name, fields in changes(filed_facts(number, snapshot), snapshot):
            body = "".join([f',"{key}":{json(value)}' for key, value in fields.items()])
            states.append((name, f"{stamp}{body}{known}{self.tails[name]}}}"))
        ident = dossier_id(number)
        protect = self._protect if self.compressor or self.cipher else _plain
        return [
            StoredEvent(
                originator_id=ident,
                originator_version=version,
                topic=_TOPICS[name],
                state=protect(state.encode("utf-8")),
            )
            for version, (name, state) in enumerate(states, start=1)
        ]

    def _json(self, value: Any) -> str:
        # The JSONTranscoder's output: written here for the types dossier events carry
        # (a date is the one transcoding, `date_iso`), asked of it for any other type.
        if value is None:
            return "null"
        if type(value) is str:
            return encode_basestring(value)
        if type(value) is date:
            # A year's events carry a few hundred distinct dates, each written thousands
            # of times: their JSON is kept.
            found = self._dates.get(value)
            if found is None:
                found = '{"_type_":"date_iso","_data_":"' + value.isoformat() + '"}'
                self._dates[value] = found
            return found
        return self.transcoder.encode(value).decode("utf-8")

    def _protect(self, state: bytes) -> bytes:
        if self.compressor:
            state = self.compressor.compress(state)
        if self.cipher:
            state = self.cipher.encrypt(state)
        return state


def _plain(state: bytes) -> bytes:
    return state


def event_names(stored: Sequence[StoredEvent]) -> list[str]:
    """Event class names of stored events (for counting)."""
    return [s.topic.rsplit(".", 1)[-1] for s in stored]
