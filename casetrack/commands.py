"""The core commands, `measures` and `dossier`: read from the event store alone."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from casetrack.arguments import iso_date
from casetrack.context import CommandContext
from casetrack.errors import InputRefused
from casetrack.history import history_lines
from casetrack.measures import measure_all
from casetrack.output import MEASURE_COLUMNS, measure_row, write_rows, write_table


def register(commands: Any) -> None:
    """Add `measures` and `dossier` to the `casetrack` parser."""
    p = commands.add_parser(
        "measures",
        help="per-dossier measures (csv or json)",
        description="One row per dossier and engagement (17, 18, 19): start, stop, due date, "
        "elapsed days and status, in docs/measures.md's columns.",
    )
    evaluation_options(p)
    p.add_argument("--format", choices=("csv", "json"), default="csv", help="output format")
    p.add_argument("--output", help="write to this file instead of stdout")
    p.add_argument("--rules", help="a rule set TOML file (default: the built-in CASVP-2014-05)")
    p.set_defaults(handler=cmd_measures)

    p = commands.add_parser(
        "dossier",
        help="one dossier's history and measures",
        description="Each fact of one dossier with its date, when it became known and what "
        "it replaced, then its three measures.",
    )
    p.add_argument("number", help="PIAF dossier number")
    evaluation_options(p)
    p.add_argument("--rules", help="a rule set TOML file (default: the built-in CASVP-2014-05)")
    p.set_defaults(handler=cmd_dossier)


def evaluation_options(p: argparse.ArgumentParser) -> None:
    """--as-of and --known-at, as every measuring command spells them."""
    p.add_argument(
        "--as-of", type=iso_date, help="evaluation date (default: the latest extraction date)"
    )
    p.add_argument(
        "--known-at", type=iso_date, help="use only facts known on or before this date"
    )


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


def cmd_dossier(args: argparse.Namespace, ctx: CommandContext) -> int:
    """One dossier's history and its measures."""
    tracker = ctx.tracker()
    events = tracker.history(args.number)
    if not events:
        msg = (
            f"dossier {args.number} is unknown: check the number, "
            "or ingest the extract that files it"
        )
        raise InputRefused(msg)
    as_of = ctx.evaluation_date(tracker, args.as_of, args.known_at)
    out = sys.stdout
    out.write(f"Dossier {args.number}\n\nHistorique\n")
    write_table(history_lines(events), ("Fait", "Valeur", "Connu le", "Remplace"), out)
    facts = tracker.facts(args.number, args.known_at)
    out.write(f"\nMesures au {as_of.isoformat()}")
    out.write(f" (connu au {args.known_at.isoformat()})\n" if args.known_at else "\n")
    if facts is None:
        out.write("(dossier pas encore connu à cette date)\n")
        return 0
    measures = measure_all(facts, tracker.rule_set, tracker.calendar, as_of)
    table = [
        [
            str(m.engagement),
            _cell(m.start),
            _cell(m.stop),
            _cell(m.due),
            "" if m.elapsed is None else str(m.elapsed),
            str(m.status) + (" (à risque)" if m.at_risk else ""),
        ]
        for m in measures
    ]
    write_table(table, ("Engagement", "Début", "Fin", "Échéance", "Délai", "Statut"), out)
    return 0


def _cell(value: date | None) -> str:
    return "" if value is None else value.isoformat()
