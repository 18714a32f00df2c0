"""Commands the projections package plugs into `casetrack`: project, report, worklist, measures."""

from __future__ import annotations

import argparse
import time
from typing import Any

from eventsourcing.persistence import PersistenceError

from casetrack.application import DossierTracker
from casetrack.arguments import iso_date
from casetrack.commands import cmd_measures
from casetrack.console import note, say
from casetrack.context import CommandContext
from casetrack.errors import StoreUnavailable
from casetrack.filters import prestation_code, section_code
from casetrack.output import MEASURE_COLUMNS, write_rows
from casetrack.progress import Progress
from casetrack.reporting import KEYS, PERIOD_KINDS, ReportQuery
from casetrack.rules import RuleSet
from projections import queries
from projections.reports import emit_report, report_rows
from projections.runner import ReadModels
from projections.source import ClockSource, read_clocks

WORK_COLUMNS = ("dossier", "section", "prestation", "engagement", "start", "due", "days", "status")
WORK_LABELS = (
    "Dossier",
    "Section",
    "Prestation",
    "Engagement",
    "Début",
    "Échéance",
    "Jours",
    "Statut",
)


def register(commands: Any) -> None:
    """Add the projections' commands to the `casetrack` parser."""
    p = commands.add_parser("project", help="bring the SQL read models up to date")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--rebuild", action="store_true", help="rebuild them from all events")
    mode.add_argument("--follow", action="store_true", help="keep catching up until Ctrl-C")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between polls (--follow)")
    p.set_defaults(handler=cmd_project)

    p = commands.add_parser("report", help="compliance report by engagement, sector, period")
    report_options(p)
    p.add_argument("--as-of", type=iso_date, help="evaluation date (default: latest extract)")
    p.add_argument("--known-at", type=iso_date, help="use only facts known at this date")
    p.set_defaults(handler=cmd_report)

    p = commands.add_parser("worklist", help="dossiers to act on: overdue, at risk, breached")
    kind = p.add_mutually_exclusive_group(required=True)
    kind.add_argument("--overdue", dest="kind", action="store_const", const="overdue")
    kind.add_argument("--at-risk", dest="kind", action="store_const", const="at_risk")
    kind.add_argument("--breached", dest="kind", action="store_const", const="breached")
    p.add_argument("--section", help="a section code or sector (PC)")
    p.add_argument("--engagement", type=int, choices=(17, 18, 19))
    p.add_argument("--as-of", type=iso_date, help="evaluation date (default: latest extract)")
    p.add_argument("--format", choices=("table", "csv"), default="table")
    p.add_argument("--output", help="write to this file instead of stdout")
    p.set_defaults(handler=cmd_worklist)

    # Per-dossier measures read from the read models when they are current.
    commands.choices["measures"].set_defaults(handler=cmd_measures_fast)


def report_options(p: argparse.ArgumentParser) -> None:
    """Options shared by `report` and `reaudit`."""
    p.add_argument("--from", dest="start", type=iso_date, required=True, metavar="AAAA-MM-JJ")
    p.add_argument("--to", dest="end", type=iso_date, required=True, metavar="AAAA-MM-JJ")
    p.add_argument("--by", default=",".join(KEYS), help=f"grouping keys among {','.join(KEYS)}")
    p.add_argument("--period", choices=PERIOD_KINDS, default="month")
    p.add_argument("--engagement", type=int, choices=(17, 18, 19))
    p.add_argument("--section", help="a section code or sector (PC)")
    p.add_argument("--prestation")
    p.add_argument("--format", choices=("table", "csv", "json", "xlsx", "html"), default="table")
    p.add_argument("--output", help="file to write (required for xlsx; default stdout)")
    p.add_argument("--rules", help="a rule set TOML file (default: CASVP-2014-05)")


def progress_for(args: argparse.Namespace, label: str) -> Progress:
    """A progress line unless --quiet."""
    return Progress(label, None, unit="events", enabled=not args.quiet)


def catch_up(tracker: DossierTracker, *, quiet: bool) -> None:
    """After-ingest hook: bring the read models up to date."""
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


def build_query(args: argparse.Namespace, as_of: Any, rule_set: RuleSet) -> ReportQuery:
    """The ReportQuery of the command's options (filters checked: a typo is refused)."""
    by = tuple(k.strip() for k in args.by.split(",") if k.strip())
    prestation = args.prestation
    if prestation is not None:
        prestation = prestation_code(prestation, rule_set)
    return ReportQuery(
        start=args.start,
        end=args.end,
        as_of=as_of,
        by=by,
        period=args.period,
        engagement=args.engagement,
        section=section_code(args.section) if args.section is not None else None,
        prestation=prestation,
    )


def cmd_worklist(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Worklist for corrective action, from the read models (never updated here)."""
    tracker = ctx.tracker()
    as_of = ctx.evaluation_date(tracker, args.as_of, None)
    found = read_clocks(tracker, engagement=args.engagement, applicable_only=False)
    tell(found)
    items = queries.worklist_of(
        found.rows,
        args.kind,
        tracker.rule_set,
        tracker.calendar,
        as_of,
        section=section_code(args.section) if args.section is not None else None,
        engagement=args.engagement,
    )
    rows = ({c: getattr(i, c) for c in WORK_COLUMNS} for i in items)
    with ctx.output(args.output) as out:
        write_rows(rows, WORK_COLUMNS, out, args.format, labels=WORK_LABELS)
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
