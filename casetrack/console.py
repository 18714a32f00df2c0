"""Talking to the user of a command: stderr lines, and the output file or stdout."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from casetrack.errors import InputRefused


def say(message: str) -> None:
    """A line for the user on stderr."""
    sys.stderr.write(message + "\n")


def note(message: str) -> None:
    """A remark about the answer (where it came from): shown even with --quiet."""
    say(f"casetrack: note: {message}")


@contextmanager
def output_stream(path: str | None) -> Iterator[TextIO]:
    """Write to a file when given (refused clearly if it cannot be), else to stdout."""
    if path is None:
        yield sys.stdout
        return
    target = Path(path)
    try:
        stream = target.open("w", encoding="utf-8", newline="")
    except IsADirectoryError:
        msg = f"--output {path}: is a folder; give a file name in it, e.g. {target / 'out'}"
        raise InputRefused(msg) from None
    except FileNotFoundError:
        msg = f"--output {path}: the folder {target.parent} does not exist; create it first"
        raise InputRefused(msg) from None
    except OSError as error:
        msg = f"--output {path}: cannot be written ({error.strerror}); choose another path"
        raise InputRefused(msg) from None
    with stream as out:
        yield out
