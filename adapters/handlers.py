"""How the adapters' commands run: ingest, quarantine, and the dossier view with its rows.

Imported when one of them runs (casetrack.lazy); their parsers are in adapters.commands.
"""

from __future__ import annotations

import argparse
from datetime import date
from importlib.metadata import entry_points
from typing import Any

from adapters.commands import AFTER_INGEST
from adapters.errors import FileRefused
from adapters.filerun import check_readable
from adapters.ingest import Ingestor
from adapters.mapping import DEFAULT_MAPPING, load_mapping, normalize_header
from adapters.reason_words import french_reason, refused_column
from adapters.rowstate import RowStateStore
from adapters.summary import IngestSummary
from casetrack.application import DossierTracker
from casetrack.console import say
from casetrack.context import CommandContext
from casetrack.dossier_view import QuarantinedLine, show_dossier
from casetrack.output import write_rows
from casetrack.progress import Progress

QUARANTINE_COLUMNS = ("file", "line", "dossier", "reason")


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
