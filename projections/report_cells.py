"""A report's figures grouped by the database, for the report engine to count.

`casetrack.reporting.ReportBuilder` folds clocks one at a time; a year holds some 450,000
of them, and reading them back costs seconds. Here SQL groups the clock rows (`measure`,
or `measure_version` as known at K) into cells the builder counts as a whole: the stopped
clocks by month of their stop, outcome and elapsed value; the open ones by the period
buckets of their start, of the day they stop being open, and of their overdue date.

Why buckets suffice: a report counts an open clock on each period's day (its last day,
or the evaluation date if earlier), and the clock is open on day d exactly when
`start <= d < open_until`, the first of its stop, exclusion, unmeasured and closure dates
(a column of its own); it is overdue on d when `overdue_from <= d`. Those are comparisons of
one date with the ascending period days, so each date only matters through the first
period whose day is on or after it, which its month (or "after every day") gives.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy import Connection

from casetrack.reporting import Period, ReportBuilder
from projections.cells import OVERDUE, PENDING, STOPPED
from projections.rows import day_value
from projections.schema import RESIDUAL

#: The month key of a date after every period day: its clock is open on none of them.
AFTER: Final = "Z"
_KNOWN_AT: Final = "known_from <= {mark} AND (known_until IS NULL OR known_until > {mark})"


class CellQuery:
    """The SQL of one report's cells, on one backend, for one table and filters."""

    def __init__(
        self,
        *,
        sqlite: bool,
        known_at: date | None = None,
        engagement: int | None = None,
        prestation: str | None = None,
        version_starts: Sequence[date] = (),
        needs: tuple[bool, bool, bool] = (True, True, True),
    ) -> None:
        self.sqlite = sqlite
        #: Whether the report needs the section, the prestation and the month of a stop:
        #: the others are left out of the groups, so fewer come back to be counted.
        self.needs = needs
        self.mark = "?" if sqlite else "%s"
        self.table = "measure" if known_at is None else "measure_version"
        self.filters = ["applicable = 1", "start IS NOT NULL"]
        self.params: list[object] = []
        if known_at is not None:
            self.filters.append(_KNOWN_AT.format(mark=self.mark))
            self.params += [self.day(known_at)] * 2
        if engagement is not None:
            self.filters.append(f"engagement = {self.mark}")
            self.params.append(engagement)
        if prestation is not None:
            self.filters.append(f"prestation = {self.mark}")
            self.params.append(prestation)
        # The référentiel version of each clock (in force on its start date) is a group
        # key, so that each cell holds clocks of one version: a report says which ones.
        self.version = " ".join(
            f"WHEN start >= {self.mark} THEN {i + 1}" for i in range(len(version_starts))
        )
        self.version = f"CASE {self.version} ELSE 0 END" if version_starts else "0"
        self.version_params = [self.day(d) for d in reversed(version_starts)]

    def day(self, value: date) -> object:
        """A date as the driver binds it for these columns."""
        return value.isoformat() if self.sqlite else value

    def month(self, column: str) -> str:
        """The `AAAA-MM` of a date column."""
        return f"substr({column}, 1, 7)" if self.sqlite else f"to_char({column}, 'YYYY-MM')"

    def bucket(self, expression: str) -> str:
        """The month of a date, or AFTER when it is past the last period day (or never)."""
        return (
            f"CASE WHEN {expression} IS NULL OR {expression} > {self.mark} THEN '{AFTER}' "
            f"ELSE {self.month(expression)} END"
        )

    def keys(self, *columns: tuple[str, bool]) -> tuple[str, str]:
        """The select list of the section, the prestation and `columns` (each with whether
        it is always needed), and the GROUP BY of those the report needs ('' in place of
        the others)."""
        section, prestation, month = self.needs
        wanted = [("section", section), ("prestation", prestation)]
        wanted += [(column, keep or month) for column, keep in columns]
        picked = [column if keep else "''" for column, keep in wanted]
        positions = [str(i + 2) for i, (_, keep) in enumerate(wanted) if keep]
        return ", ".join(picked), ", ".join(["1", *positions])

    def stopped(
        self, first: date, last: date, as_of: date, where: str = ""
    ) -> tuple[str, list[object]]:
        """Stopped clocks counted at `as_of`, stopped in [first, last], grouped."""
        mark = self.mark
        extra = f" AND ({where})" if where else ""
        picked, groups = self.keys(
            (self.month("stop"), False), ("outcome", True), ("elapsed", True), (self.version, True)
        )
        sql = (
            f"SELECT engagement, {picked}, COUNT(*), MIN(start) FROM {self.table} "
            f"WHERE {' AND '.join(self.filters)} AND start <= {mark} "
            f"AND stop >= {mark} AND stop <= {mark} "
            f"AND (excluded_from IS NULL OR excluded_from > {mark}){extra} "
            f"GROUP BY {groups}"
        )
        d = self.day
        params = [
            *self.version_params,
            *self.params,
            d(as_of),
            d(first),
            d(min(last, as_of)),
            d(as_of),
        ]
        return sql, params

    def open(self, first: date, limit: date) -> tuple[str, list[object]]:
        """Clocks started by `limit` and still open after `first` (the first period's
        day), grouped by the buckets of their start, the day they stop being open, and
        their overdue date.

        A clock open on a period day d has `open_until > d >= first`: the others count
        nowhere, and the index on `open_until` leaves them unread, whatever the history.
        """
        mark = self.mark
        picked, groups = self.keys(
            *((self.bucket(c), True) for c in ("start", "open_until", "overdue_from")),
            (self.version, True),
        )
        sql = (
            f"SELECT engagement, {picked}, COUNT(*), MIN(start) "
            f"FROM {self.table} WHERE {' AND '.join(self.filters)} AND start <= {mark} "
            f"AND (open_until IS NULL OR open_until > {mark}) "
            f"GROUP BY {groups}"
        )
        bound = [self.day(limit)] * 3 + self.version_params
        return sql, [*bound, *self.params, self.day(limit), self.day(first)]

    def open_on(self, day: date) -> tuple[str, list[object]]:
        """Clocks open on `day`, grouped, with 1 for those overdue on it."""
        mark = self.mark
        sql = (
            "SELECT engagement, section, prestation, "
            f"CASE WHEN overdue_from <= {mark} THEN 1 ELSE 0 END, {self.version}, "
            f"COUNT(*), MIN(start) FROM {self.table} "
            f"WHERE {' AND '.join(self.filters)} AND start <= {mark} "
            f"AND (open_until IS NULL OR open_until > {mark}) GROUP BY 1, 2, 3, 4, 5"
        )
        d = self.day(day)
        return sql, [d, *self.version_params, *self.params, d, d]


