"""Ingestion of PIAF extracts and TOPVIR files into dossier streams: idempotent, batched.

A job ingests a list of files under one lock, planned by `adapters.filerun`: files
already ingested are skipped, an interrupted one is completed. A TOPVIR file already
ingested is read again only when lines of it were quarantined for an unknown dossier and
a PIAF extract has filed one of those dossiers since: those lines alone are applied.

Each file is read twice. The first pass only splits rows, digests their mapped fields
and finds dossier numbers repeated with different values, so a file refused for
unreadable bytes, or a dossier quarantined for conflicting rows, has written nothing.
The second pass skips rows whose digest equals the dossier's last one, converts the
others, and saves their events in batches (one transaction per batch). A row of a
dossier that already holds facts from a newer PIAF extract is stale: the aggregate
records nothing for it. TOPVIR orders are saved the same way, a batch per transaction;
a batch that loses a race with another writer reloads its dossiers and records again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from eventsourcing.persistence import IntegrityError, StoredEvent

from adapters.errors import RowError
from adapters.filerun import PlannedFile, Step, file_run, plan_files
from adapters.locking import OnWait, ingest_lock
from adapters.mapping import DEFAULT_MAPPING, Mapping
from adapters.piaf_reader import PiafReader
from adapters.rowstate import RowState, RowStateStore
from adapters.summary import IngestSummary
from adapters.textfile import RawRow
from adapters.topvir_reader import TopvirReader
from casetrack.application import DossierTracker
from casetrack.dossier import Dossier, dossier_id, restore
from casetrack.errors import InputRefused
from casetrack.event_kinds import CREATED, KINDS
from casetrack.eventstore import (
    FactsFolder,
    NewDossierEncoder,
    event_names,
    insert_stored_events,
    select_streams,
)
from casetrack.facts import Facts, Snapshot
from casetrack.ledger import ExtractLedger
from casetrack.progress import Progress

LOG: Final = logging.getLogger("casetrack.ingest")
#: Dossiers per transaction: big enough that commits (fsync) cost little.
BATCH_SIZE: Final = 5000
#: Saves of one batch before giving up on a writer that keeps changing its dossiers.
ATTEMPTS: Final = 3
LOST_RACES: Final = (
    f"could not save a batch after {ATTEMPTS} attempts: another writer keeps changing it; rerun"
)
ProgressFactory = Callable[[str, int], Progress]
#: Told each file's summary as soon as the file is done (skipped ones included).
OnFile = Callable[[IngestSummary], None]
#: The start of the reason of a TOPVIR line whose dossier no PIAF extract has filed yet:
#: what a rerun of the file looks for. The advice holds: once a PIAF extract has filed
#: the dossier, the same `ingest topvir` of this file reads that line again and applies it.
#: (adapters/reason_words.py translates this exact text: change both together.)
UNKNOWN_NUMBER: Final = "unknown dossier number"
UNKNOWN_DOSSIER: Final = (
    f"{UNKNOWN_NUMBER}: ingest the PIAF extract that files it, then this file again"
)


def row_digest(salt: bytes, fields: tuple[str, ...]) -> str:
    """Digest of a row's mapped fields (and of the mapping that reads them)."""
    return hashlib.blake2b("\x1f".join(fields).encode(), key=salt, digest_size=16).hexdigest()


def is_correction(event: Any, before: Facts | None) -> bool:
    """Whether an event replaces a value that was already recorded."""
    kind = KINDS[type(event).__name__]
    if kind.corrects:
        return True
    field = kind.replaces
    return before is not None and field is not None and getattr(before, field) is not None


