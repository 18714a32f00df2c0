"""The event-store boundary: the one package that knows how dossier events are stored.

- `mapper`: the application's eventsourcing `Mapper`, which decodes and upcasts a
  stored event for folds without building the event object;
- `transcodings`: the payload types beyond JSON's own (a calendar date);
- `encoding`: the stored events of a new dossier, written as the mapper writes them;
- `folding`: many dossiers' facts folded from their stored events;
- `records`: the recorder's rows: bulk insert, the streams of many dossiers, the
  notification log, and the table's name.

Every other module reads and writes events through these, the application's
repository, or its notification log; docs/events.md says how to change an event.
"""

from casetrack.eventstore.encoding import NewDossierEncoder, event_names
from casetrack.eventstore.folding import (
    FactsFolder,
    Folded,
    KnownVersion,
    is_dossier_topic,
    stream_versions,
)
from casetrack.eventstore.mapper import DossierMapper
from casetrack.eventstore.records import (
    SQLITE_EVENTS_TABLE,
    events_table_of,
    insert_stored_events,
    iter_notifications,
    select_streams,
)
from casetrack.eventstore.transcodings import register_transcodings

__all__ = [
    "SQLITE_EVENTS_TABLE",
    "DossierMapper",
    "FactsFolder",
    "Folded",
    "KnownVersion",
    "NewDossierEncoder",
    "event_names",
    "events_table_of",
    "insert_stored_events",
    "is_dossier_topic",
    "iter_notifications",
    "register_transcodings",
    "select_streams",
    "stream_versions",
]
