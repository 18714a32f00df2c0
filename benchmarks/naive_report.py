"""A plain Python yearly report straight from the files, to set beside casetrack's.

Written independently from measures.md and piaf-extract.md: the full extract (one row
per dossier, its final state) and the TOPVIR files are read with the csv module, and
working days are counted one day at a time with workalendar's France calendar. Only
the report "by engagement and section over the year" is computed; it imports nothing
from casetrack.
"""

from __future__ import annotations

import csv
import functools
import io
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from workalendar.europe import France

PRESTATIONS = frozenset({"PL", "PLF", "PLFM", "PARISOL", "PLPAPH", "CSP"})
SECTIONS = frozenset([f"{n:02d}" for n in range(1, 21)] + ["PC"])
LIMITS = {17: 15, 18: 15, 19: 7}
_FRANCE = France()
_DAY = timedelta(days=1)
Row = tuple[Any, ...]


def _key(name: str) -> str:
    return unicodedata.normalize("NFKD", name.strip()).encode("ascii", "ignore").decode().upper()


def records(path: Path) -> list[dict[str, str]]:
    """The data lines of a `;` file as header -> stripped value (footer and blanks skipped)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header = [_key(h) for h in lines[0]]
    found = []
    for line in lines[1:]:
        if not any(cell.strip() for cell in line) or len(line) == 1:
            continue  # blank line, or the "Nombre de lignes" footer
        found.append({h: v.strip() for h, v in zip(header, line, strict=False)})
    return found


def read_date(text: str) -> date | None:
    """`JJ/MM/AAAA[ HH:MM[:SS]]` or `AAAA-MM-JJ`; None when empty; ValueError when unreadable."""
    if not text:
        return None
    head = text.split(" ", 1)[0]
    if "/" in head:
        day, month, year = head.split("/")
        if len(year) != 4:
            raise ValueError(text)
        return date(int(year), int(month), int(day))
    return date.fromisoformat(head)


def dossier(values: dict[str, str], extracted_on: date) -> dict[str, Any] | None:
    """The facts of one readable full-extract row, or None when the row is unreadable."""
    try:
        dates = {
            name: read_date(values.get(column, ""))
            for name, column in (
                ("filed", "DATE_DEPOT"),
                ("first_info", "DATE_PREMIERE_INFO"),
                ("second_info", "DATE_DEUXIEME_INFO"),
                ("completed", "DATE_DOSSIER_COMPLET"),
                ("decided", "DATE_DECISION"),
                ("notified", "DATE_NOTIFICATION"),
                ("ordered", "DATE_VIREMENT"),
            )
        }
    except ValueError:
        return None
    section = values.get("SECTION", "").upper()
    section = "0" + section if len(section) == 1 and section in "123456789" else section
    prestation = values.get("PRESTATION", "").upper()
    outcome = values.get("SENS_DECISION", "").upper()
    state = values.get("ETAT", "").upper()
    if (
        not values.get("NUM_DOSSIER")
        or section not in SECTIONS
        or not prestation
        or dates["filed"] is None
        or outcome not in ("", "ACCORD", "REJET")
        or state not in ("", "EN_COURS", "DECIDE", "PAYE", "CLASSE")
        or (not outcome and (dates["decided"] or dates["notified"]))
    ):
        return None
    return {
        **dates,
        "section": section,
        "prestation": prestation,
        "outcome": outcome or None,
        # A closure is dated by the extraction date of the first file saying CLASSE.
        "closed": extracted_on if state == "CLASSE" else None,
    }


def load(full: Path, full_date: date, topvir: Iterable[Path]) -> list[dict[str, Any]]:
    """Every readable dossier of the full extract, with its earliest TOPVIR transfer order."""
    rows: dict[str, list[dict[str, str]]] = {}
    for values in records(full):
        rows.setdefault(values.get("NUM_DOSSIER", ""), []).append(values)
    facts: dict[str, dict[str, Any]] = {}
    for number, found in rows.items():
        if number and all(r == found[0] for r in found):
            readable = dossier(found[0], full_date)
            if readable is not None:
                facts[number] = readable
    for path in topvir:
        for values in records(path):
            kept = facts.get(values.get("NUM_DOSSIER", ""))
            try:
                ordered = read_date(values.get("DATE_ORDRE_VIREMENT", ""))
            except ValueError:
                continue
            if (
                kept is not None
                and ordered is not None
                and (kept["ordered"] is None or ordered < kept["ordered"])
            ):
                kept["ordered"] = ordered
    return list(facts.values())


@functools.cache
def working(day: date) -> bool:
    """A French working day (workalendar France)."""
    return bool(_FRANCE.is_working_day(day))


def working_days(start: date, stop: date) -> int:
    """Working days d with start < d <= stop, one day at a time."""
    count, day = 0, start + _DAY
    while day <= stop:
        count += working(day)
        day += _DAY
    return count


def status(f: dict[str, Any], engagement: int, day: date) -> tuple[str | None, int | None]:
    """(status, elapsed) of one engagement at `day`, following measures.md step by step."""
    decision = f["decided"] or f["notified"]
    if f["prestation"] not in PRESTATIONS:
        return "not_applicable", None
    if engagement == 18 and f["outcome"] == "REJET" and decision and decision <= day:
        return "not_applicable", None
    if engagement == 19:
        asked = f["second_info"] and f["second_info"] <= day
        done = any(f[k] and f[k] <= day for k in ("completed", "closed"))
        if not asked and done:
            return "not_applicable", None
    start, stop = {
        19: (f["first_info"] or f["filed"], f["second_info"]),
        17: (f["completed"], f["notified"] or f["decided"]),
        18: (decision, f["ordered"]),
    }[engagement]
    if start is None or start > day:
        return None, None
    end = stop if stop is not None and stop <= day else None
    if end is None and f["closed"] and f["closed"] <= day:
        return "not_applicable", None
    last = end or day
    if last < start:
        return "invalid", None
    elapsed = working_days(start, last) if engagement == 19 else (last - start).days
    late = elapsed > LIMITS[engagement]
    if end is not None:
        return ("breached" if late else "met"), elapsed
    return ("overdue" if late else "pending"), elapsed


def report(facts: Iterable[dict[str, Any]], start: date, end: date, as_of: date) -> list[Row]:
    """(engagement, sector, measured, met, breached, rate, median, p90, max, pending,
    overdue, invalid) over start..end, one row per engagement and sector."""
    groups: dict[tuple[int, str], dict[str, Any]] = {}
    open_day = min(end, as_of)
    for f in facts:
        # The report's single period ends on `end`: 01 to 04 are the PC sector from 2020-07-11.
        centre = f["section"] in ("01", "02", "03", "04") and end >= date(2020, 7, 11)
        sector = "PC" if centre else f["section"]
        for engagement in (17, 18, 19):
            g = groups.setdefault(
                (engagement, sector), {"elapsed": [], "invalid": 0, "pending": 0, "overdue": 0}
            )
            state, elapsed = status(f, engagement, as_of)
            stop = _stop(f, engagement)
            if state in ("met", "breached", "invalid") and stop and start <= stop <= end:
                if state == "invalid":
                    g["invalid"] += 1
                else:
                    g["elapsed"].append((elapsed, state == "met"))
            state, _ = status(f, engagement, open_day)
            if state in ("pending", "overdue"):
                g[state] += 1
    rows = []
    for (engagement, sector), g in sorted(groups.items()):
        values = sorted(e for e, _ in g["elapsed"])
        met = sum(1 for _, ok in g["elapsed"] if ok)
        measured = len(values)
        if not (measured or g["pending"] or g["overdue"] or g["invalid"]):
            continue
        rate = (
            str((Decimal(met) / Decimal(measured)).quantize(Decimal("0.0001"), ROUND_HALF_UP))
            if measured
            else None
        )
        rows.append(
            (engagement, sector, measured, met, measured - met, rate,
             _rank(values, 50), _rank(values, 90), values[-1] if values else None,
             g["pending"], g["overdue"], g["invalid"])
        )  # fmt: skip
    return rows


def _stop(f: dict[str, Any], engagement: int) -> date | None:
    stop: date | None = {
        19: f["second_info"],
        17: f["notified"] or f["decided"],
        18: f["ordered"],
    }[engagement]
    return stop


def _rank(values: Sequence[int], percent: int) -> int | None:
    if not values:
        return None
    return values[max(1, -(-len(values) * percent // 100)) - 1]
