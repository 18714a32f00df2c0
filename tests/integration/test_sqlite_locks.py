"""Opening a store twice in one process keeps SQLite's locks on the file (docs/faults.md).

On POSIX, closing any descriptor of a file drops every fcntl lock the process holds on it,
SQLite's included. A check that read the database file with a plain `open()` would drop the
SHARED lock of the connections already open: another process closing its last connection
would then take itself for the last one, checkpoint and delete the `-wal` and `-shm` files
under this process, losing what it commits next (sqlite.org/howtocorrupt.html, 2.2).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Final

from casetrack.application import DossierTracker
from casetrack.facts import Snapshot
from casetrack.settings import Settings

SNAPSHOT: Final = Snapshot(
    section="13", prestation="PL", filed_on=date(2025, 3, 3), first_info_on=date(2025, 3, 4)
)
#: Another job on the same file: it reads, then closes what is its last connection.
OTHER_JOB: Final = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=30)
print(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])
conn.close()
"""


def other_job_counts_events(path: Path) -> int:
    """Events another process reads in the file, closing its connection after."""
    done = subprocess.run(
        [sys.executable, "-c", OTHER_JOB, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(done.stdout)


def journal_mode_and_integrity(path: Path) -> tuple[str, str]:
    """The file's journal mode and SQLite's integrity check, read through SQLite."""
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
        check = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    return mode, check


def test_a_second_open_in_the_same_process_keeps_the_wal_of_the_first(tmp_path: Path) -> None:
    path = tmp_path / "casetrack.sqlite"
    settings = Settings(db=f"sqlite:///{path}", quiet=True)
    first = settings.open(write=True)
    first.record("N-1", SNAPSHOT, date(2025, 3, 7))
    assert first.facts("N-1") is not None  # its connection is open, holding its locks
    assert journal_mode_and_integrity(path)[0] == "wal"

    second = settings.open()  # checks the file again before opening it
    assert other_job_counts_events(path) > 0  # the other job closes its last connection

    assert Path(f"{path}-wal").exists(), "the other job deleted the -wal this process uses"
    first.record("N-2", SNAPSHOT, date(2025, 3, 8))
    assert second.facts("N-2") is not None
    # What this process committed reached the file other processes read.
    assert other_job_counts_events(path) == first.recorder.max_notification_id()
    assert journal_mode_and_integrity(path) == ("wal", "ok")
    second.close()
    first.close()
    reopened = DossierTracker(f"sqlite:///{path}", read_only=True)
    assert reopened.facts("N-2") is not None
    reopened.close()
