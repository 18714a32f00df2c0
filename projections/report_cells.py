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
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, Final

from sqlalchemy import Connection

from casetrack.reporting import Period, ReportBuilder
from projections.rows import day_value

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
    ) -> None:
        self.sqlite = sqlite
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

    def stopped(self, first: date, last: date, as_of: date) -> tuple[str, list[object]]:
        """Stopped clocks counted at `as_of`, stopped in [first, last], grouped."""
        mark = self.mark
        sql = (
            f"SELECT engagement, section, prestation, {self.month('stop')}, outcome, elapsed, "
            f"{self.version}, COUNT(*), MIN(start) FROM {self.table} "
            f"WHERE {' AND '.join(self.filters)} AND start <= {mark} "
            f"AND stop >= {mark} AND stop <= {mark} "
            f"AND (excluded_from IS NULL OR excluded_from > {mark}) "
            "GROUP BY 1, 2, 3, 4, 5, 6, 7"
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
        """Clocks started by `limit` and still open after `first`, grouped by the buckets
        of their start, the day they stop being open, and their overdue date.

        A clock open on a period day d has `open_until > d >= first`: the others count
        nowhere, and the index on `open_until` leaves them unread, whatever the history.
        """
        mark = self.mark
        sql = (
            "SELECT engagement, section, prestation, "
            f"{self.bucket('start')}, {self.bucket('open_until')}, "
            f"{self.bucket('overdue_from')}, {self.version}, COUNT(*), MIN(start) "
            f"FROM {self.table} WHERE {' AND '.join(self.filters)} AND start <= {mark} "
            f"AND (open_until IS NULL OR open_until > {mark}) "
            "GROUP BY 1, 2, 3, 4, 5, 6, 7"
        )
        bound = [self.day(limit)] * 3 + self.version_params
        return sql, [*bound, *self.params, self.day(limit), self.day(first)]


def fold_cells(
    conn: Connection,
    builder: ReportBuilder,
    known_at: date | None = None,
    version_starts: Sequence[date] = (),
) -> None:
    """Count a report's clocks into `builder`, grouped by the database.

    The clocks are those of `measure`, or of `measure_version` as known at `known_at`;
    `version_starts` are the first days of the référentiel's later versions.
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
    )
    buckets = _Buckets(found)
    sql, params = cells.stopped(query.start, query.end, query.as_of)
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
    limit = min(query.as_of, query.end)
    sql, params = cells.open(found[0].first, limit)
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


class _Buckets:
    """Which period a month key falls in: the first whose day is on or after its dates."""

    def __init__(self, found: Sequence[Period]) -> None:
        self.count = len(found)
        self.lasts = [f"{p.last.year:04d}-{p.last.month:02d}" for p in found]

    def index(self, month: str) -> int:
        if month == AFTER:
            return self.count
        return bisect.bisect_left(self.lasts, month)


def _rows(conn: Connection, sql: str, params: list[object]) -> Iterator[Any]:
    yield from conn.exec_driver_sql(sql, tuple(params))


def _day(value: object) -> date:
    found = day_value(value)
    assert found is not None  # MIN(start) of clocks with a start
    return found
