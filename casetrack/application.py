"""The application service: records facts and reads dossiers, persistence chosen by URL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any, Final
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    InternalError,
    JSONTranscoder,
    Mapper,
    ProgrammingError,
)

from casetrack.calendar import WorkingCalendar
from casetrack.dossier import Dossier, dossier_id, replay
from casetrack.errors import StorageFault
from casetrack.eventstore import DossierMapper, FactsFolder, iter_notifications
from casetrack.eventstore.transcodings import register_transcodings
from casetrack.facts import Facts, Snapshot
from casetrack.faults import classify
from casetrack.ledger import LEDGER_ID, ExtractLedger
from casetrack.measures import Measure, measure_all
from casetrack.persistence import DEFAULT_URL, Database, parse_url
from casetrack.rules import RuleSet, default_rule_set

#: Tries at creating the store's tables when other jobs create them at the same moment.
CREATE_ATTEMPTS: Final = 5


class DossierTracker(Application[UUID]):
    """Records PIAF facts as dossier event streams and measures engagements 17 to 19."""

    name = "casetrack"

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        rule_set: RuleSet | None = None,
        calendar: WorkingCalendar | None = None,
        cipher_key: str | None = None,
        env: dict[str, str] | None = None,
        read_only: bool = False,
    ) -> None:
        self.database: Database = parse_url(url)
        self.rule_set = rule_set or default_rule_set()
        self.calendar = calendar or WorkingCalendar()
        #: Opened for reading only: no table created, nothing written (read commands).
        self.read_only = read_only
        settings = self.database.eventsourcing_env(read_only=read_only)
        if cipher_key:
            # Event payloads encrypted at rest with AES-GCM (the `crypto` extra).
            settings["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
            settings["CIPHER_KEY"] = cipher_key
        settings.update(env or {})
        for attempt in range(CREATE_ATTEMPTS):
            try:
                super().__init__(env=settings)
                break
            except Exception as error:
                # Jobs starting together on a new store race to create the same tables
                # (PostgreSQL) or to switch a new file to WAL (SQLite, whose driver error
                # eventsourcing lets through); the loser finds it done on the next try.
                if attempt == CREATE_ATTEMPTS - 1 or not _lost_creation_race(error):
                    raise
                if isinstance(classify(self.database, error), StorageFault):
                    raise  # a read-only role or a full disk: no retry makes it go away
                time.sleep(0.2 * (attempt + 1))

    #: The mapper every path encodes and decodes with (casetrack.eventstore.mapper).
    mapper: DossierMapper

    def construct_mapper(self) -> Mapper[UUID]:
        """eventsourcing's mapper, as DossierMapper: the library's extension point."""
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=DossierMapper
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """Register eventsourcing's transcodings and casetrack's date."""
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    # -- writing ---------------------------------------------------------------

    def record(self, number: str, snapshot: Snapshot, known_on: date) -> int:
        """Record a PIAF snapshot of one dossier; return the number of new events."""
        dossier = self.dossier(number)
        if dossier is None:
            dossier = open_dossier(number, snapshot, known_on)
        else:
            dossier.record(snapshot, known_on)
        return len(self.save(dossier))

    def record_transfer(
        self, number: str, ordered_on: date, batch: str | None, known_on: date
    ) -> int:
        """Record a TOPVIR transfer order; return the number of new events."""
        dossier = self.dossier(number)
        if dossier is None:
            msg = f"dossier {number} is unknown: ingest the PIAF extract that files it first"
            raise KeyError(msg)
        dossier.record_transfer(ordered_on, batch, known_on)
        return len(self.save(dossier))

    # -- reading ---------------------------------------------------------------

    def dossier(self, number: str) -> Dossier | None:
        """The current dossier, or None when PIAF never reported it."""
        try:
            found: Dossier = self.repository.get(dossier_id(number))
        except AggregateNotFoundError:
            return None
        return found

    def history(self, number: str) -> list[Any]:
        """Every stored event of a dossier, oldest first."""
        return list(self.events.get(dossier_id(number)))

    def facts(self, number: str, known_at: date | None = None) -> Facts | None:
        """The dossier's facts, with everything known or only what was known at `known_at`."""
        if known_at is None:
            dossier = self.dossier(number)
        else:
            dossier = replay(self.history(number), known_at)
        return None if dossier is None else dossier.facts

    def measures(self, number: str, as_of: date, known_at: date | None = None) -> list[Measure]:
        """The dossier's measures at `as_of`, from the facts known at `known_at`."""
        facts = self.facts(number, known_at)
        if facts is None:
            return []
        return measure_all(facts, self.rule_set, self.calendar, as_of)

    def all_facts(self, known_at: date | None = None) -> Iterator[Facts]:
        """Facts of every dossier, folded from the notification log, sorted by number."""
        [found] = self.all_facts_at(known_at)
        return iter(found)

    def all_facts_at(self, *known_ats: date | None) -> list[list[Facts]]:
        """Facts of every dossier as known at each date (None: everything), in one read."""
        folders = [FactsFolder(self.mapper, known_at) for known_at in known_ats]
        for n in self.iter_notifications():
            for folder in folders:
                folder.apply_stored(n)
        return [sorted((f.facts for f in folder.results()), key=_number) for folder in folders]

    def iter_events(self, start: int = 1) -> Iterator[Any]:
        """Every stored dossier event in recording order, read in pages."""
        for notification in self.iter_notifications(start):
            yield self.mapper.to_domain_event(notification)

    def iter_notifications(self, start: int = 1) -> Iterator[Any]:
        """Every stored notification from `start`, read in pages."""
        return iter_notifications(self.recorder, start)

    def ledger(self) -> ExtractLedger:
        """The extract ledger (new and unsaved when nothing was ingested yet)."""
        try:
            found: ExtractLedger = self.repository.get(LEDGER_ID)
        except AggregateNotFoundError:
            return ExtractLedger()
        return found

    def default_as_of(self) -> date | None:
        """The latest extraction date ingested: measures.md's default evaluation date."""
        return self.ledger().latest_extraction


def _lost_creation_race(error: Exception) -> bool:
    if isinstance(error, IntegrityError | InternalError | ProgrammingError):
        return True
    # sqlite3.OperationalError("database is locked"), named without importing the driver:
    # the domain core stays free of database modules.
    return type(error).__module__ == "sqlite3" and "locked" in str(error)


def _number(facts: Facts) -> str:
    return facts.number


def open_dossier(number: str, snapshot: Snapshot, known_on: date) -> Dossier:
    """Create a dossier from the first row that reports it."""
    dossier = Dossier(
        number=number,
        section=snapshot.section,
        prestation=snapshot.prestation,
        filed_on=snapshot.filed_on,
        known_on=known_on,
    )
    dossier.record(snapshot, known_on)
    return dossier
