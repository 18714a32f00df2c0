"""Storage faults: what a database or file-system error means, and what the operator does.

An error is a fault (exit code 4) when rerunning cannot help until someone acts: a full
disk, a read-only file or folder, a damaged file, a file that is not a database. A busy or
unreachable store is only unavailable (exit code 3): wait and rerun. docs/faults.md says
the same for operators.

Errors arrive raw (sqlite3, psycopg), wrapped by eventsourcing (its PersistenceError keeps
the driver's error as `__cause__`) or by SQLAlchemy; the driver's error is recognised by its
attributes (`sqlite_errorname`, `sqlstate`), so the domain core imports no database module.
Messages name the file or the masked URL, never a row's values.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from casetrack.errors import CasetrackError, StorageFault, StoreUnavailable
from casetrack.persistence import Database, mask_url

FULL: Final = "full"
READ_ONLY: Final = "read-only"
CANNOT_OPEN: Final = "cannot-open"
NOT_A_DATABASE: Final = "not-a-database"
DAMAGED: Final = "damaged"
IO: Final = "io"
PRIVILEGE: Final = "privilege"
BUSY: Final = "busy"

#: SQLite result codes by kind; extended codes (SQLITE_READONLY_DIRECTORY) share their kind.
SQLITE_KINDS: Final = {
    "SQLITE_FULL": FULL,
    "SQLITE_READONLY": READ_ONLY,
    "SQLITE_PERM": READ_ONLY,
    "SQLITE_CANTOPEN": CANNOT_OPEN,
    "SQLITE_NOTADB": NOT_A_DATABASE,
    "SQLITE_CORRUPT": DAMAGED,
    "SQLITE_IOERR": IO,
    "SQLITE_BUSY": BUSY,
    "SQLITE_LOCKED": BUSY,
}
#: PostgreSQL SQLSTATEs that are faults. Connection losses, shutdowns (57P01), a server
#: starting or recovering (57P03) and refused logins stay "unavailable".
POSTGRES_KINDS: Final = {
    "53100": FULL,  # disk_full
    "25006": READ_ONLY,  # read_only_sql_transaction: a standby, or read-only by setting
    "42501": PRIVILEGE,  # insufficient_privilege
    "58030": IO,  # io_error
    "XX001": DAMAGED,  # data_corrupted
    "XX002": DAMAGED,  # index_corrupted
}
#: File-system errors that are faults whatever file they concern.
OS_KINDS: Final = {
    errno.ENOSPC: FULL,
    errno.EDQUOT: FULL,
    errno.EROFS: READ_ONLY,
    errno.EIO: IO,
}
#: ... and those that are faults when they concern the store's own files.
STORE_OS_KINDS: Final = {**OS_KINDS, errno.EACCES: READ_ONLY, errno.EPERM: READ_ONLY}
#: Files SQLite and casetrack keep beside the database file.
SIDECARS: Final = ("-wal", "-shm", "-journal", ".lock")
RERUN: Final = "then run the same command again"


def chain(error: BaseException) -> Iterator[BaseException]:
    """The error, then its causes and contexts, each once."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def interrupted(error: BaseException) -> bool:
    """Whether Ctrl-C is behind this error (a library may have wrapped the interrupt)."""
    return any(isinstance(e, KeyboardInterrupt) for e in chain(error))


def classify(db: Database, error: BaseException) -> CasetrackError | None:
    """The fault (exit 4) or unavailability (exit 3) this error shows; None if not known."""
    for cause in chain(error):
        found = _kind_of(db, cause)
        if found is not None:
            kind, detail, filename = found
            return describe(db, kind, detail, filename)
    return None


def _kind_of(db: Database, error: BaseException) -> tuple[str, str, str] | None:
    name = getattr(error, "sqlite_errorname", None)
    if isinstance(name, str):
        for prefix, kind in SQLITE_KINDS.items():
            if name == prefix or name.startswith(prefix + "_"):
                return kind, first_line(error), ""
    state = getattr(error, "sqlstate", None)
    if isinstance(state, str) and state in POSTGRES_KINDS:
        return POSTGRES_KINDS[state], f"SQLSTATE {state}: {first_line(error)}", ""
    if isinstance(error, OSError) and error.errno is not None:
        filename = str(error.filename or "")
        kinds = STORE_OS_KINDS if _is_store_file(db, filename) else OS_KINDS
        if error.errno in kinds:
            return kinds[error.errno], error.strerror or first_line(error), filename
    return None


def first_line(error: BaseException) -> str:
    """The first line of an error's text (masked), or its type's name."""
    text = str(error).strip()
    return mask_url(text.splitlines()[0]) if text else type(error).__name__


def _is_store_file(db: Database, filename: str) -> bool:
    if db.path is None or not filename:
        return False
    store = str(db.path)
    return filename == store or filename in {store + suffix for suffix in SIDECARS}


def describe(db: Database, kind: str, detail: str, filename: str = "") -> CasetrackError:
    """The error, for this store and kind, with what to do about it."""
    if filename and not _is_store_file(db, filename):
        return _other_file(kind, filename, detail)
    if db.backend == "sqlite" and db.path is not None:
        return _sqlite(db.path, kind, detail)
    return _postgres(db.masked, kind, detail)


