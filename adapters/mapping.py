"""Header names and code translations of a site's export: built-in defaults or a TOML file."""

from __future__ import annotations

import collections.abc as cabc
import tomllib
import unicodedata
from pathlib import Path
from types import MappingProxyType
from typing import Final

from attrs import Attribute, field, frozen

from adapters.fieldrules import CODE_SET, is_code, poisoned
from casetrack.errors import ConfigurationError
from casetrack.facts import OUTCOMES, SECTIONS

#: Canonical PIAF fields, in the order of `RawRow.fields`.
PIAF_FIELDS: Final = (
    "number",
    "section",
    "prestation",
    "filed_on",
    "first_info_on",
    "second_info_on",
    "completed_on",
    "decided_on",
    "outcome",
    "notified_on",
    "ordered_on",
    "state",
)
#: Canonical TOPVIR fields, in the order of `RawRow.fields`.
TOPVIR_FIELDS: Final = ("number", "ordered_on", "batch")

#: Default PIAF header of each canonical field (spec: piaf-extract.md).
PIAF_HEADERS: Final[cabc.Mapping[str, str]] = MappingProxyType(
    {
        "number": "NUM_DOSSIER",
        "section": "SECTION",
        "prestation": "PRESTATION",
        "filed_on": "DATE_DEPOT",
        "first_info_on": "DATE_PREMIERE_INFO",
        "second_info_on": "DATE_DEUXIEME_INFO",
        "completed_on": "DATE_DOSSIER_COMPLET",
        "decided_on": "DATE_DECISION",
        "outcome": "SENS_DECISION",
        "notified_on": "DATE_NOTIFICATION",
        "ordered_on": "DATE_VIREMENT",
        "state": "ETAT",
    }
)
#: Default TOPVIR header of each canonical field.
TOPVIR_HEADERS: Final[cabc.Mapping[str, str]] = MappingProxyType(
    {"number": "NUM_DOSSIER", "ordered_on": "DATE_ORDRE_VIREMENT", "batch": "LOT"}
)

#: Values of the ETAT column; `CLASSE` closes a dossier without a decision.
STATES: Final = frozenset({"EN_COURS", "DECIDE", "PAYE", "CLASSE"})
CLOSED: Final = "CLASSE"

#: Canonical values each code table may translate to (None: any non-empty code).
_CODE_TARGETS: Final[dict[str, frozenset[str] | None]] = {
    "section_codes": SECTIONS,
    "prestation_codes": None,
    "outcome_codes": OUTCOMES,
    "state_codes": STATES,
}
_HEADER_TABLES: Final = {"headers": PIAF_HEADERS, "topvir_headers": TOPVIR_HEADERS}
TABLES: Final = (*_HEADER_TABLES, *_CODE_TARGETS)


def normalize_header(name: str) -> str:
    """Return a header name without case, accents, BOM or surrounding spaces, for matching."""
    decomposed = unicodedata.normalize("NFKD", name.replace("\ufeff", ""))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.strip().casefold()


def _piaf_headers(given: cabc.Mapping[str, str]) -> cabc.Mapping[str, str]:
    return MappingProxyType({**PIAF_HEADERS, **{k: v.strip() for k, v in given.items()}})


def _topvir_headers(given: cabc.Mapping[str, str]) -> cabc.Mapping[str, str]:
    return MappingProxyType({**TOPVIR_HEADERS, **{k: v.strip() for k, v in given.items()}})


def _codes(given: cabc.Mapping[str, str]) -> cabc.Mapping[str, str]:
    return MappingProxyType({k.strip().upper(): v.strip().upper() for k, v in given.items()})


