"""A disk that fills up during an ingest (SQLite): exit code 4, a message saying that committed
work sits in the -wal file, which must stay beside the store; once space is freed, the same
command finishes the work and the store holds exactly the events of an undisturbed run.

The full disk is a tmpfs mounted for the test (root only; skipped otherwise), sized from the
undisturbed run so that the ingest fails part way.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from adapters.synthetic import GeneratedFiles, generate
from tests.integration.fault_files import STORAGE_FAULT, casetrack, remount, sqlite_url, tmpfs
from tests.integration.ingest_helpers import event_multiset

pytestmark = pytest.mark.slow

SEED = 20250612
#: Two ingest batches (of 5,000 dossiers): the first commits before the disk is full.
DOSSIERS = 6000
#: The tmpfs holds this share of what the undisturbed run leaves.
TOO_SMALL = 0.6


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    """A synthetic year with its full extract."""
    out = tmp_path_factory.mktemp("disk-full")
    files = generate(out, year=2025, dossiers=DOSSIERS, seed=SEED, full_extract=True)
    assert files.full is not None
    return files


def store_bytes(folder: Path) -> int:
    """Bytes of every file in a folder: the store and what SQLite keeps beside it."""
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def committed_events(store: Path) -> int:
    """Events a reader sees, the -wal included (read-only: nothing is written)."""
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as conn:
        count = conn.execute("SELECT count(*) FROM stored_events").fetchone()[0]
    conn.close()
    return int(count)


def test_a_full_disk_exits_4_keeps_the_wal_and_a_rerun_after_freeing_space_completes(
    year: GeneratedFiles, tmp_path: Path
) -> None:
    assert year.full is not None
    argv = ("ingest", "piaf", str(year.full))
    clean_folder = tmp_path / "clean"
    clean_folder.mkdir()
    clean = clean_folder / "casetrack.sqlite"
    undisturbed = casetrack(sqlite_url(clean), "-q", *argv)
    assert undisturbed.code == 0, undisturbed.err
    needed = store_bytes(clean_folder)

    with tmpfs(tmp_path / "small-disk", f"{int(needed * TOO_SMALL)}") as disk:
        store = disk / "casetrack.sqlite"
        full = casetrack(sqlite_url(store), "-q", *argv)
        wal_bytes = Path(f"{store}-wal").stat().st_size
        kept = committed_events(store)
        remount(disk, f"{4 * needed + (64 << 20)}")
        rerun = casetrack(sqlite_url(store), "-q", *argv)
        events = event_multiset(sqlite_url(store))

    assert full.code == STORAGE_FAULT, full.err
    assert f"database file {store}: the disk is full" in full.err
    assert f"{store}-wal and {store}-shm" in full.err
    assert "never delete them" in full.err
    assert "Free space on that disk, then run the same command again" in full.err
    assert "server" not in full.err
    assert "Traceback" not in full.err
    # What the message warns of: committed events, part of them in the -wal file alone.
    assert kept > 0, "nothing was committed before the disk filled: the disk is too small"
    assert wal_bytes > 0
    assert rerun.code == 0, rerun.err
    assert events == event_multiset(sqlite_url(clean))
