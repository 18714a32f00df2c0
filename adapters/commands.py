"""Commands the adapters package plugs into `casetrack`: ingest, quarantine, and the dossier
view given its quarantined rows."""

from __future__ import annotations

import argparse
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from adapters.errors import FileRefused
from adapters.filerun import check_readable
from adapters.ingest import Ingestor
from adapters.mapping import DEFAULT_MAPPING, load_mapping, normalize_header
from adapters.reason_words import french_reason, refused_column
from adapters.rowstate import RowStateStore
from adapters.summary import IngestSummary
from casetrack.application import DossierTracker
from casetrack.arguments import iso_date, seconds
from casetrack.console import say
from casetrack.context import CommandContext
from casetrack.dossier_view import QuarantinedLine, show_dossier
from casetrack.output import write_rows
from casetrack.progress import Progress

QUARANTINE_COLUMNS = ("file", "line", "dossier", "reason")
#: Seconds an ingest waits for another job holding the store before it stops (exit 3).
DEFAULT_WAIT = 60.0
#: Entry-point group of functions run after an ingest, e.g. the projections' catch-up.
AFTER_INGEST = "casetrack.after_ingest"


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
        p.set_defaults(handler=cmd_ingest)

    p = commands.add_parser(
        "quarantine",
        help="list the rows set aside, with file, line and reason",
        description="List the rows the ingests set aside (file, line, dossier, reason), "
        "from the store; writes a table (reasons in French) or CSV (reasons in English, "
        "as stored) to stdout or --output.",
    )
    p.add_argument("--format", choices=("table", "csv"), default="table", help="output format")
    p.add_argument("--output", metavar="FILE", help="write to this file instead of stdout")
    p.set_defaults(handler=cmd_quarantine)
    # The core's dossier view, given the dossier's quarantined rows (the core cannot read them).
    commands.choices["dossier"].set_defaults(handler=cmd_dossier)


def progress_factory(args: argparse.Namespace) -> Any:
    """Progress bars unless --quiet."""
    return lambda label, total: Progress(label, total, enabled=not args.quiet)


def cmd_ingest(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Ingest files of one kind as one job, in extraction-date order, then catch up."""
    mapping = load_mapping(args.mapping) if args.mapping else DEFAULT_MAPPING
    check_readable(args.files)
    tracker = ctx.tracker(write=True)
    masked = tracker.database.masked

    def waiting() -> None:
        say(
            f"casetrack: another job is ingesting into {masked}; "
            f"waiting up to {args.wait:.0f} s for it to finish"
        )

    def done(summary: IngestSummary) -> None:
        if not args.quiet:
            for line in summary.lines():
                say(line)

    ingestor = Ingestor(
        tracker, progress=progress_factory(args), lock_wait=args.wait, on_wait=waiting
    )
    try:
        ingestor.ingest(
            args.kind,
            args.files,
            mapping=mapping,
            extracted_on=args.extracted_on,
            encoding=args.encoding,
            on_file=done,
        )
    except FileRefused as error:
        msg = (
            f"{error} (nothing of this file was written; the files before it in "
            "extraction-date order are ingested, the ones after it were not started)"
        )
        raise FileRefused(msg) from error
    after_ingest(args, tracker)
    return 0


def after_ingest(args: argparse.Namespace, tracker: Any) -> None:
    """Run the installed after-ingest hooks (the projections' catch-up) unless --no-project."""
    if getattr(args, "no_project", False):
        return
    for hook in sorted(entry_points(group=AFTER_INGEST), key=lambda e: e.name):
        hook.load()(tracker, quiet=args.quiet)


def cmd_quarantine(args: argparse.Namespace, ctx: CommandContext) -> int:
    """List quarantined rows."""
    tracker = ctx.tracker()
    rows = RowStateStore(tracker.database.url, write=False).quarantined()
    # CSV is a machine format: it keeps the reason as stored (English).
    word = french_reason if args.format == "table" else str
    items = (
        {"file": r.file, "line": r.line, "dossier": r.dossier, "reason": word(r.reason)}
        for r in rows
    )
    labels = ("Fichier", "Ligne", "Dossier", "Motif")
    with ctx.output(args.output) as out:
        write_rows(items, QUARANTINE_COLUMNS, out, args.format, labels=labels)
    return 0


def cmd_dossier(args: argparse.Namespace, ctx: CommandContext) -> int:
    """The dossier view, with the dossier's quarantined rows."""
    return show_dossier(args, ctx, dossier_quarantine)


def dossier_quarantine(
    tracker: DossierTracker, number: str, known_at: date | None
) -> list[QuarantinedLine]:
    """The dossier's quarantined rows (those of files extracted by `known_at`), in French."""
    rows = RowStateStore(tracker.database.url, write=False).quarantined()
    return [
        QuarantinedLine(r.file, r.line, french_reason(r.reason), _field(r.reason))
        for r in rows
        if r.dossier == number and (known_at is None or r.extracted_on <= known_at)
    ]


def _field(reason: str) -> str | None:
    """The dossier field a reason refuses, when it names a column of the default headers."""
    column = refused_column(reason)
    if column is None:
        return None
    fields = {
        normalize_header(name): field
        for headers in (DEFAULT_MAPPING.headers, DEFAULT_MAPPING.topvir_headers)
        for field, name in headers.items()
    }
    return fields.get(normalize_header(column))
