"""What every file ingestion shares: the store lock, the summary, quarantine, the ledger."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from attrs import Factory, define

from adapters.locking import ingest_lock
from adapters.rowstate import QuarantinedRow, RowStateStore
from adapters.summary import IngestSummary
from casetrack.application import DossierTracker
from casetrack.errors import InputRefused


def file_sha256(path: Path) -> str:
    """Content hash of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@define
class FileRun:
    """One file being ingested: its identity, counts and quarantined rows."""

    kind: str
    path: Path
    sha256: str
    extracted_on: date
    summary: IngestSummary
    quarantined: list[QuarantinedRow] = Factory(list)

    def quarantine(self, line: int, dossier: str, reason: str) -> None:
        """Set a row aside with where it is and why (never its values)."""
        self.quarantined.append(
            QuarantinedRow(
                self.kind, self.path.name, self.sha256, line, dossier, reason, self.extracted_on
            )
        )


@contextmanager
def file_run(
    tracker: DossierTracker,
    rows: RowStateStore,
    kind: str,
    path: Path,
    extracted_on: date,
    lock_wait: float,
) -> Iterator[FileRun]:
    """Hold the store's ingest lock while a file is read; on success, keep its quarantined
    rows and note the file in the ledger (once per content and extraction date)."""
    with ingest_lock(tracker.database.url, lock_wait):
        if kind == "piaf":
            refuse_older_extract(tracker, path, extracted_on)
        started = time.monotonic()
        run = FileRun(
            kind,
            path,
            file_sha256(path),
            extracted_on,
            IngestSummary(kind, path.name, extracted_on),
        )
        yield run
        run.summary.quarantined_rows = len(run.quarantined)
        rows.quarantine(run.quarantined)
        run.summary.seconds = time.monotonic() - started
        ledger = tracker.ledger()
        if not ledger.knows(run.sha256, extracted_on):
            ledger.file_ingested(
                kind=kind,
                name=path.name,
                sha256=run.sha256,
                extracted_on=extracted_on,
                rows=run.summary.rows_read,
                quarantined=run.summary.quarantined_rows,
            )
            tracker.save(ledger)


def refuse_older_extract(tracker: DossierTracker, path: Path, extracted_on: date) -> None:
    """Extracts are snapshots: one older than the newest ingested would roll facts back."""
    latest = tracker.ledger().latest("piaf")
    if latest is not None and extracted_on < latest:
        msg = (
            f"{path.name}: extracted on {extracted_on.isoformat()}, older than the newest "
            f"extract already ingested ({latest.isoformat()}); nothing was written. Ingest "
            "extracts in extraction-date order (a past state can be re-audited with --known-at)"
        )
        raise InputRefused(msg)
