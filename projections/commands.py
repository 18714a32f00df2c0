"""Commands the projections package plugs into `casetrack`: project, report, worklist, measures."""

from __future__ import annotations

import argparse
import time
from typing import Any

from eventsourcing.persistence import PersistenceError

from casetrack.application import DossierTracker
from casetrack.arguments import (
    as_of_option,
    date_range,
    engagement_filter,
    evaluation_options,
    section_filter,
)
from casetrack.commands import cmd_measures
from casetrack.console import note, say
from casetrack.context import CommandContext
from casetrack.errors import StoreUnavailable
from casetrack.filters import prestation_code, section_code
from casetrack.output import MEASURE_COLUMNS, write_rows
from casetrack.progress import Progress
from casetrack.reporting import KEYS, PERIOD_KINDS, ReportQuery
from casetrack.rules import RuleSet, default_rule_set
from projections import queries
from projections.reports import emit_report, report_rows
from projections.runner import ReadModels
from projections.source import ClockSource, read_clocks
from projections.worklist_text import CSV_COLUMNS, at_risk_help, write_worklist_table

#: The formats a person reads, and their grouping without --by (engagement × sector).
HUMAN_FORMATS = ("table", "xlsx", "html")
HUMAN_KEYS = ("engagement", "section")


def register(commands: Any) -> None:
    """Add the projections' commands to the `casetrack` parser."""
    p = commands.add_parser(
        "project",
        help="bring the SQL read models up to date",
        description="Bring the SQL read models (docs/schema.md) up to date with the event "
        "store: catch up from where they stand, rebuild them from all events, or keep "
        "catching up until Ctrl-C (a worker beside the ingests). Reads the event store, "
        "writes the read models.",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--rebuild", action="store_true", help="rebuild them from all events")
    mode.add_argument("--follow", action="store_true", help="keep catching up until Ctrl-C")
    p.add_argument(
        "--interval",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="seconds between polls (--follow)",
    )
    p.set_defaults(handler=cmd_project)

    p = commands.add_parser(
        "report",
        help="compliance report by engagement, sector, period",
        description="Compliance of engagements 17, 18 and 19 over --from..--to, by "
        "engagement, section, prestation and period: the measures stopped in each period "
        "(measured, met, breached, rate, elapsed days) and those open at its end. Reads "
        "the read models (the event store with --known-at, or when they are not current), "
        "never writes them; writes a table, CSV or JSON to stdout or --output, xlsx or "
        "HTML to --output.",
    )
    report_options(p)
    evaluation_options(p)
    p.set_defaults(handler=cmd_report)

    p = commands.add_parser(
        "worklist",
        help="dossiers to act on: overdue, at risk, breached",
        description="Dossiers to act on at the evaluation date, most urgent first: open "
        "past their due date (--overdue), open and close to it (--at-risk), or stopped "
        "late (--breached). Reads the read models; writes a French table under a title "
        "giving the date and filters, or CSV with the columns of docs/reports.md, to stdout "
        "or --output.",
    )
    kind = p.add_mutually_exclusive_group(required=True)
    kind.add_argument(
        "--overdue",
        dest="kind",
        action="store_const",
        const="overdue",
        help="open measures past their due date",
    )
    kind.add_argument(
        "--at-risk",
        dest="kind",
        action="store_const",
        const="at_risk",
        # The worklist measures with the built-in rule set (it has no --rules).
        help=at_risk_help(default_rule_set()),
    )
    kind.add_argument(
        "--breached",
        dest="kind",
        action="store_const",
        const="breached",
        help="measures that stopped after their due date",
    )
    section_filter(p)
    engagement_filter(p)
    as_of_option(p, "the latest extraction date")
    p.add_argument("--format", choices=("table", "csv"), default="table", help="output format")
    p.add_argument("--output", metavar="FILE", help="write to this file instead of stdout")
    p.set_defaults(handler=cmd_worklist)

    # Per-dossier measures read from the read models when they are current.
    commands.choices["measures"].set_defaults(handler=cmd_measures_fast)


def report_options(p: argparse.ArgumentParser, *, by_help: str | None = None) -> None:
    """Options shared by `report` and `reaudit` (`by_help`: how --by reads when it differs)."""
    date_range(
        p,
        "first day of the range reported (docs/measures.md, Reports)",
        "last day of the range reported, on or after --from",
    )
    p.add_argument(
        "--by",
        metavar="KEYS",
        help=by_help
        or f"grouping keys, comma-separated, among {','.join(KEYS)} (default: "
        f"{','.join(HUMAN_KEYS)} for table, xlsx and html; all four for csv and json)",
    )
    p.add_argument(
        "--period", choices=PERIOD_KINDS, default="month", help="length of the period key"
    )
    engagement_filter(p)
    section_filter(p)
    p.add_argument(
        "--prestation",
        metavar="P",
        help="only this prestation, one the rule set measures, e.g. PL (default: all)",
    )
    p.add_argument(
        "--format",
        choices=("table", "csv", "json", "xlsx", "html"),
        default="table",
        help="output format (xlsx and html need --output)",
    )
    p.add_argument(
        "--output",
        metavar="FILE",
        help="file to write (required for xlsx and html; default: stdout)",
    )
    p.add_argument("--rules", metavar="FILE", help="a rule set TOML file (default: CASVP-2014-05)")
    p.add_argument(
        "--no-details",
        dest="details",
        action="store_false",
        help="html: leave out the lists of breached and overdue dossiers under each sector",
    )


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


def default_by(fmt: str) -> str:
    """The grouping of a report without --by: what a reader takes in, what a script parses.

    A person reads engagement × sector (a 2,956-line table answers nothing); CSV and JSON
    keep every key, as docs/measures.md defines them for the scripts that read them.
    """
    return ",".join(HUMAN_KEYS if fmt in HUMAN_FORMATS else KEYS)


def build_query(args: argparse.Namespace, as_of: Any, rule_set: RuleSet) -> ReportQuery:
    """The ReportQuery of the command's options (filters checked: a typo is refused)."""
    by = tuple(k.strip() for k in (args.by or default_by(args.format)).split(",") if k.strip())
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
