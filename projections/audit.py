"""Re-audit of a past period "as known at" a date, and reproducible audit samples."""

from __future__ import annotations

import argparse
import hashlib
from collections import defaultdict
from datetime import date
from typing import Any

from casetrack.application import DossierTracker
from casetrack.arguments import as_of_option, date_range, iso_date
from casetrack.clocks import clock_of
from casetrack.console import output_stream
from casetrack.context import CommandContext
from casetrack.errors import InputRefused
from casetrack.facts import Facts, sector_of
from casetrack.history import one_line
from casetrack.output import write_rows
from casetrack.reporting import KEYS, build_report
from casetrack.status import Status
from projections.commands import HUMAN_KEYS, build_query, default_by, report_options
from projections.comparison import CHANGE_COLUMNS, COMPARE_KEYS, compare
from projections.comparison_output import check_paths, write_comparison
from projections.reports import emit_report, event_store_clocks
from projections.sample_text import (
    SAMPLE_COLUMNS,
    Part,
    history_words,
    measures_codes,
    measures_words,
    write_sample_table,
)


def register(commands: Any) -> None:
    """Add `reaudit` and `sample` to the `casetrack` parser."""
    p = commands.add_parser(
        "reaudit",
        help="a past period's report as known at a date",
        description=(
            "The report of --from..--to with only the facts known at K (--known-at), read "
            "from the event store alone (the store is never written). With --compare, the "
            "figures known at K beside those known now (grouped by engagement,section unless "
            "--by is given) and the measures whose status changed: a second table (table), "
            "'changes' (json), a section (html), a sheet (xlsx); a CSV holds one table, so "
            "--changes FILE writes them as a second CSV. Writes to stdout or --output "
            "(xlsx and html: --output only)."
        ),
    )
    report_options(
        p,
        by_help=f"grouping keys, comma-separated, among {','.join(KEYS)} (default: "
        f"{','.join(HUMAN_KEYS)} for table, xlsx, html and with --compare; all four for "
        "csv and json)",
    )
    p.add_argument(
        "--known-at",
        type=iso_date,
        required=True,
        metavar="AAAA-MM-JJ",
        help="K: use only facts known on or before this date",
    )
    p.add_argument(
        "--as-of",
        type=iso_date,
        metavar="AAAA-MM-JJ",
        help="evaluation date (default: --known-at)",
    )
    p.add_argument(
        "--compare",
        action="store_true",
        help=(
            "set the figures known at K beside those known now (the latest extract), and list "
            "the measures whose status differs: known at K on min(--to, --as-of), known now on "
            "min(--to, latest extract), and in the period on either side (stopped in it, or "
            "open on that day)"
        ),
    )
    p.add_argument(
        "--changes",
        metavar="FILE",
        help=(
            "with --compare: also write the changed measures as CSV to FILE "
            f"({','.join(CHANGE_COLUMNS)}); the way to get them with --format csv"
        ),
    )
    p.set_defaults(handler=cmd_reaudit)

    p = commands.add_parser(
        "sample",
        help="a reproducible stratified audit sample",
        description="Draw up to --per-section dossiers per sector among those with a measure "
        "stopped between --from and --to, in an order set by --seed alone (same seed, same "
        "sample on any machine), each with its measures and history. Reads the event store; "
        "writes CSV or a table to stdout or --output.",
    )
    date_range(
        p,
        "first day of the range: measures stopped on or after it",
        "last day of the range, on or after --from",
    )
    p.add_argument(
        "--per-section", type=int, required=True, metavar="N", help="dossiers per sector"
    )
    p.add_argument("--seed", required=True, help="any text or number; same seed, same sample")
    p.add_argument(
        "--engagement",
        type=int,
        choices=(17, 18, 19),
        help="only dossiers measured on this engagement (default: any of the three)",
    )
    as_of_option(p, "the latest extraction date")
    p.add_argument("--format", choices=("table", "csv"), default="csv", help="output format")
    p.add_argument("--output", metavar="FILE", help="write to this file instead of stdout")
    p.set_defaults(handler=cmd_sample)


def cmd_reaudit(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Report with facts known at K, computed from the event store only."""
    check_paths(args)
    if args.by is None:
        # Side by side, the figures known at K and now read best by engagement and sector.
        args.by = ",".join(COMPARE_KEYS) if args.compare else default_by(args.format)
    tracker = ctx.tracker()
    known_at: date = args.known_at
    query = build_query(args, args.as_of or known_at, tracker.rule_set)
    if args.compare:
        write_comparison(args, compare(tracker, query, known_at), tracker.rule_set)
        return 0
    then = event_store_clocks(tracker, tracker.rule_set, known_at)
    rows = build_report(query, then)
    emit_report(args, tracker, query, rows, then, f"event store, facts known at {known_at}")
    return 0


def sample_key(seed: str, number: str) -> str:
    """A draw order that depends only on the seed and the dossier number (any machine)."""
    return hashlib.sha256(f"{seed}\x1f{number}".encode()).hexdigest()


def cmd_sample(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Stratified random sample of measured dossiers, reproducible from its seed."""
    if args.per_section < 1:
        msg = "--per-section must be at least 1"
        raise InputRefused(msg)
    if args.end < args.start:
        # As `report` refuses it: an empty sample would read as "nothing to audit".
        msg = f"--to {args.end} is before --from {args.start}: swap them"
        raise InputRefused(msg)
    tracker = ctx.tracker()
    as_of = args.as_of or tracker.default_as_of()
    if as_of is None:
        msg = "nothing ingested yet: give --as-of AAAA-MM-JJ"
        raise InputRefused(msg)
    strata: dict[str, list[tuple[str, Facts, list[Part]]]] = defaultdict(list)
    for facts in tracker.all_facts(None):
        parts, stratum = _measured(tracker, facts, args, as_of)
        if stratum is not None:
            strata[stratum].append((sample_key(args.seed, facts.number), facts, parts))
    # The CSV keeps its codes and ISO dates for scripts; the table is for the auditor.
    table = args.format == "table"
    rows = []
    for stratum in sorted(strata):
        for _, facts, parts in sorted(strata[stratum], key=lambda t: t[0])[: args.per_section]:
            events = tracker.history(facts.number)
            rows.append(
                {
                    "stratum": stratum,
                    "dossier": facts.number,
                    "section": facts.section,
                    "prestation": facts.prestation,
                    "measures": measures_words(parts) if table else measures_codes(parts),
                    "history": history_words(events) if table else one_line(events),
                }
            )
    with output_stream(args.output) as out:
        if table:
            write_sample_table(args, as_of, rows, out)
        else:
            write_rows(rows, SAMPLE_COLUMNS, out, args.format)
    return 0


def _measured(
    tracker: DossierTracker, facts: Facts, args: argparse.Namespace, as_of: date
) -> tuple[list[Part], str | None]:
    """A dossier's measures, and its stratum if it was measured in the range."""
    parts, stratum = [], None
    for engagement in tracker.rule_set.ordered:
        clock = clock_of(facts, engagement, tracker.calendar)
        state = clock.state_at(as_of)
        if state is None:
            continue
        parts.append(Part(engagement, state, clock.elapsed))
        wanted = args.engagement is None or args.engagement == engagement.number
        stop = clock.stop
        if (
            wanted
            and state in (Status.MET, Status.BREACHED)
            and stop is not None
            and args.start <= stop <= args.end
        ):
            stratum = sector_of(facts.section, stop)
    return parts, stratum
