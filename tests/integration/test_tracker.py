"""The application on a real store: replay from the database equals the live object."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from casetrack.application import DossierTracker, open_dossier
from casetrack.facts import Snapshot
from casetrack.measures import measure_all
from tests.examples import scaled
from tests.strategies import snapshots

START = date(2025, 1, 3)


def test_replay_from_the_store_equals_the_live_dossier(db_url: str) -> None:
    tracker = DossierTracker(db_url)
    snapshot = Snapshot(
        section="PC",
        prestation="CSP",
        filed_on=date(2024, 12, 23),
        first_info_on=date(2024, 12, 24),
        second_info_on=date(2025, 1, 6),
    )
    live = open_dossier("N-1", snapshot, START)
    tracker.save(live)
    reopened = DossierTracker(db_url)
    assert reopened.facts("N-1") == live.facts
    # 24 Dec (Tue) -> 26, 27, 30, 31 Dec, 2, 3, 6 Jan: 7 working days, met.
    [m19] = reopened.measures("N-1", date(2025, 2, 1))
    assert (m19.engagement, m19.elapsed, str(m19.status)) == (19, 7, "met")


def test_unchanged_snapshot_writes_no_event(db_url: str) -> None:
    tracker = DossierTracker(db_url)
    snapshot = Snapshot(section="05", prestation="PL", filed_on=date(2025, 1, 2))
    assert tracker.record("N-2", snapshot, START) == 1
    assert tracker.record("N-2", snapshot, START + timedelta(weeks=1)) == 0
    assert len(tracker.history("N-2")) == 1


def test_transfer_for_an_unknown_dossier_is_refused(db_url: str) -> None:
    tracker = DossierTracker(db_url)
    try:
        tracker.record_transfer("NOPE", date(2025, 1, 2), "L1", START)
    except KeyError as exc:
        assert "NOPE" in str(exc)
    else:
        raise AssertionError("a transfer for an unknown dossier must be refused")


@settings(max_examples=scaled(0.4))
@given(st.lists(snapshots(), min_size=1, max_size=4), st.integers(0, 4))
def test_replayed_state_and_measures_equal_the_live_ones(
    tmp_path_factory: object, seq: list[Snapshot], known_week: int
) -> None:
    path = tmp_path_factory.mktemp("replay") / "store.sqlite"  # type: ignore[attr-defined]
    tracker = DossierTracker(f"sqlite:///{path}")
    live = open_dossier("N", seq[0], START)
    for week, snapshot in enumerate(seq[1:], start=1):
        live.record(snapshot, START + timedelta(weeks=week))
    tracker.save(live)
    stored = DossierTracker(f"sqlite:///{path}")
    as_of = date(2026, 6, 30)
    assert stored.facts("N") == live.facts
    assert stored.measures("N", as_of) == measure_all(
        live.facts, stored.rule_set, stored.calendar, as_of
    )
    known_at = START + timedelta(weeks=known_week)
    assert [f.number for f in stored.all_facts(known_at)] == ["N"]