class Ingestor:
    """Ingests files into one store; a job holds the store's ingest lock from start to end."""

    def __init__(
        self,
        tracker: DossierTracker,
        *,
        batch_size: int = BATCH_SIZE,
        progress: ProgressFactory | None = None,
        lock_wait: float = 60.0,
        on_wait: OnWait | None = None,
    ) -> None:
        self.tracker = tracker
        self.url = tracker.database.url
        self.batch_size = batch_size
        self._encoder = NewDossierEncoder(tracker.mapper)
        self.rows = RowStateStore(self.url)
        self._progress = progress or (lambda label, total: Progress(label, total, enabled=False))
        self.lock_wait = lock_wait
        self.on_wait = on_wait
        self._locked = False

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's ingest lock (waiting up to `lock_wait`); re-entrant."""
        if self._locked:
            yield
            return
        with ingest_lock(self.url, self.lock_wait, self.on_wait):
            self._locked = True
            try:
                yield
            finally:
                self._locked = False

    def ingest(
        self,
        kind: str,
        paths: Sequence[Path],
        *,
        mapping: Mapping = DEFAULT_MAPPING,
        extracted_on: date | None = None,
        encoding: str | None = None,
        on_file: OnFile | None = None,
    ) -> list[IngestSummary]:
        """Ingest files of one kind ("piaf" or "topvir") as one job, in extraction-date order.

        Files already ingested with the same content are skipped, an interrupted one is
        completed; a PIAF extract never ingested and older than one already ingested
        refuses the whole job before anything is written. A file that cannot be read
        stops the job there (FileRefused): the files before it stay ingested.
        """
        if kind not in ("piaf", "topvir"):
            msg = f"unknown kind of file {kind!r}: piaf or topvir"
            raise ValueError(msg)
        summaries: list[IngestSummary] = []
        with self.locked():
            # Read once: only ingest jobs write the ledger, and this one holds the lock; the
            # same object records the job's own files as they start and complete.
            ledger = self.tracker.ledger()
            for planned in plan_files(ledger, kind, paths, extracted_on):
                done_on = _ingested_on(planned, ledger)
                if done_on is None and kind == "piaf":
                    summary = self._piaf(planned, ledger, mapping, extracted_on, encoding)
                elif done_on is None:
                    summary = self._topvir(planned, ledger, mapping, extracted_on, encoding)
                elif kind == "topvir":
                    summary = self._topvir_again(
                        planned, done_on, ledger, mapping, extracted_on, encoding
                    )
                else:
                    # A PIAF row quarantined for its own faults is fixed in PIAF, and PIAF
                    # rows are snapshots repeated weekly: a later extract carries the dossier
                    # anyway, so a PIAF file already ingested is never read again.
                    summary = IngestSummary(kind, planned.path.name, done_on, skipped=True)
                summaries.append(summary)
                if on_file is not None:
                    on_file(summary)
        return summaries

    # -- PIAF ------------------------------------------------------------------

    def ingest_piaf(
        self,
        path: Path,
        *,
        mapping: Mapping = DEFAULT_MAPPING,
        extracted_on: date | None = None,
        encoding: str | None = None,
    ) -> IngestSummary:
        """Ingest one PIAF extract (a snapshot): a job of one file."""
        [summary] = self.ingest(
            "piaf", [path], mapping=mapping, extracted_on=extracted_on, encoding=encoding
        )
        return summary

    def _piaf(
        self,
        planned: PlannedFile,
        ledger: ExtractLedger,
        mapping: Mapping,
        extracted_on: date | None,
        encoding: str | None,
    ) -> IngestSummary:
        """Ingest one PIAF extract; refuse it whole if it cannot be read."""
        reader = PiafReader(planned.path, mapping, extracted_on, encoding)
        path = planned.path
        with file_run(self.tracker, ledger, self.rows, "piaf", planned, reader.extracted_on) as run:
            summary = run.summary
            salt = hashlib.blake2b(repr(mapping).encode(), digest_size=16).digest()
            firsts, conflicts, total = self._scan(reader, salt)
            progress = self._progress(path.name, total)
            failed: dict[str, tuple[int, str]] = {}
            repeats: dict[str, list[RawRow]] = {}

            def quarantine(raw: RawRow, reason: str) -> None:
                run.quarantine(raw.line, raw.number, reason)
                if raw.number and raw.fields:
                    failed.setdefault(raw.number, (raw.line, reason))

            chunk: list[tuple[RawRow, str]] = []
            for raw in reader.raw_rows():
                summary.rows_read += 1
                progress.advance()
                if raw.number in conflicts:
                    lines = ", ".join(str(n) for n in conflicts[raw.number])
                    quarantine(
                        raw, f"dossier number repeated with different values (lines {lines})"
                    )
                    continue
                if raw.fields and raw.number:
                    digest, line = firsts.get(raw.number, ("", 0))
                    if line != raw.line:
                        # An identical repeat shares the fate of the dossier's first row.
                        repeats.setdefault(raw.number, []).append(raw)
                        continue
                    chunk.append((raw, digest))  # the scan's digest: not hashed twice
                else:
                    chunk.append((raw, row_digest(salt, raw.fields) if raw.number else ""))
                if len(chunk) >= self.batch_size:
                    self._piaf_chunk(reader, chunk, summary, quarantine)
                    chunk = []
            self._piaf_chunk(reader, chunk, summary, quarantine)
            for number, rows in repeats.items():
                if number in failed:
                    line, reason = failed[number]
                    for raw in rows:
                        quarantine(raw, f"same values as line {line}, quarantined: {reason}")
                else:
                    summary.repeated_rows += len(rows)
            progress.finish()
        return summary

    def _scan(
        self, reader: PiafReader, salt: bytes
    ) -> tuple[dict[str, tuple[str, int]], dict[str, list[int]], int]:
        """First pass: the digest and first line of each number, the numbers repeated with
        other values, and the count of rows."""
        first: dict[str, tuple[str, int]] = {}
        lines: dict[str, list[int]] = {}
        conflicting: set[str] = set()
        total = 0
        for raw in reader.raw_rows():
            total += 1
            if not raw.number or not raw.fields:
                continue
            digest = row_digest(salt, raw.fields)
            seen = first.get(raw.number)
            if seen is None:
                first[raw.number] = (digest, raw.line)
                continue
            lines.setdefault(raw.number, [seen[1]]).append(raw.line)
            if seen[0] != digest:
                conflicting.add(raw.number)
        conflicts = {number: lines[number] for number in sorted(conflicting)}
        return first, conflicts, total

    def _piaf_chunk(
        self,
        reader: PiafReader,
        chunk: list[tuple[RawRow, str]],
        summary: IngestSummary,
        quarantine: Callable[[RawRow, str], None],
    ) -> None:
        if not chunk:
            return
        day = reader.extracted_on
        known = self.rows.states([raw.number for raw, _ in chunk if raw.number], day)
        changed: list[tuple[str, Snapshot, str]] = []
        listed: dict[str, str] = {}  # dossiers to note as listed on `day`, with their digest
        for raw, digest in chunk:
            state = known.get(raw.number) if raw.number else None
            if state is not None and state.digest == digest:
                summary.unchanged_rows += 1
                if not state.listed:
                    listed[raw.number] = digest
                continue
            try:
                snapshot = reader.convert(raw)
            except RowError as error:
                quarantine(raw, str(error))
                continue
            changed.append((raw.number, snapshot, digest))
        if changed:
            listed.update(self._save_snapshots(changed, day, summary, known))
        self.rows.remember(listed, day)

    def _save_snapshots(
        self,
        changed: list[tuple[str, Snapshot, str]],
        known_on: date,
        summary: IngestSummary,
        known: dict[str, RowState],
    ) -> dict[str, str]:
        """Save one batch in one transaction: new dossiers encoded directly, others recorded.

        Returns the digests of the rows applied (stale ones left out).
        """
        mapper = self.tracker.mapper
        for attempt in range(ATTEMPTS):
            existing = self._load((n for n, _, _ in changed), known)
            stamp = datetime.now(UTC)
            stored: list[StoredEvent] = []
            corrections = 0
            applied: dict[str, str] = {}
            for number, snapshot, digest in changed:
                dossier = existing.get(number)
                if dossier is None:
                    stored.extend(self._encoder.encode(number, snapshot, known_on, stamp))
                    applied[number] = digest
                    continue
                before = dossier.facts
                if not dossier.record(snapshot, known_on):
                    continue  # stale: the dossier was listed by a newer extract
                applied[number] = digest
                for event in dossier.collect_events():
                    corrections += is_correction(event, before)
                    stored.append(mapper.to_stored_event(event))
            if not self._stored(stored, f"{len(changed)} dossiers", attempt):
                continue
            names = event_names(stored)
            summary.events_by_type.update(names)
            summary.dossiers_created += names.count(CREATED)
            summary.corrections += corrections
            summary.stale_rows += len(changed) - len(applied)
            return applied
        raise InputRefused(LOST_RACES)

    def _stored(self, stored: list[StoredEvent], batch: str, attempt: int) -> bool:
        """Insert a batch's events in one transaction; False when another writer saved
        one of its dossiers meanwhile (nothing inserted: the caller reloads and retries)."""
        try:
            insert_stored_events(self.tracker.recorder, stored)
        except IntegrityError:
            LOG.warning(
                "version conflict on a batch of %s (attempt %d of %d): reloading",
                batch,
                attempt + 1,
                ATTEMPTS,
            )
            return False
        return True

    # -- TOPVIR ----------------------------------------------------------------

    def ingest_topvir(
        self,
        path: Path,
        *,
        mapping: Mapping = DEFAULT_MAPPING,
        extracted_on: date | None = None,
        encoding: str | None = None,
    ) -> IngestSummary:
        """Ingest one TOPVIR transfer file: a job of one file."""
        [summary] = self.ingest(
            "topvir", [path], mapping=mapping, extracted_on=extracted_on, encoding=encoding
        )
        return summary

    def _topvir(
        self,
        planned: PlannedFile,
        ledger: ExtractLedger,
        mapping: Mapping,
        extracted_on: date | None,
        encoding: str | None,
        again: dict[str, list[int]] | None = None,
    ) -> IngestSummary:
        """Ingest one TOPVIR transfer file; unknown dossiers are quarantined.

        `again`, for a file already ingested: the dossiers (with their quarantined lines)
        now filed, whose lines alone are applied, and released from the quarantine.
        """
        reader = TopvirReader(planned.path, mapping, extracted_on, encoding)
        path = planned.path
        with file_run(
            self.tracker, ledger, self.rows, "topvir", planned, reader.extracted_on
        ) as run:
            summary = run.summary
            summary.reread = again is not None
            orders: dict[str, tuple[date, str | None, RawRow]] = {}
            for raw in reader.raw_rows():
                summary.rows_read += 1
                try:
                    order = reader.convert(raw)
                except RowError as error:
                    if again is None:  # read again: the line is quarantined already
                        run.quarantine(raw.line, raw.number, str(error))
                    continue
                earlier = orders.get(order.number)
                if earlier is None or order.ordered_on < earlier[0]:
                    orders[order.number] = (order.ordered_on, order.batch, raw)
                summary.repeated_rows += earlier is not None
            numbers = list(orders) if again is None else [n for n in orders if n in again]
            progress = self._progress(path.name, len(numbers))
            for start in range(0, len(numbers), self.batch_size):
                batch = numbers[start : start + self.batch_size]
                saved = self._save_transfers(batch, orders, reader.extracted_on, summary)
                for number in batch:
                    if number not in saved:
                        run.quarantine(orders[number][2].line, number, UNKNOWN_DOSSIER)
                        continue
                    for line in (again or {}).get(number, []):
                        run.release(line)
                progress.advance(len(batch))
            progress.finish()
        summary.released_rows = len(run.released)
        return summary

    def _save_transfers(
        self,
        batch: Sequence[str],
        orders: dict[str, tuple[date, str | None, RawRow]],
        extracted_on: date,
        summary: IngestSummary,
    ) -> set[str]:
        """Record one batch of transfer orders in one transaction, as PIAF batches are
        saved; return the numbers of the dossiers found (the others are unknown)."""
        mapper = self.tracker.mapper
        for attempt in range(ATTEMPTS):
            existing = self._load(batch)
            stored: list[StoredEvent] = []
            unchanged = corrections = 0
            for number in batch:
                dossier = existing.get(number)
                if dossier is None:
                    continue
                ordered_on, lot, _ = orders[number]
                before = dossier.facts
                # Read again, the order still takes the file's date as `known_on`: it was
                # in this file then; the earliest order stands, whatever its date.
                dossier.record_transfer(ordered_on, lot, extracted_on)
                events = dossier.collect_events()
                unchanged += not events
                for event in events:
                    corrections += is_correction(event, before)
                    stored.append(mapper.to_stored_event(event))
            if not self._stored(stored, f"{len(batch)} transfers", attempt):
                continue
            summary.events_by_type.update(event_names(stored))
            summary.unchanged_rows += unchanged
            summary.corrections += corrections
            return set(existing)
        raise InputRefused(LOST_RACES)

    def _topvir_again(
        self,
        planned: PlannedFile,
        done_on: date,
        ledger: ExtractLedger,
        mapping: Mapping,
        extracted_on: date | None,
        encoding: str | None,
    ) -> IngestSummary:
        """A TOPVIR file already ingested: read again if a dossier it quarantined as
        unknown is filed now, else skipped. Files without such lines cost one query."""
        waiting = self.rows.quarantined_in(planned.sha256, done_on, UNKNOWN_NUMBER)
        filed = self._load({row.dossier for row in waiting}) if waiting else {}
        again: dict[str, list[int]] = {}
        for row in waiting:
            if row.dossier in filed:
                again.setdefault(row.dossier, []).append(row.line)
        if not again:
            summary = IngestSummary("topvir", planned.path.name, done_on, skipped=True)
        else:
            summary = self._topvir(planned, ledger, mapping, extracted_on, encoding, again)
        summary.waiting_rows = len(waiting) - summary.released_rows
        return summary

    # -- shared ----------------------------------------------------------------

    def _load(
        self, numbers: Iterable[str], known: dict[str, RowState] | None = None
    ) -> dict[str, Dossier]:
        """Current dossiers among `numbers`, rebuilt from their stored events in bulk.

        One query per chunk of streams and a fold of their JSON states, instead of a
        repository read and an aggregate replay per dossier (the weekly job's main cost).
        A dossier's newest snapshot is the newest of its events' and of the extracts that
        listed it without a change (`known`), so the aggregate refuses older rows.
        """
        ids = [dossier_id(n) for n in numbers]
        folder = FactsFolder(self.tracker.mapper)
        for stored in select_streams(self.tracker.recorder, ids):
            folder.apply(
                stored.originator_id, stored.originator_version, stored.topic, stored.state
            )
        loaded: dict[str, Dossier] = {}
        for f in folder.results():
            number = f.facts.number
            seen = (known or {}).get(number)
            after = seen.seen_after if seen is not None else None
            newest = max(f.snapshot_on, after) if after is not None else f.snapshot_on
            loaded[number] = restore(f.facts, f.known_on, f.version, newest)
        return loaded


def _ingested_on(planned: PlannedFile, ledger: ExtractLedger) -> date | None:
    """The extraction date under which this content was already ingested, if it was."""
    day = planned.extracted_on
    if day is None:
        return None
    # Asked again per file: the same content may be listed twice in one job.
    if planned.step is Step.SKIP or ledger.knows(planned.sha256, day):
        return day
    return None
