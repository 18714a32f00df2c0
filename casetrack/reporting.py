"""Aggregated compliance reports, exactly as measures.md's "Reports" section defines them.

The engine is pure: it folds clocks (from the event store, or read back from the
projection tables) into report rows, so every source gives the same numbers.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Protocol, runtime_checkable

from attrs import define, field, frozen

from casetrack import cli_constants
from casetrack.clocks import Clock
from casetrack.errors import InputRefused
from casetrack.facts import sector_of
from casetrack.status import OPEN, STOPPED, Status

# Defined where the parser reads them without loading this module (its one source).
KEYS: Final = cli_constants.REPORT_KEYS
PERIOD_KINDS: Final = cli_constants.PERIOD_KINDS

#: measures.md, "Aggregated report": the machine-readable columns after the kept keys.
FIGURES: Final = (
    "measured",
    "met",
    "breached",
    "rate",
    "median",
    "p90",
    "max",
    "open_pending",
    "open_overdue",
    "invalid",
)
#: French labels of the terminal table, in column order.
LABELS: Final = {
    "engagement": "Engagement",
    "section": "Secteur",
    "prestation": "Prestation",
    "period": "Période",
    "measured": "Mesurés",
    "met": "Respectés",
    "breached": "Dépassés",
    "rate": "Taux",
    "median": "Médiane",
    "p90": "P90",
    "max": "Max",
    "open_pending": "En cours",
    "open_overdue": "En retard",
    "invalid": "Anomalies",
}
_FOUR_PLACES: Final = Decimal("0.0001")


@frozen
class Period:
    """A calendar month, quarter or year, clipped to the report's range."""

    label: str | None
    first: date
    last: date


@frozen
class ReportQuery:
    """What a report covers and how it groups."""

    start: date
    end: date
    as_of: date
    by: tuple[str, ...] = KEYS
    period: str = "month"
    engagement: int | None = None
    section: str | None = None
    prestation: str | None = None

    def __attrs_post_init__(self) -> None:
        """Refuse inconsistent queries with a message that says what to change."""
        if self.end < self.start:
            msg = f"--to {self.end} is before --from {self.start}: swap them"
            raise InputRefused(msg)
        unknown = [k for k in self.by if k not in KEYS]
        if unknown:
            msg = f"--by: unknown keys {unknown}; use a subset of {','.join(KEYS)}"
            raise InputRefused(msg)
        if self.period not in PERIOD_KINDS:
            msg = f"--period must be one of {', '.join(PERIOD_KINDS)}"
            raise InputRefused(msg)

    @property
    def columns(self) -> tuple[str, ...]:
        """Machine-readable header: the kept keys, in spec order, then the figures."""
        return tuple(k for k in KEYS if k in self.by) + FIGURES


@frozen
class ReportRow:
    """One group of a report."""

    engagement: int | None
    section: str | None
    prestation: str | None
    period: str | None
    measured: int
    met: int
    breached: int
    rate: Decimal | None
    median: int | None
    p90: int | None
    max: int | None
    open_pending: int
    open_overdue: int
    invalid: int

    def as_dict(self) -> dict[str, object]:
        """All fields by column name."""
        return {name: getattr(self, name) for name in (*KEYS, *FIGURES)}


def periods(query: ReportQuery) -> list[Period]:
    """The report's periods: calendar periods meeting the range, clipped, none after as_of."""
    if "period" not in query.by:
        return [Period(None, query.start, query.end)]
    found: list[Period] = []
    first = _period_start(query.start, query.period)
    while first <= query.end:
        following = _next_start(first, query.period)
        clipped = Period(
            _label(first, query.period),
            max(first, query.start),
            min(following - timedelta(days=1), query.end),
        )
        if clipped.first <= query.as_of:
            found.append(clipped)
        first = following
    return found


