"""The `casetrack` command line: parsing, the command context, exit codes and messages.

Commands come from `casetrack.commands` and, through entry points, from the adapters and
projections packages; each takes `(args, context)`.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import entry_points

from eventsourcing.persistence import MapperDeserialisationError, PersistenceError

from casetrack import __version__, faults
from casetrack.commands import register as register_core
from casetrack.console import say
from casetrack.context import CommandContext, Handler
from casetrack.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    CasetrackError,
    ConfigurationError,
    exit_code,
)
from casetrack.helptext import document, parsers_of
from casetrack.persistence import DEFAULT_URL, mask_url, parse_url
from casetrack.settings import (
    CALENDAR_VARIABLE,
    CIPHER_KEY_VARIABLE,
    DB_VARIABLE,
    store_error,
)

PLUGIN_GROUP = "casetrack.commands"


def explain(url: str, exc: Exception) -> CasetrackError | None:
    """The error a user can act on behind an unexpected exception, or None for a bug."""
    if isinstance(exc, CasetrackError):
        return exc
    if isinstance(exc, PersistenceError):
        return store_error(url, exc)
    if isinstance(exc, MapperDeserialisationError):
        return undecipherable(url)
    # Raw driver and file-system errors (eventsourcing lets some through, e.g. on opening).
    return faults.classify(parse_url(url), exc)


def undecipherable(url: str) -> ConfigurationError:
    """Stored events that cannot be decoded: an encrypted store read without its key."""
    where = mask_url(url)
    if os.environ.get(CIPHER_KEY_VARIABLE):
        msg = (
            f"the events of {where} cannot be decrypted with {CIPHER_KEY_VARIABLE}: it is not "
            "the key they were written with. Set it to that key (kept with the backups)"
        )
    else:
        msg = (
            f"the events of {where} cannot be read: the store is encrypted. Set "
            f"{CIPHER_KEY_VARIABLE} to the key it was written with (docs/operations.md, "
            "Encryption at rest)"
        )
    return ConfigurationError(msg)


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
        handler: Handler = args.handler
        context: CommandContext | None = None
        try:
            context = CommandContext.from_args(args)
            return handler(args, context)
        except BrokenPipeError:
            return 0
        except Exception as exc:
            return failed(database_url(args), exc)
        finally:
            if context is not None:
                context.close()
    except KeyboardInterrupt:
        return interrupted()


def database_url(args: argparse.Namespace) -> str:
    """The store a command was given, for error messages (the default when unusable)."""
    try:
        return CommandContext.from_args(args).settings.db
    except CasetrackError:
        return DEFAULT_URL


def interrupted() -> int:
    """Report Ctrl-C: every write path commits whole transactions and resumes on a rerun."""
    say("casetrack: interrupted; what was committed stays, run the same command again to resume")
    return EXIT_INTERRUPTED


def failed(url: str, exc: Exception) -> int:
    """Report an error that ended a command; return the exit code."""
    if faults.interrupted(exc):
        # A library turned Ctrl-C into an error of its own: it is still an interrupt.
        return interrupted()
    try:
        error = explain(url, exc)
    except CasetrackError as found:  # the URL itself is unusable
        error = found
    if error is not None:
        say(f"casetrack: error: {error}")
        return exit_code(error)
    if os.environ.get("CASETRACK_DEBUG"):
        raise exc
    # Last resort: name the bug without echoing values, which may hold personal data.
    say(
        f"casetrack: internal error ({type(exc).__name__}); please report it, "
        "and rerun with CASETRACK_DEBUG=1 for the traceback"
    )
    return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
