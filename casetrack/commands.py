"""The core commands, `measures` and `dossier`: read from the event store alone.

Only their parsers: the handlers are imported when a command runs (casetrack.lazy).
"""

from __future__ import annotations

from typing import Any

from casetrack.arguments import evaluation_options
from casetrack.lazy import LazyHandler


def register(commands: Any) -> None:
    """Add `measures` and `dossier` to the `casetrack` parser."""
    p = commands.add_parser(
        "measures",
        help="per-dossier measures (csv or json)",
        description="One row per dossier and engagement (17, 18, 19): start, stop, due date, "
        "elapsed days and status, in docs/measures.md's columns. Reads the read models when "
        "they are current, else the event store; writes CSV or JSON to stdout or --output.",
    )
    evaluation_options(p)
    p.add_argument("--format", choices=("csv", "json"), default="csv", help="output format")
    p.add_argument("--output", metavar="FILE", help="write to this file instead of stdout")
    p.add_argument(
        "--rules",
        metavar="FILE",
        help="a rule set TOML file (default: the built-in CASVP-2014-05)",
    )
    p.set_defaults(handler=LazyHandler("casetrack.handlers", "cmd_measures"))

    p = commands.add_parser(
        "dossier",
        help="one dossier's history, measures explained, and quarantined rows",
        description="Each fact of one dossier with its date, when it became known and what "
        "it replaced; then each measure with the facts that started and stopped it (a "
        "fallback marked), why it is an anomaly, and the days it counted; then the rows of "
        "the dossier set aside at ingest. Reads the event store and the quarantine; writes text "
        "to stdout.",
    )
    p.add_argument("number", help="PIAF dossier number, e.g. 2025-13-000042")
    evaluation_options(p)
    p.add_argument(
        "--rules",
        metavar="FILE",
        help="a rule set TOML file (default: the built-in CASVP-2014-05)",
    )
    p.set_defaults(handler=LazyHandler("casetrack.dossier_view", "cmd_dossier"))
