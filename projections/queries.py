"""Query functions for report authors and integration jobs: frozen objects, never ORM rows.

Every function takes a database URL (or an Engine) and reads the read models only.
The same SELECTs work with `pandas.read_sql(sql, engine)`: see docs/schema.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Final

from attrs import frozen
from sqlalchemy import Engine

from adapters.sql_engine import engine_for
from casetrack.calendar import WorkingCalendar
from casetrack.clocks import Clock
from casetrack.facts import Facts, sector_of
from casetrack.measures import Measure, Status, measure_clock
from casetrack.reporting import ReportBuilder, ReportQuery, ReportRow
from casetrack.rules import RuleSet
from projections.report_cells import fold_cells
from projections.rows import (
    CLOCK_COLUMNS,
    DOSSIER_VERSION_COLUMNS,
    clock_from_values,
    day_value,
)

WORKLISTS: Final = ("overdue", "at_risk", "breached")


@frozen
class MeasureLine:
    """One row of the per-dossier measures (measures.md columns)."""

    dossier: str
    section: str
    prestation: str
    engagement: int
    start: date | None
    stop: date | None
    due: date | None
    elapsed: int | None
    status: str
    at_risk: bool = False
    days_left: int | None = None


@frozen
class WorkItem:
    """One line of a worklist: a dossier needing corrective action on one engagement."""

    dossier: str
    section: str
    prestation: str
    engagement: int
    start: date
    due: date
    #: Days late (positive) for overdue and breached clocks, days left for at-risk ones.
    days: int
    status: str
    #: The unit of `days`, the engagement's: "working_days" or "calendar_days".
    unit: str

    @property
    def days_late(self) -> int | None:
        """Days past the due date (overdue, breached); None for an at-risk clock."""
        return None if self.status == Status.PENDING else self.days

    @property
    def days_left(self) -> int | None:
        """Days left before the due date (at risk); None for a late clock."""
        return self.days if self.status == Status.PENDING else None


def _engine(source: str | Engine) -> Engine:
    return source if isinstance(source, Engine) else engine_for(source)


def clocks(
    source: str | Engine,
    *,
    engagement: int | None = None,
    prestation: str | None = None,
    applicable_only: bool = True,
    known_at: date | None = None,
) -> Iterator[tuple[str, str, str, Clock]]:
    """(dossier, section, prestation, clock) of the clocks, by dossier number then engagement.

    With `known_at`, the clocks of the facts known at that date (`measure_version`), as a
    replay of only the events known by then computes them.
    """
    engine = _engine(source)
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    where: list[str] = ["applicable = 1" if applicable_only else "1 = 1"]
    params: list[object] = []
    table = "measure"
    if known_at is not None:
        table = "measure_version"
        where.append(_KNOWN_AT.format(mark=mark))
        params += [_bound(known_at, sqlite)] * 2
    if engagement is not None:
        where.append(f"engagement = {mark}")
        params.append(engagement)
    if prestation is not None:
        where.append(f"prestation = {mark}")
        params.append(prestation)
    # Read through the driver: SQLAlchemy's per-row type processing costs more than the
    # report itself on a year of clocks.
    # Code-point order, as Python sorts: PostgreSQL's default collation may differ.
    collate = "" if sqlite else ' COLLATE "C"'
    columns = ", ".join(("dossier", "section", "prestation", *CLOCK_COLUMNS))
    statement = (
        f"SELECT {columns} FROM {table} WHERE {' AND '.join(where)} "
        f"ORDER BY dossier{collate}, engagement"
    )
    with engine.connect() as conn:
        for r in conn.exec_driver_sql(statement, tuple(params)):
            yield r[0], r[1], r[2], clock_from_values(r[3:])


#: The version of a row known at K: started on or before K, not yet replaced on K.
_KNOWN_AT: Final = "known_from <= {mark} AND (known_until IS NULL OR known_until > {mark})"


def facts_known_at(source: str | Engine, known_at: date, number: str | None = None) -> list[Facts]:
    """The facts of every dossier (or of `number`) known at `known_at`, by number.

    From `dossier_version`: a dossier not yet filed as known at that date is absent.
    """
    engine = _engine(source)
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    collate = "" if sqlite else ' COLLATE "C"'
    day = _bound(known_at, sqlite)
    where, params = _KNOWN_AT.format(mark=mark), [day, day]
    if number is not None:
        where += f" AND number = {mark}"
        params.append(number)
    statement = (
        f"SELECT number, {', '.join(_FACT_COLUMNS)} FROM dossier_version "
        f"WHERE {where} ORDER BY number{collate}"
    )
    with engine.connect() as conn:
        return [
            Facts(
                r[0],
                **{  # type: ignore[arg-type]  # each column holds its field's type
                    c: day_value(v) if i in _FACT_DATES else v
                    for i, (c, v) in enumerate(zip(_FACT_COLUMNS, r[1:], strict=True))
                },
            )
            for r in conn.exec_driver_sql(statement, tuple(params))
        ]


#: The Facts fields after the number, as `dossier_version` names them; the dates among them.
_FACT_COLUMNS: Final = DOSSIER_VERSION_COLUMNS[3:-1]
_FACT_DATES: Final = frozenset(i for i, c in enumerate(_FACT_COLUMNS) if c.endswith("_on"))


def _bound(day: date, sqlite: bool) -> object:
    """A date bound as the column holds it: ISO text on SQLite."""
    return day.isoformat() if sqlite else day


def report(
    source: str | Engine, query: ReportQuery, known_at: date | None = None
) -> list[ReportRow]:
    """The aggregated report of measures.md from the read models.

    With `known_at`, from the clocks as known at that date (`measure_version`). The
    database groups the clocks (projections.report_cells): the figures are those of the
    report engine fed every clock.
    """
    builder = ReportBuilder(query)
    with _engine(source).connect() as conn:
        fold_cells(conn, builder, known_at)
    return builder.rows()


def measures(
    source: str | Engine, rule_set: RuleSet, calendar: WorkingCalendar, as_of: date
) -> Iterator[MeasureLine]:
    """Per-dossier measures at `as_of`, sorted by dossier then engagement (17, 18, 19)."""
    return measures_of(clocks(source, applicable_only=False), rule_set, calendar, as_of)


def measures_of(
    rows: Iterable[tuple[str, str, str, Clock]],
    rule_set: RuleSet,
    calendar: WorkingCalendar,
    as_of: date,
) -> Iterator[MeasureLine]:
    """Per-dossier measures at `as_of` of (dossier, section, prestation, clock) rows."""
    engagements = {e.number: e for e in rule_set.engagements}
    for dossier, section, prestation, clock in rows:
        engagement = engagements[clock.engagement]
        found = measure_clock(clock, engagement, calendar.for_section(section), as_of)
        if found is not None:
            yield _line(dossier, section, prestation, found)


def worklist(
    source: str | Engine,
    kind: str,
    rule_set: RuleSet,
    calendar: WorkingCalendar,
    as_of: date,
    *,
    section: str | None = None,
    engagement: int | None = None,
) -> list[WorkItem]:
    """Dossiers overdue, at risk or breached at `as_of`, most urgent first."""
    rows = clocks(source, applicable_only=False)
    return worklist_of(
        rows, kind, rule_set, calendar, as_of, section=section, engagement=engagement
    )


def worklist_of(
    rows: Iterable[tuple[str, str, str, Clock]],
    kind: str,
    rule_set: RuleSet,
    calendar: WorkingCalendar,
    as_of: date,
    *,
    section: str | None = None,
    engagement: int | None = None,
) -> list[WorkItem]:
    """The worklist of (dossier, section, prestation, clock) rows."""
    items = []
    for line in measures_of(rows, rule_set, calendar, as_of):
        if engagement is not None and line.engagement != engagement:
            continue
        if section is not None and section not in (line.section, _sector(line, as_of)):
            continue
        if line.start is None or line.due is None:
            continue
        if kind == "overdue" and line.status == Status.OVERDUE:
            days = -(line.days_left or 0)
        elif kind == "at_risk" and line.at_risk:
            days = line.days_left or 0
        elif kind == "breached" and line.status == Status.BREACHED:
            # Days late against the limit of the version the clock was measured under.
            terms = rule_set.engagement(line.engagement).in_force(line.start)
            days = (line.elapsed or 0) - terms.limit
        else:
            continue
        items.append(
            WorkItem(
                line.dossier,
                line.section,
                line.prestation,
                line.engagement,
                line.start,
                line.due,
                days,
                line.status,
                rule_set.engagement(line.engagement).unit,
            )
        )
    urgent_first = kind != "at_risk"
    return sorted(items, key=lambda i: (-i.days if urgent_first else i.days, i.dossier))


def _sector(line: MeasureLine, as_of: date) -> str:
    return sector_of(line.section, as_of)


def _line(dossier: str, section: str, prestation: str, m: Measure) -> MeasureLine:
    return MeasureLine(
        dossier=dossier,
        section=section,
        prestation=prestation,
        engagement=m.engagement,
        start=m.start,
        stop=m.stop,
        due=m.due,
        elapsed=m.elapsed,
        status=str(m.status),
        at_risk=m.at_risk,
        days_left=m.days_left,
    )
