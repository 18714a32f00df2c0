"""PostgreSQL faults (docs/operations.md): a job killed by SIGKILL, its connection terminated
mid-transaction, or the server restarted under it, leaves a store that one rerun brings to
exactly what an undisturbed run writes: the same events, quarantine and read models.

Every store starts alike: six weekly extracts of a synthetic year ingested and projected.
The job under test then ingests the year's full extract and catches the read models up.
Fault moments are drawn from a seeded random within the undisturbed job's duration. The
nightly run (CASETRACK_NIGHTLY=1) makes 20 trials; the default run 6.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import pytest

from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from adapters.synthetic import GeneratedFiles, generate
from casetrack.application import DossierTracker
from projections.runner import ReadModels
from tests.conftest import drop_postgres_schema, new_postgres_schema
from tests.integration.fault_helpers import (
    Outcome,
    can_restart_server,
    ensure_server_up,
    finish,
    require_postgres,
    restart_server,
    run_job,
    start_job,
    terminate_mid_transaction,
    trials,
)
from tests.integration.ingest_helpers import duplicate_versions, event_multiset, quarantine_rows
from tests.integration.test_ingest_concurrency import new_store
from tests.integration.test_read_models import model_rows

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SEED = 20250314
DOSSIERS = 2500
#: Weekly extracts every store holds before the job under test.
BASELINE_WEEKS = 6


@dataclass(frozen=True)
class Expected:
    """What the undisturbed job leaves, and how long each part of it takes."""

    events: Counter[tuple[str, int, str, str]]
    quarantine: list[tuple[str, int, str, str]]
    models: dict[str, list[tuple[Any, ...]]]
    ingest_seconds: float
    project_seconds: float


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    """A synthetic year with its full extract."""
    out = tmp_path_factory.mktemp("pg-faults")
    files = generate(out, year=2025, dossiers=DOSSIERS, seed=SEED, full_extract=True)
    assert files.full is not None
    return files


def prepare(url: str, files: GeneratedFiles, *, with_full_extract: bool = False) -> None:
    """The common start: the first weekly extracts ingested and projected (in this process)."""
    tracker = DossierTracker(url)
    try:
        ingestor = Ingestor(tracker)
        for path in files.piaf[:BASELINE_WEEKS]:
            ingestor.ingest_piaf(path)
        assert ReadModels(tracker).catch_up().rebuilt
        if with_full_extract:
            assert files.full is not None
            ingestor.ingest_piaf(files.full)
    finally:
        tracker.close()
        engine_for(url).dispose()


def ingest(files: GeneratedFiles, *options: str) -> tuple[str, ...]:
    """The job ingesting the full extract."""
    assert files.full is not None
    return ("ingest", "piaf", *options, str(files.full))


@pytest.fixture(scope="module")
def expected(year: GeneratedFiles) -> Iterator[Expected]:
    """The undisturbed run, in a schema of its own (dropped once read)."""
    base = require_postgres()
    url, schema = new_postgres_schema(base)
    try:
        prepare(url, year)
        ingested = run_job(url, *ingest(year, "--no-project"))
        assert ingested.code == 0, ingested.summary()
        projected = run_job(url, "project")
        assert projected.code == 0, projected.summary()
        found = Expected(
            event_multiset(url),
            quarantine_rows(url),
            model_rows(url),
            ingested.seconds,
            projected.seconds,
        )
    finally:
        engine_for(url).dispose()
        drop_postgres_schema(base, schema)
    assert sum(found.events.values()) > DOSSIERS
    assert len(found.models["measure"]) == 3 * len(found.models["dossier"]) >= DOSSIERS
    yield found


@dataclass
class Trials:
    """Results of the trials of one fault kind."""

    #: (fault moment in seconds, outcome of the disturbed job) when the fault hit a running job
    landed: list[tuple[float, Outcome]] = field(default_factory=list)
    #: (fault moment, what differs) of the stores a rerun did not bring to the expected one
    diverged: list[tuple[float, str]] = field(default_factory=list)

    def unclean(self) -> list[tuple[float, str]]:
        """Disturbed jobs that neither succeeded nor stopped with a clear exit code 3."""
        return [(round(at, 3), o.summary()) for at, o in self.landed if not o.clean]


def converge(url: str, job: tuple[str, ...], expected: Expected) -> str:
    """Rerun the job and a catch-up; describe how the store differs from the expected one."""
    for argv in (job, ("project",)):
        rerun = run_job(url, *argv)
        if rerun.code != 0:
            return f"rerun of {argv[0]} failed: {rerun.summary()}"
    problems = []
    if duplicate_versions(url):
        problems.append(f"duplicate versions {duplicate_versions(url)[:3]}")
    events = event_multiset(url)
    if events != expected.events:
        missing, extra = expected.events - events, events - expected.events
        problems.append(f"events: {sum(missing.values())} missing, {sum(extra.values())} extra")
    if quarantine_rows(url) != expected.quarantine:
        problems.append("quarantine differs")
    models = model_rows(url)
    for table, rows in expected.models.items():
        if models[table] != rows:
            problems.append(f"{table}: {len(models[table])} rows, {len(rows)} expected or differ")
    tracker = DossierTracker(url)
    try:
        tracking = ReadModels(tracker).tracking()
        at = None if tracking is None else (tracking.position, tracking.status_as_of)
        last = (tracker.recorder.max_notification_id(), tracker.default_as_of())
    finally:
        tracker.close()
    if at != last:
        problems.append(f"read models at {at}, the store at {last}")
    engine_for(url).dispose()
    return "; ".join(problems)


def run_trials(
    kind: str,
    count: int,
    year: GeneratedFiles,
    expected: Expected,
    tmp_path: Path,
    seed: int,
) -> Trials:
    """Disturb `count` jobs with the fault `kind`, rerun each, compare with the expected store."""
    base = require_postgres()
    rng = Random(seed)
    results = Trials()
    catch_up_only = kind == "terminate-catch-up"
    if catch_up_only:
        job, span = ("project",), expected.project_seconds
    elif kind == "terminate-ingest":
        job, span = ingest(year, "--no-project"), expected.ingest_seconds
    else:
        job, span = ingest(year), expected.ingest_seconds + expected.project_seconds
    for trial in range(count):
        with new_store("postgresql", tmp_path, trial) as url:
            prepare(url, year, with_full_extract=catch_up_only)
            at = rng.uniform(0.25 * span, 0.95 * span)
            app = f"fault-{uuid.uuid4().hex[:12]}"
            started = time.monotonic()
            process = start_job(url, *job, app=app)
            try:
                landed = hit(kind, process, at, app, base)
                outcome = finish(process, started)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            if landed:
                results.landed.append((at, outcome))
            difference = converge(url, job, expected)
            if difference:
                results.diverged.append((round(at, 3), difference))
    return results


def hit(kind: str, process: subprocess.Popen[str], at: float, app: str, base: str) -> bool:
    """Inject the fault `at` seconds into the job; whether it hit the job while it ran."""
    try:
        process.wait(timeout=at)
    except subprocess.TimeoutExpired:
        pass
    else:
        return False
    if kind == "sigkill":
        process.kill()
        return True
    if kind == "restart":
        try:
            restart_server(base)
        finally:
            ensure_server_up(base)
        return True
    return terminate_mid_transaction(base, app, process) > 0


def check(results: Trials, count: int, *, clean_exit: bool = True) -> None:
    """Enough faults hit running jobs, the disturbed jobs ended cleanly, every rerun converged."""
    assert results.diverged == []
    if clean_exit:
        assert results.unclean() == []
    assert len(results.landed) >= max(1, count // 2), "too few faults hit a running job"


def test_an_ingest_killed_by_sigkill_then_rerun_leaves_the_store_of_an_undisturbed_run(
    year: GeneratedFiles, expected: Expected, tmp_path: Path
) -> None:
    count = trials(2, 7)
    results = run_trials("sigkill", count, year, expected, tmp_path, SEED)

    check(results, count, clean_exit=False)


def test_an_ingest_whose_connection_is_terminated_stops_clearly_and_a_rerun_converges(
    year: GeneratedFiles, expected: Expected, tmp_path: Path
) -> None:
    count = trials(2, 6)
    results = run_trials("terminate-ingest", count, year, expected, tmp_path, SEED + 1)

    check(results, count)


def test_a_catch_up_whose_connection_is_terminated_stops_clearly_and_a_rerun_converges(
    year: GeneratedFiles, expected: Expected, tmp_path: Path
) -> None:
    count = trials(1, 6)
    results = run_trials("terminate-catch-up", count, year, expected, tmp_path, SEED + 2)

    check(results, count)


def test_a_job_under_a_server_restart_stops_clearly_and_a_rerun_converges(
    year: GeneratedFiles, expected: Expected, tmp_path: Path
) -> None:
    # Once per run: a restart takes seconds and cuts every session of the server.
    if not can_restart_server():
        pytest.skip("no local PostgreSQL cluster to restart (pg_ctlcluster)")
    base = require_postgres()
    try:
        results = run_trials("restart", 1, year, expected, tmp_path, SEED + 3)
    finally:
        ensure_server_up(base)

    check(results, 1)
