"""How the projections' commands run: project, report, worklist, measures.

Imported when one of them runs (casetrack.lazy); their parsers are in projections.commands.
"""

from __future__ import annotations

import argparse
import time

from eventsourcing.persistence import PersistenceError

from casetrack.application import DossierTracker
from casetrack.console import note, say
from casetrack.context import CommandContext
from casetrack.errors import StoreUnavailable
from casetrack.filters import section_code
from casetrack.handlers import cmd_measures
from casetrack.output import MEASURE_COLUMNS, write_rows
from casetrack.progress import Progress
from projections import queries
from projections.commands import build_query
from projections.reports import emit_report, report_rows
from projections.runner import ReadModels
from projections.source import ClockSource, read_clocks
from projections.worklist_text import CSV_COLUMNS, write_worklist_table


def progress_for(args: argparse.Namespace, label: str) -> Progress:
    """A progress line unless --quiet."""
    return Progress(label, None, unit="events", enabled=not args.quiet)


def catch_up(tracker: DossierTracker, *, quiet: bool) -> None:
    """Bring the read models up to date (after an ingest, or `project`), saying how far."""
    progress = Progress("read models", None, unit="events", enabled=not quiet)
    result = ReadModels(tracker).catch_up(progress)
    progress.finish()
    if not quiet:
        what = "rebuilt" if result.rebuilt else "caught up"
        say(f"read models {what}: {result.events:,} events, {result.dossiers:,} dossiers")


def cmd_project(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Catch up, rebuild, or follow."""
    tracker = ctx.tracker(write=True)
    models = ReadModels(tracker)
    if args.rebuild:
        progress = progress_for(args, "rebuild")
        result = models.rebuild(progress)
        progress.finish()
        say(
            f"read models rebuilt: {result.events:,} events, {result.dossiers:,} dossiers, "
            f"{result.seconds:,.1f} s"
        )
        return 0
    if not args.follow:
        catch_up(tracker, quiet=args.quiet)
        return 0
    say("following the event store; Ctrl-C to stop (nothing is lost on stop)")
    idle = False
    try:
        while True:
            try:
                result = models.catch_up()
            except (StoreUnavailable, PersistenceError) as error:
                # A worker outlives a busy file or a restarting server: try again next poll.
                say(f"catch-up postponed: {error}")
            else:
                if result.events and not args.quiet:
                    say(f"applied {result.events:,} events (position {result.position:,})")
                elif not result.events and not idle and not args.quiet:
                    # Said once per quiet spell: the operator (and a supervisor) sees the
                    # worker has caught up, without a line every poll.
                    say(
                        f"up to date at position {result.position:,}; "
                        f"polling every {args.interval:g} s"
                    )
                idle = not result.events
            time.sleep(args.interval)
    except KeyboardInterrupt:
        # Ctrl-C is how a worker stops; main reports it like any interrupt (exit code 130).
        say("stopped; the read models are consistent up to the last page applied")
        raise


def cmd_report(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Compliance report from the read models (or the event store when known at K)."""
    tracker = ctx.tracker()
    as_of = ctx.evaluation_date(tracker, args.as_of, args.known_at)
    query = build_query(args, as_of, tracker.rule_set)
    rows, triples, source = report_rows(
        tracker, query, args.known_at, custom_rules=bool(args.rules)
    )
    emit_report(args, tracker, query, rows, triples, source)
    return 0


def cmd_worklist(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Worklist for corrective action, from the read models (never updated here)."""
    tracker = ctx.tracker()
    as_of = ctx.evaluation_date(tracker, args.as_of, args.known_at)
    found = read_clocks(
        tracker, known_at=args.known_at, engagement=args.engagement, applicable_only=False
    )
    tell(found)
    section = section_code(args.section) if args.section is not None else None
    items = queries.worklist_of(
        found.rows,
        args.kind,
        tracker.rule_set,
        tracker.calendar,
        as_of,
        section=section,
        engagement=args.engagement,
    )
    with ctx.output(args.output) as out:
        if args.format == "csv":
            rows = ({c: getattr(i, c) for c in CSV_COLUMNS} for i in items)
            write_rows(rows, CSV_COLUMNS, out, "csv")
        else:
            write_worklist_table(
                items,
                args.kind,
                as_of,
                rule_set=tracker.rule_set,
                section=section,
                engagement=args.engagement,
                out=out,
                known_at=args.known_at,
            )
    return 0


def tell(found: ClockSource) -> None:
    """Say on stderr where a read command's answer came from, when not the read models."""
    if found.note:
        note(found.note)


def cmd_measures_fast(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Per-dossier measures: from the read models when they can answer, else the events."""
    tracker = ctx.tracker()
    if args.known_at is not None or args.rules:
        return cmd_measures(args, ctx)
    found = read_clocks(tracker, applicable_only=False)
    if found.origin != "read models":
        tell(found)
        return cmd_measures(args, ctx)
    tell(found)
    as_of = ctx.evaluation_date(tracker, args.as_of, None)
    lines = queries.measures_of(found.rows, tracker.rule_set, tracker.calendar, as_of)
    rows = ({c: getattr(line, c) for c in MEASURE_COLUMNS} for line in lines)
    with ctx.output(args.output) as out:
        write_rows(rows, MEASURE_COLUMNS, out, args.format)
    return 0
