"""The data-latency audit's delays: from each business date to the first extraction that
reported it, by fact, sector and month (docs/reports.md, "Data latency").

Pure: it reads the dossier trails folded by projections.latency_fold, nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Final

from attrs import frozen

from casetrack.facts import sector_of
from casetrack.reporting import nearest_rank
from projections.cli_constants import LATENCY_KEYS
from projections.latency_fold import DossierTrail
from projections.latency_stops import Backdated, LateKnown

#: The facts whose delay is measured, in docs/schema.md's order. `closed_on` is left out:
#: PIAF gives no closure date, so it is the extraction date itself and its delay always 0.
DELAY_FACTS: Final = (
    "filed_on",
    "first_info_on",
    "second_info_on",
    "completed_on",
    "decided_on",
    "notified_on",
    "ordered_on",
)
#: The figures of a delay row, after its keys.
DELAY_FIGURES: Final = ("count", "median", "p90", "max")

Key = tuple[str | None, str | None, str | None]


@frozen
class LatencyAudit:
    """The three parts of the audit over `start..end`, with what they were computed from."""

    start: date
    end: date
    #: The evaluation date of the listed measures' statuses (the latest extraction).
    as_of: date | None
    keys: tuple[str, ...]
    rule_set: str
    delays: tuple[DelayRow, ...]
    late_known: tuple[LateKnown, ...]
    backdated: tuple[Backdated, ...]


@frozen
class Delay:
    """One dated fact of one dossier: its value now and the first extraction reporting it."""

    fact: str
    sector: str
    day: date
    known_on: date

    @property
    def days(self) -> int:
        """Calendar days from the business date to that extraction (negative: dated ahead)."""
        return (self.known_on - self.day).days


@frozen
class DelayRow:
    """The delays of one group: how many, their median, p90 and max in calendar days."""

    fact: str | None
    sector: str | None
    month: str | None
    count: int
    median: int
    p90: int
    max: int

    def record(self, keys: Sequence[str]) -> dict[str, Any]:
        """The row keyed by its CSV columns: the kept keys, then the figures."""
        return {name: getattr(self, name) for name in (*keys, *DELAY_FIGURES)}


def delays(trails: Iterable[DossierTrail], start: date, end: date) -> list[Delay]:
    """Every fact dated in `start..end` that a dossier holds now, with its delay."""
    found = []
    for trail in trails:
        facts = trail.facts
        for fact in DELAY_FACTS:
            day: date | None = getattr(facts, fact)
            if day is None or not start <= day <= end:
                continue
            known_on = trail.first_report(fact)
            assert known_on is not None  # a value held now was reported by some event
            found.append(Delay(fact, sector_of(facts.section, day), day, known_on))
    return found


def delay_rows(found: Iterable[Delay], keys: Sequence[str]) -> list[DelayRow]:
    """The delays grouped by `keys` (among fact, sector, month), in the keys' order."""
    groups: dict[Key, list[int]] = defaultdict(list)
    fact, sector, month = (k in keys for k in LATENCY_KEYS)
    for delay in found:
        key: Key = (
            delay.fact if fact else None,
            delay.sector if sector else None,
            f"{delay.day:%Y-%m}" if month else None,
        )
        groups[key].append(delay.days)
    rows = []
    for (fact_key, sector_key, month_key), days in groups.items():
        days.sort()
        rows.append(
            DelayRow(
                fact_key,
                sector_key,
                month_key,
                count=len(days),
                median=nearest_rank(days, 1, 2),
                p90=nearest_rank(days, 9, 10),
                max=days[-1],
            )
        )
    rows.sort(key=_order)
    return rows


def _order(row: DelayRow) -> tuple[int, str, str]:
    # Facts in the life cycle's order; sectors 01..20 then PC and months sort as text.
    fact = DELAY_FACTS.index(row.fact) if row.fact is not None else -1
    return fact, row.sector or "", row.month or ""
