"""A rebuild folding on worker processes writes the rows of a serial one, or falls back to it.

Large stores fold on forked workers (projections/parallel.py); these tests lower the
threshold so that a small generated store does too, and compare every row with a serial
rebuild of the same store. On PostgreSQL the driver's pool runs threads, so the rebuild
stays serial: the same comparison holds trivially there and checks that choice.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

import projections.parallel
import projections.runner
from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from adapters.synthetic import GeneratedFiles, generate
from casetrack.application import DossierTracker
from casetrack.errors import CasetrackError
from casetrack.eventstore import FactsFolder
from casetrack.facts import Snapshot
from projections.runner import ReadModels

WEEKS = 20


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    """Weekly files of 600 synthetic dossiers."""
    return generate(tmp_path_factory.mktemp("parallel"), year=2025, dossiers=600, seed=41)


@pytest.fixture
def tracker(db_url: str, year: GeneratedFiles) -> Iterator[DossierTracker]:
    """A store with twenty weeks ingested, no read models yet."""
    app = DossierTracker(db_url)
    ingestor = Ingestor(app)
    for piaf, topvir in list(zip(year.piaf, year.topvir, strict=True))[:WEEKS]:
        ingestor.ingest_piaf(piaf)
        ingestor.ingest_topvir(topvir)
    try:
        yield app
    finally:
        app.close()
        engine_for(db_url).dispose()


def model_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of `dossier`, `measure` and `report_cell`, in key order, and the tracking."""
    queries = {
        "dossier": "SELECT * FROM dossier ORDER BY number",
        "measure": "SELECT * FROM measure ORDER BY dossier, engagement",
        "report_cell": "SELECT * FROM report_cell ORDER BY kind, engagement, section, "
        "prestation, version, month, outcome, elapsed",
        "tracking": "SELECT * FROM projection_tracking",
    }
    with engine_for(url).connect() as conn:
        return {name: [tuple(r) for r in conn.execute(text(sql))] for name, sql in queries.items()}


@pytest.fixture
def on_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rebuild on workers from the first event; lists the workers of each sharded fold."""
    counts: list[int] = []

    class Recorded(projections.parallel.ShardedFold):
        def __enter__(self) -> projections.parallel.ShardedFold:
            counts.append(self.count)
            return super().__enter__()

    monkeypatch.setattr(projections.runner, "PARALLEL_FROM", 0)
    monkeypatch.setattr(projections.runner, "ShardedFold", Recorded)
    # Threads other tests of the session left idle (seen in the full suite, not alone) are
    # not this test's: forking beside them only folds in memory. The threads started from
    # here on, such as a PostgreSQL tracker's pool, still keep the rebuild serial, as the
    # product's `can_fork` does. Requested before `tracker`, so its threads are not counted.
    before = set(threading.enumerate())

    def can_fork() -> bool:
        started = set(threading.enumerate()) - before
        return "fork" in multiprocessing.get_all_start_methods() and not started

    # Two workers even on a one-CPU machine, where forking is allowed.
    monkeypatch.setattr(projections.runner, "worker_count", lambda: 2 if can_fork() else 0)
    return counts


def serial_rows(models: ReadModels, url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The rows of a serial rebuild."""
    with monkeypatch.context() as serial:
        serial.setattr(projections.runner, "PARALLEL_FROM", 10**12)
        result = models.rebuild()
    return result, model_rows(url)


def test_a_rebuild_on_workers_writes_the_rows_of_a_serial_rebuild(
    db_url: str,
    on_workers: list[int],
    tracker: DossierTracker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    models = ReadModels(tracker)
    expected_result, expected = serial_rows(models, db_url, monkeypatch)

    result = models.rebuild()

    assert model_rows(db_url) == expected
    assert (result.events, result.dossiers) == (expected_result.events, expected_result.dossiers)
    assert result.dossiers == len(list(tracker.all_facts())) > 150
    # PostgreSQL's pool runs threads: no fork there.
    assert on_workers == ([2] if db_url.startswith("sqlite") else [])
    assert multiprocessing.active_children() == []


def test_a_worker_that_fails_leaves_the_rebuild_to_the_serial_fold(
    db_url: str,
    on_workers: list[int],
    tracker: DossierTracker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("no workers on PostgreSQL (see the module docstring)")
    models = ReadModels(tracker)
    _, expected = serial_rows(models, db_url, monkeypatch)

    class Failing(FactsFolder):
        """Fails in the workers only: the serial fold is the runner's own FactsFolder."""

        def apply_rows(self, rows: Any) -> None:
            raise RuntimeError("a worker's own failure")

    monkeypatch.setattr(projections.parallel, "FactsFolder", Failing)

    result = models.rebuild()

    assert on_workers == [2]
    assert result.rebuilt
    assert model_rows(db_url) == expected
    assert multiprocessing.active_children() == []


def test_an_error_of_the_data_is_raised_as_a_serial_rebuild_raises_it(
    db_url: str, on_workers: list[int], tracker: DossierTracker
) -> None:
    # A filing date beyond the calendar's years: measures.md never guesses, the clock fails.
    late = Snapshot(section="05", prestation="PL", filed_on=date(2071, 1, 6))
    tracker.record("2071-05-000001", late, date(2071, 1, 9))
    models = ReadModels(tracker)

    with pytest.raises(CasetrackError) as raised:
        models.rebuild()

    assert "2071" in str(raised.value)
    assert on_workers == ([2] if db_url.startswith("sqlite") else [])
    assert multiprocessing.active_children() == []
    assert models.tracking() is None  # nothing was written


def test_no_worker_is_forked_while_another_thread_runs() -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not projections.parallel.can_fork()
        assert projections.parallel.worker_count() == 0
    finally:
        release.set()
        thread.join()
