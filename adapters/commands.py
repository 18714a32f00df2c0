"""Commands the adapters package plugs into `casetrack`: ingest, quarantine, demo, export."""

from __future__ import annotations

import argparse
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from adapters.errors import FileRefused
from adapters.ingest import Ingestor
from adapters.mapping import DEFAULT_MAPPING, load_mapping
from adapters.rowstate import RowStateStore
from adapters.summary import IngestSummary
from casetrack.arguments import iso_date, seconds
from casetrack.console import say
from casetrack.context import CommandContext
from casetrack.output import write_rows
from casetrack.progress import Progress

QUARANTINE_COLUMNS = ("file", "line", "dossier", "reason")
#: Seconds an ingest waits for another job holding the store before it stops (exit 3).
DEFAULT_WAIT = 60.0
#: Entry-point group of functions run after an ingest, e.g. the projections' catch-up.
AFTER_INGEST = "casetrack.after_ingest"


def register(commands: Any) -> None:
    """Add the adapters' commands to the `casetrack` parser."""
    ingest = commands.add_parser("ingest", help="ingest PIAF extracts or TOPVIR files")
    kinds = ingest.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, what in (("piaf", "PIAF extracts"), ("topvir", "TOPVIR transfer files")):
        p = kinds.add_parser(kind, help=f"ingest {what}, in extraction-date order")
        p.add_argument("files", nargs="+", type=Path, metavar="FILE")
        p.add_argument(
            "--extracted-on",
            type=iso_date,
            help="extraction date (AAAA-MM-JJ); default: _AAAAMMJJ in the file name",
        )
        p.add_argument("--mapping", type=Path, help="TOML mapping of header names and codes")
        p.add_argument("--encoding", help="file encoding (default: detect UTF-8 or Windows-1252)")
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
        "quarantine", help="list the rows set aside, with file, line and reason"
    )
    p.add_argument("--format", choices=("table", "csv"), default="table")
    p.add_argument("--output", help="write to this file instead of stdout")
    p.set_defaults(handler=cmd_quarantine)


def progress_factory(args: argparse.Namespace) -> Any:
    """Progress bars unless --quiet."""
    return lambda label, total: Progress(label, total, enabled=not args.quiet)


def cmd_ingest(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Ingest files of one kind as one job, in extraction-date order, then catch up."""
    mapping = load_mapping(args.mapping) if args.mapping else DEFAULT_MAPPING
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
    items = (
        {"file": r.file, "line": r.line, "dossier": r.dossier, "reason": r.reason} for r in rows
    )
    labels = ("Fichier", "Ligne", "Dossier", "Motif")
    with ctx.output(args.output) as out:
        write_rows(items, QUARANTINE_COLUMNS, out, args.format, labels=labels)
    return 0
