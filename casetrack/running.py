"""Running one parsed command: its context, its handler, and the message of what ended it.

Imported by casetrack.cli once the arguments are read: the store and its errors come in here.
"""

from __future__ import annotations

import argparse
import os

from eventsourcing.persistence import MapperDeserialisationError, PersistenceError

from casetrack import faults
from casetrack.cli import interrupted
from casetrack.console import say
from casetrack.context import CommandContext, Handler
from casetrack.errors import EXIT_INTERNAL, CasetrackError, ConfigurationError, exit_code
from casetrack.persistence import DEFAULT_URL, mask_url, parse_url
from casetrack.settings import CIPHER_KEY_VARIABLE, store_error


def run_command(args: argparse.Namespace) -> int:
    """Run the command `args` names; an error ends it with a message and its exit code."""
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


def database_url(args: argparse.Namespace) -> str:
    """The store a command was given, for error messages (the default when unusable)."""
    try:
        return CommandContext.from_args(args).settings.db
    except CasetrackError:
        return DEFAULT_URL


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
