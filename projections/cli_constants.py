"""Words the parsers of the projections' commands show, cheap to import.

The columns of `reaudit --compare --changes` and of `restatements` are defined here (their
modules import them); the at-risk help is a copy of what projections.worklist_text computes for
the built-in rule set, checked by tests/unit/test_lazy_imports.py: those modules load SQL
and the report engine, which building the parser for `--help` must not import.
"""

from __future__ import annotations

from typing import Final

#: The columns of the changed measures (CSV --changes, JSON "changes"), a public interface.
CHANGE_COLUMNS: Final = (
    "dossier",
    "section",
    "prestation",
    "engagement",
    "status_known_at",
    "status_now",
    "elapsed_known_at",
    "elapsed_now",
    "stop_known_at",
    "stop_now",
)
#: The lines of `restatements` (CSV, JSON "restatements"): one per restated measure and
#: differing fact, a public interface (docs/reports.md, "Restatements").
RESTATEMENT_COLUMNS: Final = (
    "dossier",
    "section",
    "prestation",
    "engagement",
    "status_before",
    "status_after",
    "elapsed_before",
    "elapsed_after",
    "fact",
    "old",
    "new",
    "known_on",
)
#: The totals of `restatements` (CSV --totals, JSON "totals"): one per engagement and sector,
#: then the engagement's own total (empty section).
RESTATEMENT_TOTAL_COLUMNS: Final = (
    "engagement",
    "section",
    "restated",
    "measured_before",
    "met_before",
    "rate_before",
    "measured_after",
    "met_after",
    "rate_after",
)
#: projections.worklist_text.at_risk_help of the built-in rule set (`worklist` has no --rules).
AT_RISK_HELP: Final = (
    "open measures at risk: pending (not yet late) with 2 days or less left before the due "
    "date, counted in the engagement's unit (calendar days for 17 and 18, working days for "
    "19); overdue ones are late, not at risk"
)
#: `casetrack latency`: its grouping keys, in column order, and the tables `--part` chooses
#: for CSV (docs/reports.md, "Data latency").
LATENCY_KEYS: Final = ("fact", "sector", "month")
LATENCY_PARTS: Final = ("delays", "late-known", "backdated")
