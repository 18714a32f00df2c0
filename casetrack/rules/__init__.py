"""Rule sets as data: engagements, limits and conditions read from TOML files."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypeVar

from casetrack.errors import RuleSetError
from casetrack.facts import FACT_NAMES, OUTCOMES
from casetrack.rules.model import UNITS, Engagement, RuleSet, Unit, Version
from casetrack.rules.versions import VERSIONS_HELP, combine

_T = TypeVar("_T")
DEFAULT_RULE_SET: Final = "CASVP-2014-05"
__all__ = [
    "DEFAULT_RULE_SET",
    "UNITS",
    "Engagement",
    "RuleSet",
    "Unit",
    "Version",
    "default_rule_set",
    "load_rule_set",
    "parse_rule_set",
]


def load_rule_set(path: Path) -> RuleSet:
    """Load a rule set from a TOML file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: cannot read rule set ({exc}); check the path and the TOML syntax"
        raise RuleSetError(msg) from exc
    return parse_rule_set(data, source=str(path))


def default_rule_set() -> RuleSet:
    """The built-in CASVP-2014-05 rule set."""
    text = resources.files(__package__).joinpath("casvp-2014-05.toml").read_text("utf-8")
    return parse_rule_set(tomllib.loads(text), source="CASVP-2014-05 (built in)")


def parse_rule_set(data: dict[str, Any], *, source: str) -> RuleSet:
    """Build a rule set from parsed TOML, checking every field.

    A file with `[[versions]]` holds several versions of the référentiel, each with its
    `effective_from`; any other file is one version (docs/measures.md, "Rule-set versions").
    """
    if "versions" not in data:
        one = _version(data, source, "rule set", _FORMAT_HELP)
        return RuleSet(one.id, one.title, one.effective_from, one.engagements)
    unknown = sorted(set(data) - _FILE_KEYS)
    if unknown:
        msg = (
            f"{source}: keys {unknown} cannot sit beside [[versions]]: in a file with "
            f"versions, each [[versions]] table has its own id, title, effective_from, "
            f"roll_due_forward and [[versions.engagements]]; {VERSIONS_HELP}"
        )
        raise RuleSetError(msg)
    items = data["versions"]
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        msg = f"{source}: versions must be one or more [[versions]] tables; {VERSIONS_HELP}"
        raise RuleSetError(msg)
    if not isinstance(data.get("id"), str):
        msg = f"{source}: a file with [[versions]] needs a top-level id (text); {VERSIONS_HELP}"
        raise RuleSetError(msg)
    title = data.get("title", data["id"])
    if not isinstance(title, str):
        msg = f"{source}: title must be str, not {title!r}; {VERSIONS_HELP}"
        raise RuleSetError(msg)
    versions = [
        _version(item, f"{source}: version {n}", "version", VERSIONS_HELP)
        for n, item in enumerate(items, start=1)
    ]
    return combine(versions, id=data["id"], title=title, source=source)


def _version(table: dict[str, Any], where: str, kind: str, help_text: str) -> Version:
    """One version: a single-version file, or one [[versions]] table."""
    try:
        _known_keys(table, _RULE_SET_KEYS, kind)
        version_id = _typed(table["id"], str, "id")
        roll = _typed(table.get("roll_due_forward", False), bool, "roll_due_forward")
        engagements = tuple(_engagement(item, roll, version_id) for item in table["engagements"])
        version = Version(
            id=version_id,
            title=_typed(table.get("title", version_id), str, "title"),
            effective_from=_day(table["effective_from"]),
            engagements=engagements,
        )
    except KeyError as exc:
        msg = f"{where}: missing key {exc}; {help_text}"
        raise RuleSetError(msg) from exc
    except (TypeError, ValueError) as exc:
        msg = f"{where}: {exc}; {help_text}"
        raise RuleSetError(msg) from exc
    numbers = [e.number for e in engagements]
    if len(set(numbers)) != len(numbers):
        msg = f"{where}: engagement numbers repeat ({numbers})"
        raise RuleSetError(msg)
    return version


