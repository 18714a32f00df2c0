"""Ingestion's own tables: last-row digests and quarantined rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Final, TypeVar

from attrs import asdict, fields, frozen
from sqlalchemy import Engine, case, delete, false, inspect, select, true
from sqlalchemy.dialects import postgresql, sqlite

from adapters.ingest_tables import create_tables, quarantine, row_state
from adapters.sql_engine import engine_for, write_transaction
from casetrack.persistence import parse_url

_T = TypeVar("_T")

#: Bound parameters per statement: well under SQLite's limit of 32,766.
CHUNK: Final = 900


@frozen
class RowState:
    """What ingestion remembers of a dossier's PIAF rows, seen from an extract of day D:
    the last applied row's digest, the newest extraction date that listed the dossier
    when it is after D (else None), and whether an extract of D or later listed it."""

    digest: str
    seen_after: date | None
    listed: bool


@frozen
class QuarantinedRow:
    """A row set aside: where it is and why, never what it holds."""

    kind: str
    file: str
    sha256: str
    line: int
    dossier: str
    reason: str
    extracted_on: date


class RowStateStore:
    """Reads and writes ingestion's tables in the store's database."""

    def __init__(self, url: str, *, write: bool = True) -> None:
        """Ingestion's tables of the store at `url`; created first when `write` (reads
        never create or change anything)."""
        self.url = url
        self.backend = parse_url(url).backend
        self.engine: Engine = engine_for(url)
        if write:
            create_tables(url)
            self._add_seen_on()

    def _add_seen_on(self) -> None:
        # Stores written before `seen_on` existed: add the column (NULL: not known).
        with self.engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns(row_state.name)}
        if "seen_on" not in columns:
            with write_transaction(self.engine) as conn:
                conn.exec_driver_sql(f"ALTER TABLE {row_state.name} ADD COLUMN seen_on DATE")

    def states(self, numbers: Sequence[str], day: date) -> dict[str, RowState]:
        """What is remembered of these dossiers, for an extract of `day` (absent: never
        ingested). Dates are compared in SQL: a weekly file's dossiers were all last
        listed before its day, and turning each of their dates into a `date` costs more
        than the rest of the query."""
        if self.backend != "sqlite":
            return self._states_by_array(numbers, day)
        found: dict[str, RowState] = {}
        seen = row_state.c.seen_on
        columns = (
            row_state.c.dossier,
            row_state.c.digest,
            case((seen > day, seen)),
            case((seen >= day, true()), else_=false()),
        )
        with self.engine.connect() as conn:
            for part in _chunks(numbers):
                rows = conn.execute(select(*columns).where(row_state.c.dossier.in_(part)))
                found.update(
                    (dossier, RowState(digest, after, bool(listed)))
                    for dossier, digest, after, listed in rows
                )
        return found

    def _states_by_array(self, numbers: Sequence[str], day: date) -> dict[str, RowState]:
        """`states` on PostgreSQL: one statement with the numbers as one array parameter,
        instead of IN lists of 900 parameters that SQLAlchemy compiles one by one."""
        statement = (
            "SELECT dossier, digest, CASE WHEN seen_on > %s THEN seen_on END, "
            "coalesce(seen_on >= %s, false) "
            "FROM casetrack_row_state WHERE dossier = ANY(%s)"
        )
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(statement, (day, day, list(numbers)))
            return {
                dossier: RowState(digest, after, listed) for dossier, digest, after, listed in rows
            }

    def remember(self, digests: dict[str, str], seen_on: date) -> None:
        """Note dossiers listed by an extract of `seen_on`, with their last applied row's
        digest; called once their events are committed. `seen_on` never moves back."""
        if not digests:
            return
        if self.backend != "sqlite":
            self._remember_by_arrays(digests, seen_on)
            return
        # One prepared statement run by the driver: SQLAlchemy's per-row parameter
        # processing would cost more than the insert itself.
        day = seen_on.isoformat()  # SQLAlchemy's own text form of a Date
        statement = (
            "INSERT INTO casetrack_row_state (dossier, digest, seen_on) "
            "VALUES (?, ?, ?) ON CONFLICT (dossier) DO UPDATE SET digest = excluded.digest, "
            "seen_on = max(coalesce(casetrack_row_state.seen_on, ''), excluded.seen_on)"
        )
        with write_transaction(self.engine) as conn:
            conn.exec_driver_sql(statement, [(n, d, day) for n, d in digests.items()])

    def _remember_by_arrays(self, digests: dict[str, str], seen_on: date) -> None:
        """`remember` on PostgreSQL: one statement whose rows come from two arrays, instead
        of an `executemany` that sends a statement per dossier."""
        statement = (
            "INSERT INTO casetrack_row_state (dossier, digest, seen_on) "
            "SELECT dossier, digest, %s FROM unnest(%s::varchar[], %s::varchar[]) "
            "AS listed (dossier, digest) "
            "ON CONFLICT (dossier) DO UPDATE SET digest = excluded.digest, "
            "seen_on = greatest(casetrack_row_state.seen_on, excluded.seen_on)"
        )
        with write_transaction(self.engine) as conn:
            conn.exec_driver_sql(statement, (seen_on, list(digests), list(digests.values())))

    def quarantine(self, rows: Iterable[QuarantinedRow]) -> None:
        """Keep quarantined rows; the same file line is kept once however often it is read
        (the first reason stands), until `release` takes it out."""
        values = [asdict(row) for row in rows]
        if not values:
            return
        dialect = sqlite if self.backend == "sqlite" else postgresql
        with write_transaction(self.engine) as conn:
            for start in range(0, len(values), CHUNK // 8):
                statement = dialect.insert(quarantine).values(values[start : start + CHUNK // 8])
                conn.execute(statement.on_conflict_do_nothing())

    def quarantined_in(self, sha256: str, extracted_on: date, reason: str) -> list[QuarantinedRow]:
        """The rows of one file (content and extraction date) kept for a reason that starts
        with `reason`, by line (none before the first ingest)."""
        columns = [quarantine.c[a.name] for a in fields(QuarantinedRow)]
        with self.engine.connect() as conn:
            if not conn.dialect.has_table(conn, quarantine.name):
                return []
            rows = conn.execute(
                select(*columns)
                .where(
                    quarantine.c.sha256 == sha256,
                    quarantine.c.extracted_on == extracted_on,
                    quarantine.c.reason.startswith(reason, autoescape=True),
                )
                .order_by(quarantine.c.line)
            )
            return [QuarantinedRow(*row) for row in rows]

    def release(self, sha256: str, lines: Iterable[int]) -> None:
        """Take rows out of the quarantine: their file lines were read and applied since.

        Called once the events of those lines are committed: a job stopped before keeps
        the rows, and its rerun reads the lines again (applying them twice records nothing).
        """
        numbers = sorted(set(lines))
        if not numbers:
            return
        with write_transaction(self.engine) as conn:
            for part in _chunks(numbers):
                conn.execute(
                    delete(quarantine).where(
                        quarantine.c.sha256 == sha256, quarantine.c.line.in_(part)
                    )
                )

    def quarantined(self) -> list[QuarantinedRow]:
        """Every quarantined row, by file and line (none before the first ingest)."""
        columns = [quarantine.c[a.name] for a in fields(QuarantinedRow)]
        with self.engine.connect() as conn:
            if not conn.dialect.has_table(conn, quarantine.name):
                return []
            rows = conn.execute(
                select(*columns).order_by(
                    quarantine.c.extracted_on, quarantine.c.file, quarantine.c.line
                )
            )
            return [QuarantinedRow(*row) for row in rows]


def _chunks(items: Sequence[_T]) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
