"""Ctrl-C anywhere exits with code 130 and says that a rerun resumes (README, Exit codes),
also when it lands inside a database statement, which SQLAlchemy reports as a lost
connection: it must not become "database unavailable" (exit code 3).

The subprocess tests make the job wait inside a statement, on a lock the test holds, and
send SIGINT once they see it waiting: on PostgreSQL pg_stat_activity shows the wait, on
SQLite the job sleeps in SQLite's busy handler (/proc/PID/wchan). Then the test lets go.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, text

from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from adapters.synthetic import GeneratedFiles, generate
from casetrack.application import DossierTracker
from casetrack.persistence import parse_url
from projections.runner import ReadModels
from tests.conftest import drop_postgres_schema, new_postgres_schema
from tests.integration.fault_helpers import Outcome, admin, finish, require_postgres, start_job
from tests.integration.ingest_helpers import release_connections

INTERRUPTED = 130
MESSAGE = "casetrack: interrupted; what was committed stays, run the same command again to resume"
#: Weekly extracts in the store before the job under test.
BASELINE_WEEKS = 8
READ_MODEL_TABLES = ("measure", "dossier", "projection_tracking")


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    """Weekly PIAF extracts of 1,500 synthetic dossiers."""
    return generate(tmp_path_factory.mktemp("interrupt"), year=2025, dossiers=1500, seed=130)


def prepare(url: str, year: GeneratedFiles, *, lagging: bool = False) -> None:
    """A store with the first weeks ingested and its read models built (a week behind if
    `lagging`)."""
    tracker = DossierTracker(url)
    try:
        ingestor = Ingestor(tracker)
        for path in year.piaf[:BASELINE_WEEKS]:
            ingestor.ingest_piaf(path)
        ReadModels(tracker).catch_up()
        if lagging:
            ingestor.ingest_piaf(year.piaf[BASELINE_WEEKS])
    finally:
        tracker.close()
        engine_for(url).dispose()


Position = tuple[int, date | None]


def where_things_stand(url: str) -> tuple[Position | None, Position]:
    """(position and status date of the read models, last event and latest extraction)."""
    tracker = DossierTracker(url)
    try:
        tracking = ReadModels(tracker).tracking()
        at = None if tracking is None else (tracking.position, tracking.status_as_of)
        return at, (tracker.recorder.max_notification_id() or 0, tracker.default_as_of())
    finally:
        tracker.close()
        engine_for(url).dispose()


def wait_until(condition: Callable[[], bool], what: str, job: subprocess.Popen[str]) -> None:
    """Poll until `condition()`; fail if the job ends first or a minute passes."""
    deadline = time.monotonic() + 60
    while not condition():
        if job.poll() is not None:
            pytest.fail(f"the job ended (exit {job.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"the job was never seen {what}")
        time.sleep(0.05)


def interrupt(job: subprocess.Popen[str], started: float) -> Outcome:
    """Send Ctrl-C (SIGINT) to the job and wait for its end."""
    job.send_signal(signal.SIGINT)
    return finish(job, started, timeout=120)


def assert_interrupted(outcome: Outcome) -> None:
    """Exit code 130, the message, nothing about a database fault, no traceback."""
    assert outcome.code == INTERRUPTED, outcome.summary()
    assert MESSAGE in outcome.err
    assert "casetrack: error" not in outcome.err
    assert "server" not in outcome.err
    assert "Traceback" not in outcome.err


# -- in this process ----------------------------------------------------------------------


def test_ctrl_c_inside_a_sqlalchemy_statement_stays_an_interrupt(db_url: str) -> None:
    # SQLAlchemy calls its handle_error hooks for KeyboardInterrupt too, flagged as a
    # disconnect; casetrack's hook turned it into "database unavailable".
    engine = engine_for(db_url)

    def ctrl_c(*_: object) -> None:
        raise KeyboardInterrupt

    event.listen(engine, "before_cursor_execute", ctrl_c)
    try:
        with pytest.raises(KeyboardInterrupt), engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        event.remove(engine, "before_cursor_execute", ctrl_c)


# -- SQLite: the job sleeps in SQLite's busy handler ----------------------------------------


def sleeping(pid: int) -> bool:
    """Whether the job's main thread sleeps in the kernel (SQLite's busy handler does)."""
    try:
        return "nanosleep" in Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False


@contextmanager
def sqlite_write_lock(path: Path) -> Iterator[None]:
    """Hold the store's write lock (BEGIN IMMEDIATE) while in the block."""
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
    finally:
        holder.close()  # rolls back: the waiting job gets the lock


