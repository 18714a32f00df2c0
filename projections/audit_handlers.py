"""How `reaudit` and `sample` run: a past period as known at a date, an audit sample.

Imported when one of them runs (casetrack.lazy); their parsers are in projections.audit.
"""

from __future__ import annotations

import argparse
import hashlib
from collections import defaultdict
from datetime import date

from casetrack.application import DossierTracker
from casetrack.clocks import clock_of
from casetrack.console import output_stream
from casetrack.context import CommandContext
from casetrack.dossier import known_on_of
from casetrack.errors import InputRefused
from casetrack.facts import Facts, sector_of
from casetrack.history import one_line
from casetrack.known_facts import facts_known_at
from casetrack.output import write_rows
from casetrack.status import Status
from projections.commands import build_query, default_by
from projections.comparison import COMPARE_KEYS, compare
from projections.comparison_output import check_paths, write_comparison
from projections.reports import emit_report, report_rows
from projections.sample_text import (
    SAMPLE_COLUMNS,
    Part,
    history_words,
    measures_codes,
    measures_words,
    write_sample_table,
)


def cmd_reaudit(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Report with facts known at K: from the read models' versions, else the event store."""
    check_paths(args)
    if args.by is None:
        # Side by side, the figures known at K and now read best by engagement and sector.
        args.by = ",".join(COMPARE_KEYS) if args.compare else default_by(args.format)
    tracker = ctx.tracker()
    known_at: date = args.known_at
    query = build_query(args, args.as_of or known_at, tracker.rule_set)
    custom_rules = bool(getattr(args, "rules", None))
    if args.compare:
        comparison = compare(tracker, query, known_at, custom_rules=custom_rules)
        write_comparison(args, comparison, tracker.rule_set)
        return 0
    # The read models' versions when they can answer, else a replay of the event store.
    rows, then, source = report_rows(tracker, query, known_at, custom_rules=custom_rules)
    emit_report(args, tracker, query, rows, then, source)
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
    known_at: date | None = args.known_at
    as_of = args.as_of or known_at or tracker.default_as_of()
    if as_of is None:
        msg = "nothing ingested yet: give --as-of AAAA-MM-JJ"
        raise InputRefused(msg)
    # As known at K: the read models' versions (else a replay of the events known by K).
    known = tracker.all_facts() if known_at is None else facts_known_at(tracker, known_at)
    strata: dict[str, list[tuple[str, Facts, list[Part]]]] = defaultdict(list)
    for facts in known:
        parts, stratum = _measured(tracker, facts, args, as_of)
        if stratum is not None:
            strata[stratum].append((sample_key(args.seed, facts.number), facts, parts))
    # The CSV keeps its codes and ISO dates for scripts; the table is for the auditor.
    table = args.format == "table"
    rows = []
    for stratum in sorted(strata):
        for _, facts, parts in sorted(strata[stratum], key=lambda t: t[0])[: args.per_section]:
            events = [
                e
                for e in tracker.history(facts.number)
                if known_at is None or known_on_of(e) <= known_at
            ]
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
