"""History moves forward per dossier: an older PIAF snapshot never undoes a newer fact.

The expected facts come from the snapshots themselves (what the newest one says), not
from the aggregate's own bookkeeping.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from casetrack.application import DossierTracker, open_dossier
from casetrack.dossier import TOPVIR, Dossier, replay
from casetrack.eventstore import FactsFolder
from casetrack.facts import Snapshot
from tests.strategies import snapshots

D0, D1, D2, D3 = date(2025, 3, 7), date(2025, 3, 14), date(2025, 3, 21), date(2025, 3, 28)
BASE = Snapshot(section="13", prestation="PL", filed_on=date(2025, 3, 3))
LATER = Snapshot(
    section="13",
    prestation="PL",
    filed_on=date(2025, 3, 3),
    first_info_on=date(2025, 3, 4),
    completed_on=date(2025, 3, 12),
    decided_on=date(2025, 3, 13),
    outcome="ACCORD",
    ordered_on=date(2025, 3, 20),
)
TRACKER = DossierTracker("sqlite:///:memory:")


def names(dossier: Dossier) -> list[str]:
    return [type(e).__name__ for e in dossier.collect_events()]


def test_an_older_snapshot_changes_nothing_and_says_it_was_stale() -> None:
    dossier = open_dossier("N1", BASE, D0)
    dossier.record(LATER, D2)
    dossier.collect_events()

    applied = dossier.record(BASE, D1)

    assert applied is False
    assert names(dossier) == []
    assert dossier.facts.completed_on == date(2025, 3, 12)
    assert dossier.facts.ordered_on == date(2025, 3, 20)


def test_a_snapshot_of_the_same_date_as_the_newest_one_applies() -> None:
    dossier = open_dossier("N1", BASE, D1)
    dossier.collect_events()

    applied = dossier.record(LATER, D1)

    assert applied is True
    assert "Completed" in names(dossier)


def test_a_topvir_order_with_a_later_date_does_not_make_an_older_piaf_extract_stale() -> None:
    # TOPVIR is not a PIAF snapshot: the PIAF extract of D1 still applies after a D3 TOPVIR.
    dossier = open_dossier("N1", BASE, D0)
    dossier.record_transfer(date(2025, 3, 25), None, D3)
    dossier.collect_events()

    applied = dossier.record(LATER.__class__(**{**_fields(LATER), "ordered_on": None}), D1)

    assert applied is True
    assert "Completed" in names(dossier)
    assert dossier.snapshot_on == D1


def test_a_topvir_order_older_than_the_newest_snapshot_only_adds_the_earliest_order() -> None:
    dossier = open_dossier("N1", BASE, D2)
    dossier.record_transfer(date(2025, 3, 10), "L1", D1)
    dossier.record_transfer(date(2025, 3, 12), "L2", D3)  # a later order: not replaced

    events = dossier.collect_events()[1:]

    assert [(type(e).__name__, e.ordered_on, e.source) for e in events] == [
        ("PaymentOrdered", date(2025, 3, 10), TOPVIR)
    ]
    assert dossier.facts.ordered_on == date(2025, 3, 10)


def test_a_version_1_payment_event_is_upcast_with_its_source_on_every_read_path() -> None:
    # Version 1 had no `source`: a batch meant TOPVIR, none meant PIAF's DATE_VIREMENT.
    dossier = open_dossier("N1", BASE, D0)
    dossier.record_transfer(date(2025, 3, 25), "L7", D3)
    stored = [TRACKER.mapper.to_stored_event(e) for e in dossier.collect_events()]
    old = json.loads(stored[1].state)
    assert old.pop("class_version") == 2
    assert old.pop("source") == TOPVIR
    stored[1] = stored[1].__class__(
        originator_id=stored[1].originator_id,
        originator_version=stored[1].originator_version,
        topic=stored[1].topic,
        state=json.dumps(old).encode(),
    )

    decoded = [TRACKER.mapper.to_domain_event(s) for s in stored]
    folder = FactsFolder(TRACKER.mapper)
    for s in stored:
        folder.apply(s.originator_id, s.originator_version, s.topic, s.state)
    [folded] = folder.results()
    replayed = replay(decoded)

    assert decoded[1].source == TOPVIR  # type: ignore[attr-defined]
    assert replayed is not None
    assert replayed.snapshot_on == folded.snapshot_on == D0
    assert replayed.facts == folded.facts
    assert folded.facts.ordered_on == date(2025, 3, 25)


def _fields(snapshot: Snapshot) -> dict[str, object]:
    return {a.name: getattr(snapshot, a.name) for a in Snapshot.__attrs_attrs__}


def _expected(snapshot: Snapshot) -> dict[str, object]:
    """The facts a PIAF snapshot states, read off the snapshot itself."""
    return {
        "section": snapshot.section,
        "prestation": snapshot.prestation,
        "filed_on": snapshot.filed_on,
        "first_info_on": snapshot.first_info_on,
        "second_info_on": snapshot.second_info_on,
        "completed_on": snapshot.completed_on,
        "decided_on": snapshot.decided_on,
        "notified_on": snapshot.notified_on,
        "outcome": snapshot.outcome,
        "ordered_on": snapshot.ordered_on,
        "closed": snapshot.closed,
    }


def _facts(dossier: Dossier) -> dict[str, object]:
    f = dossier.facts
    return {
        "section": f.section,
        "prestation": f.prestation,
        "filed_on": f.filed_on,
        "first_info_on": f.first_info_on,
        "second_info_on": f.second_info_on,
        "completed_on": f.completed_on,
        "decided_on": f.decided_on,
        "notified_on": f.notified_on,
        "outcome": f.outcome,
        "ordered_on": f.ordered_on,
        "closed": f.closed_on is not None,
    }


@given(st.lists(snapshots(), min_size=1, max_size=6), st.data())
def test_snapshots_given_in_any_order_never_move_a_dossier_back(
    seq: list[Snapshot], data: st.DataObject
) -> None:
    # Extract i is dated D0 + i weeks; they arrive in any order (reruns, resumed files).
    # Naive model: a snapshot applies unless an applied snapshot that changed something
    # is newer; the facts are then what it says. (Extracts that listed the dossier
    # without a change are remembered by ingestion, not by the aggregate: see
    # tests/integration/test_ingest_rerun.py.)
    dated = [(D0 + timedelta(weeks=i), snapshot) for i, snapshot in enumerate(seq)]
    order = data.draw(st.permutations(dated))
    first_day, first = order[0]
    dossier = open_dossier("N1", first, first_day)
    state, evented = _expected(first), first_day
    for day, snapshot in order[1:]:
        applied = dossier.record(snapshot, day)
        assert applied == (day >= evented)
        if applied and _expected(snapshot) != state:
            state, evented = _expected(snapshot), day

    assert _facts(dossier) == state
    assert dossier.snapshot_on == evented
    known = [vars(e)["known_on"] for e in dossier.collect_events()]
    assert known == sorted(known)
