"""A naive event log of a store, from its raw stored rows, written from docs/eventlog.md.

Independent of the export: the rows are read with SQL (`raw_events`), their JSON decoded
by hand, and each stored event applied to a plain dict of facts by the rules the docs give
(measures.md for what each event records, eventlog.md for activities and changes).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any, NamedTuple

from tests.integration.ingest_helpers import raw_events

DOSSIER_TOPIC = "casetrack.dossier:Dossier."
#: What each stored event sets: its payload field -> the fact it gives.
SETS = {
    "Filed": {"section": "section", "prestation": "prestation", "filed_on": "filed_on"},
    "FilingCorrected": {"section": "section", "prestation": "prestation", "filed_on": "filed_on"},
    "FirstInfoSent": {"sent_on": "first_info_on"},
    "SecondInfoSent": {"sent_on": "second_info_on"},
    "Completed": {"completed_on": "completed_on"},
    "DecisionNotified": {
        "decided_on": "decided_on", "notified_on": "notified_on", "outcome": "outcome"
    },
    "PaymentOrdered": {"ordered_on": "ordered_on"},
}  # fmt: skip
#: What `FactCleared` empties, by its `fact`.
CLEARS = {
    "first_info": ["first_info_on"],
    "second_info": ["second_info_on"],
    "completed": ["completed_on"],
    "decision": ["decided_on", "notified_on", "outcome"],
    "payment": ["ordered_on"],
    "closed": ["closed_on"],
}
#: eventlog.md's activities: the dated fact first, then what else a correction may change.
ACTIVITIES = {
    "filed": ["filed_on", "section", "prestation"],
    "first_info": ["first_info_on"],
    "second_info": ["second_info_on"],
    "completed": ["completed_on"],
    "decided": ["decided_on", "outcome"],
    "notified": ["notified_on"],
    "ordered": ["ordered_on"],
    "closed": ["closed_on"],
}

Key = tuple[str, str, str]  # (dossier, fact, change)


class NaiveLog(NamedTuple):
    """What the event log of a store must hold, counted."""

    cases: int
    #: `--history`: events per (dossier, fact, change).
    history: Counter[Key]
    #: The default log: the same for the facts in force.
    current: Counter[Key]


def _value(raw: Any) -> Any:
    if isinstance(raw, dict) and raw.get("_type_") == "date_iso":
        return date.fromisoformat(raw["_data_"])
    return raw


def _activity(facts: dict[str, Any], fact: str) -> tuple[Any, ...] | None:
    fields = ACTIVITIES[fact]
    if facts.get(fields[0]) is None:
        return None  # no date, no event
    return tuple(facts.get(name) for name in fields)


def naive_log(url: str, known_at: date | None = None) -> NaiveLog:
    """Fold the store's raw dossier events, keeping those known on or before `known_at`."""
    dossiers: dict[str, dict[str, Any]] = {}
    history: Counter[Key] = Counter()
    last: dict[tuple[str, str], str] = {}  # (dossier, fact) -> its latest change
    for ident, _, topic, state in raw_events(url):
        if not topic.startswith(DOSSIER_TOPIC):
            continue
        name = topic.removeprefix(DOSSIER_TOPIC)
        payload = {key: _value(raw) for key, raw in json.loads(state).items()}
        if known_at is not None and payload["known_on"] > known_at:
            continue
        if ident not in dossiers:
            if name != "Filed":
                continue  # a dossier is known from its filing on
            dossiers[ident] = {"number": payload["number"]}
        facts = dossiers[ident]
        before = dict(facts)
        if name == "Closed":
            facts["closed_on"] = payload["known_on"]  # the extract that reported CLASSE
        elif name == "FactCleared":
            facts.update(dict.fromkeys(CLEARS[payload["fact"]]))
        else:
            facts.update({fact: payload[field] for field, fact in SETS[name].items()})
        for fact in ACTIVITIES:
            old, new = _activity(before, fact), _activity(facts, fact)
            if old == new:
                continue
            change = "cleared" if new is None else "recorded" if old is None else "corrected"
            history[(facts["number"], fact, change)] += 1
            last[(facts["number"], fact)] = change
    current = Counter(
        (number, fact, change) for (number, fact), change in last.items() if change != "cleared"
    )
    return NaiveLog(len(dossiers), history, current)
