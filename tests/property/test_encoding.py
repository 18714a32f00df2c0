"""The fast encoding of new dossiers stores exactly what the aggregate path stores."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from casetrack.application import DossierTracker, open_dossier
from casetrack.encoding import NewDossierEncoder
from casetrack.facts import Snapshot
from tests.strategies import snapshots

TRACKER = DossierTracker("sqlite:///:memory:")
STAMP = datetime(2025, 3, 14, 17, 30, tzinfo=UTC)
numbers = st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != "")


def without_timestamp(state: bytes) -> dict[str, object]:
    decoded = json.loads(state)
    decoded.pop("timestamp")
    return decoded


@given(numbers, snapshots())
def test_fast_encoding_equals_the_aggregate_path(number: str, snapshot: Snapshot) -> None:
    known_on = date(2025, 3, 14)
    slow = [
        TRACKER.mapper.to_stored_event(e)
        for e in open_dossier(number, snapshot, known_on).collect_events()
    ]
    fast = NewDossierEncoder(TRACKER.mapper).encode(number, snapshot, known_on, STAMP)
    assert [(s.originator_id, s.originator_version, s.topic) for s in fast] == [
        (s.originator_id, s.originator_version, s.topic) for s in slow
    ]
    assert [without_timestamp(s.state) for s in fast] == [without_timestamp(s.state) for s in slow]
    decoded = [TRACKER.mapper.to_domain_event(s) for s in fast]
    assert all(e.timestamp == STAMP for e in decoded)
