"""A SQLite file looked at before casetrack opens it: is it casetrack's store, or a new one?

eventsourcing switches a file to WAL and creates its table as it opens it, so a file that
is another application's database, not a database at all, or cut short must be refused
before that, and left as it was. Deeper damage shows when a page is read, as SQLite's
"database disk image is malformed", which casetrack.faults reports the same way.

The file is only ever read through SQLite, and measured with `os.stat`, never opened with
`open()`: on POSIX, closing any descriptor of a file drops every lock the process holds on
it, SQLite's own included, and this check runs in processes that already hold connections
to the file (a second `Settings.open()`). With its SHARED lock gone, another process that
closes its last connection takes itself for the last one, checkpoints and deletes the
`-wal` and `-shm` files under this one, which then loses what it commits or finds the file
malformed (sqlite.org/howtocorrupt.html, section 2.2). SQLite itself defers closing a
descriptor while its process holds locks on the file, so a connection of its own is safe:
Python's sqlite3, eventsourcing's recorder and SQLAlchemy's pysqlite share one library.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Final

from casetrack import faults
from casetrack.errors import CasetrackError, StorageFault
from casetrack.eventstore.records import SQLITE_EVENTS_TABLE
from casetrack.persistence import Database

#: Tables casetrack and eventsourcing create.
OWN_TABLES: Final = frozenset({SQLITE_EVENTS_TABLE, "dossier", "measure", "projection_tracking"})
OWN_PREFIX: Final = "casetrack_"
#: Seconds to wait for another writer before reading the table list.
LOCK_TIMEOUT: Final = 30.0


def check_sqlite_file(db: Database) -> CasetrackError | None:
    """Why casetrack must not open this SQLite store, or None when it may (new or its own)."""
    path = db.path
    if path is None:
        return None
    if not path.exists():
        # First use creates the file: only its folder can stop that.
        problem = faults.where_it_fails(path)
        return faults.describe(db, problem, "cannot create it") if problem else None
    if path.is_dir():
        return faults.describe(db, faults.CANNOT_OPEN, "a folder")
    try:
        size = path.stat().st_size  # stat opens nothing: no lock is lost
    except OSError as error:
        return faults.classify(db, error) or faults.describe(
            db, faults.CANNOT_OPEN, error.strerror or "unreadable", str(path)
        )
    if size == 0:
        return None  # SQLite takes an empty file for a new database
    try:
        # A plain read: it writes nothing to the file (WAL sidecars come and go with it).
        # `mode=rw` never creates the file; `mode=ro` would leave -wal and -shm behind.
        uri = f"{path.absolute().as_uri()}?mode=rw"
        with closing(sqlite3.connect(uri, uri=True, timeout=LOCK_TIMEOUT)) as conn:
            return _header_fault(db, conn, size) or _content_fault(db, path, conn)
    except sqlite3.Error as error:
        # Unknown errors are left to the real opening, which reports them in context.
        return faults.classify(db, error)


def _header_fault(db: Database, conn: sqlite3.Connection, size: int) -> CasetrackError | None:
    """A header SQLite refuses: none or a damaged one, or more pages than the file holds."""
    try:
        # Reads page 1 and checks the header without parsing the schema. A -wal or a hot
        # -journal beside the file, holding pages a crash kept from it, is read as well.
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as error:
        name = error.sqlite_errorname
        if name == "SQLITE_NOTADB":
            return faults.describe(db, faults.NOT_A_DATABASE, "no valid SQLite header")
        if name == "SQLITE_CORRUPT" and _only_cut_short(conn):
            return faults.describe(
                db, faults.DAMAGED, f"{size:,} bytes where its header counts more"
            )
        raise
    return None


def _only_cut_short(conn: sqlite3.Connection) -> bool:
    """Whether SQLite refused the header only for counting more pages than the file holds.

    With writable_schema, SQLite takes the file's own size instead of refusing it
    (sqlite.org/pragma.html#pragma_writable_schema); nothing is written.
    """
    try:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error:
        return False
    return True


def _content_fault(db: Database, path: Path, conn: sqlite3.Connection) -> CasetrackError | None:
    """A file cut short that this SQLite still reads, or another application's database."""
    # The file's size is measured inside the read transaction that counts its pages. A size
    # taken before it goes stale when another process commits, checkpoints and closes in
    # between: the file then holds every page it counts, yet looked cut short. While this
    # transaction holds its lock (or its WAL snapshot), no writer shrinks what it counts
    # below the file and the log that hold it.
    conn.execute("BEGIN")
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        size = path.stat().st_size
        logged = _has_log(path)
    finally:
        conn.rollback()
    # An older SQLite reads a file shorter than its header counts without refusing it;
    # page_count is then the in-header size.
    counted = int(pages) * int(page_size)
    if size < counted and not logged:
        return faults.describe(
            db, faults.DAMAGED, f"{size:,} bytes where its header counts {counted:,}"
        )
    foreign = [str(name) for (name,) in rows if not str(name).startswith("sqlite_")]
    if foreign and not any(_is_own(name) for name in foreign):
        return StorageFault(
            f"database file {db.path} belongs to another application: it holds "
            f"{len(foreign)} table(s), none of casetrack's; casetrack did not write to it. "
            "Give casetrack a file of its own (--db or CASETRACK_DB)."
        )
    return None


def _has_log(path: Path) -> bool:
    """Whether a -wal or -journal beside the file may hold pages a crash kept from it."""
    for suffix in ("-wal", "-journal"):
        log = Path(f"{path}{suffix}")
        if log.exists() and log.stat().st_size > 0:
            return True
    return False


def _is_own(name: str) -> bool:
    return name in OWN_TABLES or name.startswith(OWN_PREFIX)
