"""Commands the projections package plugs into `casetrack`: project, report, worklist, measures.

Only their parsers, and how their options make a report query: the handlers
(projections.handlers) are imported when a command runs, so that the parser is built
without SQL, the read models and the renderers.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Final

from casetrack.arguments import (
    date_range,
    engagement_filter,
    evaluation_options,
    section_filter,
)
from casetrack.cli_constants import PERIOD_KINDS, REPORT_KEYS
from casetrack.lazy import LazyHandler
from projections.cli_constants import AT_RISK_HELP

if TYPE_CHECKING:
    from casetrack.application import DossierTracker
    from casetrack.reporting import ReportQuery
    from casetrack.rules import RuleSet

#: The module of these commands' handlers, imported when one runs.
HANDLERS: Final = "projections.handlers"
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
    p.set_defaults(handler=LazyHandler(HANDLERS, "cmd_project"))

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
    p.set_defaults(handler=LazyHandler(HANDLERS, "cmd_report"))

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
        # The worklist measures with the built-in rule set (it has no --rules): its words.
        help=AT_RISK_HELP,
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
    # --known-at: the list as it stood then, from the facts known at K (read models'
    # versions), evaluated at K unless --as-of says otherwise.
    evaluation_options(p)
    p.add_argument("--format", choices=("table", "csv"), default="table", help="output format")
    p.add_argument("--output", metavar="FILE", help="write to this file instead of stdout")
    p.set_defaults(handler=LazyHandler(HANDLERS, "cmd_worklist"))

    # Per-dossier measures read from the read models when they are current.
    commands.choices["measures"].set_defaults(handler=LazyHandler(HANDLERS, "cmd_measures_fast"))


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
        or f"grouping keys, comma-separated, among {','.join(REPORT_KEYS)} (default: "
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


def default_by(fmt: str) -> str:
    """The grouping of a report without --by: what a reader takes in, what a script parses.

    A person reads engagement × sector (a 2,956-line table answers nothing); CSV and JSON
    keep every key, as docs/measures.md defines them for the scripts that read them.
    """
    return ",".join(HUMAN_KEYS if fmt in HUMAN_FORMATS else REPORT_KEYS)


def build_query(args: argparse.Namespace, as_of: Any, rule_set: RuleSet) -> ReportQuery:
    """The ReportQuery of the command's options (filters checked: a typo is refused)."""
    # Imported when a command runs: this module builds the parser, which must not load the
    # report engine and the calendar behind it.
    from casetrack.filters import prestation_code, section_code  # noqa: PLC0415
    from casetrack.reporting import ReportQuery  # noqa: PLC0415

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


def catch_up(tracker: DossierTracker, *, quiet: bool) -> None:
    """After-ingest hook (entry point): bring the read models up to date."""
    # Imported when called: this module builds the parser, which must not load SQL.
    from projections.handlers import catch_up as run  # noqa: PLC0415

    run(tracker, quiet=quiet)
