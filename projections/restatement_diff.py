"""Restatements: the measures of a period whose status or elapsed value changed between two
dates of knowledge, the facts behind each change, and the totals an auditor signs.

Pure: it takes each dossier's facts as known at K1 and at K2 (with their clocks) and reads
no store, so the event store and bitemporal read models can feed it alike. Both sides are
evaluated on the same day, min(D2, E), so only what became known shows, never the progress
of an open clock (docs/measures.md, "Restatements").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Final

from attrs import frozen

from casetrack.calendar import WorkingCalendar
from casetrack.clocks import Clock, clock_of
from casetrack.errors import InputRefused
from casetrack.facts import Facts, sector_of
from casetrack.reporting import ReportQuery, ReportRow, build_report
from casetrack.rules import RuleSet
from projections.cli_constants import RESTATEMENT_COLUMNS, RESTATEMENT_TOTAL_COLUMNS
from projections.comparison_sides import ComparedRow, elapsed_at, in_period, side_by_side
from projections.rows import DOSSIER_COLUMNS

#: The facts a line can name, as the `dossier` read model names its columns, in its order:
#: its facts but the TOPVIR batch, which no measure reads.
FACT_COLUMNS: Final = tuple(c for c in DOSSIER_COLUMNS[2:14] if c != "batch")

#: A fact's value: a date, a code, or None when it is not known.
Value = date | str | None


@frozen
class Window:
    """What both sides are measured over: the period D1..D2 and the evaluation date E."""

    start: date
    end: date
    as_of: date

    def __attrs_post_init__(self) -> None:
        """Refuse a window that cannot be measured, saying what to change."""
        if self.end < self.start:
            msg = f"--to {self.end} is before --from {self.start}: swap them"
            raise InputRefused(msg)
        if self.as_of < self.start:
            # Nothing of the period had happened at E: every answer would be empty.
            msg = (
                f"the evaluation date {self.as_of} is before --from {self.start}: give "
                "--as-of on or after --from (it defaults to --known-at)"
            )
            raise InputRefused(msg)

    @property
    def day(self) -> date:
        """The day both sides' statuses are taken: the period's last day, or E if earlier."""
        return min(self.end, self.as_of)


@frozen
class Known:
    """One dossier as known on one side: its facts, and its clocks in rule-set order."""

    facts: Facts
    clocks: tuple[Clock, ...]


def known(facts: Facts, rule_set: RuleSet, calendar: WorkingCalendar) -> Known:
    """A dossier's facts with the clock of each engagement of the rule set."""
    return Known(facts, tuple(clock_of(facts, e, calendar) for e in rule_set.ordered))


#: A dossier as known at K1 and at K2; None on the side that did not know it.
Pair = tuple[Known | None, Known | None]


def pairs_of(
    before: Iterable[Facts], after: Iterable[Facts], rule_set: RuleSet, calendar: WorkingCalendar
) -> list[Pair]:
    """Pair the facts of both sides by dossier number, each with its clocks."""
    sides: dict[str, list[Known | None]] = {}
    for index, side in enumerate((before, after)):
        for facts in side:
            sides.setdefault(facts.number, [None, None])[index] = known(facts, rule_set, calendar)
    return [(found[0], found[1]) for _, found in sorted(sides.items())]


@frozen
class FactChange:
    """A fact whose value known at K2 differs from its value known at K1."""

    fact: str
    old: Value
    new: Value


def fact_changes(before: Facts | None, after: Facts | None) -> tuple[FactChange, ...]:
    """The facts that differ between the sides, in FACT_COLUMNS order (unknown: None)."""
    found = []
    for fact in FACT_COLUMNS:
        old: Value = getattr(before, fact) if before is not None else None
        new: Value = getattr(after, fact) if after is not None else None
        if old != new:
            found.append(FactChange(fact, old, new))
    return tuple(found)


@frozen
class RestatedMeasure:
    """A measure of the period whose status or elapsed value differs between the sides."""

    dossier: str
    #: The section and prestation known at K2 (at K1 if the dossier were unknown at K2).
    section: str
    prestation: str
    engagement: int
    status_before: str | None
    status_after: str | None
    elapsed_before: int | None
    elapsed_after: int | None
    #: The sectors whose figures count it: its sector on each side where it is in the period.
    sectors: tuple[str, ...]
    #: Every fact of the dossier that differs between the sides.
    changes: tuple[FactChange, ...]
    #: Whether the dossier itself was known at K1, and at K2 (its statuses are None if not).
    known_before: bool = True
    known_after: bool = True


@frozen
class RestatementLine:
    """One CSV line: a restated measure and one fact of its dossier that changed."""

    measure: RestatedMeasure
    #: None only for a measure with no differing fact (cannot happen with one rule set and
    #: calendar: a clock depends on the facts alone), kept so that no measure is lost.
    change: FactChange | None
    #: The extraction date that gave the fact its value known at K2.
    known_on: date | None

    def record(self) -> dict[str, object]:
        """Typed values by RESTATEMENT_COLUMNS."""
        m, change = self.measure, self.change
        return dict(
            zip(
                RESTATEMENT_COLUMNS,
                (
                    m.dossier,
                    m.section,
                    m.prestation,
                    m.engagement,
                    m.status_before,
                    m.status_after,
                    m.elapsed_before,
                    m.elapsed_after,
                    change.fact if change else None,
                    change.old if change else None,
                    change.new if change else None,
                    self.known_on,
                ),
                strict=True,
            )
        )


