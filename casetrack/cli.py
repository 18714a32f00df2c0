"""The `casetrack` command line: core commands here, others plugged in by entry points."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import TextIO

from eventsourcing.persistence import MapperDeserialisationError, PersistenceError

from casetrack import __version__, faults
from casetrack.application import DossierTracker
from casetrack.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    CasetrackError,
    ConfigurationError,
    InputRefused,
    exit_code,
)
from casetrack.history import history_lines
from casetrack.measures import measure_all
from casetrack.output import MEASURE_COLUMNS, measure_row, write_rows, write_table
from casetrack.persistence import DEFAULT_URL, mask_url, parse_url
from casetrack.settings import (
    CALENDAR_VARIABLE,
    CIPHER_KEY_VARIABLE,
    DB_VARIABLE,
    Settings,
    store_error,
)

Handler = Callable[[argparse.Namespace], int]
PLUGIN_GROUP = "casetrack.commands"


def iso_date(text: str) -> date:
    """Parse an `AAAA-MM-JJ` argument."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not a date; write AAAA-MM-JJ, e.g. 2025-03-14"
        raise argparse.ArgumentTypeError(msg) from None


def settings_of(args: argparse.Namespace) -> Settings:
    """The job's settings: the command's flags, else the environment, else the defaults."""
    return Settings.from_env(
        db=getattr(args, "db", None),
        calendar=getattr(args, "calendar", None),
        rules=getattr(args, "rules", None),
        quiet=bool(getattr(args, "quiet", False)),
    )


def database_url(args: argparse.Namespace) -> str:
    """`--db`, else $CASETRACK_DB, else the embedded SQLite default."""
    return settings_of(args).db


def open_tracker(args: argparse.Namespace, *, write: bool = False) -> DossierTracker:
    """The store of the command's settings: read-only unless the command writes."""
    return settings_of(args).open(write=write)


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


@contextmanager
def output_stream(path: str | None) -> Iterator[TextIO]:
    """Write to a file when given, else to stdout."""
    if path is None:
        yield sys.stdout
        return
    target = Path(path)
    try:
        stream = target.open("w", encoding="utf-8", newline="")
    except IsADirectoryError:
        msg = f"--output {path}: is a folder; give a file name in it, e.g. {target / 'report'}"
        raise InputRefused(msg) from None
    except FileNotFoundError:
        msg = f"--output {path}: the folder {target.parent} does not exist; create it first"
        raise InputRefused(msg) from None
    except OSError as error:
        msg = f"--output {path}: cannot be written ({error.strerror}); choose another path"
        raise InputRefused(msg) from None
    with stream as out:
        yield out


def evaluation_dates(tracker: DossierTracker, as_of: date | None, known_at: date | None) -> date:
    """measures.md: `as_of` defaults to K when known at K, else to the latest extraction."""
    if as_of is not None:
        return as_of
    if known_at is not None:
        return known_at
    latest = tracker.default_as_of()
    if latest is None:
        msg = (
            "nothing ingested yet, so there is no default evaluation date: give --as-of AAAA-MM-JJ"
        )
        raise InputRefused(msg)
    return latest


def cmd_measures(args: argparse.Namespace) -> int:
    """Per-dossier measures, exactly the spec's columns."""
    tracker = open_tracker(args)
    as_of = evaluation_dates(tracker, args.as_of, args.known_at)
    rows = (
        measure_row(facts, m)
        for facts in tracker.all_facts(args.known_at)
        for m in measure_all(facts, tracker.rule_set, tracker.calendar, as_of)
    )
    with output_stream(args.output) as out:
        write_rows(rows, MEASURE_COLUMNS, out, args.format)
    return 0


def cmd_dossier(args: argparse.Namespace) -> int:
    """One dossier's history and its measures."""
    tracker = open_tracker(args)
    events = tracker.history(args.number)
    if not events:
        msg = (
            f"dossier {args.number} is unknown: check the number, "
            "or ingest the extract that files it"
        )
        raise InputRefused(msg)
    as_of = evaluation_dates(tracker, args.as_of, args.known_at)
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


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, plugins included."""
    parser = argparse.ArgumentParser(
        prog="casetrack",
        description="QualiPARIS engagements 17-19 of the CASVP sections, from PIAF extracts.",
        epilog="Exit codes: 0 done; 1 internal error (a bug: please report it); "
        "2 input refused (file, argument); 3 database unreachable or busy (wait, rerun); "
        "4 storage fault to fix first (disk full, read-only, damaged or foreign file; "
        "see docs/faults.md); 130 interrupted (Ctrl-C; rerun to resume).",
    )
    parser.add_argument("--version", action="version", version=f"casetrack {__version__}")
    _global_options(parser, argparse.SUPPRESS)
    parser.set_defaults(db=None, calendar=None, quiet=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser("measures", help="per-dossier measures (csv or json)")
    _evaluation_options(p)
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--output", help="write to this file instead of stdout")
    p.add_argument("--rules", help="a rule set TOML file (default: CASVP-2014-05)")
    p.set_defaults(handler=cmd_measures)

    p = commands.add_parser("dossier", help="one dossier's history and measures")
    p.add_argument("number", help="PIAF dossier number")
    _evaluation_options(p)
    p.add_argument("--rules", help="a rule set TOML file (default: CASVP-2014-05)")
    p.set_defaults(handler=cmd_dossier)

    for plugin in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        plugin.load()(commands)
    for command in _leaf_parsers(parser):
        # Global options are accepted after the command too (`casetrack report ... --db X`);
        # SUPPRESS keeps a value given before the command when none is given after.
        _global_options(command, argparse.SUPPRESS)
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


def _leaf_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of every command and sub-command (`ingest piaf`, `report`, ...)."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(_leaf_parsers(sub) or [sub])
    return found


def _evaluation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", type=iso_date, help="evaluation date (default: latest extract)")
    p.add_argument("--known-at", type=iso_date, help="use only facts known on or before this date")


def say(message: str) -> None:
    """Print a message for the user on stderr."""
    sys.stderr.write(message + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run one command; errors print a message that says what to do."""
    try:
        args = build_parser().parse_args(argv)
        handler: Handler = args.handler
        try:
            return handler(args)
        except BrokenPipeError:
            return 0
        except Exception as exc:
            return failed(database_url(args), exc)
    except KeyboardInterrupt:
        return interrupted()


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
