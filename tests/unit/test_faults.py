"""casetrack.faults: which database errors are faults to fix (exit 4), which only make the
store unavailable (exit 3), as they arrive raw or wrapped by eventsourcing, and what the
messages say (docs/faults.md). Driver errors here are real: raised by SQLite on real files,
or psycopg's own error classes, which carry their SQLSTATE without a server.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from eventsourcing.persistence import DatabaseError, OperationalError, PersistenceError

from casetrack.cli import build_parser
from casetrack.errors import (
    EXIT_FAULT,
    EXIT_STORE,
    InputRefused,
    StorageFault,
    StoreUnavailable,
    exit_code,
)
from casetrack.faults import classify, interrupted
from casetrack.persistence import parse_url

psycopg = pytest.importorskip("psycopg")

PG_URL = "postgresql://casetrack:Sup3rS3cr3t@db.local:5432/casvp?schema=qualite"


def wrapped(driver_error: BaseException) -> PersistenceError:
    """The driver's error as eventsourcing raises it: its own class, the driver's as cause."""
    try:
        try:
            raise driver_error
        except sqlite3.DatabaseError as error:
            raise DatabaseError(error) from error
        except psycopg.Error as error:
            raise OperationalError(str(error)) from error
    except PersistenceError as persistence_error:
        return persistence_error
    raise AssertionError


def sqlite_error(action: str, path: Path) -> sqlite3.Error:
    """The error SQLite itself raises doing `action` on `path`."""
    conn = sqlite3.connect(path, timeout=0)
    try:
        conn.execute(action)
    except sqlite3.Error as error:
        return error
    finally:
        conn.close()
    raise AssertionError(f"{action} on {path} did not fail")


def test_a_text_file_opened_as_sqlite_is_a_fault_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n" * 100)
    error = wrapped(sqlite_error("SELECT * FROM sqlite_master", path))

    found = classify(parse_url(f"sqlite:///{path}"), error)

    assert isinstance(found, StorageFault)
    assert exit_code(found) == EXIT_FAULT
    assert f"database file {path} is not a SQLite database" in str(found)
    assert "server" not in str(found)


def test_a_locked_sqlite_store_is_only_unavailable_and_says_to_wait(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        error = sqlite_error("SELECT 1 FROM sqlite_master", path)
    finally:
        holder.close()

    found = classify(parse_url(f"sqlite:///{path}"), error)

    assert isinstance(found, StoreUnavailable)
    assert exit_code(found) == EXIT_STORE
    assert "Wait for it to finish, then run the same command again" in str(found)
    assert "server" not in str(found)


def test_a_full_disk_under_the_lock_file_tells_to_keep_the_wal_beside_the_store(
    tmp_path: Path,
) -> None:
    store = tmp_path / "casetrack.sqlite"
    error = OSError(errno.ENOSPC, "No space left on device", f"{store}.lock")

    found = classify(parse_url(f"sqlite:///{store}"), error)

    assert isinstance(found, StorageFault)
    assert f"{store}-wal and {store}-shm, which must stay beside {store}" in str(found)
    assert "never delete them" in str(found)


def test_permission_denied_on_another_file_is_not_a_storage_fault(tmp_path: Path) -> None:
    error = PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "report.csv"))

    assert classify(parse_url(f"sqlite:///{tmp_path / 'casetrack.sqlite'}"), error) is None


@pytest.mark.parametrize(
    ("driver_error", "words"),
    [
        (psycopg.errors.DiskFull("could not extend file"), ("disk is full", "53100")),
        (
            psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only"),
            ("accepts no writes", "25006", "primary server"),
        ),
        (
            psycopg.errors.InsufficientPrivilege("permission denied for table x"),
            ("lacks a privilege", "docs/operations.md"),
        ),
        (psycopg.errors.DataCorrupted("invalid page in block 7"), ("damaged data", "XX001")),
    ],
    ids=["disk-full", "read-only", "privilege", "corrupted"],
)
def test_postgresql_faults_exit_4_with_the_masked_url(
    driver_error: Exception, words: tuple[str, ...]
) -> None:
    found = classify(parse_url(PG_URL), wrapped(driver_error))

    assert isinstance(found, StorageFault)
    assert "database postgresql://casetrack:***@db.local:5432/casvp" in str(found)
    assert "Sup3rS3cr3t" not in str(found)
    for word in words:
        assert word in str(found)


@pytest.mark.parametrize(
    "driver_error",
    [
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        psycopg.OperationalError("server closed the connection unexpectedly"),
    ],
    ids=["terminated", "starting-up", "connection-lost"],
)
def test_postgresql_outages_are_left_to_the_unavailable_path(driver_error: Exception) -> None:
    assert classify(parse_url(PG_URL), wrapped(driver_error)) is None


def test_ctrl_c_behind_a_library_error_is_seen_as_an_interrupt() -> None:
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as ctrl_c:
            raise StoreUnavailable("database unavailable") from ctrl_c
    except StoreUnavailable as error:
        assert interrupted(error)
    assert not interrupted(StoreUnavailable("database unavailable"))


def test_exit_codes_by_error_class() -> None:
    assert [
        exit_code(InputRefused("x")),
        exit_code(StoreUnavailable("x")),
        exit_code(StorageFault("x")),
    ] == [2, 3, 4]


def test_the_help_lists_every_exit_code() -> None:
    epilog = " ".join(build_parser().format_help().split())

    for code in ("0 done", "1 internal error", "2 input refused", "3 database", "4 storage"):
        assert code in epilog
    assert "130 interrupted" in epilog
