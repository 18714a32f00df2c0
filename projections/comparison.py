"""`reaudit --compare`: a period's figures as known at K beside those known now, and what changed.

When the read models hold every stored event, the database answers: the figures from the
versions known at K and the report cells, the changed measures from one join of both sides
(projections.comparison_rows). Otherwise (or with --rules) both sides are folded from one
read of the event store, which is also the tests' oracle. Each side is evaluated at its own
date: the figures known at K at the query's `as_of` (default K), the figures known now at the
latest extraction date, as measures.md's "Known at (re-audit)" compares them.

A measure is *changed* when its status differs between the two sides, each side evaluated
at min(--to, its evaluation date), and it belongs to the period on at least one side: it
stopped (met, breached, invalid) with its stop date in --from..--to, or it was open
(pending, overdue) on that side's evaluation day. A clock not started on a side has no
status there (None: empty in CSV, null in JSON).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from attrs import evolve, frozen

from adapters.sql_engine import engine_for
from casetrack.application import DossierTracker
from casetrack.facts import Facts, sector_of
from casetrack.report_words import NOT_STARTED, STATUS_WORDS
from casetrack.reporting import KEYS, LABELS, ReportQuery, build_report
from projections import cli_constants
from projections.comparison_rows import SideElapsed, changed_rows, wanted
from projections.comparison_sides import (
    FIGURE_COLUMNS,
    SIDES,
    ComparedRow,
    elapsed_at,
    in_period,
    side_by_side,
)
from projections.reports import Triple, clocks_of
from projections.rows import day_value
from projections.source import StoredRows, read_models_answer

# The side-by-side rules live in projections.comparison_sides (restatements share them);
# the renderers import them from here, as they always have.
__all__ = [
    "CHANGE_COLUMNS",
    "CHANGE_LABELS",
    "COMPARE_KEYS",
    "FIGURE_COLUMNS",
    "SIDES",
    "SIDE_LABELS",
    "STATUS_LABELS",
    "ComparedRow",
    "Comparison",
    "StatusChange",
    "compare",
    "figure_label",
    "side_by_side",
    "status_changes",
]

#: Grouping of the figures when --compare is given without --by.
COMPARE_KEYS: Final = ("engagement", "section")
#: Columns of the changed measures (CSV --changes, JSON "changes"), a public interface,
#: defined where the parser reads them without loading this module.
CHANGE_COLUMNS: Final = cli_constants.CHANGE_COLUMNS
#: French words of the sides, in headers such as "Mesurés (K)".
SIDE_LABELS: Final = {"known_at": "K", "now": "maintenant"}
#: French headers of the changed measures (the PIAF section, as the worklist calls it).
CHANGE_LABELS: Final = {
    "dossier": "Dossier",
    "section": "Section",
    "prestation": "Prestation",
    "engagement": LABELS["engagement"],
    "status_known_at": "Statut (K)",
    "status_now": "Statut (maintenant)",
    "elapsed_known_at": "Délai (K)",
    "elapsed_now": "Délai (maintenant)",
    "stop_known_at": "Arrêt (K)",
    "stop_now": "Arrêt (maintenant)",
}
#: Statuses as the French outputs write them (casetrack.report_words), None: not started.
STATUS_LABELS: Final[dict[str | None, str]] = {None: NOT_STARTED}
STATUS_LABELS.update(STATUS_WORDS)


def figure_label(figure: str, side: str) -> str:
    """French header of one side of a figure: "Mesurés (K)", "Taux (maintenant)"."""
    return f"{LABELS[figure]} ({SIDE_LABELS[side]})"


@frozen
class StatusChange:
    """A measure of the period whose status known at K differs from its status known now."""

    dossier: str
    section: str
    prestation: str
    engagement: int
    status_known_at: str | None
    status_now: str | None
    elapsed_known_at: int | None
    elapsed_now: int | None
    stop_known_at: date | None
    stop_now: date | None

    def record(self) -> dict[str, object]:
        """Typed values by CHANGE_COLUMNS."""
        return {c: getattr(self, c) for c in CHANGE_COLUMNS}


@frozen
class Comparison:
    """Everything `reaudit --compare` writes, with typed values (each writer formats them)."""

    query: ReportQuery
    known_at: date
    now_as_of: date
    rows: tuple[ComparedRow, ...]
    changes: tuple[StatusChange, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The grouping keys kept, in spec order."""
        return tuple(k for k in KEYS if k in self.query.by)

    @property
    def columns(self) -> tuple[str, ...]:
        """Machine-readable header of the figures."""
        return self.keys + tuple(column for column, _, _ in FIGURE_COLUMNS)

    @property
    def changed_dossiers(self) -> int:
        """How many dossiers have at least one changed measure."""
        return len({c.dossier for c in self.changes})


