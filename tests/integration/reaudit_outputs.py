"""Reading `reaudit --compare` back from every format, and what it should say, computed naively.

The expected changes follow the definition `casetrack reaudit --help` and
projections/comparison.py give, computed with tests/naive_report.py's step-by-step measures
from the raw files: a measure of the period whose status differs between the facts known
at K (evaluated at min(--to, --as-of)) and the facts known now (evaluated at min(--to,
latest extraction)); in the period when, on either side, it stopped inside --from..--to or
was open on that side's evaluation day.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

from openpyxl import load_workbook

from tests.naive_report import (
    ENGAGEMENTS,
    PRESTATIONS,
    Extracts,
    Facts,
    Measure,
    clock_dates,
    measure,
    sector_of,
)

#: The French words of the statuses in the table, HTML and xlsx outputs.
FRENCH_STATUSES = {
    "respecté": "met",
    "dépassé": "breached",
    "en cours": "pending",
    "en retard": "overdue",
    "non applicable": "not_applicable",
    "anomalie": "invalid",
    "non démarré": None,
}
CHANGES_HEADING = "Dossiers dont le statut a changé"
STOPPED = ("met", "breached", "invalid")


class Change(NamedTuple):
    """One changed measure, as every format must give it."""

    dossier: str
    section: str
    prestation: str
    engagement: int
    status_known_at: str | None
    status_now: str | None
    elapsed_known_at: int | None
    elapsed_now: int | None
    stop_known_at: date | None
    stop_now: date | None


# -- the naive expectation ---------------------------------------------------------------


def _in_period(m: Measure | None, start: date, end: date) -> bool:
    if m is None:
        return False
    if m.status in STOPPED:
        return m.stop is not None and start <= m.stop <= end
    return m.status in ("pending", "overdue")


def _stop(facts: Facts | None, engagement: int) -> date | None:
    if facts is None or facts.prestation not in PRESTATIONS:
        return None
    return clock_dates(facts, engagement)[1]


def _wanted(facts: Facts | None, end: date, section: str | None, prestation: str | None) -> bool:
    if facts is None:
        return False
    if prestation is not None and facts.prestation != prestation:
        return False
    return section is None or section in (facts.section, sector_of(facts.section, end))


def naive_changes(
    extracts: Extracts,
    *,
    start: date,
    end: date,
    known_at: date,
    as_of: date | None = None,
    engagement: int | None = None,
    section: str | None = None,
    prestation: str | None = None,
) -> set[Change]:
    """The changed measures, from the raw files alone."""
    then, now = extracts.facts_at(known_at), extracts.facts_at()
    then_day, now_day = min(end, as_of or known_at), min(end, extracts.latest)
    found = set()
    for number, facts in now.items():
        earlier = then.get(number)
        if not (
            _wanted(facts, end, section, prestation) or _wanted(earlier, end, section, prestation)
        ):
            continue
        for e in ENGAGEMENTS:
            if engagement is not None and e != engagement:
                continue
            before = measure(earlier, e, then_day) if earlier is not None else None
            after = measure(facts, e, now_day)
            status_before = before.status if before else None
            status_after = after.status if after else None
            if status_before == status_after:
                continue
            if not (_in_period(before, start, end) or _in_period(after, start, end)):
                continue
            found.add(
                Change(
                    number,
                    facts.section,
                    facts.prestation,
                    e,
                    status_before,
                    status_after,
                    before.elapsed if before else None,
                    after.elapsed if after else None,
                    _stop(earlier, e),
                    _stop(facts, e),
                )
            )
    return found


# -- reading each format back -------------------------------------------------------------


def _int(text: str) -> int | None:
    return int(text) if text else None


def _iso(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _french_date(text: str) -> date | None:
    return datetime.strptime(text, "%d/%m/%Y").date() if text else None  # noqa: DTZ007


def _change(
    cells: list[str], status: dict[str, str | None], parse_day: Callable[[str], date | None] = _iso
) -> Change:
    return Change(
        cells[0],
        cells[1],
        cells[2],
        int(cells[3]),
        status[cells[4]],
        status[cells[5]],
        _int(cells[6]),
        _int(cells[7]),
        parse_day(cells[8]),
        parse_day(cells[9]),
    )


def changes_from_json(text: str) -> list[Change]:
    """The "changes" of the JSON output."""
    found = json.loads(text)["changes"]
    return [
        Change(
            c["dossier"],
            c["section"],
            c["prestation"],
            c["engagement"],
            c["status_known_at"],
            c["status_now"],
            c["elapsed_known_at"],
            c["elapsed_now"],
            _iso(c["stop_known_at"] or ""),
            _iso(c["stop_now"] or ""),
        )
        for c in found
    ]


def csv_rows(text: str) -> list[list[str]]:
    """A CSV text as rows of strings, as a spreadsheet splits it."""
    return list(csv.reader(io.StringIO(text, newline="")))


def changes_from_csv(text: str) -> tuple[list[str], list[Change]]:
    """Header and changes of the --changes file (an empty status is a clock not started)."""
    rows = csv_rows(text)
    codes: dict[str, str | None] = {s: s for s in (*STOPPED, "pending", "overdue")}
    codes |= {"not_applicable": "not_applicable", "": None}
    return rows[0], [_change(row, codes) for row in rows[1:]]


def text_table(lines: list[str]) -> list[list[str]]:
    """Rows of an aligned text table (header, dashes, rows), cut at the dashes' columns."""
    spans, position = [], 0
    for dashes in lines[1].split("  "):
        spans.append((position, position + len(dashes)))
        position += len(dashes) + 2
    return [[line[a:b].strip() for a, b in spans] for line in [lines[0], *lines[2:]]]


def changes_from_table(text: str) -> tuple[list[str], list[Change]]:
    """French header and changes of the second table of the terminal output."""
    lines = text.splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith(CHANGES_HEADING))
    rest = [line for line in lines[heading + 1 :] if line]
    if not rest:
        return [], []
    table = text_table(rest)
    return table[0], [_change(row, FRENCH_STATUSES) for row in table[1:]]


class _Tables(HTMLParser):
    """Cell texts of each <table> by its class, header row first."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("class") or "", [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(text: str) -> dict[str, list[list[str]]]:
    """Each table of the page by its class, rows of cell texts."""
    parser = _Tables()
    parser.feed(text)
    return parser.tables


def changes_from_html(text: str) -> tuple[list[str], list[Change]]:
    """French header and changes of the page's table of changes (none: no table)."""
    table = html_tables(text).get("changes", [])
    if not table:
        return [], []
    return table[0], [_change(row, FRENCH_STATUSES, _french_date) for row in table[1:]]


def _value(value: object) -> object:
    # openpyxl reads a date cell back as a datetime at midnight.
    return value.date() if isinstance(value, datetime) else value


def changes_from_xlsx(path: Path) -> tuple[list[str], list[Change]]:
    """French header and changes of the workbook's "Changements" sheet."""
    sheet = load_workbook(path)["Changements"]
    rows = [[_value(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    header = [str(v) for v in rows[0]]
    found = []
    for row in rows[1:]:
        number, section, prestation, engagement, before, after, *rest = row
        assert isinstance(engagement, int)
        found.append(
            Change(
                str(number),
                str(section),
                str(prestation),
                engagement,
                FRENCH_STATUSES[str(before)],
                FRENCH_STATUSES[str(after)],
                *rest,  # type: ignore[arg-type]
            )
        )
    return header, found


def as_strings(rows: Iterable[Iterable[object]]) -> list[list[str]]:
    """Rows with every value as the CSV writes it (none: empty)."""
    return [["" if v is None else str(v) for v in row] for row in rows]
