"""Two sides of knowledge compared: facts known at K beside facts known later.

Pure rules shared by `reaudit --compare` and `restatements`, with no store and no SQL: which
measures belong to a period on one side, a measure's elapsed value on a side, and the report
figures of both sides paired by their keys.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from attrs import frozen

from casetrack.calendar import WorkingCalendar
from casetrack.clocks import Clock
from casetrack.facts import Facts
from casetrack.measures import measure_clock
from casetrack.reporting import FIGURES, KEYS, ReportRow, empty_row
from casetrack.rules import Engagement
from casetrack.status import OPEN, STOPPED

#: The two sides, in column order: facts known at K, then the facts known later.
SIDES: Final = ("known_at", "now")
#: (column, figure, side) of the side-by-side figures: every figure known at K, then now.
FIGURE_COLUMNS: Final = tuple((f"{f}_{s}", f, s) for s in SIDES for f in FIGURES)


def in_period(start: date, end: date, clock: Clock | None, state: str | None) -> bool:
    """Whether a measure belongs to `start`..`end` on one side, given its state on the side's
    evaluation day: stopped (met, breached, invalid) with its stop in the range, or open."""
    if clock is None or state is None:
        return False
    if state in STOPPED:
        return clock.stop is not None and start <= clock.stop <= end
    return state in OPEN


def elapsed_at(
    calendar: WorkingCalendar,
    engagement: Engagement,
    facts: Facts | None,
    clock: Clock | None,
    day: date,
) -> int | None:
    """The elapsed value of a measure on `day` (an open clock counts up to it); None when it has
    not started, is not applicable or invalid, or the dossier is unknown on this side."""
    if facts is None or clock is None:
        return None
    found = measure_clock(clock, engagement, calendar.for_section(facts.section), day)
    return None if found is None else found.elapsed


@frozen
class ComparedRow:
    """One group of the figures on both sides (a group absent on a side counts zero there)."""

    known_at: ReportRow
    now: ReportRow

    def side(self, side: str) -> ReportRow:
        """The row of one side, "known_at" or "now"."""
        return self.known_at if side == "known_at" else self.now

    def record(self, keys: tuple[str, ...]) -> dict[str, object]:
        """Typed values by column: the kept keys, then each figure of each side."""
        found: dict[str, object] = {k: getattr(self.known_at, k) for k in keys}
        for column, figure, side in FIGURE_COLUMNS:
            found[column] = getattr(self.side(side), figure)
        return found


def side_by_side(before: list[ReportRow], after: list[ReportRow]) -> tuple[ComparedRow, ...]:
    """Pair the rows of both sides by their keys, in the report's order."""
    sides: dict[tuple[object, ...], dict[str, ReportRow]] = {}
    for side, rows in zip(SIDES, (before, after), strict=True):
        for row in rows:
            sides.setdefault(_key(row), {})[side] = row
    paired = []
    for key in sorted(sides, key=_order):
        found = sides[key]
        empty = empty_row(key)
        paired.append(ComparedRow(found.get("known_at", empty), found.get("now", empty)))
    return tuple(paired)


def _key(row: ReportRow) -> tuple[object, ...]:
    return tuple(getattr(row, k) for k in KEYS)


def _order(key: tuple[object, ...]) -> tuple[object, ...]:
    # The report's order; a dropped key is None in every row, so "" sorts them alike.
    return tuple("" if value is None else value for value in key)
