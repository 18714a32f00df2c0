"""Progress lines on stderr for the long steps of a benchmark run."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

_STARTED = time.monotonic()


def log(message: str) -> None:
    """One progress line on stderr, stamped with the seconds since the run began."""
    sys.stderr.write(f"[bench {time.monotonic() - _STARTED:7.1f} s] {message}\n")
    sys.stderr.flush()


@contextmanager
def step(message: str) -> Iterator[None]:
    """Log a step's start and its duration."""
    log(message + " ...")
    started = time.monotonic()
    yield
    log(f"{message}: done in {time.monotonic() - started:.1f} s")
