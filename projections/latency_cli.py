"""The data-latency audit, `casetrack latency`: only its parser.

The handler (projections.latency_handlers) is imported when the command runs, so that the
parser is built without the event store, the calendar and the renderers.
"""

from __future__ import annotations

import argparse
from typing import Any, Final

from casetrack.arguments import date_range
from casetrack.lazy import LazyHandler
from projections.cli_constants import LATENCY_KEYS, LATENCY_PARTS

#: The module of the handler, imported when the command runs.
HANDLERS: Final = "projections.latency_handlers"


def latency_keys(text: str) -> tuple[str, ...]:
    """`--by`: grouping keys among fact, sector, month, comma-separated, kept in that order."""
    asked = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in asked if k not in LATENCY_KEYS]
    if unknown or not asked:
        what = f"unknown key {', '.join(unknown)}" if unknown else "no key"
        msg = f"{what}; give one or more of {','.join(LATENCY_KEYS)}, comma-separated"
        raise argparse.ArgumentTypeError(msg)
    # Columns keep one order whatever the order asked, as the report's keys do.
    return tuple(k for k in LATENCY_KEYS if k in asked)


def register(commands: Any) -> None:
    """Add `latency` to the `casetrack` parser."""
    p = commands.add_parser(
        "latency",
        help="data-latency audit: how long PIAF facts took to reach the extracts",
        description=(
            "For each fact dated in --from..--to (filing, first and second info, completion, "
            "decision, notification, transfer order), the calendar days from its date to the "
            "first extraction that reported the value in force now: median, p90 (nearest "
            "rank) and max by fact, sector and month. Then the measures whose stop became "
            "known only after their due date, and the stop dates corrected to an earlier "
            "date after the due date (breaches turned into 'met' flagged). Reads the event "
            "store in one pass, never writes it; writes a table, CSV or JSON to stdout or "
            "--output, xlsx or HTML to --output (docs/reports.md, Data latency)."
        ),
    )
    date_range(
        p,
        "first business date: facts dated, and measures stopped, on or after it",
        "last business date, on or after --from",
    )
    p.add_argument(
        "--by",
        type=latency_keys,
        default=LATENCY_KEYS,
        metavar="KEYS",
        help=f"grouping keys of the delays, comma-separated, among {','.join(LATENCY_KEYS)} "
        "(default: all three)",
    )
    p.add_argument(
        "--format",
        choices=("table", "csv", "json", "xlsx", "html"),
        default="table",
        help="output format (xlsx and html need --output); table, json, xlsx and html hold "
        "all three parts",
    )
    p.add_argument(
        "--part",
        choices=LATENCY_PARTS,
        help="csv only, one table per file: the delays (default), the measures whose stop "
        "was known after the due date (late-known), or the stops corrected to an earlier "
        "date after it (backdated)",
    )
    p.add_argument(
        "--output",
        metavar="FILE",
        help="file to write (required for xlsx and html; default: stdout)",
    )
    p.add_argument("--rules", metavar="FILE", help="a rule set TOML file (default: CASVP-2014-05)")
    p.set_defaults(handler=LazyHandler(HANDLERS, "cmd_latency"))
