"""A naive reading of PIAF bytes under the input rules of docs/mapping.md: mixed encodings,
character sets, control characters and formulas. Written from the documentation alone
(regular expressions, the csv module, plain dicts), never calling the adapters' readers,
so that it can serve as the independent expectation ingestion is checked against.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from tests.integration.ingest_helpers import (
    DATE_COLUMNS,
    OUTCOMES,
    PIAF_HEADER,
    SECTIONS,
    STATES,
    NaiveFile,
    NaiveRow,
    Unreadable,
    naive_date,
    normalized,
    records,
)

#: A well-formed UTF-8 multi-byte sequence (RFC 3629, table 3-7 of Unicode).
UTF8_SEQUENCE = re.compile(
    rb"[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}"
    rb"|\xED[\x80-\x9F][\x80-\xBF]|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}"
    rb"|\xF4[\x80-\x8F][\x80-\xBF]{2}"
)
NUMBER = re.compile(r"(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9_./-]{0,31}", re.ASCII | re.DOTALL)
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}", re.ASCII)
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
FORMULA_STARTS = ("=", "+", "-", "@")
PHYSICAL_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@dataclass(frozen=True)
class Decoded:
    """The text of a file, and the physical lines (from 1) that mix UTF-8 and Windows-1252."""

    text: str
    mixed: frozenset[int]


def decode(data: bytes) -> Decoded | None:
    """The text as docs/mapping.md says to detect it; None when the file is refused."""
    try:
        return Decoded(data.decode("utf-8-sig"), frozenset())
    except UnicodeDecodeError:
        pass
    if not UTF8_SEQUENCE.search(data):
        try:
            return Decoded(data.decode("cp1252"), frozenset())
        except UnicodeDecodeError:
            return None
    parts: list[str] = []
    mixed: set[int] = set()
    for number, match in enumerate(PHYSICAL_LINE.finditer(data), start=1):
        line = match.group()
        if number == 1:
            line = line.removeprefix(codecs.BOM_UTF8)
        try:
            parts.append(line.decode("utf-8"))
            continue
        except UnicodeDecodeError:
            pass
        if UTF8_SEQUENCE.search(line):
            mixed.add(number)
            parts.append(line.decode("cp1252", "replace"))
            continue
        try:
            parts.append(line.decode("cp1252"))
        except UnicodeDecodeError:
            return None
    return Decoded("".join(parts), frozenset(mixed))


def refused_header(decoded: Decoded, required: tuple[str, ...]) -> str:
    """Why the header refuses the file ("" when it does not)."""
    header = next(r for r in records(decoded.text) if not r.blank)
    if any(header.first <= n <= header.last for n in decoded.mixed):
        return "mixed header"
    names = {normalized(name) for name in header.fields}
    missing = [name for name in required if normalized(name) not in names]
    return f"missing {missing}" if missing else ""


def clean(value: str) -> str:
    """A field without its surrounding spaces (only spaces: a tab is a control character)."""
    return value.strip(" ")


def ascii_upper(value: str) -> str:
    """A code upper-cased; "" unless it is ASCII (no translation table here)."""
    return value.upper() if value.isascii() else ""


def naive_facts(row: Mapping[str, str], known_on: date) -> dict[str, Any]:
    """The Facts fields a PIAF row gives; raise Unreadable if it is quarantined."""
    value = {column: clean(row.get(column, "")) for column in PIAF_HEADER}
    for text in value.values():
        if CONTROL.search(text) or text.startswith(FORMULA_STARTS):
            raise Unreadable("poison")
    if not NUMBER.fullmatch(value["NUM_DOSSIER"]):
        raise Unreadable("not a number")
    section = ascii_upper(value["SECTION"])
    if len(section) == 1 and section in "123456789":
        section = "0" + section
    prestation = ascii_upper(value["PRESTATION"])
    if section not in SECTIONS or not CODE.fullmatch(prestation) or not value["DATE_DEPOT"]:
        raise Unreadable("section, prestation or filing date")
    facts: dict[str, Any] = {
        "number": value["NUM_DOSSIER"],
        "section": section,
        "prestation": prestation,
        "filed_on": naive_date(value["DATE_DEPOT"]),
    }
    for column, name in DATE_COLUMNS.items():
        facts[name] = naive_date(value[column])
    outcome, state = ascii_upper(value["SENS_DECISION"]), ascii_upper(value["ETAT"])
    if (value["SENS_DECISION"] and outcome not in OUTCOMES) or (
        value["ETAT"] and state not in STATES
    ):
        raise Unreadable("code outside the lists")
    if not outcome and (facts["decided_on"] or facts["notified_on"]):
        raise Unreadable("a decision date without SENS_DECISION")
    facts["outcome"] = outcome or None
    facts["closed_on"] = known_on if state == "CLASSE" else None
    return facts


def _without_semicolon(fields: tuple[str, ...]) -> bool:
    return len(fields) == 1 and ";" not in fields[0]


def read_extract(decoded: Decoded, known_on: date) -> NaiveFile:
    """Read a decoded PIAF text (header matched loosely, footer skipped)."""
    found = [r for r in records(decoded.text) if not r.blank]
    header, body = found[0], found[1:]
    columns = {normalized(name): i for i, name in enumerate(header.fields)}
    wanted = {name: columns.get(normalized(name)) for name in PIAF_HEADER}
    while body and body[-1].first == body[-1].last and _without_semicolon(body[-1].fields):
        body.pop()  # the footer (`Nombre de lignes : N`): trailing lines without ';'
    rows: list[NaiveRow] = []
    groups: dict[str, set[tuple[str, ...]]] = {}
    for record in body:
        mixed = any(record.first <= n <= record.last for n in decoded.mixed)
        if len(record.fields) != len(header.fields) or mixed:
            rows.append(NaiveRow(record, None, None))
            continue
        values = {n: "" if i is None else record.fields[i] for n, i in wanted.items()}
        try:
            facts: dict[str, Any] | None = naive_facts(values, known_on)
        except Unreadable:
            facts = None
        rows.append(NaiveRow(record, values, facts))
        number = clean(values["NUM_DOSSIER"])
        if NUMBER.fullmatch(number):
            groups.setdefault(number, set()).add(tuple(clean(values[c]) for c in PIAF_HEADER))
    conflicts = frozenset(number for number, versions in groups.items() if len(versions) > 1)
    return NaiveFile(rows, conflicts)
