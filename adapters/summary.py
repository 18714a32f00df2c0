"""What one ingested file did: counts for the end-of-run summary and the ledger."""

from __future__ import annotations

from collections import Counter
from datetime import date

from attrs import Factory, define


@define
class IngestSummary:
    """Counts of one file's ingestion."""

    kind: str
    file: str
    extracted_on: date
    rows_read: int = 0
    dossiers_created: int = 0
    unchanged_rows: int = 0
    repeated_rows: int = 0
    quarantined_rows: int = 0
    #: Rows of dossiers that already hold facts from a newer PIAF extract: not applied.
    stale_rows: int = 0
    corrections: int = 0
    events_by_type: Counter[str] = Factory(Counter)
    seconds: float = 0.0
    #: Completing a file whose earlier ingestion was interrupted.
    resumed: bool = False
    #: Already ingested with the same content: nothing done.
    skipped: bool = False
    #: Already ingested, and read again for lines quarantined for an unknown dossier
    #: that a PIAF extract has filed since (TOPVIR files only).
    reread: bool = False
    #: Lines of an earlier quarantine read again and applied: no longer quarantined.
    released_rows: int = 0
    #: Lines of an earlier quarantine whose dossier is still unknown: still quarantined.
    waiting_rows: int = 0

    @property
    def events(self) -> int:
        """Events written."""
        return sum(self.events_by_type.values())

    def lines(self) -> list[str]:
        """The summary as lines for the terminal."""
        done = (
            f"{self.file} ({self.kind}, extracted {self.extracted_on.isoformat()}): "
            "already ingested with the same content;"
        )
        waiting = _count(self.waiting_rows, "line")
        if self.skipped:
            if not self.waiting_rows:
                return [f"{done} skipped"]
            return [
                f"{done} skipped ({waiting} quarantined for an unknown dossier: "
                "no PIAF extract has filed it yet)"
            ]
        if self.reread:
            return [
                f"{done} re-read: {_count(self.released_rows, 'line')} of an earlier "
                f"quarantine now applied ({_count(self.events, 'transfer order')} recorded), "
                f"{self.waiting_rows:,} still unknown"
            ]
        by_type = ", ".join(f"{k} {v:,}" for k, v in sorted(self.events_by_type.items()))
        rate = self.rows_read / self.seconds if self.seconds > 0 else 0.0
        resumed = " completing an interrupted ingestion" if self.resumed else ""
        return [
            f"{self.file} ({self.kind}, extracted {self.extracted_on.isoformat()}){resumed}:",
            f"  rows read {self.rows_read:,} in {self.seconds:,.1f} s ({rate:,.0f} rows/s)",
            f"  dossiers created {self.dossiers_created:,}",
            f"  events {self.events:,}" + (f" ({by_type})" if by_type else ""),
            f"  corrections {self.corrections:,}",
            f"  unchanged rows {self.unchanged_rows:,}, identical repeats {self.repeated_rows:,}",
            f"  stale rows {self.stale_rows:,}"
            + (" (their dossiers hold facts from a newer extract)" if self.stale_rows else ""),
            f"  quarantined rows {self.quarantined_rows:,}"
            + (" (list them with: casetrack quarantine)" if self.quarantined_rows else ""),
        ]


def _count(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("s" if count != 1 else "")
