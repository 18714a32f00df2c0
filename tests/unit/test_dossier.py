"""The Dossier aggregate: snapshots become events only where facts change."""

from __future__ import annotations

from datetime import date

from casetrack.application import open_dossier
from casetrack.dossier import Dossier, dossier_id, replay
from casetrack.facts import Snapshot

K1, K2, K3 = date(2025, 3, 7), date(2025, 3, 14), date(2025, 3, 21)
BASE = Snapshot(section="13", prestation="PL", filed_on=date(2025, 3, 3))


def names(dossier: Dossier) -> list[str]:
    return [type(e).__name__ for e in dossier.collect_events()]


def test_identity_is_derived_from_the_piaf_number() -> None:
    first = open_dossier("2025-13-000001", BASE, K1)
    second = open_dossier("2025-13-000001", BASE, K2)
    assert first.id == second.id == dossier_id("2025-13-000001")
    assert dossier_id("2025-13-000002") != first.id


def test_new_dossier_records_filed_and_each_known_fact() -> None:
    snapshot = Snapshot(
        section="13",
        prestation="PL",
        filed_on=date(2025, 3, 3),
        first_info_on=date(2025, 3, 4),
        completed_on=date(2025, 3, 5),
        decided_on=date(2025, 3, 6),
        outcome="ACCORD",
        ordered_on=date(2025, 3, 7),
    )
    dossier = open_dossier("N1", snapshot, K1)
    assert names(dossier) == [
        "Filed",
        "FirstInfoSent",
        "Completed",
        "DecisionNotified",
        "PaymentOrdered",
    ]


def test_recording_the_same_value_again_emits_nothing() -> None:
    snapshot = BASE.__class__(
        section="13", prestation="PL", filed_on=date(2025, 3, 3), first_info_on=date(2025, 3, 4)
    )
    dossier = open_dossier("N1", snapshot, K1)
    dossier.collect_events()
    dossier.record(snapshot, K2)
    assert names(dossier) == []


def test_a_different_value_is_a_correction_that_keeps_the_old_one() -> None:
    dossier = open_dossier(
        "N1",
        Snapshot(
            section="13", prestation="PL", filed_on=date(2025, 3, 3), first_info_on=date(2025, 3, 4)
        ),
        K1,
    )
    dossier.record(
        Snapshot(
            section="13", prestation="PL", filed_on=date(2025, 3, 3), first_info_on=date(2025, 3, 5)
        ),
        K2,
    )
    events = dossier.collect_events()
    sent = [e for e in events if type(e).__name__ == "FirstInfoSent"]
    assert [(e.sent_on, e.known_on) for e in sent] == [
        (date(2025, 3, 4), K1),
        (date(2025, 3, 5), K2),
    ]
    assert dossier.facts.first_info_on == date(2025, 3, 5)


def test_an_emptied_date_is_a_correction_to_unknown() -> None:
    with_date = Snapshot(
        section="13", prestation="PL", filed_on=date(2025, 3, 3), second_info_on=date(2025, 3, 10)
    )
    dossier = open_dossier("N1", with_date, K1)
    dossier.collect_events()
    dossier.record(BASE, K2)
    events = dossier.collect_events()
    assert [(type(e).__name__, e.fact) for e in events] == [("FactCleared", "second_info")]
    assert dossier.facts.second_info_on is None


def test_facts_out_of_order_are_accepted() -> None:
    backwards = Snapshot(
        section="13",
        prestation="PL",
        filed_on=date(2025, 3, 20),
        first_info_on=date(2025, 3, 1),
        notified_on=date(2025, 2, 1),
        decided_on=date(2025, 2, 1),
        outcome="REJET",
    )
    dossier = open_dossier("N1", backwards, K1)
    assert dossier.facts.notified_on == date(2025, 2, 1)


def test_closure_is_dated_by_the_extract_that_first_reports_it() -> None:
    dossier = open_dossier("N1", BASE, K1)
    closed = Snapshot(section="13", prestation="PL", filed_on=date(2025, 3, 3), closed=True)
    dossier.record(closed, K2)
    dossier.record(closed, K3)
    assert dossier.facts.closed_on == K2
    assert names(dossier).count("Closed") == 1


def test_reopened_dossier_clears_its_closure() -> None:
    closed = Snapshot(section="13", prestation="PL", filed_on=date(2025, 3, 3), closed=True)
    dossier = open_dossier("N1", closed, K1)
    dossier.record(BASE, K2)
    assert dossier.facts.closed_on is None


def test_transfer_order_is_kept_unless_an_earlier_one_is_recorded() -> None:
    dossier = open_dossier("N1", BASE, K1)
    dossier.record_transfer(date(2025, 3, 12), "L1", K2)
    dossier.record_transfer(date(2025, 3, 19), "L2", K3)
    assert (dossier.facts.ordered_on, dossier.facts.batch) == (date(2025, 3, 12), "L1")
    dossier.record_transfer(date(2025, 3, 11), "L0", K3)
    assert (dossier.facts.ordered_on, dossier.facts.batch) == (date(2025, 3, 11), "L0")


def test_piaf_without_transfer_date_keeps_a_topvir_transfer() -> None:
    dossier = open_dossier("N1", BASE, K1)
    dossier.record_transfer(date(2025, 3, 12), "L1", K2)
    dossier.collect_events()
    dossier.record(BASE, K3)
    assert names(dossier) == []
    assert dossier.facts.ordered_on == date(2025, 3, 12)


def test_replay_known_at_hides_facts_learnt_later() -> None:
    dossier = open_dossier("N1", BASE, K1)
    dossier.record(
        Snapshot(
            section="13", prestation="PL", filed_on=date(2025, 3, 3), first_info_on=date(2025, 3, 4)
        ),
        K2,
    )
    events = dossier.collect_events()
    at_k1 = replay(events, K1)
    at_k2 = replay(events, K2)
    assert at_k1 is not None and at_k1.facts.first_info_on is None
    assert at_k2 is not None and at_k2.facts.first_info_on == date(2025, 3, 4)
    assert replay(events, date(2025, 3, 6)) is None


def test_piaf_transfer_date_later_than_an_earlier_topvir_order_keeps_the_topvir_one() -> None:
    later = Snapshot(
        section="13", prestation="PL", filed_on=date(2025, 3, 3), ordered_on=date(2025, 3, 20)
    )
    dossier = open_dossier("N1", later, K1)
    dossier.record_transfer(date(2025, 3, 12), "L1", K2)
    dossier.collect_events()
    dossier.record(later, K3)
    assert names(dossier) == []
    assert (dossier.facts.ordered_on, dossier.facts.batch) == (date(2025, 3, 12), "L1")


def test_piaf_transfer_date_earlier_than_topvir_replaces_it() -> None:
    dossier = open_dossier("N1", BASE, K1)
    dossier.record_transfer(date(2025, 3, 12), "L1", K2)
    earlier = Snapshot(
        section="13", prestation="PL", filed_on=date(2025, 3, 3), ordered_on=date(2025, 3, 10)
    )
    dossier.record(earlier, K3)
    assert (dossier.facts.ordered_on, dossier.facts.batch) == (date(2025, 3, 10), None)