@frozen
class TotalLine:
    """How many measures of an engagement and sector were restated, and its rate on each side.

    `section` None is the engagement's total over every sector: each restated measure once.
    """

    engagement: int
    section: str | None
    restated: int
    before: ReportRow
    after: ReportRow

    def record(self) -> dict[str, object]:
        """Typed values by RESTATEMENT_TOTAL_COLUMNS."""
        b, a = self.before, self.after
        values = (self.engagement, self.section, self.restated, b.measured, b.met, b.rate)
        return dict(
            zip(RESTATEMENT_TOTAL_COLUMNS, (*values, a.measured, a.met, a.rate), strict=True)
        )


@frozen
class Restatements:
    """What `restatements` reports: the restated measures and the totals, typed."""

    window: Window
    known_at: date
    now: date
    measures: tuple[RestatedMeasure, ...]
    totals: tuple[TotalLine, ...]

    @property
    def dossiers(self) -> tuple[str, ...]:
        """The restated dossiers, sorted: the ones whose history gives each change's date."""
        return tuple(sorted({m.dossier for m in self.measures}))


def restatements(
    pairs: Sequence[Pair],
    rule_set: RuleSet,
    calendar: WorkingCalendar,
    window: Window,
    *,
    known_at: date,
    now: date,
) -> Restatements:
    """The restated measures of `pairs` (dossiers as known at K1 = `known_at` and at K2 =
    `now`, the dates carried for the outputs' titles) and the totals."""
    measures = [m for pair in pairs for m in restated(pair, rule_set, calendar, window)]
    measures.sort(key=lambda m: m.dossier)  # stable: engagements keep the rule set's order
    totals = total_lines(pairs, rule_set, window, measures)
    return Restatements(window, known_at, now, tuple(measures), totals)


def restated(
    pair: Pair, rule_set: RuleSet, calendar: WorkingCalendar, window: Window
) -> list[RestatedMeasure]:
    """The measures of one dossier restated between its two sides."""
    before, after = pair
    current = after or before
    if current is None or (before is not None and before.facts == current.facts):
        # Same facts, same clocks: most dossiers of a store, skipped before any counting.
        return []
    day = window.day
    found = []
    changes: tuple[FactChange, ...] | None = None
    for index, engagement in enumerate(rule_set.ordered):
        sides = []
        for side in (before, after):
            clock = side.clocks[index] if side is not None else None
            state = clock.state_at(day) if clock is not None else None
            facts = side.facts if side is not None else None
            sides.append((facts, clock, state, elapsed_at(calendar, engagement, facts, clock, day)))
        (_, _, state_before, elapsed_before), (_, _, state_after, elapsed_after) = sides
        if (state_before, elapsed_before) == (state_after, elapsed_after):
            continue
        sectors = [
            sector_of(facts.section, window.end)
            for facts, clock, state, _ in sides
            if facts is not None and in_period(window.start, window.end, clock, state)
        ]
        if not sectors:
            continue
        if changes is None:
            changes = fact_changes(before.facts if before else None, after.facts if after else None)
        found.append(
            RestatedMeasure(
                current.facts.number,
                current.facts.section,
                current.facts.prestation,
                engagement.number,
                state_before,
                state_after,
                elapsed_before,
                elapsed_after,
                tuple(dict.fromkeys(sectors)),
                changes,
                known_before=before is not None,
                known_after=after is not None,
            )
        )
    return found


def total_lines(
    pairs: Sequence[Pair],
    rule_set: RuleSet,
    window: Window,
    measures: Sequence[RestatedMeasure],
) -> tuple[TotalLine, ...]:
    """Per engagement, a line per sector then its total: restated count and both rates.

    The rates are the report's (`casetrack report --by engagement,section`) over D1..D2 at E,
    from the facts known at K1 and from those known at K2.
    """
    by_sector = Counter((m.engagement, s) for m in measures for s in m.sectors)
    by_engagement = Counter(m.engagement for m in measures)
    sector_rows = _figures(pairs, rule_set, window, ("engagement", "section"))
    engagement_rows = {
        row.known_at.engagement: row for row in _figures(pairs, rule_set, window, ("engagement",))
    }
    lines = []
    for engagement in rule_set.ordered:
        number = engagement.number
        for row in sector_rows:
            if row.known_at.engagement == number:
                sector = row.known_at.section or ""  # always set: the rows keep the section
                count = by_sector[(number, sector)]
                lines.append(TotalLine(number, sector, count, row.known_at, row.now))
        total = engagement_rows.get(number)
        if total is not None:
            count = by_engagement[number]
            lines.append(TotalLine(number, None, count, total.known_at, total.now))
    return tuple(lines)


def _figures(
    pairs: Sequence[Pair], rule_set: RuleSet, window: Window, by: tuple[str, ...]
) -> tuple[ComparedRow, ...]:
    # The report engine itself, once per side, both at E: the rates the report would print.
    query = ReportQuery(window.start, window.end, window.as_of, by=by)
    reports = []
    for index in (0, 1):
        triples = [
            (side.facts.section, side.facts.prestation, clock)
            for pair in pairs
            if (side := pair[index]) is not None
            for clock in side.clocks
        ]
        reports.append(build_report(query, triples))
    return side_by_side(reports[0], reports[1])


def lines(
    measures: Iterable[RestatedMeasure], known_on: Mapping[str, Mapping[str, date]]
) -> list[RestatementLine]:
    """The CSV lines: each restated measure once per fact of its dossier that changed.

    `known_on` gives, by dossier and fact, the extraction date of the fact's value at K2.
    """
    found = []
    for measure in measures:
        dates = known_on.get(measure.dossier, {})
        if not measure.changes:
            found.append(RestatementLine(measure, None, None))
        for change in measure.changes:
            found.append(RestatementLine(measure, change, dates.get(change.fact)))
    return found
