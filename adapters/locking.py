"""One ingest at a time per store: a lock file for SQLite, an advisory lock for PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Final

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from adapters.sql_engine import engine_for
from casetrack.errors import StoreUnavailable
from casetrack.persistence import mask_url, parse_url

#: Arbitrary constant naming casetrack's ingest lock among PostgreSQL advisory locks.
ADVISORY_KEY: Final = 0x43415345  # "CASE"
POLL_SECONDS: Final = 0.2


#: Told once when the lock is held by another job and this one starts waiting.
OnWait = Callable[[], None]


@contextmanager
def ingest_lock(url: str, wait: float = 60.0, on_wait: OnWait | None = None) -> Iterator[None]:
    """Hold the store's ingest lock; wait up to `wait` seconds, then fail clearly."""
    db = parse_url(url)
    if db.backend == "sqlite":
        if db.path is None:
            yield
            return
        with _file_lock(Path(f"{db.path}.lock"), url, wait, on_wait):
            yield
        return
    with _advisory_lock(url, db.schema or "public", wait, on_wait):
        yield


def _busy(url: str, wait: float) -> StoreUnavailable:
    return StoreUnavailable(
        f"another casetrack job holds the store {mask_url(url)}: it has been ingesting for "
        f"over {wait:.0f} s. Let it finish, then run this command again (files it completed "
        "are skipped); --wait SECONDS waits longer"
    )


@contextmanager
def _file_lock(path: Path, url: str, wait: float, on_wait: OnWait | None) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy(url, wait) from None
                if on_wait is not None and not told:
                    on_wait()
                    told = True
                time.sleep(POLL_SECONDS)
        # The kernel drops a flock when its holder dies, even by SIGKILL: no stale lock.
        yield
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(url: str, schema: str, wait: float, on_wait: OnWait | None) -> Iterator[None]:
    # Advisory locks are database-wide: the schema is part of the key, so stores in
    # other schemas of the same database never wait for each other.
    key = {"k": ADVISORY_KEY, "s": zlib.crc32(schema.encode()) - (1 << 31)}
    with engine_for(url).connect() as conn:
        deadline = time.monotonic() + wait
        told = False
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k, :s)"), key).scalar():
            if time.monotonic() >= deadline:
                raise _busy(url, wait)
            if on_wait is not None and not told:
                on_wait()
                told = True
            time.sleep(POLL_SECONDS)
        conn.commit()
        try:
            yield
        finally:
            # The lock dies with its session anyway; a lost connection here must not hide
            # the error that ended the ingest.
            with suppress(StoreUnavailable, DBAPIError):
                conn.execute(text("SELECT pg_advisory_unlock(:k, :s)"), key)
                conn.commit()
