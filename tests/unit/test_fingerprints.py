"""Rule-set and calendar fingerprints: the same in every process, different for other rules."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

from casetrack.calendar import WorkingCalendar
from casetrack.rules import default_rule_set, parse_rule_set

PRINT = (
    "from casetrack.rules import default_rule_set;"
    "from casetrack.calendar import WorkingCalendar;"
    "print(default_rule_set().fingerprint, WorkingCalendar().fingerprint)"
)


def fingerprints_with_hash_seed(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", PRINT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_fingerprints_do_not_depend_on_string_hashing() -> None:
    # Prestations are a frozenset: their iteration order changes with PYTHONHASHSEED.
    assert fingerprints_with_hash_seed("1") == fingerprints_with_hash_seed("2")


def test_another_limit_or_closure_day_changes_the_fingerprint() -> None:
    rules = default_rule_set()
    variant = parse_rule_set(
        {
            "id": rules.id,
            "effective_from": rules.effective_from,
            "engagements": [
                {
                    "number": 17,
                    "start": ["completed"],
                    "stop": ["notified"],
                    "limit": 10,
                    "unit": "calendar_days",
                    "prestations": ["PL"],
                },
            ],
        },
        source="test",
    )
    assert variant.fingerprint != rules.fingerprint
    assert WorkingCalendar(closures=[date(2025, 8, 14)]).fingerprint != (
        WorkingCalendar().fingerprint
    )
