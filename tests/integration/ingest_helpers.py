"""Helpers of the ingestion tests: writing files, running the CLI, reading stores raw, naive PIAF.

The naive reading here is written from spec/piaf-extract.md alone (csv module, regular
expressions, plain dicts) and never calls the adapters' readers, so it can serve as the
independent expectation the ingestion is checked against.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import re
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from adapters.sql_engine import engine_for
from casetrack.application import DossierTracker
from casetrack.cli import main
from casetrack.persistence import parse_url

#: The spec's default PIAF headers, in the spec's order.
PIAF_HEADER = (
    "NUM_DOSSIER",
    "SECTION",
    "PRESTATION",
    "DATE_DEPOT",
    "DATE_PREMIERE_INFO",
    "DATE_DEUXIEME_INFO",
    "DATE_DOSSIER_COMPLET",
    "DATE_DECISION",
    "SENS_DECISION",
    "DATE_NOTIFICATION",
    "DATE_VIREMENT",
    "ETAT",
)
TOPVIR_HEADER = ("NUM_DOSSIER", "DATE_ORDRE_VIREMENT", "LOT")


def piaf_line(
    number: str,
    section: str,
    prestation: str,
    filed: str,
    *,
    first: str = "",
    second: str = "",
    complete: str = "",
    decided: str = "",
    outcome: str = "",
    notified: str = "",
    ordered: str = "",
    state: str = "",
) -> str:
    """One extract line in PIAF_HEADER order (dates as PIAF writes them: JJ/MM/AAAA)."""
    values = (number, section, prestation, filed, first, second, complete)
    return ";".join((*values, decided, outcome, notified, ordered, state))


REQUIRED = ("NUM_DOSSIER", "SECTION", "PRESTATION", "DATE_DEPOT")
SECTIONS = frozenset([f"{n:02d}" for n in range(1, 21)] + ["PC"])
OUTCOMES = frozenset({"ACCORD", "REJET"})
STATES = frozenset({"EN_COURS", "DECIDE", "PAYE", "CLASSE"})
#: Date columns of the spec, and the Facts field each becomes.
DATE_COLUMNS = {
    "DATE_PREMIERE_INFO": "first_info_on",
    "DATE_DEUXIEME_INFO": "second_info_on",
    "DATE_DOSSIER_COMPLET": "completed_on",
    "DATE_DECISION": "decided_on",
    "DATE_NOTIFICATION": "notified_on",
    "DATE_VIREMENT": "ordered_on",
}


# -- writing files ---------------------------------------------------------------


def piaf_row(number: str, **values: str) -> dict[str, str]:
    """A readable PIAF row of a new dossier, with some columns given."""
    row = dict.fromkeys(PIAF_HEADER, "")
    row.update(NUM_DOSSIER=number, SECTION="05", PRESTATION="PL", DATE_DEPOT="02/01/2025")
    row.update(values)
    return row


def write_rows(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Mapping[str, str]],
    *,
    encoding: str = "cp1252",
    footer: bool = True,
) -> Path:
    """Write a `;` file the way PIAF does (CRLF, quoted where needed, a row-count footer)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
        count += 1
    if footer:
        buffer.write(f"Nombre de lignes : {count}\r\n")
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_piaf(path: Path, rows: Iterable[Mapping[str, str]], **kwargs: Any) -> Path:
    """Write a PIAF extract with the default header."""
    return write_rows(path, PIAF_HEADER, rows, **kwargs)


def write_topvir(path: Path, rows: Iterable[tuple[str, str, str]]) -> Path:
    """Write a TOPVIR file of (number, order date, batch) lines."""
    items = [dict(zip(TOPVIR_HEADER, row, strict=True)) for row in rows]
    return write_rows(path, TOPVIR_HEADER, items)


# -- running the CLI in-process ---------------------------------------------------


@dataclass(frozen=True)
class Run:
    """What one in-process `casetrack` command did."""

    code: int
    out: str
    err: str


def _trackers() -> dict[int, DossierTracker]:
    return {id(o): o for o in gc.get_objects() if isinstance(o, DossierTracker)}


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """Run `casetrack ARGV` in this process; return its exit code, stdout and stderr.

    The command's own trackers are closed afterwards: on PostgreSQL each holds a pooled
    connection that would otherwise stay open until the end of the test session.
    """
    before = set(_trackers())
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse ends --help, --version and usage errors this way
        code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    captured = capsys.readouterr()
    for ident, tracker in _trackers().items():
        if ident not in before:
            tracker.close()
    return Run(code, captured.out, captured.err)


