"""Read models survive a crash: a catch-up killed at random points resumes to the same rows.

The first catch-up of an empty read model is a rebuild (one transaction), so the models
are first built on part of a synthetic year; the rest of the year is then ingested and
the incremental catch-up, in pages of 200 notifications, is killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from random import Random
from typing import Any

import pytest
from sqlalchemy import delete, event, insert, select, text

import projections
from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from adapters.synthetic import generate
from casetrack.application import DossierTracker
from projections.runner import ReadModels
from projections.schema import READ_MODEL_TABLES

#: Catch up in a child process, saying when it is about to start and when it is done.
CHILD = """
import sys
import projections.runner
from casetrack.application import DossierTracker
from projections.runner import ReadModels
projections.runner.PAGE = 200
models = ReadModels(DossierTracker(sys.argv[1]))
models.tracking()
print("ready", flush=True)
result = models.catch_up()
print("done", result.events, result.rebuilt, result.seconds, flush=True)
"""
#: Kills wanted while the catch-up runs, and the most attempts to get them.
KILLS = 8
ATTEMPTS = 20
ORDERED_TABLES = {"dossier": "number", "measure": "dossier, engagement"}
Snapshot = dict[str, list[dict[str, Any]]]


def model_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the `dossier` and `measure` tables (SELECT *), in key order."""
    with engine_for(url).connect() as conn:
        return {
            table: [
                tuple(row) for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY {key}"))
            ]
            for table, key in ORDERED_TABLES.items()
        }


def save_models(url: str) -> Snapshot:
    """The read-model tables, tracking included, to put back before each run."""
    with engine_for(url).connect() as conn:
        return {
            table.name: [dict(row._mapping) for row in conn.execute(select(table))]
            for table in READ_MODEL_TABLES
        }


def restore_models(url: str, saved: Snapshot) -> None:
    """Put the read-model tables back as saved (the events are left alone)."""
    with engine_for(url).begin() as conn:
        for table in READ_MODEL_TABLES:
            conn.execute(delete(table))
            if saved[table.name]:
                conn.execute(insert(table), saved[table.name])


def start_child(url: str) -> subprocess.Popen[str]:
    """Start a catch-up in another process and wait until it is about to begin."""
    root = Path(projections.__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if line != "ready\n":
        child.kill()
        _, err = child.communicate()
        pytest.fail(f"the catch-up process did not start: {line!r} {err}")
    return child


def position(url: str) -> int:
    """The tracked position of the read models."""
    tracking = ReadModels(DossierTracker(url)).tracking()
    assert tracking is not None
    return tracking.position


@pytest.fixture
def half_built(db_url: str, tmp_path: Path) -> tuple[str, int]:
    """A store of about 5,000 events whose read models hold only the first 1,400 or so.

    Returns the URL and the position the models were built at.
    """
    files = generate(tmp_path / "year", year=2024, dossiers=1000, seed=23, full_extract=True)
    assert files.full is not None
    tracker = DossierTracker(db_url)
    ingestor = Ingestor(tracker)
    for piaf, topvir in list(zip(files.piaf, files.topvir, strict=True))[:15]:
        ingestor.ingest_piaf(piaf)
        ingestor.ingest_topvir(topvir)
    assert ReadModels(tracker).catch_up().rebuilt
    built = position(db_url)
    ingestor.ingest_piaf(files.full)
    assert (tracker.recorder.max_notification_id() or 0) - built > 3000
    return db_url, built


def test_catch_up_killed_at_random_points_resumes_to_the_rows_of_an_uninterrupted_run(
    half_built: tuple[str, int],
) -> None:
    url, built = half_built
    tracker = DossierTracker(url)  # kept: a dropped application closes its connections
    last = tracker.recorder.max_notification_id()
    saved = save_models(url)
    # An uninterrupted run first: its rows are the reference, its length bounds the delays.
    out, err = start_child(url).communicate(timeout=120)
    done, events, rebuilt, seconds = out.split()
    assert (done, events, rebuilt) == ("done", str(last - built), "False"), err
    expected = model_rows(url)
    rng = Random(20250314)

    kills: list[int] = []  # the position each kill left
    for _ in range(ATTEMPTS):
        restore_models(url, saved)
        child = start_child(url)
        delay = rng.uniform(0, float(seconds))
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
        if child.returncode == -signal.SIGKILL and "done" not in out:
            kills.append(position(url))

        ReadModels(tracker).catch_up()

        assert model_rows(url) == expected, f"after a kill at {delay:.3f} s of {seconds} s"
        assert position(url) == last
        if len(kills) == KILLS:
            break

    assert len(kills) == KILLS, f"only {len(kills)} kills landed while the catch-up ran"
    between_pages = {at for at in kills if built < at < last}
    assert len(between_pages) >= 2, f"too few kills between two pages: {kills}"
    ReadModels(tracker).rebuild()
    assert model_rows(url) == expected


def test_a_rebuild_that_fails_midway_leaves_the_previous_read_models(
    half_built: tuple[str, int],
) -> None:
    url, built = half_built
    models = ReadModels(DossierTracker(url))
    before = model_rows(url)
    engine = engine_for(url)

    def fail_on_measures(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # By then the tables were dropped, created again and every row written (on
        # PostgreSQL by COPY, which statement events do not see): the indexes come last.
        if statement.lstrip().upper().startswith("CREATE INDEX"):
            raise RuntimeError("crash in the middle of a rebuild")

    event.listen(engine, "before_cursor_execute", fail_on_measures)
    try:
        with pytest.raises(RuntimeError, match="crash in the middle"):
            models.rebuild()
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_measures)

    after = model_rows(url)
    assert {t: len(rows) for t, rows in after.items()} == {
        t: len(rows) for t, rows in before.items()
    }
    assert after == before
    assert models.tracking() is not None
    assert position(url) == built
