"""What the human reports add to the rows, computed from the same clocks for every renderer.

- Engagements are never merged: their units and limits differ (`human_query`).
- A total per engagement is folded from the clocks, never added up from the rows' rates or
  medians: rate over every measured clock, median and p90 by nearest rank over every
  elapsed value, open clocks added up over the rows (so over the periods too).
- A monthly trend: the rate of each engagement month by month.
- The breached and overdue dossiers of each sector, for the HTML drill-down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from attrs import evolve, frozen

from casetrack.calendar import WorkingCalendar
from casetrack.clocks import Clock
from casetrack.measures import measure_clock
from casetrack.reporting import (
    KEYS,
    LateClock,
    ReportBuilder,
    ReportQuery,
    ReportRow,
    build_report,
    fold,
    periods,
)
from casetrack.rules import Engagement, RuleSet, Version
from casetrack.status import Status

#: (section, prestation, clock): what the report engine folds.
Triple = tuple[str, str, Clock]
#: (dossier, section, prestation, clock): the same, with the dossier number.
NumberedClock = tuple[str, str, str, Clock]
SECTOR_KEYS = ("engagement", "section")


@frozen
class Block:
    """One engagement's part of a human report: its rows and their total."""

    engagement: Engagement
    #: The key columns shown; the engagement is the block's heading, not a column.
    keys: tuple[str, ...]
    rows: tuple[ReportRow, ...]
    #: All the rows together, folded from the clocks (None: nothing to count).
    total: ReportRow | None


@frozen
class Totals:
    """Per engagement: its total row and the sorted elapsed values of its measured clocks."""

    rows: Mapping[int, ReportRow]
    elapsed: Mapping[int, Sequence[int]]
    #: The start dates of every clock counted (they say which versions measured them).
    starts: frozenset[date] = frozenset()


@frozen
class LateMeasure:
    """A breached or overdue measure of a sector row, as its drill-down lists it."""

    dossier: str
    section: str
    prestation: str
    #: "breached" or "overdue".
    status: str
    start: date
    due: date
    stop: date | None
    #: At the stop, or on the day the row counts its open clocks, in the engagement's unit.
    elapsed: int


@frozen
class HumanReport:
    """A report as the human outputs show it: engagements apart, each with its total."""

    #: The query shown: the one asked, with the engagement key added if `--by` left it out.
    query: ReportQuery
    rows: tuple[ReportRow, ...]
    totals: Totals
    rule_set: RuleSet
    #: The keys `--by` asked (the machine outputs group by these alone).
    asked: tuple[str, ...]
    #: The date of knowledge of a report "as known at K" (None: everything known).
    known_at: date | None = None

    @property
    def engagements(self) -> list[Engagement]:
        """The engagements shown, in the rule set's order."""
        return shown_engagements(self.query, self.rule_set)

    @property
    def versions_used(self) -> tuple[Version, ...]:
        """The référentiel versions in force on the start dates of the clocks counted."""
        return self.rule_set.versions_used(self.totals.starts)

    @property
    def blocks(self) -> list[Block]:
        """One block per engagement shown, rows in the report's order (sectors 01..20, PC)."""
        keys = tuple(k for k in KEYS if k in self.query.by and k != "engagement")
        return [
            Block(
                engagement,
                keys,
                tuple(r for r in self.rows if r.engagement == engagement.number),
                self.totals.rows.get(engagement.number),
            )
            for engagement in self.engagements
        ]


def human_report(
    query: ReportQuery,
    rows: Sequence[ReportRow],
    clocks: Sequence[Triple],
    rule_set: RuleSet,
    known_at: date | None = None,
) -> HumanReport:
    """The human view of a report whose `rows` were folded from `clocks` for `query`."""
    human = human_query(query)
    if human != query:
        rows = build_report(human, clocks)
    totals = engagement_totals(human, clocks)
    return HumanReport(human, tuple(rows), totals, rule_set, query.by, known_at)


