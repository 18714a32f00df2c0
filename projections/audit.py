"""Re-audit of a past period "as known at" a date, and reproducible audit samples."""

from __future__ import annotations

import argparse
import hashlib
from collections import defaultdict
from datetime import date
from typing import Any

from casetrack.application import DossierTracker
from casetrack.arguments import iso_date
from casetrack.clocks import clock_of
from casetrack.console import output_stream
from casetrack.context import CommandContext
from casetrack.errors import InputRefused
from casetrack.facts import Facts, sector_of
from casetrack.history import one_line
from casetrack.output import write_rows
from casetrack.reporting import KEYS, build_report
from projections.commands import build_query, report_options
from projections.comparison import CHANGE_COLUMNS, COMPARE_KEYS, compare
from projections.comparison_output import check_paths, write_comparison
from projections.reports import emit_report, event_store_clocks

SAMPLE_COLUMNS = ("stratum", "dossier", "section", "prestation", "measures", "history")


def register(commands: Any) -> None:
    """Add `reaudit` and `sample` to the `casetrack` parser."""
    p = commands.add_parser(
        "reaudit",
        help="a past period's report as known at a date",
        description=(
            "The report of --from..--to with only the facts known at K (--known-at), from the "
            "event store. With --compare, the figures known at K beside those known now "
            "(grouped by engagement,section unless --by is given) and the measures whose "
            "status changed: a second table (table), 'changes' (json), a section (html), a "
            "sheet (xlsx); a CSV holds one table, so --changes FILE writes them as a second CSV."
        ),
    )
    report_options(p)
    # No --by given: the full report alone, engagement and sector side by side with --compare.
    p.set_defaults(by=None)
    p.add_argument("--known-at", type=iso_date, required=True, help="facts known at this date")
    p.add_argument("--as-of", type=iso_date, help="evaluation date (default: --known-at)")
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

    p = commands.add_parser("sample", help="a reproducible stratified audit sample")
    p.add_argument("--from", dest="start", type=iso_date, required=True)
    p.add_argument("--to", dest="end", type=iso_date, required=True)
    p.add_argument("--per-section", type=int, required=True, help="dossiers per sector")
    p.add_argument("--seed", required=True, help="any text or number; same seed, same sample")
    p.add_argument("--engagement", type=int, choices=(17, 18, 19))
    p.add_argument("--as-of", type=iso_date)
    p.add_argument("--format", choices=("table", "csv"), default="csv")
    p.add_argument("--output")
    p.set_defaults(handler=cmd_sample)


def cmd_reaudit(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Report with facts known at K, computed from the event store only."""
    check_paths(args)
    if args.by is None:
        args.by = ",".join(COMPARE_KEYS if args.compare else KEYS)
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
    tracker = ctx.tracker()
    as_of = args.as_of or tracker.default_as_of()
    if as_of is None:
        msg = "nothing ingested yet: give --as-of AAAA-MM-JJ"
        raise InputRefused(msg)
    strata: dict[str, list[tuple[str, Facts, str]]] = defaultdict(list)
    for facts in tracker.all_facts(None):
        summary, stratum = _measured(tracker, facts, args, as_of)
        if stratum is not None:
            strata[stratum].append((sample_key(args.seed, facts.number), facts, summary))
    rows = []
    for stratum in sorted(strata):
        for _, facts, summary in sorted(strata[stratum], key=lambda t: t[0])[: args.per_section]:
            rows.append(
                {
                    "stratum": stratum,
                    "dossier": facts.number,
                    "section": facts.section,
                    "prestation": facts.prestation,
                    "measures": summary,
                    "history": one_line(tracker.history(facts.number)),
                }
            )
    with output_stream(args.output) as out:
        write_rows(rows, SAMPLE_COLUMNS, out, args.format)
    return 0


def _measured(
    tracker: DossierTracker, facts: Facts, args: argparse.Namespace, as_of: date
) -> tuple[str, str | None]:
    """A dossier's measures in one line, and its stratum if it was measured in the range."""
    parts, stratum = [], None
    for engagement in tracker.rule_set.ordered:
        clock = clock_of(facts, engagement, tracker.calendar)
        state = clock.state_at(as_of)
        if state is None:
            continue
        text = f"{engagement.number}:{state}"
        if clock.elapsed is not None and state in ("met", "breached"):
            text += f" {clock.elapsed}"
        parts.append(text)
        wanted = args.engagement is None or args.engagement == engagement.number
        stop = clock.stop
        if (
            wanted
            and state in ("met", "breached")
            and stop is not None
            and args.start <= stop <= args.end
        ):
            stratum = sector_of(facts.section, stop)
    return "; ".join(parts), stratum
