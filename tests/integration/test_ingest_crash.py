"""Reliability: an ingest killed (SIGKILL) at any moment, then run again, leaves the store it
would have left uninterrupted: no event lost, none twice, the same quarantine.

One module fixture runs everything (a reference run, then one killed-and-rerun store per kill
point, some killed twice); the tests compare the stores. Kill delays are drawn from a seeded
random between 0 and the reference run's duration, half of them after its first commit so
that some land while batches are being written.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

import pytest

from adapters.synthetic import generate
from tests.integration.ingest_helpers import duplicate_versions, event_multiset, quarantine_rows

SEED = 20250314
DOSSIERS = 6000
KILL_POINTS = 10
DOSSIER_TOPIC = "casetrack.dossier:"


def command(store: Path, extract: Path) -> list[str]:
    """The ingest command line (read models left out: only ingestion is under test)."""
    return [
        sys.executable,
        "-m",
        "casetrack.cli",
        "--db",
        f"sqlite:///{store}",
        "-q",
        "ingest",
        "piaf",
        "--no-project",
        str(extract),
    ]


def stored_count(store: Path) -> int:
    """Events committed so far (0 while the store or its table does not exist)."""
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=0.05) as conn:
            return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])
    except sqlite3.Error:
        return 0


def run_to_completion(store: Path, extract: Path) -> None:
    """Run the ingest uninterrupted; fail with its stderr if it does not succeed."""
    done = subprocess.run(command(store, extract), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def ingested_files(store: Path) -> int:
    """FileIngested events of the ledger (0 until the ingest has finished)."""
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=0.05) as conn:
            query = "SELECT count(*) FROM stored_events WHERE topic LIKE '%.FileIngested'"
            return int(conn.execute(query).fetchone()[0])
    except sqlite3.Error:
        return 0


@dataclass
class CrashRuns:
    """The reference store and the stores that were killed, then completed."""

    reference: str
    duration: float
    first_commit: float
    killed: list[tuple[list[float], str]] = field(default_factory=list)  # (delays, url)
    #: (events stored, files in the ledger) when each kill landed
    kills: list[tuple[int, int]] = field(default_factory=list)


def start(store: Path, extract: Path) -> subprocess.Popen[bytes]:
    """Start the ingest, its output discarded."""
    return subprocess.Popen(
        command(store, extract), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def kill(process: subprocess.Popen[bytes], store: Path, runs: CrashRuns) -> None:
    """SIGKILL the ingest and note what it had stored."""
    process.kill()
    process.wait()
    runs.kills.append((stored_count(store), ingested_files(store)))


@pytest.fixture(scope="module")
def crash_runs(tmp_path_factory: pytest.TempPathFactory) -> CrashRuns:
    """Run the reference ingest, then kill and rerun one store per kill point."""
    out = tmp_path_factory.mktemp("crash")
    extract = generate(
        out / "files", year=2025, dossiers=DOSSIERS, seed=SEED, full_extract=True
    ).full
    assert extract is not None

    reference = out / "reference.sqlite"
    started = time.monotonic()
    process = subprocess.Popen(command(reference, extract), stderr=subprocess.PIPE)
    first_commit = 0.0
    while process.poll() is None:
        if not first_commit and stored_count(reference):
            first_commit = time.monotonic() - started
        time.sleep(0.01)
    duration = time.monotonic() - started
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert process.stderr is not None
    process.stderr.close()
    runs = CrashRuns(f"sqlite:///{reference}", duration, first_commit or duration)

    rng = Random(SEED)
    for point in range(KILL_POINTS):
        store = out / f"killed-{point}.sqlite"
        low = 0.0 if point % 2 == 0 else 0.9 * runs.first_commit
        delays = [rng.uniform(low, duration) for _ in range(2 if point % 3 == 2 else 1)]
        for delay in delays:
            process = start(store, extract)
            try:
                process.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                kill(process, store, runs)
        run_to_completion(store, extract)
        runs.killed.append((delays, f"sqlite:///{store}"))

    # One more, killed as soon as its first batch is committed: mid-ingest for sure.
    store = out / "killed-after-first-commit.sqlite"
    process = start(store, extract)
    while process.poll() is None and not stored_count(store):
        time.sleep(0.002)
    kill(process, store, runs)
    run_to_completion(store, extract)
    runs.killed.append(([-1.0], f"sqlite:///{store}"))
    return runs


def test_the_kills_do_interrupt_ingests(crash_runs: CrashRuns) -> None:
    # the other tests are only worth something if processes were killed before their end,
    # some of them after a first commit
    assert crash_runs.first_commit < crash_runs.duration
    assert len(crash_runs.kills) >= KILL_POINTS // 2
    assert any(events and not files for events, files in crash_runs.kills)


def test_a_killed_then_rerun_ingest_stores_the_dossier_events_of_an_uninterrupted_one(
    crash_runs: CrashRuns,
) -> None:
    expected = event_multiset(crash_runs.reference, topic_prefix=DOSSIER_TOPIC)
    assert sum(expected.values()) > DOSSIERS

    differing = [
        delays
        for delays, url in crash_runs.killed
        if event_multiset(url, topic_prefix=DOSSIER_TOPIC) != expected
    ]

    assert differing == []


def test_a_killed_then_rerun_ingest_stores_no_event_version_twice(crash_runs: CrashRuns) -> None:
    assert [
        (d, duplicate_versions(url)) for d, url in crash_runs.killed if duplicate_versions(url)
    ] == []


def test_a_killed_then_rerun_ingest_quarantines_the_same_rows(crash_runs: CrashRuns) -> None:
    expected = quarantine_rows(crash_runs.reference)

    assert [d for d, url in crash_runs.killed if quarantine_rows(url) != expected] == []


def test_a_killed_then_rerun_ingest_leaves_the_whole_event_store_of_an_uninterrupted_one(
    crash_runs: CrashRuns,
) -> None:
    # every stream, the extract ledger included: one FileIngested, with the same content
    expected = event_multiset(crash_runs.reference)

    differing = {
        tuple(delays): sorted(
            (topic, state) for _, _, topic, state in (event_multiset(url) - expected).elements()
        )
        for delays, url in crash_runs.killed
        if event_multiset(url) != expected
    }

    assert differing == {}