@frozen
class SectorView:
    """Engagement × sector over the whole range, with each row's late dossiers."""

    rows: tuple[ReportRow, ...]
    #: Engagement -> all its sectors together over the range.
    totals: Mapping[int, ReportRow]
    #: (engagement, sector) -> breached then overdue measures, by dossier number.
    late: Mapping[tuple[int, str], tuple[LateMeasure, ...]]


def human_query(query: ReportQuery) -> ReportQuery:
    """The query the human outputs show: the asked keys, with the engagement always kept."""
    if "engagement" in query.by:
        return query
    return evolve(query, by=("engagement", *query.by))


def shown_engagements(query: ReportQuery, rule_set: RuleSet) -> list[Engagement]:
    """The engagements a human report shows, in the rule set's order."""
    if query.engagement is not None:
        return [rule_set.engagement(query.engagement)]
    return list(rule_set.ordered)


def engagement_totals(query: ReportQuery, clocks: Iterable[Triple]) -> Totals:
    """The total of each engagement over the query's rows (same periods, same filters)."""
    builder = fold(ReportBuilder(query, keys=("engagement",)), clocks)
    rows = {row.engagement: row for row in builder.rows() if row.engagement is not None}
    elapsed = {int(str(key[0])): values for key, values in builder.elapsed().items()}
    return Totals(rows, elapsed, frozenset(builder.starts))


def trend_query(query: ReportQuery) -> ReportQuery:
    """The monthly trend of a report: by engagement and calendar month, same filters."""
    return evolve(query, by=("engagement", "period"), period="month")


def monthly_trend(
    query: ReportQuery, clocks: Iterable[Triple], engagements: Sequence[Engagement]
) -> list[tuple[str, dict[int, ReportRow]]]:
    """(month, engagement -> row) for every month of the range up to as_of, gaps included."""
    monthly = trend_query(query)
    rows = build_report(monthly, clocks)
    wanted = {e.number for e in engagements}
    found: dict[str, dict[int, ReportRow]] = {p.label or "": {} for p in periods(monthly)}
    for row in rows:
        if row.engagement in wanted and row.period is not None and row.period in found:
            found[row.period][row.engagement] = row
    return list(found.items())


def sector_view(
    query: ReportQuery,
    clocks: Iterable[NumberedClock],
    rule_set: RuleSet,
    calendar: WorkingCalendar,
) -> SectorView:
    """Engagement × sector rows over the range, and the late dossiers each one counts."""
    by_sector = evolve(query, by=SECTOR_KEYS)
    builder = ReportBuilder(by_sector, keep_late=True)
    overall = ReportBuilder(by_sector, keys=("engagement",))
    for dossier, section, prestation, clock in clocks:
        builder.add(section, prestation, clock, dossier)
        overall.add(section, prestation, clock)
    late = {
        (int(str(key[0])), str(key[1])): _listed(found, rule_set, calendar)
        for key, found in builder.late().items()
        if found
    }
    totals = {row.engagement: row for row in overall.rows() if row.engagement is not None}
    return SectorView(tuple(builder.rows()), totals, late)


def _listed(
    found: Iterable[LateClock], rule_set: RuleSet, calendar: WorkingCalendar
) -> tuple[LateMeasure, ...]:
    measures = []
    for late in found:
        engagement = rule_set.engagement(late.clock.engagement)
        cal = calendar.for_section(late.section)
        # An open clock's elapsed is counted up to the day the row counts it.
        measured = measure_clock(late.clock, engagement, cal, late.day)
        assert measured is not None and measured.start is not None and measured.due is not None
        measures.append(
            LateMeasure(
                dossier=late.dossier,
                section=late.section,
                prestation=late.prestation,
                status=late.status,
                start=measured.start,
                due=measured.due,
                stop=measured.stop,
                elapsed=measured.elapsed or 0,
            )
        )
    order: dict[str, int] = {Status.BREACHED: 0, Status.OVERDUE: 1}
    return tuple(sorted(measures, key=lambda m: (order[m.status], m.dossier)))
