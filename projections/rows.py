"""From a dossier's facts to its read-model rows: pure functions, no SQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from attrs import asdict

from casetrack.calendar import WorkingCalendar
from casetrack.clocks import Clock, clock_of
from casetrack.dossier import dossier_id
from casetrack.facts import Facts, sector_of
from casetrack.rules import RuleSet


def dossier_row(facts: Facts, known_on: date, version: int) -> dict[str, Any]:
    """The `dossier` row of a dossier."""
    return {
        **asdict(facts),
        "stream_id": dossier_id(facts.number).hex,
        "known_on": known_on,
        "version": version,
    }


def measure_rows(
    facts: Facts, rule_set: RuleSet, calendar: WorkingCalendar, as_of: date | None
) -> list[dict[str, Any]]:
    """The `measure` rows of a dossier, one per engagement, with statuses at `as_of`."""
    rows = []
    for engagement in rule_set.ordered:
        clock = clock_of(facts, engagement, calendar)
        rows.append(measure_row(facts, clock, as_of))
    return rows


def measure_row(facts: Facts, clock: Clock, as_of: date | None) -> dict[str, Any]:
    """One `measure` row."""
    stop = clock.stop
    anchor = stop or clock.start or facts.filed_on
    return {
        "dossier": facts.number,
        "engagement": clock.engagement,
        "section": facts.section,
        "sector": sector_of(facts.section, anchor),
        "prestation": facts.prestation,
        "applicable": int(clock.applicable),
        "start": clock.start,
        "stop": stop,
        "due": clock.due,
        "elapsed": clock.elapsed,
        "status": clock.state_at(as_of) if as_of is not None else None,
        "stop_period": f"{stop.year:04d}-{stop.month:02d}" if stop else None,
        "overdue_from": clock.overdue_from,
        "outcome": clock.outcome,
        "excluded_from": clock.excluded_from,
        "unmeasured_from": clock.unmeasured_from,
        "closed_on": clock.closed_on,
    }


def clock_from_row(row: Any) -> Clock:
    """Rebuild a clock from a `measure` row (any mapping or row with those attributes)."""
    return Clock(
        engagement=row.engagement,
        applicable=bool(row.applicable),
        start=row.start,
        stop=row.stop,
        due=row.due,
        overdue_from=row.overdue_from,
        elapsed=row.elapsed,
        outcome=row.outcome,
        excluded_from=row.excluded_from,
        unmeasured_from=row.unmeasured_from,
        closed_on=row.closed_on,
    )