@pytest.mark.parametrize("command", ["rebuild", "catch-up"])
def test_ctrl_c_while_sqlite_read_models_wait_for_the_write_lock_exits_130(
    year: GeneratedFiles, tmp_path: Path, command: str
) -> None:
    if not Path("/proc/self/wchan").exists():
        pytest.skip("no /proc/PID/wchan here to see the job wait in SQLite's busy handler")
    path = tmp_path / "casetrack.sqlite"
    url = f"sqlite:///{path}"
    prepare(url, year, lagging=command == "catch-up")
    argv = ("project", "--rebuild") if command == "rebuild" else ("project",)
    before = where_things_stand(url)

    with sqlite_write_lock(path):
        started = time.monotonic()
        job = start_job(url, *argv)
        try:
            wait_until(lambda: sleeping(job.pid), "waiting for the write lock", job)
            job.send_signal(signal.SIGINT)
        except BaseException:
            job.kill()
            raise
    outcome = finish(job, started, timeout=120)

    assert_interrupted(outcome)
    assert where_things_stand(url) == before  # the read models committed nothing
    rerun = finish(start_job(url, *argv), time.monotonic())
    assert rerun.code == 0, rerun.summary()
    tracked, stored = where_things_stand(url)
    assert tracked == stored  # the rerun resumed to the end


# -- PostgreSQL: the job waits for a table lock the test holds -------------------------------


@pytest.fixture
def pg_store(year: GeneratedFiles) -> Iterator[str]:
    """A prepared store in a scratch schema of the test server."""
    base = require_postgres()
    url, schema = new_postgres_schema(base)
    try:
        prepare(url, year)
        yield url
    finally:
        engine_for(url).dispose()
        drop_postgres_schema(base, schema)


@contextmanager
def read_models_locked(url: str) -> Iterator[None]:
    """Hold an exclusive lock on the read model tables while in the block."""
    db = parse_url(url)
    tables = ", ".join(f'"{db.schema}".{name}' for name in READ_MODEL_TABLES)
    with admin(require_postgres()) as conn:
        conn.execute("BEGIN")
        conn.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")


def waiting_on_read_models(app: str) -> bool:
    """Whether a backend of the job waits for a lock in a statement on the read models."""
    with admin(require_postgres()) as conn:
        queries = conn.execute(
            "SELECT query FROM pg_stat_activity "
            "WHERE application_name = %s AND wait_event_type = 'Lock'",
            (app,),
        ).fetchall()
    return any(name in query for (query,) in queries for name in READ_MODEL_TABLES)


@pytest.mark.postgres
@pytest.mark.parametrize("job_kind", ["rebuild", "ingest-catch-up"])
def test_ctrl_c_while_postgresql_read_models_wait_for_a_lock_exits_130(
    pg_store: str, year: GeneratedFiles, job_kind: str
) -> None:
    url = pg_store
    argv = ("project", "--rebuild")
    if job_kind == "ingest-catch-up":
        argv = ("ingest", "piaf", str(year.piaf[BASELINE_WEEKS]))
    tracked_before, stored_before = where_things_stand(url)
    app = f"ctrl-c-{uuid.uuid4().hex[:10]}"

    with read_models_locked(url):
        started = time.monotonic()
        job = start_job(url, *argv, app=app)
        try:
            wait_until(lambda: waiting_on_read_models(app), "waiting on the read models", job)
            outcome = interrupt(job, started)
        finally:
            if job.poll() is None:
                job.kill()
                job.wait()

    assert_interrupted(outcome)
    tracked, stored = where_things_stand(url)
    assert tracked == tracked_before  # the read models are as they were
    if job_kind == "ingest-catch-up":
        # The ingest committed before its catch-up was interrupted: its events stay.
        assert stored[0] > stored_before[0]
    rerun = finish(start_job(url, *argv), time.monotonic())
    assert rerun.code == 0, rerun.summary()
    tracked, stored = where_things_stand(url)
    assert tracked == stored  # the rerun resumed to the end
