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


# -- options several commands spell the same way ------------------------------------------

DATE = "AAAA-MM-JJ"
SECTION_HELP = "only this section (01 to 20, 5 is 05) or sector (PC) (default: all)"


def date_range(p: argparse.ArgumentParser, first: str, last: str) -> None:
    """--from and --to (dest start and end), required, with what each day means here."""
    p.add_argument("--from", dest="start", type=iso_date, required=True, metavar=DATE, help=first)
    p.add_argument("--to", dest="end", type=iso_date, required=True, metavar=DATE, help=last)


def engagement_filter(p: argparse.ArgumentParser, what: str = "all three") -> None:
    """--engagement 17|18|19; `what` says what no value means."""
    p.add_argument(
        "--engagement",
        type=int,
        choices=(17, 18, 19),
        help=f"only this engagement (default: {what})",
    )


def section_filter(p: argparse.ArgumentParser) -> None:
    """--section: a section code or a sector, checked against the sector list later."""
    p.add_argument("--section", metavar="S", help=SECTION_HELP)


def as_of_option(p: argparse.ArgumentParser, default: str) -> None:
    """--as-of, the evaluation date; `default` says what no value means."""
    p.add_argument(
        "--as-of", type=iso_date, metavar=DATE, help=f"evaluation date (default: {default})"
    )


def evaluation_options(p: argparse.ArgumentParser) -> None:
    """--as-of and --known-at, as every measuring command spells them."""
    as_of_option(p, "--known-at if given, else the latest extraction date")
    p.add_argument(
        "--known-at",
        type=iso_date,
        metavar=DATE,
        help="use only facts known on or before this date (default: every fact)",
    )
