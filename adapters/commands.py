"""Commands the adapters package plugs into `casetrack`: ingest, quarantine, and the dossier
view given its quarantined rows.

Only their parsers: the handlers (adapters.handlers) are imported when a command runs, so
that the parser is built without the ingest machinery and the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from casetrack.arguments import iso_date, seconds
from casetrack.lazy import LazyHandler

#: The module of these commands' handlers, imported when one runs.
HANDLERS: Final = "adapters.handlers"
#: Seconds an ingest waits for another job holding the store before it stops (exit 3).
DEFAULT_WAIT: Final = 60.0
#: Entry-point group of functions run after an ingest, e.g. the projections' catch-up.
AFTER_INGEST: Final = "casetrack.after_ingest"


def register(commands: Any) -> None:
    """Add the adapters' commands to the `casetrack` parser."""
    ingest = commands.add_parser(
        "ingest",
        help="ingest PIAF extracts or TOPVIR files",
        description="Record PIAF extracts (`ingest piaf`) or TOPVIR transfer files "
        "(`ingest topvir`) as events in the store, then bring the read models up to date.",
    )
    kinds = ingest.add_subparsers(
        dest="kind", metavar="KIND", required=True, help="what the files are"
    )
    for kind, what, does in (
        (
            "piaf",
            "PIAF extracts",
            "each row is a snapshot of one dossier: what changed since the store last "
            "heard of it becomes events (corrections included); unreadable rows are "
            "quarantined (`casetrack quarantine` lists them)",
        ),
        (
            "topvir",
            "TOPVIR transfer files",
            "each line adds a dossier's transfer order (the earliest stands); unreadable "
            "lines are quarantined (`casetrack quarantine` lists them)",
        ),
    ):
        p = kinds.add_parser(
            kind,
            help=f"ingest {what}, in extraction-date order",
            description=f"Read {what} in extraction-date order into the store (--db): {does}. "
            "Files already ingested are skipped, an interrupted one is completed, and the "
            "read models are brought up to date unless --no-project.",
        )
        p.add_argument(
            "files",
            nargs="+",
            type=Path,
            metavar="FILE",
            help=f"{what} (CSV), e.g. data/{kind}_2*.csv",
        )
        p.add_argument(
            "--extracted-on",
            type=iso_date,
            metavar="AAAA-MM-JJ",
            help="extraction date of every file given (default: _AAAAMMJJ in each file name)",
        )
        p.add_argument(
            "--mapping",
            type=Path,
            metavar="FILE",
            help="TOML mapping of header names and codes (default: the built-in one, "
            "docs/mapping.md)",
        )
        p.add_argument(
            "--encoding",
            help="file encoding, e.g. cp1252 (default: detect UTF-8 or Windows-1252)",
        )
        p.add_argument(
            "--no-project",
            action="store_true",
            help="do not bring the read models up to date afterwards",
        )
        p.add_argument(
            "--wait",
            type=seconds,
            default=DEFAULT_WAIT,
            metavar="SECONDS",
            help="how long to wait for another job holding the store (default: %(default)s)",
        )
        p.set_defaults(handler=LazyHandler(HANDLERS, "cmd_ingest"))

    p = commands.add_parser(
        "quarantine",
        help="list the rows set aside, with file, line and reason",
        description="List the rows the ingests set aside (file, line, dossier, reason), "
        "from the store; writes a table (reasons in French) or CSV (reasons in English, "
        "as stored) to stdout or --output.",
    )
    p.add_argument("--format", choices=("table", "csv"), default="table", help="output format")
    p.add_argument("--output", metavar="FILE", help="write to this file instead of stdout")
    p.set_defaults(handler=LazyHandler(HANDLERS, "cmd_quarantine"))
    # The core's dossier view, given the dossier's quarantined rows (the core cannot read them).
    commands.choices["dossier"].set_defaults(handler=LazyHandler(HANDLERS, "cmd_dossier"))
