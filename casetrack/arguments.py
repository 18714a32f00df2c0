"""Argument types of the command line: each refuses a wrong value with what to write."""

from __future__ import annotations

import argparse
import math
from datetime import date


def iso_date(text: str) -> date:
    """An `AAAA-MM-JJ` date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not a date; write AAAA-MM-JJ, e.g. 2025-03-14"
        raise argparse.ArgumentTypeError(msg) from None


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"{text!r} is not a whole number of at least 1"
        raise argparse.ArgumentTypeError(msg)
    return value


def seconds(text: str) -> float:
    """A number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < math.inf:
        msg = f"{text!r} is not a number of seconds (0 or more)"
        raise argparse.ArgumentTypeError(msg)
    return value
