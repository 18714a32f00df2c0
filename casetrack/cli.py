"""The `casetrack` command line: the parser of every command, and the run of one.

Commands come from `casetrack.commands` and, through entry points, from the adapters and
projections packages; each takes `(args, context)`. This module and the parsers import
little, so that `--version`, `--help` and a refused argument answer at once: what a
command runs on (the store, the calendar, SQL) is imported once its arguments are read
(casetrack.running, and each command's handler through casetrack.lazy).
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points

from casetrack import __version__
from casetrack.cli_constants import CALENDAR_VARIABLE, DB_VARIABLE, DEFAULT_URL
from casetrack.commands import register as register_core
from casetrack.console import say
from casetrack.errors import EXIT_INTERRUPTED
from casetrack.helptext import document, parsers_of

PLUGIN_GROUP = "casetrack.commands"


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, plugins included."""
    parser = argparse.ArgumentParser(
        prog="casetrack",
        description="QualiPARIS engagements 17-19 of the CASVP sections, from PIAF extracts. "
        "`casetrack COMMAND --help` describes each command.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"casetrack {__version__}",
        help="print the version and exit",
    )
    _global_options(parser, argparse.SUPPRESS)
    parser.set_defaults(db=None, calendar=None, quiet=False)
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, help="the command to run"
    )

    register_core(commands)
    for plugin in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        plugin.load()(commands)
    for command in parsers_of(parser):
        # Global options are accepted after the command too (`casetrack report ... --db X`,
        # `casetrack ingest --db X piaf ...`); SUPPRESS keeps a value given before the
        # command when none is given after.
        _global_options(command, argparse.SUPPRESS)
    document(parser)
    return parser


def _global_options(p: argparse.ArgumentParser, default: object) -> None:
    p.add_argument(
        "--db",
        default=default,
        metavar="URL",
        help=f"database URL (default: ${DB_VARIABLE}, else {DEFAULT_URL})",
    )
    p.add_argument(
        "--calendar",
        default=default,
        metavar="FILE",
        help="TOML file of closure days, city-wide and per section "
        f"(default: ${CALENDAR_VARIABLE}, else French public holidays only)",
    )
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default,
        help="no progress lines or summaries on stderr (errors are always shown)",
    )


def main(argv: list[str] | None = None) -> int:
    """Run one command; errors print a message that says what to do."""
    try:
        args = build_parser().parse_args(argv)
        # Imported once the arguments are read: `--version`, `--help` and refused arguments
        # have exited above without loading the store and its drivers.
        from casetrack.running import run_command  # noqa: PLC0415

        return run_command(args)
    except KeyboardInterrupt:
        return interrupted()


def interrupted() -> int:
    """Report Ctrl-C: every write path commits whole transactions and resumes on a rerun."""
    say("casetrack: interrupted; what was committed stays, run the same command again to resume")
    return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
