"""A naive, independent computation of measures and reports straight from the raw extracts.

Written from spec/piaf-extract.md and spec/measures.md alone, for the integration tests:
the PIAF and TOPVIR files are read with the csv module, each dossier's facts "as known
at K" are rebuilt from the snapshots dated on or before K (never from casetrack's
events), and measures and reports follow the spec's steps one by one, counting working
days one day at a time with workalendar's France calendar. Nothing here imports
casetrack's measures, clocks, reporting or calendar (nor anything else of casetrack).
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import NamedTuple

from workalendar.europe import France

# -- the input contract (piaf-extract.md) ----------------------------------------------

#: Spec header -> field name of the naive facts.
PIAF_COLUMNS = {
    "NUM_DOSSIER": "number",
    "SECTION": "section",
    "PRESTATION": "prestation",
    "DATE_DEPOT": "filed_on",
    "DATE_PREMIERE_INFO": "first_info_on",
    "DATE_DEUXIEME_INFO": "second_info_on",
    "DATE_DOSSIER_COMPLET": "completed_on",
    "DATE_DECISION": "decided_on",
    "SENS_DECISION": "outcome",
    "DATE_NOTIFICATION": "notified_on",
    "DATE_VIREMENT": "ordered_on",
    "ETAT": "state",
}
PIAF_DATES = (
    "filed_on",
    "first_info_on",
    "second_info_on",
    "completed_on",
    "decided_on",
    "notified_on",
    "ordered_on",
)
SECTIONS = frozenset([f"{n:02d}" for n in range(1, 21)] + ["PC"])
OUTCOMES = frozenset({"ACCORD", "REJET"})
STATES = frozenset({"EN_COURS", "DECIDE", "PAYE", "CLASSE"})
PARIS_CENTRE_FROM = date(2020, 7, 11)
_FR_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})(?: \d{2}:\d{2}(?::\d{2})?)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FILE_DATE = re.compile(r"_(\d{4})(\d{2})(\d{2})")


class Unreadable(ValueError):
    """A row the spec says must be quarantined."""


def parse_date(text: str) -> date | None:
    """`JJ/MM/AAAA` (time dropped) or ISO; None when empty; Unreadable otherwise."""
    text = text.strip()
    if not text:
        return None
    french = _FR_DATE.fullmatch(text)
    iso = _ISO_DATE.fullmatch(text)
    try:
        if french:
            return date(int(french[3]), int(french[2]), int(french[1]))
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        pass
    msg = f"unparseable date {text!r}"
    raise Unreadable(msg)


def file_date(path: Path) -> date:
    """The extraction date written `_AAAAMMJJ` in a file name."""
    found = _FILE_DATE.search(path.name)
    if found is None:
        msg = f"{path.name} has no _AAAAMMJJ date"
        raise ValueError(msg)
    return date(int(found[1]), int(found[2]), int(found[3]))


def _header_key(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.strip()).encode("ascii", "ignore").decode()
    return plain.upper()


def read_records(path: Path) -> list[dict[str, str]]:
    """The data lines of a `;` file as header -> stripped value, footer and blank lines skipped."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header = [_header_key(h) for h in rows[0]]
    records = []
    for row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) == 1 and row[0].strip().startswith("Nombre de lignes"):
            continue
        records.append({h: v.strip() for h, v in zip(header, row, strict=False)})
    return records


@dataclass(frozen=True)
class Snapshot:
    """What one readable PIAF row says."""

    section: str
    prestation: str
    filed_on: date
    first_info_on: date | None
    second_info_on: date | None
    completed_on: date | None
    decided_on: date | None
    outcome: str | None
    notified_on: date | None
    ordered_on: date | None
    closed: bool


def snapshot_of(values: dict[str, str]) -> Snapshot:
    """The row's snapshot, or Unreadable for the spec's reasons."""
    if not values["number"]:
        raise Unreadable("no dossier number")
    section = values["section"].upper()
    if section not in SECTIONS:
        raise Unreadable("unknown section")
    prestation = values["prestation"].upper()
    if not prestation:
        raise Unreadable("empty prestation")
    dates = {name: parse_date(values[name]) for name in PIAF_DATES}
    if dates["filed_on"] is None:
        raise Unreadable("no filing date")
    outcome = values["outcome"].upper() or None
    if outcome is not None and outcome not in OUTCOMES:
        raise Unreadable("unknown SENS_DECISION")
    state = values["state"].upper()
    if state and state not in STATES:
        raise Unreadable("unknown ETAT")
    if outcome is None and (dates["decided_on"] or dates["notified_on"]):
        raise Unreadable("decision date without SENS_DECISION")
    return Snapshot(
        section=section,
        prestation=prestation,
        filed_on=dates["filed_on"],
        first_info_on=dates["first_info_on"],
        second_info_on=dates["second_info_on"],
        completed_on=dates["completed_on"],
        decided_on=dates["decided_on"],
        outcome=outcome,
        notified_on=dates["notified_on"],
        ordered_on=dates["ordered_on"],
        closed=state == "CLASSE",
    )


