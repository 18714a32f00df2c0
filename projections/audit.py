"""Re-audit of a past period "as known at" a date, and reproducible audit samples.

Only the parsers of `reaudit` and `sample`: their handlers (projections.audit_handlers) are
imported when one runs, so that the parser is built without the event store and the
renderers.
"""

from __future__ import annotations

from typing import Any, Final

from casetrack.arguments import as_of_option, date_range, iso_date
from casetrack.cli_constants import REPORT_KEYS
from casetrack.lazy import LazyHandler
from projections.cli_constants import CHANGE_COLUMNS
from projections.commands import HUMAN_KEYS, report_options

#: The module of these commands' handlers, imported when one runs.
HANDLERS: Final = "projections.audit_handlers"


def register(commands: Any) -> None:
    """Add `reaudit` and `sample` to the `casetrack` parser."""
    p = commands.add_parser(
        "reaudit",
        help="a past period's report as known at a date",
        description=(
            "The report of --from..--to with only the facts known at K (--known-at), read "
            "from the read models' versions when they hold every event, else from the event "
            "store (the store is never written). With --compare, the "
            "figures known at K beside those known now (grouped by engagement,section unless "
            "--by is given) and the measures whose status changed: a second table (table), "
            "'changes' (json), a section (html), a sheet (xlsx); a CSV holds one table, so "
            "--changes FILE writes them as a second CSV. Writes to stdout or --output "
            "(xlsx and html: --output only)."
        ),
    )
    report_options(
        p,
        by_help=f"grouping keys, comma-separated, among {','.join(REPORT_KEYS)} (default: "
        f"{','.join(HUMAN_KEYS)} for table, xlsx, html and with --compare; all four for "
        "csv and json)",
    )
    p.add_argument(
        "--known-at",
        type=iso_date,
        required=True,
        metavar="AAAA-MM-JJ",
        help="K: use only facts known on or before this date",
    )
    p.add_argument(
        "--as-of",
        type=iso_date,
        metavar="AAAA-MM-JJ",
        help="evaluation date (default: --known-at)",
    )
    p.add_argument(
        "--compare",
        action="store_true",
        help=(
            "set the figures known at K beside those known now (the latest extract), and list "
            "the measures whose status differs: known at K on min(--to, --as-of), known now on "
            "min(--to, latest extract), and in the period on either side (stopped in it, or "
            "open on that day)"
        ),
    )
    p.add_argument(
        "--changes",
        metavar="FILE",
        help=(
            "with --compare: also write the changed measures as CSV to FILE "
            f"({','.join(CHANGE_COLUMNS)}); the way to get them with --format csv"
        ),
    )
    p.set_defaults(handler=LazyHandler(HANDLERS, "cmd_reaudit"))

    p = commands.add_parser(
        "sample",
        help="a reproducible stratified audit sample",
        description="Draw up to --per-section dossiers per sector among those with a measure "
        "stopped between --from and --to, in an order set by --seed alone (same seed, same "
        "sample on any machine), each with its measures and history. Reads the event store; "
        "writes CSV or a table to stdout or --output.",
    )
    date_range(
        p,
        "first day of the range: measures stopped on or after it",
        "last day of the range, on or after --from",
    )
    p.add_argument(
        "--per-section", type=int, required=True, metavar="N", help="dossiers per sector"
    )
    p.add_argument("--seed", required=True, help="any text or number; same seed, same sample")
    p.add_argument(
        "--engagement",
        type=int,
        choices=(17, 18, 19),
        help="only dossiers measured on this engagement (default: any of the three)",
    )
    as_of_option(p, "--known-at if given, else the latest extraction date")
    p.add_argument(
        "--known-at",
        type=iso_date,
        metavar="AAAA-MM-JJ",
        help=(
            "draw among the dossiers as they were known at this date: their facts, measures "
            "and history known then (default: every fact)"
        ),
    )
    p.add_argument("--format", choices=("table", "csv"), default="csv", help="output format")
    p.add_argument("--output", metavar="FILE", help="write to this file instead of stdout")
    p.set_defaults(handler=LazyHandler(HANDLERS, "cmd_sample"))