def fold_cells(
    conn: Connection,
    builder: ReportBuilder,
    known_at: date | None = None,
    version_starts: Sequence[date] = (),
) -> None:
    """Count a report's clocks into `builder`, grouped by the database.

    The clocks are those of `measure`, or of `measure_version` as known at `known_at`;
    `version_starts` are the first days of the référentiel's later versions. As known
    now, the whole months come from the report cells (projections.cells).
    """
    query, found = builder.query, builder.periods
    if not found:
        return
    cells = CellQuery(
        sqlite=conn.dialect.name == "sqlite",
        known_at=known_at,
        engagement=query.engagement,
        prestation=query.prestation,
        version_starts=version_starts,
        needs=(
            "section" in builder.keys or query.section is not None,
            "prestation" in builder.keys,
            len(found) > 1,
        ),
    )
    buckets = _Buckets(found)
    if known_at is None:
        _fold_now(conn, builder, cells, buckets, version_starts)
        return
    _fold_stopped_rows(conn, builder, cells, buckets, query.start, query.end)
    limit = min(query.as_of, query.end)
    # The first day a period counts its open clocks on: none ending by then counts.
    sql, params = cells.open(min(found[0].last, query.as_of), limit)
    for row in _rows(conn, sql, params):
        engagement, section, prestation, start_key, end_key, overdue_key, _, count, start = row
        first, stop = buckets.index(start_key), buckets.index(end_key)
        late = max(first, buckets.index(overdue_key))
        for period in range(first, stop):
            late_here = period >= late
            builder.add_counts(
                section,
                prestation,
                engagement,
                period,
                start=_day(start),
                pending=0 if late_here else count,
                overdue=count if late_here else 0,
            )