def piaf_file(path: Path) -> dict[str, Snapshot | None]:
    """Dossier number -> its snapshot in this extract (None: unreadable, keeps earlier state)."""
    by_number: dict[str, list[dict[str, str]]] = {}
    for record in read_records(path):
        values = {field: record.get(header, "") for header, field in PIAF_COLUMNS.items()}
        by_number.setdefault(values["number"], []).append(values)
    found: dict[str, Snapshot | None] = {}
    for number, rows in by_number.items():
        if not number:
            continue  # no number: quarantined, and it belongs to no dossier
        if any(row != rows[0] for row in rows):
            found[number] = None  # repeated with different values: every row set aside
            continue
        try:
            found[number] = snapshot_of(rows[0])
        except Unreadable:
            found[number] = None
    return found


def topvir_file(path: Path) -> dict[str, date]:
    """Dossier number -> earliest transfer order date of this TOPVIR file (readable lines)."""
    found: dict[str, date] = {}
    for record in read_records(path):
        number = record.get("NUM_DOSSIER", "")
        try:
            ordered = parse_date(record.get("DATE_ORDRE_VIREMENT", ""))
        except Unreadable:
            continue
        if not number or ordered is None:
            continue
        if number not in found or ordered < found[number]:
            found[number] = ordered
    return found


# -- facts as known at K ---------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """A dossier's facts as known at some date."""

    number: str
    section: str
    prestation: str
    filed_on: date
    first_info_on: date | None = None
    second_info_on: date | None = None
    completed_on: date | None = None
    decided_on: date | None = None
    outcome: str | None = None
    notified_on: date | None = None
    ordered_on: date | None = None
    ordered_by_piaf: bool = False
    closed_on: date | None = None


class Extracts:
    """A generated year's PIAF extracts and TOPVIR files, read once, by extraction date."""

    def __init__(self, piaf: Iterable[Path], topvir: Iterable[Path]) -> None:
        """Read all the files once."""
        self.piaf = {file_date(p): piaf_file(p) for p in piaf}
        self.topvir = {file_date(p): topvir_file(p) for p in topvir}
        self.dates = sorted(set(self.piaf) | set(self.topvir))

    @property
    def latest(self) -> date:
        """The latest extraction date."""
        return self.dates[-1]

    def facts_at(self, known_at: date | None = None) -> dict[str, Facts]:
        """Dossier number -> facts from the files dated on or before `known_at` (all if None).

        For each date, the PIAF extract is taken first, then the TOPVIR file of that date.
        """
        state: dict[str, Facts] = {}
        for day in self.dates:
            if known_at is not None and day > known_at:
                break
            for number, snap in self.piaf.get(day, {}).items():
                if snap is not None:
                    state[number] = _apply_snapshot(state.get(number), number, snap, day)
            for number, ordered in self.topvir.get(day, {}).items():
                facts = state.get(number)
                if facts is None:
                    continue  # unknown dossier: quarantined
                if facts.ordered_on is None or ordered < facts.ordered_on:
                    state[number] = replace(facts, ordered_on=ordered, ordered_by_piaf=False)
        return state


def _apply_snapshot(old: Facts | None, number: str, snap: Snapshot, day: date) -> Facts:
    """The facts after a readable snapshot extracted on `day`."""
    ordered, by_piaf = (None, False) if old is None else (old.ordered_on, old.ordered_by_piaf)
    if snap.ordered_on is None:
        if by_piaf:  # an empty DATE_VIREMENT withdraws only what PIAF itself gave
            ordered, by_piaf = None, False
    elif snap.ordered_on != ordered:
        ordered, by_piaf = snap.ordered_on, True
    closed_on = None
    if snap.closed:
        closed_on = day if old is None or old.closed_on is None else old.closed_on
    return Facts(
        number=number,
        section=snap.section,
        prestation=snap.prestation,
        filed_on=snap.filed_on,
        first_info_on=snap.first_info_on,
        second_info_on=snap.second_info_on,
        completed_on=snap.completed_on,
        decided_on=snap.decided_on,
        outcome=snap.outcome,
        notified_on=snap.notified_on,
        ordered_on=ordered,
        ordered_by_piaf=by_piaf,
        closed_on=closed_on,
    )


