"""Facts as known at a date, from wherever they are kept: read models first, else a replay.

The domain core imports no SQL. Read models that keep every version of every dossier
(the `projections` package) plug in through the `casetrack.known_facts` entry point; a
hook answers None when its rows cannot answer (never built, older schema), and the
events known by then are replayed instead, which gives the same facts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from importlib.metadata import entry_points
from typing import Final

from casetrack.application import DossierTracker
from casetrack.facts import Facts

#: Entry-point group of the hooks: (tracker, known_at, number or None) ->
#: (facts by number, a remark for stderr or None), or None when they cannot answer.
KNOWN_FACTS_GROUP: Final = "casetrack.known_facts"


def facts_known_at(
    tracker: DossierTracker,
    known_at: date,
    number: str | None = None,
    note: Callable[[str], None] | None = None,
) -> list[Facts]:
    """The facts known at `known_at` of every dossier (or of `number`), by number."""
    for hook in entry_points(group=KNOWN_FACTS_GROUP):
        found = hook.load()(tracker, known_at, number)
        if found is not None:
            facts, remark = found
            if remark and note is not None:
                note(remark)
            return list(facts)
    if number is None:
        return list(tracker.all_facts(known_at))
    one = tracker.facts(number, known_at)
    return [] if one is None else [one]
