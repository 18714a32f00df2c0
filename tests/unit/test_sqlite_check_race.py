"""The SQLite file check must not take a store another process is growing for a damaged one.

Two ingests started at once on a new store once saw "damaged (176,128 bytes where its
header counts 229,376)": one measured the file, the other committed, checkpointed and
closed, and the first then counted pages the file did hold by then. The test replays that
interleaving deterministically: the other process's work happens as the check opens the
file, after it first looked at the file's size.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from adapters import sqlitecheck
from adapters.sqlitecheck import check_sqlite_file
from casetrack.persistence import parse_url


def small_wal_store(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE casetrack_events (id INTEGER PRIMARY KEY, body BLOB)")
        conn.commit()


def grow_and_close(path: Path) -> None:
    """What another ingest does: commit many pages, then close, which checkpoints them into
    the file and deletes the -wal as the last connection goes."""
    with closing(sqlite3.connect(path)) as conn:
        conn.executemany(
            "INSERT INTO casetrack_events (body) VALUES (?)", [(b"x" * 2000,) for _ in range(60)]
        )
        conn.commit()


def test_a_store_grown_by_another_process_during_the_check_is_not_called_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store.sqlite"
    small_wal_store(path)
    size_before = path.stat().st_size
    real_connect = sqlite3.connect
    grown = []

    def grow_then_connect(*args: object, **kwargs: object) -> sqlite3.Connection:
        if not grown:
            grown.append(True)
            grow_and_close(path)
        return real_connect(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlitecheck.sqlite3, "connect", grow_then_connect)
    fault = check_sqlite_file(parse_url(f"sqlite:///{path}"))
    monkeypatch.undo()

    # The interleaving did happen: the file grew after the check first measured it.
    assert grown and path.stat().st_size > size_before
    assert not Path(f"{path}-wal").exists()
    assert fault is None, str(fault)


def test_a_store_really_cut_short_is_still_called_damaged(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    small_wal_store(path)
    grow_and_close(path)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])

    fault = check_sqlite_file(parse_url(f"sqlite:///{path}"))

    assert fault is not None
    assert "damaged" in str(fault) and f"{len(whole) // 2:,} bytes" in str(fault)