def release_connections(request: pytest.FixtureRequest) -> None:
    """Close the pooled connections of the store a finished test used (its `db_url`).

    Each PostgreSQL test has its own schema, hence its own engine: left open, their
    connections add up to PostgreSQL's max_connections over a session.
    """
    url = request.node.funcargs.get("db_url")
    if isinstance(url, str):
        engine_for(url).dispose()


# -- reading stores without the application ----------------------------------------

EventKey = tuple[str, int, str, str]


def _events_table(url: str) -> str:
    db = parse_url(url)
    if db.backend == "sqlite":
        return "stored_events"
    return f'"{db.schema}".casetrack_events' if db.schema else "casetrack_events"


def raw_events(url: str) -> list[tuple[str, int, str, bytes]]:
    """Every stored event as (originator id, version, topic, state bytes), in storage order."""
    db = parse_url(url)
    if db.backend == "sqlite":
        assert db.path is not None
        with sqlite3.connect(db.path) as conn:
            rows = conn.execute(
                "SELECT originator_id, originator_version, topic, state FROM stored_events "
                "ORDER BY rowid"
            ).fetchall()
        return [(str(i), int(v), str(t), bytes(s)) for i, v, t, s in rows]
    statement = (
        "SELECT originator_id, originator_version, topic, state FROM "
        f"{_events_table(url)} ORDER BY notification_id"
    )
    with engine_for(url).connect() as conn:
        found = conn.execute(text(statement)).all()
    return [(str(i).replace("-", ""), int(v), str(t), bytes(s)) for i, v, t, s in found]


def event_multiset(url: str, *, topic_prefix: str = "") -> Counter[EventKey]:
    """(originator id, version, topic, state without its timestamp) of every stored event."""
    keys: Counter[EventKey] = Counter()
    for ident, version, topic, state in raw_events(url):
        if not topic.startswith(topic_prefix):
            continue
        payload = json.loads(state)
        payload.pop("timestamp", None)
        keys[(ident, version, topic, json.dumps(payload, sort_keys=True))] += 1
    return keys


def duplicate_versions(url: str) -> list[tuple[str, int]]:
    """(originator id, version) pairs stored more than once."""
    counts = Counter((ident, version) for ident, version, _, _ in raw_events(url))
    return sorted(key for key, n in counts.items() if n > 1)


def quarantine_rows(url: str) -> list[tuple[str, int, str, str]]:
    """(file, line, dossier, reason) of the quarantine table, sorted; [] before any ingest."""
    engine = engine_for(url)
    with engine.connect() as conn:
        exists = conn.dialect.has_table(conn, "casetrack_quarantine")
        if not exists:
            return []
        found = conn.execute(
            text("SELECT file, line, dossier, reason FROM casetrack_quarantine")
        ).all()
    return sorted((str(f), int(n), str(d), str(r)) for f, n, d, r in found)


# -- naive reading of PIAF files, from the spec alone -------------------------------

_DMY = re.compile(r"(\d\d)/(\d\d)/(\d{4})(?: (\d\d):(\d\d)(?::(\d\d))?)?", re.ASCII)
_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)", re.ASCII)


class Unreadable(Exception):
    """The spec says this row is quarantined."""


def naive_date(value: str) -> date | None:
    """JJ/MM/AAAA, JJ/MM/AAAA HH:MM[:SS] (time dropped) or AAAA-MM-JJ; empty is None."""
    if value == "":
        return None
    if match := _DMY.fullmatch(value):
        day, month, year, hour, minute, second = match.groups()
        if hour is not None and (int(hour) > 23 or int(minute) > 59 or int(second or 0) > 59):
            raise Unreadable(value)
    elif match := _ISO.fullmatch(value):
        year, month, day = match.groups()
    else:
        raise Unreadable(value)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise Unreadable(value) from None


def naive_section(value: str) -> str:
    """A section code; one digit is read as its two-digit code (5 is 05)."""
    code = value.upper()
    if len(code) == 1 and code in "123456789":
        code = "0" + code
    if code not in SECTIONS:
        raise Unreadable(value)
    return code


def naive_snapshot(row: Mapping[str, str], known_on: date) -> dict[str, Any]:
    """What a PIAF row says, as the Facts fields it should give; raise Unreadable if quarantined.

    `row` maps default header names to the raw field values.
    """
    value = {column: row.get(column, "").strip() for column in PIAF_HEADER}
    if not value["NUM_DOSSIER"] or not value["PRESTATION"] or not value["DATE_DEPOT"]:
        raise Unreadable("a required value is empty")
    facts: dict[str, Any] = {
        "number": value["NUM_DOSSIER"],
        "section": naive_section(value["SECTION"]),
        "prestation": value["PRESTATION"].upper(),
        "filed_on": naive_date(value["DATE_DEPOT"]),
    }
    for column, name in DATE_COLUMNS.items():
        facts[name] = naive_date(value[column])
    outcome = value["SENS_DECISION"].upper()
    state = value["ETAT"].upper()
    if (outcome and outcome not in OUTCOMES) or (state and state not in STATES):
        raise Unreadable("code outside the lists")
    if not outcome and (facts["decided_on"] or facts["notified_on"]):
        raise Unreadable("a decision date without SENS_DECISION")
    facts["outcome"] = outcome or None
    facts["closed_on"] = known_on if state == "CLASSE" else None
    return facts