# -- measures (measures.md, "Per dossier, step by step") --------------------------------

PRESTATIONS = frozenset({"PL", "PLF", "PLFM", "PARISOL", "PLPAPH", "CSP"})
ENGAGEMENTS = (17, 18, 19)
LIMITS = {17: 15, 18: 15, 19: 7}
WORKING_DAYS = frozenset({19})
_FRANCE = France()
_DAY = timedelta(days=1)


class Measure(NamedTuple):
    """One measure as the spec lists it."""

    start: date | None
    stop: date | None
    due: date | None
    elapsed: int | None
    status: str


NOT_APPLICABLE = Measure(None, None, None, None, "not_applicable")


@functools.cache
def is_working(day: date) -> bool:
    """Monday to Friday and not a French public holiday (no closure days configured)."""
    return day.weekday() < 5 and bool(_FRANCE.is_working_day(day))


@functools.cache
def working_days_between(start: date, stop: date) -> int:
    """Working days d with start < d <= stop, one day at a time."""
    count, day = 0, start + _DAY
    while day <= stop:
        count += is_working(day)
        day += _DAY
    return count


@functools.cache
def nth_working_day_after(start: date, n: int) -> date:
    """The n-th working day after start."""
    day, found = start, 0
    while found < n:
        day += _DAY
        found += is_working(day)
    return day


def _known_by(day: date | None, as_of: date) -> bool:
    return day is not None and day <= as_of


def clock_dates(facts: Facts, engagement: int) -> tuple[date | None, date | None]:
    """The spec table's start and stop, with the PIAF fallbacks."""
    decision = facts.decided_on or facts.notified_on
    notification = facts.notified_on or facts.decided_on
    if engagement == 19:
        return facts.first_info_on or facts.filed_on, facts.second_info_on
    if engagement == 17:
        return facts.completed_on, notification
    return decision, facts.ordered_on


def measure(facts: Facts, engagement: int, as_of: date) -> Measure | None:
    """The measure at `as_of`, None when the clock has not started."""
    if facts.prestation not in PRESTATIONS:
        return NOT_APPLICABLE
    decision = facts.decided_on or facts.notified_on
    if engagement == 18 and facts.outcome == "REJET" and _known_by(decision, as_of):
        return NOT_APPLICABLE
    if (
        engagement == 19
        and not _known_by(facts.second_info_on, as_of)
        and (_known_by(facts.completed_on, as_of) or _known_by(facts.closed_on, as_of))
    ):
        return NOT_APPLICABLE
    start, stop = clock_dates(facts, engagement)
    if start is None or start > as_of:
        return None
    limit = LIMITS[engagement]
    working = engagement in WORKING_DAYS
    due = nth_working_day_after(start, limit) if working else start + timedelta(days=limit)

    def elapsed_to(end: date) -> int:
        return working_days_between(start, end) if working else (end - start).days

    if stop is not None and stop <= as_of:
        if stop < start:
            return Measure(start, stop, due, None, "invalid")
        elapsed = elapsed_to(stop)
        return Measure(start, stop, due, elapsed, "met" if elapsed <= limit else "breached")
    if _known_by(facts.closed_on, as_of):
        return NOT_APPLICABLE
    elapsed = elapsed_to(as_of)
    return Measure(start, None, due, elapsed, "pending" if elapsed <= limit else "overdue")


