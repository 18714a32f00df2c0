"""The `restatements` command's parser: what changed between two dates of knowledge.

Only the parser: its handler (projections.restatement_handlers) is imported when it runs, so
that the parser is built without the event store and the report engine.
"""

from __future__ import annotations

from typing import Any, Final

from casetrack.arguments import DATE, date_range, iso_date
from casetrack.lazy import LazyHandler
from projections.cli_constants import RESTATEMENT_COLUMNS, RESTATEMENT_TOTAL_COLUMNS

#: The module of this command's handler, imported when it runs.
HANDLERS: Final = "projections.restatement_handlers"


def register(commands: Any) -> None:
    """Add `restatements` to the `casetrack` parser."""
    p = commands.add_parser(
        "restatements",
        help="measures restated between two dates of knowledge, with their causes",
        description=(
            "The measures of --from..--to whose status or elapsed value differs between the "
            "facts known at K1 (--known-at) and those known at K2 (--now), both evaluated at "
            "the same date E (--as-of), so that only what became known shows, not the progress "
            "of open clocks; one line per restated measure and fact of its dossier that "
            "changed, with the extract that changed it; then, per engagement and sector, how "
            "many measures were restated and the rate known at K1 beside the rate known at K2. "
            "Reads the event store only, never writes. A table (French), CSV (the lines; "
            "--totals FILE writes the totals as a second CSV) or JSON (both lists), to stdout "
            "or --output."
        ),
    )
    date_range(
        p,
        "first day of the period (D1)",
        "last day of the period (D2), on or after --from",
    )
    p.add_argument(
        "--known-at",
        type=iso_date,
        required=True,
        metavar=DATE,
        help="K1: the facts known on or before this date (the report as it was signed)",
    )
    p.add_argument(
        "--now",
        type=iso_date,
        metavar=DATE,
        help="K2, on or after --known-at: the facts known on or before this date (default: "
        "the latest extraction date ingested, i.e. everything known)",
    )
    p.add_argument(
        "--as-of",
        type=iso_date,
        metavar=DATE,
        help="E, the evaluation date of both sides, on or after --from (default: --known-at)",
    )
    p.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="output format"
    )
    p.add_argument("--output", metavar="FILE", help="write to this file instead of stdout")
    p.add_argument(
        "--totals",
        metavar="FILE",
        help=(
            "also write the totals per engagement and sector as CSV to FILE "
            f"({','.join(RESTATEMENT_TOTAL_COLUMNS)}); the way to get them with --format csv, "
            f"whose lines are {','.join(RESTATEMENT_COLUMNS)}"
        ),
    )
    p.add_argument("--rules", metavar="FILE", help="a rule set TOML file (default: CASVP-2014-05)")
    p.set_defaults(handler=LazyHandler(HANDLERS, "cmd_restatements"))
