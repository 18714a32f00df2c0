"""The dossier events, declared once: name, trigger, fact, effect on the facts, label."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from attrs import frozen


@frozen
class EventKind:
    """One kind of dossier event, as every module that reads or writes it names it."""

    #: The event class's name in `Dossier`, and the end of its stored topic.
    name: str
    #: The fact it records, as a history groups lines: `filing`, `first_info`, ...
    fact: str
    #: The French label of that fact in a history.
    label: str
    #: Event payload field -> the Facts field it sets (FactCleared's are in `clears`).
    sets: Mapping[str, str]
    #: The `Dossier` method that emits it; None for `Filed`, the aggregate's creation.
    trigger: str | None
    #: The Facts field whose value, once recorded, makes a new event a correction.
    replaces: str | None = None
    #: Whether it always corrects a recorded value (a re-filing, an emptied date).
    corrects: bool = False
    #: Whether PIAF can withdraw its fact (a date emptied), with `FactCleared`.
    clearable: bool = False


#: In life-cycle order. FactCleared takes its fact and label from the fact it clears.
EVENT_KINDS: Final = (
    EventKind(
        "Filed",
        "filing",
        "Dépôt",
        {
            "number": "number",
            "section": "section",
            "prestation": "prestation",
            "filed_on": "filed_on",
        },
        trigger=None,
    ),
    EventKind(
        "FilingCorrected",
        "filing",
        "Dépôt",
        {"section": "section", "prestation": "prestation", "filed_on": "filed_on"},
        trigger="_filing_corrected",
        corrects=True,
    ),
    EventKind(
        "FirstInfoSent",
        "first_info",
        "Première info",
        {"sent_on": "first_info_on"},
        trigger="_first_info_sent",
        replaces="first_info_on",
        clearable=True,
    ),
    EventKind(
        "SecondInfoSent",
        "second_info",
        "Deuxième info",
        {"sent_on": "second_info_on"},
        trigger="_second_info_sent",
        replaces="second_info_on",
        clearable=True,
    ),
    EventKind(
        "Completed",
        "completed",
        "Dossier complet",
        {"completed_on": "completed_on"},
        trigger="_completed",
        replaces="completed_on",
        clearable=True,
    ),
    EventKind(
        "DecisionNotified",
        "decision",
        "Décision",
        {"decided_on": "decided_on", "notified_on": "notified_on", "outcome": "outcome"},
        trigger="_decision_notified",
        replaces="outcome",
        clearable=True,
    ),
    EventKind(
        "PaymentOrdered",
        "payment",
        "Virement",
        {"ordered_on": "ordered_on", "batch": "batch"},
        trigger="_payment_ordered",
        replaces="ordered_on",
        clearable=True,
    ),
    # measures.md: a Closed fact is dated by the extraction date that first reported CLASSE.
    EventKind(
        "Closed",
        "closed",
        "Classement sans suite",
        {"known_on": "closed_on"},
        trigger="_closed",
        clearable=True,
    ),
    EventKind("FactCleared", "", "", {}, trigger="_fact_cleared", corrects=True),
)

#: Event name -> its kind.
KINDS: Final = {kind.name: kind for kind in EVENT_KINDS}
#: The event that creates a dossier: a stream starts with it.
CREATED: Final = "Filed"
#: The event that empties a clearable fact.
CLEARED: Final = "FactCleared"
#: Facts that can be withdrawn (a date emptied in PIAF), with the Facts fields they clear.
CLEARABLE: Final[dict[str, tuple[str, ...]]] = {
    kind.fact: tuple(kind.sets.values()) for kind in EVENT_KINDS if kind.clearable
}
#: Clearable fact -> its French label.
CLEARED_LABELS: Final = {kind.fact: kind.label for kind in EVENT_KINDS if kind.clearable}
