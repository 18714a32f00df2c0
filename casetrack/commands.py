"""The core commands, `measures` and `dossier`: read from the event store alone."""

from __future__ import annotations

import argparse
from typing import Any

from casetrack.arguments import evaluation_options
from casetrack.context import CommandContext
from casetrack.dossier_view import cmd_dossier
from casetrack.measures import measure_all
from casetrack.output import MEASURE_COLUMNS, measure_row, write_rows


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
    p.set_defaults(handler=cmd_measures)

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
    p.set_defaults(handler=cmd_dossier)


def cmd_measures(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Per-dossier measures from the event store, in docs/measures.md's columns."""
    tracker = ctx.tracker()
    as_of = ctx.evaluation_date(tracker, args.as_of, args.known_at)
    rows = (
        measure_row(facts, m)
        for facts in tracker.all_facts(args.known_at)
        for m in measure_all(facts, tracker.rule_set, tracker.calendar, as_of)
    )
    with ctx.output(args.output) as out:
        write_rows(rows, MEASURE_COLUMNS, out, args.format)
    return 0