def _fold_stopped_rows(
    conn: Connection,
    builder: ReportBuilder,
    cells: CellQuery,
    buckets: _Buckets,
    first: date,
    last: date,
    where: str = "",
) -> None:
    """The clocks stopped in [first, last] read from the rows, grouped."""
    sql, params = cells.stopped(first, last, builder.query.as_of, where)
    for row in _rows(conn, sql, params):
        engagement, section, prestation, month, outcome, elapsed, _, count, start = row
        builder.add_counts(
            section,
            prestation,
            engagement,
            buckets.index(month),
            start=_day(start),
            stopped=(str(outcome), count, elapsed or 0),
        )


def _fold_now(
    conn: Connection,
    builder: ReportBuilder,
    cells: CellQuery,
    buckets: _Buckets,
    version_starts: Sequence[date],
) -> None:
    """As known now: whole months from the report cells, the rest from the rows."""
    query = builder.query
    read = _CellReader(conn, builder, cells, buckets, version_starts)
    first, last = query.start, min(query.end, query.as_of)
    cell_first = first if first.day == 1 else _month_after(first)
    cell_last = last if _month_end(last) else last.replace(day=1) - timedelta(days=1)
    if cell_first <= cell_last:
        read.stopped(_month_key(cell_first), _month_key(cell_last))
        _fold_stopped_rows(conn, builder, cells, buckets, cell_first, cell_last, RESIDUAL)
        # The partial months at either end, from the rows.
        if first < cell_first:
            before = cell_first - timedelta(days=1)
            _fold_stopped_rows(conn, builder, cells, buckets, first, before)
        if cell_last < last:
            after = cell_last + timedelta(days=1)
            _fold_stopped_rows(conn, builder, cells, buckets, after, last)
    elif first <= last:
        _fold_stopped_rows(conn, builder, cells, buckets, first, last)
    month_ends: dict[str, int] = {}
    for index, period in enumerate(builder.periods):
        day = min(period.last, query.as_of)
        if _month_end(day):
            month_ends[_month_key(day)] = index
            continue
        sql, params = cells.open_on(day)
        for engagement, section, prestation, late, _, count, start in _rows(conn, sql, params):
            builder.add_counts(
                section,
                prestation,
                engagement,
                index,
                start=_day(start),
                pending=0 if late else count,
                overdue=count if late else 0,
            )
    read.open(month_ends)


