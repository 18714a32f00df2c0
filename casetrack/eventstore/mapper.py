"""casetrack's mapper: eventsourcing's own `Mapper`, plus the decoding a bulk fold needs.

The application is built with this mapper (`DossierTracker.construct_mapper`), so
`app.save()`, the repository, the bulk folds and the fast encoding of new dossiers all
share one transcoder, compressor and cipher. Decoding for a fold differs from the
library's `to_domain_event` only in what it returns: the event's class and attributes,
not an event object, which a fold of a million events does not need.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, MapperDeserialisationError
from eventsourcing.utils import resolve_topic


class DossierMapper(Mapper[UUID]):
    """The library's mapper, with `event_state` for folds that need no event objects."""

    def event_state(self, topic: str, stored_state: bytes) -> tuple[type, dict[str, Any]]:
        """The class and attributes of a stored event, as `to_domain_event` makes them.

        Same steps, same order: decrypt, decompress, decode with the application's
        transcoder (so a new payload type needs only its transcoding registered), then
        upcast with the class's `upcast_vN_vM` methods up to its `class_version`, read
        now (never frozen), as the library reads it.
        """
        cls: type = resolve_topic(topic)
        try:
            if self.cipher:
                stored_state = self.cipher.decrypt(stored_state)
            if self.compressor:
                stored_state = self.compressor.decompress(stored_state)
            state: dict[str, Any] = self.transcoder.decode(stored_state)
        except Exception as error:
            # The library's wording: an encrypted store read without its key (or with
            # another one) fails here, and the command line explains that.
            msg = f"Failed to deserialise state of stored event with topic {topic!r}: {error}"
            raise MapperDeserialisationError(msg) from error
        current = getattr(cls, "class_version", 1)
        version = state.pop("class_version", 1)
        while version < current:
            getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        return cls, state