def _check_headers(
    _: Mapping, attribute: Attribute[cabc.Mapping[str, str]], value: cabc.Mapping[str, str]
) -> None:
    known = _HEADER_TABLES[attribute.name]
    seen: dict[str, str] = {}
    for key, name in value.items():
        if key not in known:
            choices = ", ".join(known)
            raise ConfigurationError(f"[{attribute.name}] unknown field {key!r} (known: {choices})")
        if not name:
            raise ConfigurationError(f"[{attribute.name}] {key}: the header name is empty")
        other = seen.setdefault(normalize_header(name), key)
        if other != key:
            raise ConfigurationError(
                f"[{attribute.name}] {other} and {key} both name the column {name!r}"
            )


def _check_codes(
    _: Mapping, attribute: Attribute[cabc.Mapping[str, str]], value: cabc.Mapping[str, str]
) -> None:
    allowed = _CODE_TARGETS[attribute.name]
    for code, target in value.items():
        if not code or not target:
            raise ConfigurationError(f"[{attribute.name}] codes must not be empty")
        if poisoned(code):
            # Such a value quarantines its row before any translation; the readers rely on
            # translated values being clean.
            raise ConfigurationError(
                f"[{attribute.name}] {code!r}: a site code must not hold a control character "
                "or start with =, +, - or @"
            )
        if allowed is None and not is_code(target):
            raise ConfigurationError(
                f"[{attribute.name}] {code!r} = {target!r}: not a canonical code "
                f"(ASCII {CODE_SET}, starting with a letter or a digit)"
            )
        if allowed is not None and target not in allowed:
            choices = ", ".join(sorted(allowed))
            raise ConfigurationError(
                f"[{attribute.name}] {code!r} = {target!r}: not one of {choices}"
            )


def _empty() -> cabc.Mapping[str, str]:
    return MappingProxyType({})


@frozen(hash=False)
class Mapping:
    """How a site's export names its columns and codes; anything not given keeps the default.

    Code tables translate a site code (matched upper-cased) to the canonical one.
    """

    headers: cabc.Mapping[str, str] = field(
        factory=_empty, converter=_piaf_headers, validator=_check_headers
    )
    topvir_headers: cabc.Mapping[str, str] = field(
        factory=_empty, converter=_topvir_headers, validator=_check_headers
    )
    section_codes: cabc.Mapping[str, str] = field(
        factory=_empty, converter=_codes, validator=_check_codes
    )
    prestation_codes: cabc.Mapping[str, str] = field(
        factory=_empty, converter=_codes, validator=_check_codes
    )
    outcome_codes: cabc.Mapping[str, str] = field(
        factory=_empty, converter=_codes, validator=_check_codes
    )
    state_codes: cabc.Mapping[str, str] = field(
        factory=_empty, converter=_codes, validator=_check_codes
    )


DEFAULT_MAPPING: Final = Mapping()


def load_mapping(path: Path) -> Mapping:
    """Read a mapping file (TOML); raise ConfigurationError naming the file and the key."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        problem = f"cannot be read ({error.strerror})"
    except UnicodeDecodeError:
        problem = "is not UTF-8 text"
    else:
        problem = ""
    if problem:
        raise ConfigurationError(f"mapping file {path}: {problem}")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        problem = f"not valid TOML ({error})"
    if problem:
        raise ConfigurationError(f"mapping file {path}: {problem}")
    tables: dict[str, dict[str, str]] = {}
    for key, table in document.items():
        problem = _type_problem(key, table)
        if problem:
            raise ConfigurationError(f"mapping file {path}: {problem}")
        tables[key] = table
    try:
        return Mapping(**tables)
    except ConfigurationError as error:
        problem = str(error)
    raise ConfigurationError(f"mapping file {path}: {problem}")


def _type_problem(key: str, table: object) -> str:
    """Describe what is wrong with the types of one top-level entry ("" if nothing)."""
    if key not in TABLES:
        return f"unknown key {key!r} (expected tables: {', '.join(TABLES)})"
    if not isinstance(table, dict):
        return f"{key!r} must be a table ([{key}])"
    for name, value in table.items():
        if not isinstance(value, str):
            return f"[{key}] {name}: expected a string, found {type(value).__name__}"
    return ""
