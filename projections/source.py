"""Where a read command's clocks come from. Reads never write: no catch-up, no rebuild.

The read models answer when they were computed with the rule set and calendar asked
(a lag behind the event store is said on stderr, with the command that closes it).
"As known at K" is answered from the version rows (`measure_version`, `dossier_version`)
when they hold every stored event; otherwise, and with another rule set or calendar, the
events known by K are replayed from the event store, as `reaudit --rules` does, and
stderr says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from attrs import frozen

from adapters.sql_engine import engine_for
from casetrack.application import DossierTracker
from casetrack.clocks import Clock, clock_of
from casetrack.facts import Facts
from casetrack.reporting import ReportBuilder
from casetrack.rules import RuleSet
from projections import queries
from projections.report_cells import fold_cells
from projections.runner import ModelState, ReadModels

#: (dossier number, section, prestation, clock), by dossier then engagement.
ClockRow = tuple[str, str, str, Clock]

REBUILD_HINT = "run `casetrack project` (a writing job) to bring them in line"


class StoredRows(list[ClockRow]):
    """The clock rows of the read models, read on first use.

    A report's figures do not need them one by one: `fold_into` has the database group
    them (projections.report_cells), which at a year's size is what keeps a report fast.
    """

    def __init__(
        self,
        tracker: DossierTracker,
        *,
        known_at: date | None,
        engagement: int | None,
        prestation: str | None,
        applicable_only: bool,
    ) -> None:
        super().__init__()
        self.url = tracker.database.url
        self.known_at = known_at
        self.filters = (engagement, prestation, applicable_only)
        self.version_starts = [v.effective_from for v in tracker.rule_set.all_versions[1:]]
        self._loaded = False

    def load(self) -> StoredRows:
        """Read the rows, once."""
        if not self._loaded:
            self._loaded = True
            engagement, prestation, applicable_only = self.filters
            self.extend(
                queries.clocks(
                    self.url,
                    engagement=engagement,
                    prestation=prestation,
                    applicable_only=applicable_only,
                    known_at=self.known_at,
                )
            )
        return self

    def __iter__(self) -> Iterator[ClockRow]:
        return list.__iter__(self.load())

    def __len__(self) -> int:
        return list.__len__(self.load())

    def __getitem__(self, index: Any) -> Any:
        return list.__getitem__(self.load(), index)

    def __bool__(self) -> bool:
        return len(self) > 0

    def fold_into(self, builder: ReportBuilder) -> None:
        """Count the clocks into a report builder, grouped by the database."""
        with engine_for(self.url).connect() as conn:
            fold_cells(conn, builder, self.known_at, self.version_starts)


@frozen
class ClockSource:
    """The clocks a read command folds, where they come from, and what to tell the user."""

    rows: list[ClockRow]
    origin: str
    #: A line for stderr when the answer did not come from current read models.
    note: str | None = None


def read_clocks(
    tracker: DossierTracker,
    *,
    known_at: date | None = None,
    custom_rules: bool = False,
    engagement: int | None = None,
    prestation: str | None = None,
    applicable_only: bool = True,
) -> ClockSource:
    """The clocks of every dossier (filtered), from the read models when they can answer."""
    if known_at is not None:
        return _clocks_known_at(
            tracker, known_at, custom_rules, engagement, prestation, applicable_only
        )
    if custom_rules:
        rows = event_store_rows(tracker, tracker.rule_set, tracker.all_facts())
        return ClockSource(_filtered(rows, engagement, prestation, applicable_only), "event store")
    state = ReadModels(tracker).state()
    if not state.usable:
        rows = event_store_rows(tracker, tracker.rule_set, tracker.all_facts())
        why = f"{state.why}: computed from the event store instead; {REBUILD_HINT}"
        return ClockSource(
            _filtered(rows, engagement, prestation, applicable_only), "event store", why
        )
    found = StoredRows(
        tracker,
        known_at=None,
        engagement=engagement,
        prestation=prestation,
        applicable_only=applicable_only,
    )
    return ClockSource(found, "read models", _lag(state))


def _clocks_known_at(
    tracker: DossierTracker,
    known_at: date,
    custom_rules: bool,
    engagement: int | None,
    prestation: str | None,
    applicable_only: bool,
) -> ClockSource:
    """The clocks known at K: the version rows when they hold all events, with this rule
    set and calendar; else a replay of the events known by K (the rows' oracle)."""
    day = known_at.isoformat()
    state = ReadModels(tracker).state()
    if custom_rules or not state.usable or state.behind:
        rows = event_store_rows(tracker, tracker.rule_set, tracker.all_facts(known_at))
        origin = f"event store, facts known at {day}"
        why = None if custom_rules else _replayed(state)
        return ClockSource(_filtered(rows, engagement, prestation, applicable_only), origin, why)
    found = StoredRows(
        tracker,
        known_at=known_at,
        engagement=engagement,
        prestation=prestation,
        applicable_only=applicable_only,
    )
    return ClockSource(found, f"read models, facts known at {day}", _lag(state))


def known_facts(
    tracker: DossierTracker, known_at: date, number: str | None = None
) -> tuple[list[Facts], str | None] | None:
    """The `casetrack.known_facts` hook: facts known at K from `dossier_version`.

    None when the read models cannot answer exactly (never built, of an older schema or
    another rule set or calendar, or behind the event store): the core then replays the
    events known by K, which gives what the rows give once caught up.
    """
    if not read_models_answer(tracker):
        return None
    return queries.facts_known_at(tracker.database.url, known_at, number), None


def read_models_answer(tracker: DossierTracker) -> bool:
    """Whether the read models hold every stored event, computed with this rule set and
    calendar: then their rows give exactly what a replay gives."""
    state = ReadModels(tracker).state()
    return state.usable and not state.behind


def _replayed(state: ModelState) -> str | None:
    """The note on a known-at answer replayed because the version rows could not give it."""
    if state.usable and state.behind:
        return (
            f"the read models are {state.behind:,} events behind the event store: the facts "
            f"known then were replayed from the event store instead; {REBUILD_HINT}"
        )
    return None


def _lag(state: ModelState) -> str | None:
    """The note on a lag behind the event store, if any."""
    if not state.behind:
        return None
    return (
        f"the read models are {state.behind:,} events behind the event store (they "
        f"answer as of the extract of {_day(state.as_of)}); {REBUILD_HINT}"
    )


def event_store_rows(
    tracker: DossierTracker, rule_set: RuleSet, all_facts: Iterable[Facts]
) -> Iterator[ClockRow]:
    """(dossier, section, prestation, clock) of every engagement of every dossier."""
    for facts in all_facts:
        for engagement in rule_set.ordered:
            clock = clock_of(facts, engagement, tracker.calendar)
            yield facts.number, facts.section, facts.prestation, clock


def _filtered(
    rows: Iterable[ClockRow],
    engagement: int | None,
    prestation: str | None,
    applicable_only: bool,
) -> list[ClockRow]:
    return [
        row
        for row in rows
        if (engagement is None or row[3].engagement == engagement)
        and (prestation is None or row[2] == prestation)
        and (row[3].applicable or not applicable_only)
    ]


def _day(value: date | None) -> str:
    return value.isoformat() if value else "(none)"
