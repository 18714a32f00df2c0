"""Rule sets as data: engagements, limits and conditions read from TOML files."""

from __future__ import annotations

import hashlib
import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

from attrs import frozen

from casetrack.errors import RuleSetError
from casetrack.facts import FACT_NAMES, OUTCOMES

_T = TypeVar("_T")
Unit = Literal["working_days", "calendar_days"]
UNITS: Final = ("working_days", "calendar_days")
DEFAULT_RULE_SET: Final = "CASVP-2014-05"


@frozen
class Engagement:
    """One delay commitment: a clock between two facts, with a limit."""

    number: int
    label: str
    start: tuple[str, ...]
    stop: tuple[str, ...]
    limit: int
    unit: Unit
    prestations: frozenset[str]
    roll_due_forward: bool = False
    not_applicable_without_stop_once: tuple[str, ...] = ()
    not_applicable_after_outcome: frozenset[str] = frozenset()

    @property
    def unit_label(self) -> str:
        """French label of the unit, for reports."""
        return "jours ouvrés" if self.unit == "working_days" else "jours calendaires"


@frozen
class RuleSet:
    """A version of the référentiel: its engagements and the date it takes effect."""

    id: str
    title: str
    effective_from: date
    engagements: tuple[Engagement, ...]

    def engagement(self, number: int) -> Engagement:
        """Return the engagement with this number."""
        for engagement in self.engagements:
            if engagement.number == number:
                return engagement
        known = ", ".join(str(e.number) for e in self.engagements)
        msg = f"rule set {self.id} has no engagement {number} (it has {known})"
        raise RuleSetError(msg)

    @property
    def fingerprint(self) -> str:
        """A digest of the rules, the same in every process (sets are sorted)."""
        parts = [self.id, self.effective_from.isoformat()]
        for e in self.ordered:
            parts.append(
                f"{e.number}|{e.start}|{e.stop}|{e.limit}|{e.unit}|{sorted(e.prestations)}|"
                f"{e.roll_due_forward}|{e.not_applicable_without_stop_once}|"
                f"{sorted(e.not_applicable_after_outcome)}"
            )
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

    @property
    def ordered(self) -> tuple[Engagement, ...]:
        """Engagements in the order reports list them (17, 18, 19)."""
        return tuple(sorted(self.engagements, key=lambda e: e.number))


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
    """Build a rule set from parsed TOML, checking every field."""
    try:
        _known_keys(data, _RULE_SET_KEYS, "rule set")
        roll = _typed(data.get("roll_due_forward", False), bool, "roll_due_forward")
        engagements = tuple(_engagement(item, roll) for item in data["engagements"])
        rule_set = RuleSet(
            id=_typed(data["id"], str, "id"),
            title=_typed(data.get("title", data["id"]), str, "title"),
            effective_from=_typed(data["effective_from"], date, "effective_from"),
            engagements=engagements,
        )
    except KeyError as exc:
        msg = f"{source}: missing key {exc}; see casetrack/rules/casvp-2014-05.toml"
        raise RuleSetError(msg) from exc
    except (TypeError, ValueError) as exc:
        msg = f"{source}: {exc}; see casetrack/rules/casvp-2014-05.toml"
        raise RuleSetError(msg) from exc
    numbers = [e.number for e in engagements]
    if len(set(numbers)) != len(numbers):
        msg = f"{source}: engagement numbers repeat ({numbers})"
        raise RuleSetError(msg)
    return rule_set


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


def _engagement(item: dict[str, Any], roll_default: bool) -> Engagement:
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


def _typed(value: Any, kind: type[_T], key: str) -> _T:
    # bool is an int subclass: a limit of `true` must not pass as 1.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        msg = f"{key} must be {kind.__name__}, not {value!r}"
        raise TypeError(msg)
    return value
