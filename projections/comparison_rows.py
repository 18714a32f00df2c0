"""The changed measures of `reaudit --compare`, found by the database.

A year holds some 450,000 measures, and reading both sides' clocks into Python to compare
them took most of the command's time. Here one statement joins each measure known now
(`measure`) with its version known at K (`measure_version`), evaluates both statuses
with the rules of docs/schema.md, and returns only the measures whose status differs
and that belong to the period on a side. Python then adds the elapsed values (an open
clock counts up to its side's day, with its section's calendar) and the report's
section and prestation filters, exactly as `comparison.status_changes` does from the
clocks; the tests hold the two to the same answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Final

from sqlalchemy import Connection

from casetrack.application import DossierTracker
from casetrack.clocks import check_covered, elapsed_between
from casetrack.facts import sector_of
from casetrack.reporting import ReportQuery
from casetrack.rules import Engagement
from casetrack.status import OPEN, STOPPED
from projections.rows import day_value

#: A status on day :d by measures.md's steps, `{t}` the table alias (docs/schema.md).
_STATUS: Final = """CASE
 WHEN {t}.applicable = 0 OR {t}.excluded_from <= {d} THEN 'not_applicable'
 WHEN ({t}.stop IS NULL OR {t}.stop > {d}) AND {t}.unmeasured_from <= {d} THEN 'not_applicable'
 WHEN {t}.start IS NULL OR {t}.start > {d} THEN NULL
 WHEN {t}.stop <= {d} THEN {t}.outcome
 WHEN {t}.closed_on <= {d} THEN 'not_applicable'
 WHEN {t}.overdue_from <= {d} THEN 'overdue'
 ELSE 'pending'
END"""
_KNOWN_AT: Final = "t.known_from <= {m} AND (t.known_until IS NULL OR t.known_until > {m})"
_STOPPED_SQL: Final = ", ".join(f"'{s}'" for s in sorted(STOPPED))
_OPEN_SQL: Final = ", ".join(f"'{s}'" for s in sorted(OPEN))


def changed_rows(
    conn: Connection, query: ReportQuery, known_at: date, then_day: date, now_day: date
) -> list[Any]:
    """(dossier, section, prestation, engagement, then section, then prestation, then
    status, now status, then stop, now stop, then elapsed, now elapsed, then start, now
    start) of the measures whose status differs, by dossier then engagement."""
    sqlite = conn.dialect.name == "sqlite"
    m = "?" if sqlite else "%s"

    def day(value: date) -> object:
        return value.isoformat() if sqlite else value

    then_status = _STATUS.format(t="t", d=m)
    now_status = _STATUS.format(t="n", d=m)
    uses = _STATUS.count("{d}")
    params: list[object] = [day(then_day)] * uses + [day(now_day)] * uses
    params += [day(known_at)] * 2
    engagement = ""
    if query.engagement is not None:
        engagement = f"WHERE n.engagement = {m}"
        params.append(query.engagement)
    differs = "IS NOT" if sqlite else "IS DISTINCT FROM"
    collate = "" if sqlite else ' COLLATE "C"'
    first, last = day(query.start), day(query.end)
    sql = (
        "SELECT * FROM (SELECT n.dossier, n.section, n.prestation, n.engagement, "
        "t.section AS then_section, t.prestation AS then_prestation, "
        f"{then_status} AS then_status, {now_status} AS now_status, "
        "t.stop AS then_stop, n.stop AS now_stop, t.elapsed AS then_elapsed, "
        "n.elapsed AS now_elapsed, t.start AS then_start, n.start AS now_start "
        "FROM measure n LEFT JOIN measure_version t "
        "ON t.dossier = n.dossier AND t.engagement = n.engagement "
        f"AND {_KNOWN_AT.format(m=m)} {engagement}) c "
        f"WHERE then_status {differs} now_status AND ("
        f"(then_status IN ({_STOPPED_SQL}) AND then_stop >= {m} AND then_stop <= {m}) "
        f"OR then_status IN ({_OPEN_SQL}) "
        f"OR (now_status IN ({_STOPPED_SQL}) AND now_stop >= {m} AND now_stop <= {m}) "
        f"OR now_status IN ({_OPEN_SQL})) "
        f"ORDER BY dossier{collate}, engagement"
    )
    params += [first, last, first, last]
    return list(conn.exec_driver_sql(sql, tuple(params)).all())


class SideElapsed:
    """The elapsed value of a measure on one side's day, as `measure_clock` gives it."""

    def __init__(self, tracker: DossierTracker, day: date) -> None:
        self.calendar = tracker.calendar
        self.engagements: dict[int, Engagement] = {e.number: e for e in tracker.rule_set.ordered}
        self.day = day

    def __call__(
        self,
        engagement: int,
        section: str | None,
        status: str | None,
        stopped: int | None,
        start: object,
    ) -> int | None:
        if status is None or status not in OPEN:
            # Not started, not applicable, unknown: none; stopped: the stored value.
            return stopped if status in STOPPED else None
        cal = self.calendar.for_section(section or "")
        check_covered(cal, self.day)
        begun = day_value(start)
        assert begun is not None  # an open clock has started
        return elapsed_between(self.engagements[engagement], cal, begun, self.day)


def wanted(query: ReportQuery) -> Callable[[str | None, str | None], bool]:
    """The report's filters on a side's section and prestation (None: unknown then)."""

    def keep(section: str | None, prestation: str | None) -> bool:
        if section is None:
            return False
        if query.prestation is not None and prestation != query.prestation:
            return False
        target = query.section
        return target is None or target in (section, sector_of(section, query.end))

    return keep
