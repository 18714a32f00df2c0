"""The SQLAlchemy engine of a casetrack store, for every table beside the events.

Ingestion's tables (adapters/ingest_tables.py) and the read models (projections/) live
in the same database as the events; both reach it through `engine_for`, which applies
the SQLite settings and turns driver errors into the faults the command line explains.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, partial

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.pool import NullPool

from adapters.sqlitecheck import check_sqlite_file
from casetrack import faults
from casetrack.errors import CasetrackError
from casetrack.persistence import Database, parse_url


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
    else:
        options = {"options": f"-csearch_path={db.schema}"} if db.schema else {}
        # No pool: jobs are short and many; idle pooled connections would pile up.
        engine = create_engine(
            sqlalchemy_url(db),
            poolclass=NullPool,
            connect_args={"connect_timeout": 10, **options},
        )
    event.listen(engine, "handle_error", partial(_unavailable, db))
    return engine


def _unavailable(db: Database, context: ExceptionContext) -> None:
    original = context.original_exception
    if not isinstance(original, Exception):
        # Ctrl-C (or SystemExit) inside a statement: SQLAlchemy reports it as a disconnect,
        # but it must reach the command line as itself (exit 130), not as a store error.
        return
    # A full disk, a read-only or damaged file: the operator must act first (exit code 4).
    fault = faults.classify(db, original)
    if fault is not None:
        raise fault from None
    # A lost connection, a server restart or a busy SQLite file is the store being
    # unavailable (exit code 3, "rerun"), not a bug; the URL is shown masked.
    wrapped = context.sqlalchemy_exception
    if context.is_disconnect or isinstance(wrapped, OperationalError | InterfaceError):
        raise faults.unavailable(db, faults.first_line(original)) from None


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it takes the write lock from the start.

    A deferred BEGIN that reads first and writes later fails at once with "database is
    locked" if another job committed in between; BEGIN IMMEDIATE waits for the lock.
    """
    with engine.connect().execution_options(casetrack_immediate=True) as conn, conn.begin():
        yield conn


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("casetrack_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    # WAL lets report readers run while an ingest writes; eventsourcing sets it too.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def diagnose(url: str, error: BaseException | None = None) -> CasetrackError | None:
    """Why casetrack cannot use this store, in words the operator can act on, or None.

    Before opening (no error): a SQLite file casetrack must not write into, since
    eventsourcing creates its tables on opening. After an error on PostgreSQL: the
    server's own reason, as eventsourcing's pool only says it "couldn't get a
    connection"; one direct attempt gives it (unknown role, wrong password, no database).
    """
    db = parse_url(url)
    if error is None:
        return check_sqlite_file(db) if db.backend == "sqlite" else None
    if db.backend != "postgresql":
        return None
    try:
        with engine_for(url).connect():
            return None
    except CasetrackError as found:
        return found
