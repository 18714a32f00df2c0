"""SQLAlchemy access to the same database as the events, for ingestion's own tables."""

from __future__ import annotations

from functools import cache
from typing import Final

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateIndex, CreateTable

from casetrack.persistence import Database, parse_url

#: Constraint names spelled out, so migrations and errors name them predictably.
NAMING: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

#: What each dossier's last PIAF row said, as a digest: unchanged rows cost one lookup.
#: Written after the events it summarises are committed, so a stale digest only costs
#: a re-check against the aggregate, never a lost fact.
row_state = Table(
    "casetrack_row_state",
    metadata,
    Column("dossier", String, primary_key=True),
    Column("digest", String(32), nullable=False),
)

#: Rows that could not be read, with where they came from and why (never their values).
quarantine = Table(
    "casetrack_quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),
    Column("file", String, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("line", Integer, nullable=False),
    Column("dossier", String, nullable=False),
    Column("reason", String, nullable=False),
    Column("extracted_on", Date, nullable=False),
    UniqueConstraint("sha256", "line", name="uq_casetrack_quarantine_file_line"),
)


def sqlalchemy_url(db: Database) -> URL:
    """The SQLAlchemy URL of a casetrack database."""
    if db.backend == "sqlite":
        return URL.create("sqlite", database=str(db.path) if db.path else ":memory:")
    return URL.create(
        "postgresql+psycopg",
        username=db.user or None,
        password=db.password or None,
        host=db.host,
        port=db.port,
        database=db.dbname,
    )


@cache
def engine_for(url: str) -> Engine:
    """One engine per database URL, with the schema and SQLite settings applied."""
    db = parse_url(url)
    if db.backend == "sqlite":
        engine = create_engine(sqlalchemy_url(db), connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite commits DDL on its own; SQLAlchemy's recipe: let SQLAlchemy emit BEGIN,
        # so a rebuild's DROP/CREATE/INSERT commit together or not at all.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options = {"options": f"-csearch_path={db.schema}"} if db.schema else {}
    # No pool: jobs are short and many; idle pooled connections would pile up on the server.
    return create_engine(
        sqlalchemy_url(db),
        poolclass=NullPool,
        connect_args={"connect_timeout": 10, **options},
    )


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    # WAL lets report readers run while an ingest writes; eventsourcing sets it too.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_tables(url: str) -> None:
    """Create ingestion's tables if they do not exist, safely when jobs start together."""
    engine = engine_for(url)
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                for table in metadata.sorted_tables:
                    conn.execute(CreateTable(table, if_not_exists=True))
                    for index in table.indexes:
                        conn.execute(CreateIndex(index, if_not_exists=True))
            return
        except DBAPIError:
            # Two jobs creating the same table at once: PostgreSQL may reject the
            # loser even with IF NOT EXISTS; the table is there on the next try.
            if attempt == 2:
                raise
