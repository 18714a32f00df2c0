"""Helpers of the storage-fault tests: damaged and foreign SQLite files, read-only places, and
the `casetrack` command run in another process.

Tests run as root in CI, where file modes do not stop writes: a read-only place is made
with `chattr +i` (immutable, which stops root too) or, failing that, skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.fault_helpers import job_environment

STORAGE_FAULT = 4
STORE_UNAVAILABLE = 3


@dataclass(frozen=True)
class Done:
    """Exit code and output of one `casetrack` process."""

    code: int
    out: str
    err: str


def casetrack(url: str, *argv: str, timeout: float = 300) -> Done:
    """`casetrack --db URL ARGV` in another process, as an operator runs it (no debug)."""
    done = subprocess.run(
        [sys.executable, "-m", "casetrack.cli", "--db", url, *argv],
        capture_output=True,
        text=True,
        env=job_environment(),
        timeout=timeout,
        check=False,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def sqlite_url(path: Path) -> str:
    """The URL of a SQLite file."""
    return f"sqlite:///{path}"


def sample_database(path: Path, rows: int = 300) -> Path:
    """A sound SQLite database of several pages (rollback journal, like most applications)."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT, note BLOB)")
        conn.executemany(
            "INSERT INTO contacts VALUES (?, ?, randomblob(500))",
            [(f"Person {n}", f"06{n:08d}") for n in range(rows)],
        )
    conn.close()
    return path


def can_make_immutable(tmp_path: Path) -> bool:
    """Whether `chattr +i` works here (root with an ext4, xfs, btrfs... temporary folder)."""
    if shutil.which("chattr") is None:
        return False
    probe = tmp_path / "chattr-probe"
    probe.write_bytes(b"")
    done = subprocess.run(["chattr", "+i", str(probe)], capture_output=True, check=False)
    if done.returncode != 0:
        return False
    subprocess.run(["chattr", "-i", str(probe)], check=True)
    probe.unlink()
    return True


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file or folder read-only for everyone, root included, while in the block."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if not can_make_immutable(path.parent if path.is_file() else path):
        pytest.skip(
            "running as root, where chmod does not stop writes, and chattr +i is not "
            "available on this file system: no way to make a read-only store"
        )
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted on `where` (root only); unmounted on leaving."""
    if os.geteuid() != 0:
        pytest.skip("a full disk is made with a small tmpfs, which only root may mount")
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def remount(where: Path, size: str) -> None:
    """Give a mounted tmpfs a new size (what freeing space does for the store)."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(where)], check=True)
