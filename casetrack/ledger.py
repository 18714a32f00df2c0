"""The extract ledger: which files were ingested, so the newest extraction date is known."""

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


class ExtractLedger(Aggregate):
    """Every PIAF extract and TOPVIR file ingested into a store."""

    @staticmethod
    def create_id() -> UUID:
        """The ledger has a fixed id: one per store."""
        return LEDGER_ID

    @event("Started")
    def __init__(self) -> None:
        self.files: list[IngestedFile] = []

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
        """The newest extraction date ingested for a kind of file."""
        dates = [f.extracted_on for f in self.files if f.kind == kind]
        return max(dates, default=None)

    def knows(self, sha256: str, extracted_on: date) -> bool:
        """Whether this very content was already ingested for this extraction date."""
        return any(f.sha256 == sha256 and f.extracted_on == extracted_on for f in self.files)

    @property
    def latest_extraction(self) -> date | None:
        """The newest extraction date of any file: the default evaluation date."""
        return max((f.extracted_on for f in self.files), default=None)
