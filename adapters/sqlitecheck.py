"""A SQLite file looked at before casetrack opens it: is it casetrack's store, or a new one?

eventsourcing switches a file to WAL and creates its table as it opens it, so a file that
is another application's database, not a database at all, or cut short must be refused
before that, and left as it was. Deeper damage shows when a page is read, as SQLite's
"database disk image is malformed", which casetrack.faults reports the same way.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Final

from casetrack import faults
from casetrack.errors import CasetrackError, StorageFault
from casetrack.persistence import Database

#: The first 16 bytes of every SQLite 3 database file (sqlite.org/fileformat.html).
MAGIC: Final = b"SQLite format 3\x00"
HEADER_SIZE: Final = 100
#: Tables casetrack and eventsourcing create (eventsourcing's SQLite table: stored_events).
OWN_TABLES: Final = frozenset({"stored_events", "dossier", "measure", "projection_tracking"})
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
    try:
        kind, detail = _header_problem(path)
    except OSError as error:
        return faults.classify(db, error) or faults.describe(
            db, faults.CANNOT_OPEN, error.strerror or "unreadable", str(path)
        )
    if kind:
        return faults.describe(db, kind, detail)
    try:
        tables = _table_names(path)
    except sqlite3.Error as error:
        # Unknown errors are left to the real opening, which reports them in context.
        return faults.classify(db, error)
    foreign = [name for name in tables if not name.startswith("sqlite_")]
    if foreign and not any(_is_own(name) for name in foreign):
        return StorageFault(
            f"database file {path} belongs to another application: it holds "
            f"{len(foreign)} table(s), none of casetrack's; casetrack did not write to it. "
            "Give casetrack a file of its own (--db or CASETRACK_DB)."
        )
    return None


def _header_problem(path: Path) -> tuple[str, str]:
    """(kind, detail) of a header that is not a SQLite database's, or ("", "") if sound."""
    size = path.stat().st_size
    if size == 0:
        return "", ""  # SQLite takes an empty file for a new database
    with path.open("rb") as stream:
        header = stream.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
        return faults.NOT_A_DATABASE, "no SQLite header"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return faults.DAMAGED, "invalid page size in its header"
    pages = int.from_bytes(header[28:32], "big")
    # The page count is valid only when the change counter matches "version valid for".
    counted = pages > 0 and header[24:28] == header[92:96]
    # A -wal or -journal beside it may hold the pages a crash kept from the main file;
    # SQLite recovers from them on opening.
    if counted and size < pages * page_size and not _has_log(path):
        return faults.DAMAGED, f"{size:,} bytes where its header counts {pages * page_size:,}"
    return "", ""


def _has_log(path: Path) -> bool:
    for suffix in ("-wal", "-journal"):
        log = Path(f"{path}{suffix}")
        if log.exists() and log.stat().st_size > 0:
            return True
    return False


def _table_names(path: Path) -> list[str]:
    # A plain read: it writes nothing to the file (WAL sidecars come and go with it).
    with closing(sqlite3.connect(path, timeout=LOCK_TIMEOUT)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return [str(name) for (name,) in rows]


def _is_own(name: str) -> bool:
    return name in OWN_TABLES or name.startswith(OWN_PREFIX)
