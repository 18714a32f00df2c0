"""The declared table of dossier events matches the aggregate's event classes, both ways."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from adapters.eventlog_activities import ACTIVITIES
from casetrack.dossier import PIAF, Dossier, class_versions
from casetrack.event_kinds import CLEARABLE, CREATED, EVENT_KINDS, KINDS
from casetrack.facts import Facts

FILED_ON = date(2025, 3, 3)
LATER = date(2025, 3, 10)
KNOWN_ON = date(2025, 3, 12)

#: A payload per triggered event, written here independently of the table.
PAYLOADS: dict[str, dict[str, Any]] = {
    "FilingCorrected": {"section": "S2", "prestation": "P2", "filed_on": LATER},
    "FirstInfoSent": {"sent_on": LATER},
    "SecondInfoSent": {"sent_on": LATER},
    "Completed": {"completed_on": LATER},
    "DecisionNotified": {"decided_on": LATER, "notified_on": LATER, "outcome": "ACCORD"},
    "PaymentOrdered": {"ordered_on": LATER, "batch": "L1", "source": PIAF},
    "Closed": {},
    "FactCleared": {"fact": "first_info"},
}


def filed() -> Dossier:
    return Dossier("2025-0001", "S1", "P1", FILED_ON, KNOWN_ON)


def test_every_dossier_event_class_has_exactly_one_row_and_every_row_a_class() -> None:
    names = [kind.name for kind in EVENT_KINDS]
    assert len(names) == len(set(names))
    # eventsourcing also nests the base classes Event and Created in every aggregate.
    assert set(names) == set(class_versions()) - {"Event", "Created"}


def test_the_created_event_is_the_aggregates_creation_and_has_no_trigger() -> None:
    assert issubclass(getattr(Dossier, CREATED), Aggregate.Created)
    assert [kind.name for kind in EVENT_KINDS if kind.trigger is None] == [CREATED]
    assert type(filed().collect_events()[0]).__name__ == CREATED


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_each_trigger_emits_its_own_event(name: str) -> None:
    dossier = filed()
    trigger = KINDS[name].trigger
    assert trigger is not None
    getattr(dossier, trigger)(**PAYLOADS[name], known_on=KNOWN_ON)
    assert type(dossier.collect_events()[-1]).__name__ == name


@pytest.mark.parametrize("name", sorted(set(PAYLOADS) - {"FactCleared"}))
def test_each_event_sets_the_facts_fields_its_row_declares(name: str) -> None:
    dossier = filed()
    payload = {**PAYLOADS[name], "known_on": KNOWN_ON}
    getattr(dossier, str(KINDS[name].trigger))(**payload)
    for source, target in KINDS[name].sets.items():
        assert getattr(dossier.facts, target) == payload[source]


def test_declared_facts_fields_exist_and_every_clearable_fact_can_be_cleared() -> None:
    fields = {a.name for a in Facts.__attrs_attrs__}
    assert {target for kind in EVENT_KINDS for target in kind.sets.values()} <= fields
    assert {field for kind in EVENT_KINDS if kind.replaces for field in [kind.replaces]} <= fields
    for fact, cleared in CLEARABLE.items():
        dossier = filed()
        getattr(dossier, str(KINDS["FactCleared"].trigger))(fact=fact, known_on=KNOWN_ON)
        assert all(getattr(dossier.facts, field) is None for field in cleared)


def test_every_dated_fact_an_event_sets_is_an_activity_of_the_event_log() -> None:
    watched = {field for activity in ACTIVITIES for field in activity.fields}
    dated = {target for kind in EVENT_KINDS for target in kind.sets.values()}
    # The number names the case, and a batch only tells a TOPVIR transfer from PIAF's.
    assert dated - {"number", "batch"} == watched
