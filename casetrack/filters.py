"""Filter values of report-like commands, checked against the sector list and the rule set.

A filter that matches nothing by mistake (a typo, a section that does not exist) would
print an empty report that reads as "nothing to see": it is refused, naming the values
that exist.
"""

from __future__ import annotations

from casetrack.errors import InputRefused
from casetrack.facts import SECTIONS
from casetrack.rules import RuleSet

_ONE_DIGIT = frozenset("123456789")


def section_code(text: str) -> str:
    """A section or sector code as PIAF writes it: `5` is `05`, `pc` is `PC`."""
    code = text.strip().upper()
    if len(code) == 1 and code in _ONE_DIGIT:
        code = "0" + code
    if code not in SECTIONS:
        msg = f"--section {text}: no such section; use 01 to 20, or PC (Paris Centre)"
        raise InputRefused(msg)
    return code


def prestation_code(text: str, rule_set: RuleSet) -> str:
    """A prestation the rule set measures (others are never counted in a report)."""
    code = text.strip().upper()
    measured = sorted({p for e in rule_set.engagements for t in e.terms for p in t.prestations})
    if code not in measured:
        msg = (
            f"--prestation {text}: not measured by rule set {rule_set.id}; use one of "
            f"{', '.join(measured)}"
        )
        raise InputRefused(msg)
    return code