def compare(
    tracker: DossierTracker, query: ReportQuery, known_at: date, *, custom_rules: bool = False
) -> Comparison:
    """The comparison of `query` (its `as_of` evaluates the side known at K) with now.

    Both sides come from the read models' versions when they hold every stored event and
    were computed with this rule set (not `--rules`); otherwise from one read of the event
    store, which folds both: facts known at K, and known now.
    """
    now_as_of = tracker.default_as_of() or query.as_of
    if not custom_rules and read_models_answer(tracker):
        # The figures grouped by the database (versions known at K, report cells now),
        # the changed measures found by it: no clock is read one by one.
        before = build_report(query, grouped_rows(tracker, known_at, query))
        after = build_report(evolve(query, as_of=now_as_of), grouped_rows(tracker, None, query))
        changes = stored_changes(tracker, query, known_at, now_as_of)
        return Comparison(query, known_at, now_as_of, side_by_side(before, after), changes)
    then_facts, now_facts = tracker.all_facts_at(known_at, None)
    then = clocks_of(tracker, tracker.rule_set, then_facts)
    now = clocks_of(tracker, tracker.rule_set, now_facts)
    before = build_report(query, then)
    after = build_report(evolve(query, as_of=now_as_of), now)
    replayed = status_changes(tracker, query, now_as_of, (then_facts, then), (now_facts, now))
    return Comparison(query, known_at, now_as_of, side_by_side(before, after), tuple(replayed))


def stored_changes(
    tracker: DossierTracker, query: ReportQuery, known_at: date, now_as_of: date
) -> tuple[StatusChange, ...]:
    """The changed measures from the read models (projections.comparison_rows)."""
    then_day, now_day = min(query.end, query.as_of), min(query.end, now_as_of)
    then_elapsed, now_elapsed = SideElapsed(tracker, then_day), SideElapsed(tracker, now_day)
    keep = wanted(query)
    changes = []
    with engine_for(tracker.database.url).connect() as conn:
        rows = changed_rows(conn, query, known_at, then_day, now_day)
    for row in rows:
        dossier, section, prestation, engagement, then_section, then_prestation = row[:6]
        then_status, now_status, then_stop, now_stop = row[6:10]
        if not (keep(section, prestation) or keep(then_section, then_prestation)):
            continue
        changes.append(
            StatusChange(
                dossier,
                section,
                prestation,
                engagement,
                then_status,
                now_status,
                then_elapsed(engagement, then_section, then_status, row[10], row[12]),
                now_elapsed(engagement, section, now_status, row[11], row[13]),
                day_value(then_stop),
                day_value(now_stop),
            )
        )
    return tuple(changes)


def grouped_rows(tracker: DossierTracker, known_at: date | None, query: ReportQuery) -> StoredRows:
    """The clocks of one side, as the database groups them for the figures."""
    return StoredRows(
        tracker,
        known_at=known_at,
        engagement=query.engagement,
        prestation=query.prestation,
        applicable_only=True,
    )


def status_changes(
    tracker: DossierTracker,
    query: ReportQuery,
    now_as_of: date,
    then: tuple[list[Facts], list[Triple]],
    now: tuple[list[Facts], list[Triple]],
) -> list[StatusChange]:
    """Measures of the period whose status differs between known at K and known now.

    Each side is (facts of every dossier, their clocks engagement by engagement in rule-set
    order, as `clocks_of` lists them), so the clocks are computed once for figures and changes.
    """
    engagements = tracker.rule_set.ordered
    width = len(engagements)
    then_day, now_day = min(query.end, query.as_of), min(query.end, now_as_of)
    earlier_index = {f.number: i for i, f in enumerate(then[0])}
    changes = []
    for position, facts in enumerate(now[0]):
        earlier = earlier_index.get(facts.number)
        earlier_facts = then[0][earlier] if earlier is not None else None
        if not (_wanted(query, facts) or (earlier_facts and _wanted(query, earlier_facts))):
            continue
        for offset, engagement in enumerate(engagements):
            if query.engagement is not None and engagement.number != query.engagement:
                continue
            now_clock = now[1][position * width + offset][2]
            then_clock = then[1][earlier * width + offset][2] if earlier is not None else None
            then_state = then_clock.state_at(then_day) if then_clock else None
            now_state = now_clock.state_at(now_day)
            if then_state == now_state or not (
                in_period(query.start, query.end, then_clock, then_state)
                or in_period(query.start, query.end, now_clock, now_state)
            ):
                continue
            changes.append(
                StatusChange(
                    facts.number,
                    facts.section,
                    facts.prestation,
                    engagement.number,
                    then_state,
                    now_state,
                    elapsed_at(tracker.calendar, engagement, earlier_facts, then_clock, then_day),
                    elapsed_at(tracker.calendar, engagement, facts, now_clock, now_day),
                    then_clock.stop if then_clock else None,
                    now_clock.stop,
                )
            )
    return changes


def _wanted(query: ReportQuery, facts: Facts) -> bool:
    # The report's filters: a prestation, and a section code or the sector it belongs to.
    if query.prestation is not None and facts.prestation != query.prestation:
        return False
    wanted = query.section
    return wanted is None or wanted in (facts.section, sector_of(facts.section, query.end))