_FORMAT_HELP: Final = "see casetrack/rules/casvp-2014-05.toml"
_FILE_KEYS: Final = frozenset({"id", "title", "versions"})
_RULE_SET_KEYS: Final = frozenset(
    {"id", "title", "effective_from", "roll_due_forward", "engagements"}
)
_ENGAGEMENT_KEYS: Final = frozenset(
    {
        "number",
        "label",
        "start",
        "stop",
        "limit",
        "unit",
        "prestations",
        "roll_due_forward",
        "not_applicable_without_stop_once",
        "not_applicable_after_outcome",
    }
)


def _known_keys(table: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    # A misspelt key silently ignored would measure against the file's intent.
    unknown = sorted(set(table) - allowed)
    if unknown:
        msg = f"{where}: unknown keys {unknown}; allowed keys are {sorted(allowed)}"
        raise ValueError(msg)


def _engagement(item: dict[str, Any], roll_default: bool, version: str) -> Engagement:
    number = _typed(item["number"], int, "number")
    _known_keys(item, _ENGAGEMENT_KEYS, f"engagement {number}")
    unit = item["unit"]
    if unit not in UNITS:
        msg = f"engagement {number}: unit must be one of {UNITS}, not {unit!r}"
        raise ValueError(msg)
    facts = {
        key: tuple(_facts(_list(item.get(key, []), key), f"engagement {number}: {key}"))
        for key in ("start", "stop", "not_applicable_without_stop_once")
    }
    if not facts["start"] or not facts["stop"]:
        msg = f"engagement {number}: start and stop need at least one fact"
        raise ValueError(msg)
    outcomes = frozenset(
        _list(item.get("not_applicable_after_outcome", []), "not_applicable_after_outcome")
    )
    if not outcomes <= OUTCOMES:
        msg = f"engagement {number}: outcomes must be among {sorted(OUTCOMES)}"
        raise ValueError(msg)
    limit = _typed(item["limit"], int, "limit")
    if limit < 0:
        msg = f"engagement {number}: limit must not be negative"
        raise ValueError(msg)
    return Engagement(
        number=number,
        label=_typed(item.get("label", f"Engagement {number}"), str, "label"),
        start=facts["start"],
        stop=facts["stop"],
        limit=limit,
        unit=unit,
        prestations=frozenset(
            _typed(p, str, "prestations") for p in _list(item["prestations"], "prestations")
        ),
        roll_due_forward=_typed(item.get("roll_due_forward", roll_default), bool, "roll"),
        not_applicable_without_stop_once=facts["not_applicable_without_stop_once"],
        not_applicable_after_outcome=outcomes,
        version=version,
    )


def _list(value: Any, key: str) -> list[Any]:
    # A bare string would otherwise be read letter by letter ("PL" as "P" and "L").
    if not isinstance(value, list):
        msg = f'{key} must be a list, such as ["PL", "CSP"], not {value!r}'
        raise TypeError(msg)
    return value


def _facts(names: list[Any], where: str) -> list[str]:
    unknown = [n for n in names if n not in FACT_NAMES]
    if unknown:
        msg = f"{where}: unknown facts {unknown}; known facts are {sorted(FACT_NAMES)}"
        raise ValueError(msg)
    return list(names)


def _day(value: Any) -> date:
    # A TOML date-time is a `datetime`, a `date` subclass: versions compare by day only.
    if isinstance(value, datetime):
        msg = f"effective_from must be a date such as 2024-01-01, not {value.isoformat()}"
        raise TypeError(msg)
    return _typed(value, date, "effective_from")


def _typed(value: Any, kind: type[_T], key: str) -> _T:
    # bool is an int subclass: a limit of `true` must not pass as 1.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        msg = f"{key} must be {kind.__name__}, not {value!r}"
        raise TypeError(msg)
    return value