def unavailable(db: Database, detail: str) -> StoreUnavailable:
    """A store that cannot be used now but may be on a rerun (exit 3)."""
    if db.backend == "sqlite":
        where = f"database file {db.path}" if db.path else "in-memory database"
        return StoreUnavailable(
            f"{where}: {detail}. Check the path (--db or CASETRACK_DB); if another job holds "
            f"the store, wait for it to finish, {RERUN}."
        )
    return StoreUnavailable(
        f"database {db.masked}: {detail}. Check that the server runs and the URL is right "
        "(--db or CASETRACK_DB); if another job holds the store, wait for it to finish, "
        f"{RERUN}: what was committed stays."
    )


def _sqlite(path: Path, kind: str, detail: str) -> CasetrackError:
    file = f"database file {path}"
    folder = path.absolute().parent  # "its folder ." would tell an operator nothing
    if kind in (CANNOT_OPEN, READ_ONLY):
        kind = where_it_fails(path) or kind
    messages = {
        FULL: (
            f"{file}: the disk is full ({detail}). Committed work may sit in {path}-wal and "
            f"{path}-shm, which must stay beside {path}: copy or move the three together, "
            f"never delete them. Free space on that disk, {RERUN}."
        ),
        READ_ONLY: (
            f"{file} cannot be written ({detail}): {_read_only_part(path)}. SQLite writes "
            f"{path}-wal and {path}-shm beside the file, so the file and its folder must both "
            f"be writable by this user: fix the rights or the mount, {RERUN}."
        ),
        "missing-folder": (
            f"{file}: its folder {folder} does not exist. Create the folder or correct the "
            "path (--db or CASETRACK_DB); casetrack creates the file itself on first use."
        ),
        "is-folder": (
            f"{file} is a folder, not a file: name a file in it, e.g. "
            f"--db sqlite:///{path / 'casetrack.sqlite'}"
        ),
        CANNOT_OPEN: (
            f"{file} cannot be opened ({detail}): check that this user may read and write "
            f"it and its folder, {RERUN}."
        ),
        NOT_A_DATABASE: (
            f"{file} is not a SQLite database ({detail}); casetrack did not write to it. "
            "Check the path (--db or CASETRACK_DB); if this file was the store, restore it "
            "from a backup with its -wal and -shm files (docs/faults.md)."
        ),
        DAMAGED: (
            f"{file} is damaged ({detail}); casetrack stopped. Restore the store from a "
            "backup with its -wal and -shm files, or ingest the extracts again into a new "
            "file (docs/faults.md)."
        ),
        IO: (
            f"{file}: the disk failed to read or write ({detail}). Check the disk and its "
            f"free space (the system log says which failed), {RERUN}; if the error comes "
            "back, restore the store from a backup (docs/faults.md)."
        ),
        BUSY: (f"{file} is busy ({detail}): another job holds it. Wait for it to finish, {RERUN}."),
    }
    message = messages.get(kind, f"{file}: {detail}")
    return StoreUnavailable(message) if kind == BUSY else StorageFault(message)


def where_it_fails(path: Path) -> str | None:
    """Why SQLite cannot open, create or write this path, as the file system shows it."""
    folder = path.parent
    if path.is_dir():
        return "is-folder"
    if not folder.is_dir():
        return "missing-folder"
    writable = os.access(folder, os.W_OK | os.X_OK)
    if not writable or (path.exists() and not os.access(path, os.W_OK)):
        return READ_ONLY
    return None


def _read_only_part(path: Path) -> str:
    folder_writable = os.access(path.parent, os.W_OK | os.X_OK)
    file_writable = not path.exists() or os.access(path, os.W_OK)
    folder = path.absolute().parent
    if not folder_writable and not file_writable:
        return f"it and its folder {folder} are read-only"
    if not folder_writable:
        return f"its folder {folder} is read-only"
    return "the file is read-only"


def _postgres(url: str, kind: str, detail: str) -> CasetrackError:
    where = f"database {url}"
    messages = {
        FULL: (
            f"{where}: the server's disk is full ({detail}). Have the database administrator "
            f"free space, {RERUN}: what was committed stays."
        ),
        READ_ONLY: (
            f"{where} accepts no writes ({detail}): it is a standby server, or transactions "
            "are read-only for this role or database (default_transaction_read_only). Point "
            f"--db at the primary server or have the administrator allow writes, {RERUN}."
        ),
        PRIVILEGE: (
            f"{where}: this role lacks a privilege ({detail}). Have the administrator grant "
            f"it (docs/operations.md, Roles), {RERUN}."
        ),
        IO: (
            f"{where}: the server failed to read or write its files ({detail}). Have the "
            f"administrator check the server's disk, {RERUN}."
        ),
        DAMAGED: (
            f"{where}: the server reports damaged data ({detail}). Have the administrator "
            f"repair it (REINDEX, or restore from a backup), {RERUN}."
        ),
    }
    return StorageFault(messages.get(kind, f"{where}: {detail}"))


def _other_file(kind: str, filename: str, detail: str) -> StorageFault:
    todo = {
        FULL: "free space on its disk",
        READ_ONLY: "make it writable, or write elsewhere",
        IO: "check the disk (the system log says which failed)",
    }.get(kind, "fix the cause")
    return StorageFault(f"{filename} cannot be written ({detail}): {todo}, {RERUN}.")