def decode(data: bytes) -> str | None:
    """The text of a file as the spec says to detect it: UTF-8 (BOM or not), else cp1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return None


def normalized(name: str) -> str:
    """A header name without case, accents or surrounding spaces."""
    bare = unicodedata.normalize("NFKD", name.replace("\ufeff", ""))
    return "".join(c for c in bare if not unicodedata.combining(c)).strip().casefold()


@dataclass(frozen=True)
class Record:
    """One csv record of a file: its first and last physical lines, and its fields."""

    first: int
    last: int
    fields: tuple[str, ...]

    @property
    def blank(self) -> bool:
        """An entirely empty line."""
        return not self.fields or (len(self.fields) == 1 and not self.fields[0].strip())


def records(content: str) -> Iterator[Record]:
    """The csv records of a text (`;`, optional `"` quoting, spaces before a quote skipped)."""
    reader = csv.reader(
        io.StringIO(content, newline=""), delimiter=";", quotechar='"', skipinitialspace=True
    )
    last = 0
    for fields in reader:
        first, last = last + 1, reader.line_num
        yield Record(first, last, tuple(fields))


@dataclass(frozen=True)
class NaiveRow:
    """A data record of a PIAF file with its naive reading."""

    record: Record
    values: dict[str, str] | None  # header name -> raw field; None when the width is wrong
    facts: dict[str, Any] | None  # None when quarantined by itself

    @property
    def number(self) -> str:
        """The stripped dossier number ("" when unknown)."""
        return (self.values or {}).get("NUM_DOSSIER", "").strip()

    @property
    def mapped(self) -> tuple[str, ...]:
        """The stripped values of the spec's columns, to compare repeats."""
        values = self.values or {}
        return tuple(values.get(column, "").strip() for column in PIAF_HEADER)


@dataclass(frozen=True)
class NaiveFile:
    """A PIAF file read naively: its data rows and the dossier numbers repeated with conflicts."""

    rows: list[NaiveRow]
    conflicts: frozenset[str]

    def accepted(self) -> Iterator[NaiveRow]:
        """Rows the spec says are ingested, in file order."""
        for row in self.rows:
            if row.facts is not None and row.number not in self.conflicts:
                yield row


def _without_semicolon(fields: tuple[str, ...]) -> bool:
    return len(fields) == 1 and ";" not in fields[0]


def read_piaf(content: str, known_on: date) -> NaiveFile:
    """Read a PIAF text as the spec describes (header matched loosely, footer skipped)."""
    found = [r for r in records(content) if not r.blank]
    header, body = found[0], found[1:]
    columns = {normalized(name): i for i, name in enumerate(header.fields)}
    wanted = {name: columns.get(normalized(name)) for name in PIAF_HEADER}
    while body and body[-1].first == body[-1].last and _without_semicolon(body[-1].fields):
        body.pop()  # the footer (`Nombre de lignes : N`): trailing lines without ';'
    rows: list[NaiveRow] = []
    for record in body:
        if len(record.fields) != len(header.fields):
            rows.append(NaiveRow(record, None, None))
            continue
        values = {
            name: "" if index is None else record.fields[index] for name, index in wanted.items()
        }
        try:
            facts: dict[str, Any] | None = naive_snapshot(values, known_on)
        except Unreadable:
            facts = None
        rows.append(NaiveRow(record, values, facts))
    seen: dict[str, set[tuple[str, ...]]] = {}
    for row in rows:
        if row.values is not None and row.number:
            seen.setdefault(row.number, set()).add(row.mapped)
    conflicts = frozenset(number for number, versions in seen.items() if len(versions) > 1)
    return NaiveFile(rows, conflicts)


FACT_FIELDS = (
    "section",
    "prestation",
    "filed_on",
    "first_info_on",
    "second_info_on",
    "completed_on",
    "decided_on",
    "notified_on",
    "outcome",
    "closed_on",
)


def facts_view(facts: Any) -> dict[str, Any]:
    """The compared fields of a Facts object (payment and batch left out)."""
    return {name: getattr(facts, name) for name in FACT_FIELDS}
