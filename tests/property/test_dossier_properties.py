"""Properties of dossier streams: idempotence, order independence, known-at filtering."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from casetrack.application import open_dossier
from casetrack.dossier import Dossier, known_on_of, replay
from casetrack.facts import Facts, Snapshot
from tests.strategies import snapshots

START = date(2025, 1, 3)


def facts_of(number: str, snapshot: Snapshot, closed_on: date | None) -> Facts:
    """What a snapshot says, as Facts: written out independently of the aggregate."""
    return Facts(
        number=number,
        section=snapshot.section,
        prestation=snapshot.prestation,
        filed_on=snapshot.filed_on,
        first_info_on=snapshot.first_info_on,
        second_info_on=snapshot.second_info_on,
        completed_on=snapshot.completed_on,
        decided_on=snapshot.decided_on,
        notified_on=snapshot.notified_on,
        outcome=snapshot.outcome,
        ordered_on=snapshot.ordered_on,
        batch=None,
        closed_on=closed_on,
    )


def expected_closed_on(seq: list[Snapshot], upto: int) -> date | None:
    """The extraction date that first reported the closure still in force at week `upto`."""
    closed_on: date | None = None
    for week, snapshot in enumerate(seq[: upto + 1]):
        if not snapshot.closed:
            closed_on = None
        elif closed_on is None:
            closed_on = START + timedelta(weeks=week)
    return closed_on


def ingest(sequence: list[Snapshot]) -> Dossier:
    """Record snapshots as weekly extracts, one week apart."""
    dossier = open_dossier("N", sequence[0], START)
    for week, snapshot in enumerate(sequence[1:], start=1):
        dossier.record(snapshot, START + timedelta(weeks=week))
    return dossier


def stream(dossier: Dossier) -> list[tuple[str, dict[str, object]]]:
    return [
        (type(e).__name__, {k: v for k, v in vars(e).items() if k != "timestamp"})
        for e in dossier.collect_events()
    ]


@given(st.lists(snapshots(), min_size=1, max_size=5))
def test_recording_the_same_facts_twice_gives_the_same_stream(seq: list[Snapshot]) -> None:
    once = ingest(seq)
    twice = open_dossier("N", seq[0], START)
    twice.record(seq[0], START)
    for week, snapshot in enumerate(seq[1:], start=1):
        twice.record(snapshot, START + timedelta(weeks=week))
        twice.record(snapshot, START + timedelta(weeks=week))
    assert stream(once) == stream(twice)


@given(st.lists(snapshots(), min_size=0, max_size=4), snapshots(), st.randoms())
def test_same_final_facts_in_any_order_give_the_same_latest_state(
    earlier: list[Snapshot], final: Snapshot, rnd: object
) -> None:
    shuffled = list(earlier)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a = ingest([*earlier, final])
    b = ingest([*shuffled, final])
    assert a.facts.replace(closed_on=None) == b.facts.replace(closed_on=None)
    assert a.facts.replace(closed_on=None) == facts_of("N", final, None)
    assert (a.facts.closed_on is None) == (not final.closed)
    assert a.facts.closed_on == expected_closed_on([*earlier, final], len(earlier))


@given(st.lists(snapshots(), min_size=1, max_size=6), st.integers(min_value=-1, max_value=7))
def test_known_at_hides_exactly_the_facts_known_after_k(seq: list[Snapshot], week: int) -> None:
    events = ingest(seq).collect_events()
    known_at = START + timedelta(weeks=week)
    shown = replay(events, known_at)
    if week < 0:
        assert shown is None
        return
    # Independently: the state at K is the last snapshot recorded on or before K.
    upto = min(week, len(seq) - 1)
    assert shown is not None
    assert shown.facts == facts_of("N", seq[upto], expected_closed_on(seq, upto))
    hidden = [e for e in events if known_on_of(e) > known_at]
    assert shown.version == len(events) - len(hidden)