MEASURE_COLUMNS = (
    *("dossier", "section", "prestation", "engagement"),
    *("start", "stop", "due", "elapsed", "status"),
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def measure_table(facts: dict[str, Facts], as_of: date) -> list[list[str]]:
    """`casetrack measures --format csv` as rows of strings, header first."""
    table = [list(MEASURE_COLUMNS)]
    for number in sorted(facts):
        f = facts[number]
        for engagement in ENGAGEMENTS:
            m = measure(f, engagement, as_of)
            if m is None:
                continue
            table.append([number, f.section, f.prestation, str(engagement)] + [_cell(v) for v in m])
    return table


# -- reports (measures.md, "Reports") --------------------------------------------------

KEYS = ("engagement", "section", "prestation", "period")
FIGURES = (
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


def sector_of(section: str, on: date) -> str:
    """Sections 01 to 04 are the PC sector from 2020-07-11."""
    if section in {"01", "02", "03", "04"} and on >= PARIS_CENTRE_FROM:
        return "PC"
    return section


class Period(NamedTuple):
    """A clipped calendar period."""

    label: str | None
    first: date
    last: date


def _month_label(first: date, kind: str) -> str:
    if kind == "month":
        return f"{first.year}-{first.month:02d}"
    if kind == "quarter":
        return f"{first.year}-T{(first.month + 2) // 3}"
    return str(first.year)


def report_periods(start: date, end: date, as_of: date, kind: str | None) -> list[Period]:
    """Calendar periods meeting start..end, clipped, leaving out those starting after as_of."""
    if kind is None:
        return [Period(None, start, end)]
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    periods = []
    day = date(start.year, 1, 1)
    while day <= end:
        index = day.year * 12 + day.month - 1 + months
        following = date(index // 12, index % 12 + 1, 1)
        last = following - _DAY
        if last >= start:
            clipped = Period(_month_label(day, kind), max(day, start), min(last, end))
            if clipped.first <= as_of:
                periods.append(clipped)
        day = following
    return periods


def nearest_rank(values: Sequence[int], percent: int) -> int:
    """The ceil(percent/100 * n)-th smallest value."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))
    return ordered[rank - 1]


@dataclass
class _Group:
    met: int = 0
    breached: int = 0
    invalid: int = 0
    pending: int = 0
    overdue: int = 0
    elapsed: list[int] = field(default_factory=list)


def report_table(
    facts: Iterable[Facts],
    *,
    start: date,
    end: date,
    as_of: date,
    by: Sequence[str] = KEYS,
    period: str = "month",
    engagement: int | None = None,
    section: str | None = None,
    prestation: str | None = None,
) -> list[list[str]]:
    """`casetrack report --format csv` as rows of strings, header first."""
    periods = report_periods(start, end, as_of, period if "period" in by else None)
    groups: dict[tuple[object, ...], _Group] = {}

    def group(f: Facts, number: int, p: Period) -> _Group | None:
        sector = sector_of(f.section, p.last)
        if section is not None and section not in (sector, f.section):
            return None
        values = {"engagement": number, "section": sector, "prestation": f.prestation}
        values["period"] = p.label
        key = tuple(values[k] for k in KEYS if k in by)
        return groups.setdefault(key, _Group())

    for f in facts:
        if prestation is not None and f.prestation != prestation:
            continue
        for number in ENGAGEMENTS:
            if engagement is not None and number != engagement:
                continue
            m = measure(f, number, as_of)
            if m is not None and m.status in ("met", "breached", "invalid"):
                assert m.stop is not None
                home = [p for p in periods if p.first <= m.stop <= p.last]
                g = group(f, number, home[0]) if home else None
                if g is not None:
                    if m.status == "invalid":
                        g.invalid += 1
                    else:
                        setattr(g, m.status, getattr(g, m.status) + 1)
                        assert m.elapsed is not None
                        g.elapsed.append(m.elapsed)
            for p in periods:
                at = measure(f, number, min(p.last, as_of))
                if at is not None and at.status in ("pending", "overdue"):
                    g = group(f, number, p)
                    if g is not None:
                        g.pending += at.status == "pending"
                        g.overdue += at.status == "overdue"
    header = [k for k in KEYS if k in by] + list(FIGURES)
    lines = []
    for key, g in sorted(groups.items(), key=lambda item: _sortable(item[0])):
        measured = g.met + g.breached
        if not (measured or g.pending or g.overdue or g.invalid):
            continue
        values = g.elapsed
        rate = (
            str((Decimal(g.met) / Decimal(measured)).quantize(Decimal("0.0001"), ROUND_HALF_UP))
            if measured
            else ""
        )
        figures = [measured, g.met, g.breached, rate]
        if values:
            figures += [nearest_rank(values, 50), nearest_rank(values, 90), max(values)]
        else:
            figures += ["", "", ""]
        figures += [g.pending, g.overdue, g.invalid]
        lines.append([_cell(k) for k in key] + [_cell(v) for v in figures])
    return [header, *lines]


def _sortable(key: tuple[object, ...]) -> tuple[tuple[int, object], ...]:
    return tuple((0, k) if isinstance(k, int) else (1, str(k)) for k in key)


def parse_csv(text: str) -> list[list[str]]:
    """A CSV text as rows of strings."""
    return list(csv.reader(io.StringIO(text)))


def measured_sectors(
    facts: dict[str, Facts], start: date, end: date, as_of: date
) -> dict[str, set[str]]:
    """Sector -> dossiers with a met or breached measure stopping in start..end (at as_of)."""
    found: dict[str, set[str]] = {}
    for number, f in facts.items():
        for engagement in ENGAGEMENTS:
            m = measure(f, engagement, as_of)
            if m is not None and m.status in ("met", "breached"):
                assert m.stop is not None
                if start <= m.stop <= end:
                    found.setdefault(sector_of(f.section, m.stop), set()).add(number)
    return found
