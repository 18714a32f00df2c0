"""The report cells: the clocks of `measure` counted by month, kept as the rows change.

A yearly report as known now must not read a year's 450,000 clocks. Its figures only
need them counted by month (docs/schema.md, `report_cell`):

- a stopped clock counts in the month of its stop, with its outcome and elapsed value
  (kind S); the report's periods are whole calendar months, quarters or years, so a
  month's cells all fall in one period;
- a clock counts as pending (P) or overdue (O) on a month's last day when it is so on
  that day; each cell holds the change in that number in its month (+1 the month the
  clock becomes pending, -1 the month it stops being so), and the number at a month's
  end is the sum of the changes up to it. A change to one clock then touches at most
  five cells, however long it stays open.

Only the stopped clocks of `schema.RESIDUAL` are left out: whether a report counts them
depends on its evaluation date, so it reads them from `measure` (an index finds them).
The catch-up subtracts a dossier's old rows and adds its new ones; the rebuild counts
them all. Both go through `cell_changes`, so they cannot disagree.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Final

from sqlalchemy import Connection

from projections.rows import MEASURE_COLUMNS

#: kind, engagement, section, prestation, version, month, outcome, elapsed.
CellKey = tuple[str, int, str, str, int, str, str, int]
CELL_COLUMNS: Final = (
    "kind",
    "engagement",
    "section",
    "prestation",
    "version",
    "month",
    "outcome",
    "elapsed",
)
STOPPED: Final = "S"
PENDING: Final = "P"
OVERDUE: Final = "O"

_AT: Final = {name: MEASURE_COLUMNS.index(name) for name in MEASURE_COLUMNS}
_ENGAGEMENT, _SECTION, _PRESTATION = _AT["engagement"], _AT["section"], _AT["prestation"]
_APPLICABLE, _START, _STOP = _AT["applicable"], _AT["start"], _AT["stop"]
_ELAPSED, _OVERDUE_FROM, _OUTCOME = _AT["elapsed"], _AT["overdue_from"], _AT["outcome"]
_EXCLUDED_FROM, _OPEN_UNTIL = _AT["excluded_from"], _AT["open_until"]


def month_of(value: date | str | None) -> str | None:
    """The `AAAA-MM` of a date as either driver gives it (ISO text on SQLite)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value[:7]
    return f"{value.year:04d}-{value.month:02d}"


def iso(value: date | str) -> str:
    """A date as ISO text, whichever driver gave it."""
    return value if isinstance(value, str) else value.isoformat()


class CellCounter:
    """Adds `measure` rows (MEASURE_COLUMNS order) to cell changes, with a sign.

    `version_starts` are the first days of the référentiel's later versions: a clock's
    version is the one in force on its start date, as reports say it.
    """

    def __init__(self, version_starts: Sequence[date] = ()) -> None:
        self.starts = [d.isoformat() for d in version_starts]
        self.changes: Counter[CellKey] = Counter()

    def add(self, rows: Iterable[Sequence[Any]], sign: int = 1) -> None:
        """Count these rows in (sign 1) or out (sign -1)."""
        for row in rows:
            self._add(row, sign)

    def _add(self, row: Sequence[Any], sign: int) -> None:
        start = row[_START]
        if not row[_APPLICABLE] or start is None:
            return
        changes = self.changes
        version = bisect.bisect_right(self.starts, iso(start)) if self.starts else 0
        head = (row[_ENGAGEMENT], row[_SECTION], row[_PRESTATION], version)
        first = month_of(start)
        assert first is not None
        stop = row[_STOP]
        if stop is not None and row[_EXCLUDED_FROM] is None and iso(start) <= iso(stop):
            outcome = str(row[_OUTCOME])
            elapsed = 0 if outcome == "invalid" else row[_ELAPSED] or 0
            month = month_of(stop)
            assert month is not None
            changes[(STOPPED, *head, month, outcome, elapsed)] += sign
        until = month_of(row[_OPEN_UNTIL])
        overdue = month_of(row[_OVERDUE_FROM])
        # Pending on the ends of the months from its start until it is overdue or ends.
        pending_until = min((m for m in (until, overdue) if m is not None), default=None)
        _span(changes, (PENDING, *head), first, pending_until, sign)
        if overdue is not None:
            _span(changes, (OVERDUE, *head), max(first, overdue), until, sign)


def _span(
    changes: Counter[CellKey],
    head: tuple[str, int, str, str, int],
    first: str,
    until: str | None,
    sign: int,
) -> None:
    """One clock counted on the ends of the months from `first` until before `until`."""
    if until is not None and until <= first:
        return
    kind, engagement, section, prestation, version = head
    changes[(kind, engagement, section, prestation, version, first, "", 0)] += sign
    if until is not None:
        changes[(kind, engagement, section, prestation, version, until, "", 0)] -= sign


def write_cells(conn: Connection, changes: Counter[CellKey]) -> None:
    """Add the changes to `report_cell`, and drop the cells they bring to zero."""
    rows = [(*key, n) for key, n in changes.items() if n]
    if not rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    columns = ", ".join(CELL_COLUMNS)
    marks = ", ".join([mark] * (len(CELL_COLUMNS) + 1))
    conn.exec_driver_sql(
        f"INSERT INTO report_cell ({columns}, clocks) VALUES ({marks}) "
        f"ON CONFLICT ({columns}) DO UPDATE SET clocks = report_cell.clocks + excluded.clocks",
        rows,
    )
    where = " AND ".join(f"{c} = {mark}" for c in CELL_COLUMNS)
    conn.exec_driver_sql(
        f"DELETE FROM report_cell WHERE clocks = 0 AND {where}", [row[:-1] for row in rows]
    )


def insert_cells(conn: Connection, changes: Counter[CellKey]) -> None:
    """Fill an empty `report_cell` (a rebuild)."""
    rows = [(*key, n) for key, n in changes.items() if n]
    if not rows:
        return
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    marks = ", ".join([mark] * (len(CELL_COLUMNS) + 1))
    conn.exec_driver_sql(
        f"INSERT INTO report_cell ({', '.join(CELL_COLUMNS)}, clocks) VALUES ({marks})", rows
    )
