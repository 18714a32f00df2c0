"""What a command handler gets: the job's settings and what every command shares.

Commands, the plugged-in ones included, take `(args, context)`: they open the store,
write their output and talk to the user through the context, never by importing helpers
back from the command line module.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import TextIO

from attrs import Factory, define

from casetrack.application import DossierTracker
from casetrack.console import note, output_stream, say
from casetrack.errors import InputRefused
from casetrack.progress import Progress
from casetrack.settings import Settings


@define
class CommandContext:
    """One command's settings, the stores it opened, and its output helpers."""

    settings: Settings
    opened: list[DossierTracker] = Factory(list)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CommandContext:
        """The context of parsed arguments: their flags, else the environment, else defaults."""
        return cls(
            Settings.from_env(
                db=getattr(args, "db", None),
                calendar=getattr(args, "calendar", None),
                rules=getattr(args, "rules", None),
                quiet=bool(getattr(args, "quiet", False)),
            )
        )

    @property
    def quiet(self) -> bool:
        """No progress lines or summaries."""
        return self.settings.quiet

    def tracker(self, *, write: bool = False) -> DossierTracker:
        """The store, opened for reading unless the command writes (ingest, project, demo)."""
        tracker = self.settings.open(write=write)
        self.opened.append(tracker)
        return tracker

    def close(self) -> None:
        """Close the stores this command opened."""
        while self.opened:
            self.opened.pop().close()

    def output(self, path: str | None) -> AbstractContextManager[TextIO]:
        """Write to a file when given (refused clearly if it cannot be), else to stdout."""
        return output_stream(path)

    def say(self, message: str) -> None:
        """A line for the user on stderr (summaries: callers check `quiet`)."""
        say(message)

    def note(self, message: str) -> None:
        """A remark about the answer (where it came from): shown even with --quiet."""
        note(message)

    def progress(self, label: str, total: int | None = None, unit: str = "rows") -> Progress:
        """A progress line on stderr, unless --quiet."""
        return Progress(label, total, unit=unit, enabled=not self.quiet)

    def evaluation_date(
        self, tracker: DossierTracker, as_of: date | None, known_at: date | None
    ) -> date:
        """`as_of` if given, else K when known at K, else the latest extraction date."""
        if as_of is not None:
            return as_of
        if known_at is not None:
            return known_at
        latest = tracker.default_as_of()
        if latest is None:
            msg = (
                "nothing ingested yet, so there is no default evaluation date: give "
                "--as-of AAAA-MM-JJ"
            )
            raise InputRefused(msg)
        return latest


#: A command: parsed arguments and the context in, exit code out.
Handler = Callable[[argparse.Namespace, CommandContext], int]
