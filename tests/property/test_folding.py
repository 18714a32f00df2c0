"""Folding stored states directly gives the facts the aggregate gives, known-at included."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from casetrack.application import DossierTracker, open_dossier
from casetrack.dossier import Dossier, replay
from casetrack.eventstore import FactsFolder
from casetrack.facts import Snapshot
from tests.strategies import dates, snapshots

TRACKER = DossierTracker("sqlite:///:memory:")
START = date(2025, 1, 3)
transfers = st.lists(st.tuples(dates, st.sampled_from(["L1", "L2", None])), max_size=2)


def dossier_from(seq: list[Snapshot], moves: list[tuple[date, str | None]]) -> Dossier:
    dossier = open_dossier("N", seq[0], START)
    for week, snapshot in enumerate(seq[1:], start=1):
        dossier.record(snapshot, START + timedelta(weeks=week))
        if week - 1 < len(moves):
            ordered_on, batch = moves[week - 1]
            dossier.record_transfer(ordered_on, batch, START + timedelta(weeks=week))
    return dossier


@given(st.lists(snapshots(), min_size=1, max_size=5), transfers, st.integers(-1, 6))
def test_stored_state_fold_equals_the_aggregate_replay(
    seq: list[Snapshot], moves: list[tuple[date, str | None]], week: int
) -> None:
    events = dossier_from(seq, moves).collect_events()
    stored = [TRACKER.mapper.to_stored_event(e) for e in events]
    known_at = START + timedelta(weeks=week)
    folder = FactsFolder(TRACKER.mapper, known_at)
    for s in stored:
        folder.apply(s.originator_id, s.originator_version, s.topic, s.state)
    expected = replay(events, known_at)
    results = list(folder.results())
    if expected is None:
        assert results == []
        return
    [folded] = results
    assert (folded.ident, folded.facts, folded.known_on, folded.snapshot_on, folded.version) == (
        expected.id,
        expected.facts,
        expected.known_on,
        expected.snapshot_on,
        expected.version,
    )
