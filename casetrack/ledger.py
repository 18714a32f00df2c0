"""The extract ledger: which files were started and completed, for ordering and reruns."""

from __future__ import annotations

from datetime import date
from typing import Final
from uuid import UUID, uuid5

from attrs import frozen
from eventsourcing.domain import Aggregate, event

from casetrack.dossier import DOSSIER_NAMESPACE

#: The one ledger stream of a store.
LEDGER_ID: Final = uuid5(DOSSIER_NAMESPACE, "casetrack:extract-ledger")


@frozen
class IngestedFile:
    """One ingested file, by content and extraction date (never its personal contents)."""

    kind: str  # "piaf" or "topvir"
    name: str
    sha256: str
    extracted_on: date
    rows: int
    quarantined: int


@frozen
class StartedFile:
    """A file whose ingestion began: its events may be partly written."""

    kind: str
    name: str
    sha256: str
    extracted_on: date


class ExtractLedger(Aggregate):
    """Every PIAF extract and TOPVIR file ingested into a store, or begun.

    A file is noted as started before any of its events is written, and as
    ingested once all are: a file started but never completed was interrupted,
    and a rerun completes it.
    """

    @staticmethod
    def create_id() -> UUID:
        """The ledger has a fixed id: one per store."""
        return LEDGER_ID

    @event("Started")
    def __init__(self) -> None:
        self.files: list[IngestedFile] = []
        self.started: list[StartedFile] = []

    @event("FileStarted")
    def file_started(self, kind: str, name: str, sha256: str, extracted_on: date) -> None:
        """Note that a file's events are about to be written."""
        self.started.append(StartedFile(kind, name, sha256, extracted_on))

    @event("FileIngested")
    def file_ingested(
        self,
        kind: str,
        name: str,
        sha256: str,
        extracted_on: date,
        rows: int,
        quarantined: int,
    ) -> None:
        """Note that a file was ingested completely (counts that do not depend on reruns)."""
        self.files.append(IngestedFile(kind, name, sha256, extracted_on, rows, quarantined))

    def latest(self, kind: str) -> date | None:
        """The newest extraction date completely ingested for a kind of file."""
        dates = [f.extracted_on for f in self.files if f.kind == kind]
        return max(dates, default=None)

    def knows(self, sha256: str, extracted_on: date) -> bool:
        """Whether this very content was completely ingested for this extraction date."""
        return any(f.sha256 == sha256 and f.extracted_on == extracted_on for f in self.files)

    def was_started(self, sha256: str, extracted_on: date) -> bool:
        """Whether this very content's ingestion began (completed or not)."""
        return any(
            f.sha256 == sha256 and f.extracted_on == extracted_on for f in self.started
        ) or self.knows(sha256, extracted_on)

    @property
    def latest_extraction(self) -> date | None:
        """The newest extraction date of any file: the default evaluation date."""
        return max((f.extracted_on for f in self.files), default=None)
