"""What every file ingestion shares: the job's plan, the ledger, the summary, quarantine.

A job (one command) ingests files of one kind under one lock. Before writing anything
it looks each file up in the extract ledger: a file completed with the same content
is skipped, a file started but not completed (an interrupted run) is completed, and a
PIAF extract never ingested that is older than one already completed is refused. So
the same command, rerun after any interruption, finishes the work. (A TOPVIR file
completed with lines quarantined for an unknown dossier is read again once a PIAF
extract has filed one of them: `adapters.ingest` decides, this module releases the rows.)
"""

from __future__ import annotations

import enum
import hashlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from attrs import Factory, define, frozen

from adapters.errors import FileRefused
from adapters.rowstate import QuarantinedRow, RowStateStore
from adapters.summary import IngestSummary
from adapters.textfile import date_in_name
from casetrack.application import DossierTracker
from casetrack.errors import InputRefused
from casetrack.ledger import ExtractLedger


class Step(enum.Enum):
    """What a job does with one file."""

    NEW = "new"
    RESUME = "resume"
    SKIP = "skip"


@frozen
class PlannedFile:
    """One file of a job: its content hash, extraction date (if named) and what to do."""

    path: Path
    sha256: str
    extracted_on: date | None
    step: Step


def file_sha256(path: Path) -> str:
    """Content hash of a file, read in chunks; FileRefused if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as error:
        raise _unreadable(path, error) from None
    return digest.hexdigest()


def check_readable(paths: Sequence[Path]) -> None:
    """FileRefused naming the first path that is not a readable file.

    Checked before the store is opened, so a mistyped path never creates a database.
    """
    for path in paths:
        try:
            with path.open("rb"):
                pass
        except OSError as error:
            raise _unreadable(path, error) from None


def _unreadable(path: Path, error: OSError) -> FileRefused:
    if isinstance(error, IsADirectoryError):
        return FileRefused(
            f"{path}: is a folder, not a file; give the files, e.g. {path}/piaf_*.csv"
        )
    return FileRefused(
        f"{path.name}: cannot be read ({error.strerror}); check the path and its rights"
    )


def plan_files(
    ledger: ExtractLedger, kind: str, paths: Sequence[Path], extracted_on: date | None
) -> list[PlannedFile]:
    """Each file with what to do, in extraction-date order; refuse the job if one is too old.

    The refusal comes before anything is written, and names every file concerned.
    A file whose date cannot be known keeps the front of the queue: reading it
    refuses it (no extraction date) before any other file is touched.
    """
    planned: list[PlannedFile] = []
    for path in paths:
        day = extracted_on or date_in_name(path)
        sha = file_sha256(path)
        if day is not None and ledger.knows(sha, day):
            step = Step.SKIP
        elif day is not None and ledger.was_started(sha, day):
            step = Step.RESUME
        else:
            step = Step.NEW
        planned.append(PlannedFile(path, sha, day, step))
    planned.sort(key=lambda f: f.extracted_on or date.min)
    latest = ledger.latest(kind) if kind == "piaf" else None
    too_old = [
        f
        for f in planned
        if f.step is Step.NEW and latest and f.extracted_on and f.extracted_on < latest
    ]
    if too_old and latest is not None:
        raise InputRefused(_older_message(too_old, latest))
    return planned


def _older_message(files: list[PlannedFile], latest: date) -> str:
    names = ", ".join(
        f"{f.path.name} (extracted {f.extracted_on.isoformat() if f.extracted_on else '?'})"
        for f in files
    )
    return (
        f"never ingested and older than the newest extract already ingested "
        f"({latest.isoformat()}): {names}. Nothing was written. An older snapshot cannot "
        "be applied after a newer one: take these files out of the list (a past state is "
        "re-audited with --known-at, from what was ingested in order)"
    )


@define
class FileRun:
    """One file being ingested: its identity, counts and quarantined rows."""

    kind: str
    path: Path
    sha256: str
    extracted_on: date
    summary: IngestSummary
    quarantined: list[QuarantinedRow] = Factory(list)
    #: Lines of an earlier quarantine of this file that this run read and applied.
    released: list[int] = Factory(list)

    def quarantine(self, line: int, dossier: str, reason: str) -> None:
        """Set a row aside with where it is and why (never its values)."""
        self.quarantined.append(
            QuarantinedRow(
                self.kind, self.path.name, self.sha256, line, dossier, reason, self.extracted_on
            )
        )

    def release(self, line: int) -> None:
        """Take a line of an earlier quarantine out once this run has applied it."""
        self.released.append(line)


@contextmanager
def file_run(
    tracker: DossierTracker,
    ledger: ExtractLedger,
    rows: RowStateStore,
    kind: str,
    planned: PlannedFile,
    extracted_on: date,
) -> Iterator[FileRun]:
    """Note the file as started before its first event, then, once all its rows are
    done, keep its quarantined rows, release those it applied at last, and note it as
    ingested. The caller holds the lock, and `ledger` is its current copy of the store's
    ledger. A file already ingested (read again) writes nothing to the ledger."""
    started = time.monotonic()
    if not ledger.was_started(planned.sha256, extracted_on):
        ledger.file_started(
            kind=kind, name=planned.path.name, sha256=planned.sha256, extracted_on=extracted_on
        )
        tracker.save(ledger)
    summary = IngestSummary(kind, planned.path.name, extracted_on)
    summary.resumed = planned.step is Step.RESUME
    run = FileRun(kind, planned.path, planned.sha256, extracted_on, summary)
    yield run
    run.summary.quarantined_rows = len(run.quarantined)
    rows.quarantine(run.quarantined)
    # After the run's events are committed: a job stopped before keeps the rows quarantined.
    rows.release(run.sha256, run.released)
    run.summary.seconds = time.monotonic() - started
    if not ledger.knows(run.sha256, extracted_on):
        ledger.file_ingested(
            kind=kind,
            name=planned.path.name,
            sha256=run.sha256,
            extracted_on=extracted_on,
            rows=run.summary.rows_read,
            quarantined=run.summary.quarantined_rows,
        )
        tracker.save(ledger)