def nearest_rank(sorted_values: list[int], numerator: int, denominator: int) -> int:
    """The ceil(p * n)-th smallest value, p = numerator / denominator (exact arithmetic)."""
    n = len(sorted_values)
    rank = max(1, -(-n * numerator // denominator))
    return sorted_values[rank - 1]


def rate_of(met: int, measured: int) -> Decimal | None:
    """met / measured rounded half up to four places; None when nothing was measured."""
    if measured == 0:
        return None
    return (Decimal(met) / Decimal(measured)).quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)


@frozen
class LateClock:
    """A breached or overdue clock that a report row counts, with its dossier."""

    dossier: str
    section: str
    prestation: str
    clock: Clock
    #: "breached", or "overdue" on `day` (the day the row counts its open clocks).
    status: str
    day: date


@define
class _Group:
    elapsed: list[int] = field(factory=list)
    met: int = 0
    breached: int = 0
    invalid: int = 0
    pending: int = 0
    overdue: int = 0
    late: list[LateClock] = field(factory=list)


class ReportBuilder:
    """Folds clocks into report rows for one query.

    `keys` groups by fewer keys than `query.by` over the same periods: the total of an
    engagement adds up exactly what its rows count. `keep_late` keeps, per group, the
    breached and overdue clocks it counts (the dossier lists of the HTML report).
    """

    def __init__(
        self, query: ReportQuery, *, keys: tuple[str, ...] | None = None, keep_late: bool = False
    ) -> None:
        self.query = query
        self.keys = query.by if keys is None else keys
        self.keep_late = keep_late
        self.periods = periods(query)
        self._lasts = [p.last for p in self.periods]
        self._groups: dict[tuple[object, ...], _Group] = {}
        #: The start dates of the clocks counted: they say which référentiel versions
        #: measured the report (RuleSet.versions_used).
        self.starts: set[date] = set()

    def add(self, section: str, prestation: str, clock: Clock, dossier: str = "") -> None:
        """Count one clock of a dossier."""
        q = self.query
        if not clock.applicable or clock.start is None or not self.periods:
            return
        if q.engagement is not None and clock.engagement != q.engagement:
            return
        if q.prestation is not None and prestation != q.prestation:
            return
        state = clock.state_at(q.as_of)
        stop = clock.stop
        if state in STOPPED and stop is not None and q.start <= stop <= q.end:
            period = self.periods[bisect.bisect_left(self._lasts, stop)]
            group = self._group(section, prestation, clock.engagement, period)
            if group is not None:
                self.starts.add(clock.start)
                if state == Status.INVALID:
                    group.invalid += 1
                elif state == Status.MET:
                    group.met += 1
                    group.elapsed.append(clock.elapsed or 0)
                else:
                    group.breached += 1
                    group.elapsed.append(clock.elapsed or 0)
                    if self.keep_late:
                        late = LateClock(dossier, section, prestation, clock, state, stop)
                        group.late.append(late)
        # Open clocks at each period's last day (or as_of if earlier), from the first
        # period ending on or after the start, until the clock stops.
        index = bisect.bisect_left(self._lasts, clock.start)
        for period in self.periods[index:]:
            day = min(period.last, q.as_of)
            if stop is not None and stop <= day:
                break
            open_state = clock.state_at(day)
            if open_state in OPEN:
                group = self._group(section, prestation, clock.engagement, period)
                if group is not None:
                    self.starts.add(clock.start)
                    if open_state == Status.PENDING:
                        group.pending += 1
                    else:
                        group.overdue += 1
                        if self.keep_late:
                            late = LateClock(dossier, section, prestation, clock, open_state, day)
                            group.late.append(late)

    def add_counts(
        self,
        section: str,
        prestation: str,
        engagement: int,
        period: int,
        *,
        start: date,
        stopped: tuple[str, int, int] | None = None,
        pending: int = 0,
        overdue: int = 0,
    ) -> None:
        """Count clocks a database grouped as `add` would count them one by one.

        `period` is the index of the period they count in; `stopped` is (outcome, clocks,
        their elapsed value) for clocks stopped in it, `pending` and `overdue` the clocks
        open on its day; `start` is one of their start dates (the versions they were
        measured by). A builder keeping its late clocks needs them one by one.
        """
        if self.keep_late:
            msg = "a builder that lists late clocks needs them one by one (add)"
            raise ValueError(msg)
        group = self._group(section, prestation, engagement, self.periods[period])
        if group is None:
            return
        self.starts.add(start)
        if stopped is not None:
            outcome, count, elapsed = stopped
            if outcome == Status.INVALID:
                group.invalid += count
            else:
                if outcome == Status.MET:
                    group.met += count
                else:
                    group.breached += count
                group.elapsed.extend([elapsed] * count)
        group.pending += pending
        group.overdue += overdue

    def _group(
        self, section: str, prestation: str, engagement: int, period: Period
    ) -> _Group | None:
        sector = sector_of(section, period.last)
        wanted = self.query.section
        if wanted is not None and wanted not in (sector, section):
            return None
        values = {
            "engagement": engagement,
            "section": sector,
            "prestation": prestation,
            "period": period.label,
        }
        key = tuple(values[k] if k in self.keys else None for k in KEYS)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group()
        return group

    def rows(self) -> list[ReportRow]:
        """The report rows, sorted by the keys; empty groups left out."""
        return sorted((self._row(key, g) for key, g in self._kept()), key=_sort_key)

    def elapsed(self) -> dict[tuple[object, ...], list[int]]:
        """The sorted elapsed values of each printed group's measured clocks, by row key."""
        return {key: sorted(g.elapsed) for key, g in self._kept()}

    def late(self) -> dict[tuple[object, ...], list[LateClock]]:
        """The breached and overdue clocks of each printed group, by row key (keep_late)."""
        return {key: list(g.late) for key, g in self._kept()}

    def _kept(self) -> list[tuple[tuple[object, ...], _Group]]:
        return [
            (key, g)
            for key, g in self._groups.items()
            if g.met + g.breached or g.pending or g.overdue or g.invalid
        ]

    @staticmethod
    def _row(key: tuple[object, ...], g: _Group) -> ReportRow:
        measured = g.met + g.breached
        values = sorted(g.elapsed)
        engagement, section, prestation, period = key
        return ReportRow(
            engagement=engagement,  # type: ignore[arg-type]
            section=section,  # type: ignore[arg-type]
            prestation=prestation,  # type: ignore[arg-type]
            period=period,  # type: ignore[arg-type]
            measured=measured,
            met=g.met,
            breached=g.breached,
            rate=rate_of(g.met, measured),
            median=nearest_rank(values, 1, 2) if values else None,
            p90=nearest_rank(values, 9, 10) if values else None,
            max=values[-1] if values else None,
            open_pending=g.pending,
            open_overdue=g.overdue,
            invalid=g.invalid,
        )


def empty_row(key: tuple[object, ...]) -> ReportRow:
    """The row of a group with nothing in it, keyed (engagement, section, prestation,
    period): zero counts, no rate and no delays, as the engine would write it."""
    return ReportBuilder._row(key, _Group())


@runtime_checkable
class GroupedClocks(Protocol):
    """Clocks that count themselves into a builder faster than one by one (from SQL)."""

    def fold_into(self, builder: ReportBuilder) -> None:
        """Count every clock into `builder`, as `builder.add` of each would."""


def fold(
    builder: ReportBuilder, clocks: Iterable[tuple[str, str, Clock]] | GroupedClocks
) -> ReportBuilder:
    """Count clocks into a builder: grouped when they can be and it keeps no late clocks."""
    if isinstance(clocks, GroupedClocks) and not builder.keep_late:
        clocks.fold_into(builder)
    else:
        for section, prestation, clock in clocks:  # type: ignore[union-attr]
            builder.add(section, prestation, clock)
    return builder


def build_report(
    query: ReportQuery, clocks: Iterable[tuple[str, str, Clock]] | GroupedClocks
) -> list[ReportRow]:
    """Report rows of (section, prestation, clock) triples."""
    return fold(ReportBuilder(query), clocks).rows()


def _sort_key(row: ReportRow) -> tuple[object, ...]:
    return (
        row.engagement or 0,
        row.section or "",
        row.prestation or "",
        row.period or "",
    )


def _period_start(day: date, kind: str) -> date:
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def _next_start(first: date, kind: str) -> date:
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _label(first: date, kind: str) -> str:
    if kind == "month":
        return f"{first.year:04d}-{first.month:02d}"
    if kind == "quarter":
        return f"{first.year:04d}-T{(first.month - 1) // 3 + 1}"
    return f"{first.year:04d}"