class _CellReader:
    """Reads `report_cell` for one report, grouped by the keys the report needs."""

    def __init__(
        self,
        conn: Connection,
        builder: ReportBuilder,
        cells: CellQuery,
        buckets: _Buckets,
        version_starts: Sequence[date],
    ) -> None:
        self.conn, self.builder, self.cells, self.buckets = conn, builder, cells, buckets
        query = builder.query
        # Columns a report does not group or filter by are summed over in SQL.
        self.section, self.prestation, _ = cells.needs
        self.filters: list[str] = []
        self.params: list[object] = []
        for column, value in (("engagement", query.engagement), ("prestation", query.prestation)):
            if value is not None:
                self.filters.append(f"{column} = {cells.mark}")
                self.params.append(value)
        self.starts = [date.min, *version_starts]

    def _keys(self) -> list[str]:
        keys = ["engagement"]
        keys += ["section"] if self.section else []
        keys += ["prestation"] if self.prestation else []
        return [*keys, "version"]

    def _select(self, keys: list[str], where: str, params: list[object]) -> Sequence[Any]:
        columns = ", ".join(keys)
        filters = " AND ".join([where, *self.filters])
        sql = (
            f"SELECT {columns}, SUM(clocks) FROM report_cell WHERE {filters} "
            f"GROUP BY {columns} HAVING SUM(clocks) <> 0"
        )
        return _rows(self.conn, sql, [*params, *self.params])

    def _head(self, keys: list[str], row: Sequence[Any]) -> tuple[str, str, int, date]:
        """Section, prestation, engagement and a start date of the version of a cell."""
        at = {key: i for i, key in enumerate(keys)}
        version = row[at["version"]]
        start = self.starts[version] if version < len(self.starts) else date.min
        section = row[at["section"]] if "section" in at else ""
        prestation = row[at["prestation"]] if "prestation" in at else ""
        return section, prestation, row[at["engagement"]], start

    def stopped(self, first_month: str, last_month: str) -> None:
        """The stopped clocks of the cells of these months."""
        mark = self.cells.mark
        by_month = len(self.builder.periods) > 1
        keys = self._keys() + (["month"] if by_month else []) + ["outcome", "elapsed"]
        where = f"kind = '{STOPPED}' AND month >= {mark} AND month <= {mark}"
        add, index = self.builder.add_counts, self.buckets.index
        heads: dict[tuple[Any, ...], tuple[str, str, int, date]] = {}
        width = len(self._keys())
        for row in self._select(keys, where, [first_month, last_month]):
            found = heads.get(row[:width])
            if found is None:
                found = heads[row[:width]] = self._head(keys, row)
            section, prestation, engagement, start = found
            add(
                section,
                prestation,
                engagement,
                index(row[width]) if by_month else 0,
                start=start,
                stopped=(str(row[-3]), row[-1], row[-2]),
            )

    def open(self, month_ends: dict[str, int]) -> None:
        """The pending and overdue clocks at these month ends (month: period index)."""
        if not month_ends:
            return
        mark = self.cells.mark
        keys = ["kind", *self._keys(), "month"]
        where = f"kind IN ('{PENDING}', '{OVERDUE}') AND month <= {mark}"
        rows = sorted(self._select(keys, where, [max(month_ends)]), key=lambda r: r[len(keys) - 1])
        running: dict[tuple[Any, ...], int] = {}
        at = 0
        for month in sorted(month_ends):
            while at < len(rows) and rows[at][len(keys) - 1] <= month:
                key = tuple(rows[at][: len(keys) - 1])
                running[key] = running.get(key, 0) + rows[at][-1]
                at += 1
            for key, count in running.items():
                if not count:
                    continue
                section, prestation, engagement, start = self._head(keys, key)
                overdue = key[0] == OVERDUE
                self.builder.add_counts(
                    section,
                    prestation,
                    engagement,
                    month_ends[month],
                    start=start,
                    pending=0 if overdue else count,
                    overdue=count if overdue else 0,
                )


def _month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


class _Buckets:
    """Which period a month key falls in: the first whose day is on or after its dates."""

    def __init__(self, found: Sequence[Period]) -> None:
        self.count = len(found)
        self.lasts = [f"{p.last.year:04d}-{p.last.month:02d}" for p in found]

    def index(self, month: str) -> int:
        if month == AFTER:
            return self.count
        return bisect.bisect_left(self.lasts, month)


def _rows(conn: Connection, sql: str, params: list[object]) -> Sequence[Any]:
    return conn.exec_driver_sql(sql, tuple(params)).all()


def _day(value: object) -> date:
    found = day_value(value)
    assert found is not None  # MIN(start) of clocks with a start
    return found
