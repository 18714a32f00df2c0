"""`casetrack project --follow` beside ingests: readers only ever see whole pages, and the
worker, stopped with Ctrl-C once caught up, leaves the rows a rebuild gives.

docs/operations.md: "each page of events and its tracking position commit together, so a
report never sees half a page". A reader thread checks it on every read, in one statement:
three measure rows per dossier row, and exactly the dossiers (and aggregate versions) of the
notifications up to the tracked position. The worker runs `casetrack.cli.main` with small
pages, so that one catch-up commits several pages and readers can land between them.
"""

from __future__ import annotations

import bisect
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from adapters import ingest as ingest_module
from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from adapters.synthetic import GeneratedFiles, generate
from casetrack.application import DossierTracker
from casetrack.eventstore import insert_stored_events, is_dossier_topic
from casetrack.reporting import ReportQuery
from projections import queries
from projections.runner import ReadModels
from tests.integration.fault_helpers import (
    command,
    ctrl_c_as_at_a_terminal,
    job_environment,
    run_job,
)
from tests.integration.ingest_helpers import release_connections
from tests.integration.test_read_models import model_rows

#: Runs the real command line with pages of argv[1] notifications (default 10,000).
WORKER = """
import sys
import projections.runner
from casetrack.cli import main
projections.runner.PAGE = int(sys.argv[1])
sys.exit(main(sys.argv[2:]))
"""
PAGE = 25
#: Exit code of a command stopped by Ctrl-C (README, Exit codes), a worker included.
INTERRUPTED = 130
#: Weekly extracts ingested by each `casetrack ingest` run, one run after the other.
RUNS = (slice(0, 8), slice(8, 16), slice(16, 24))
#: position, dossier rows, measure rows, sum of the dossier rows' versions: one statement,
#: hence one snapshot on both backends.
SNAPSHOT = text(
    "SELECT (SELECT position FROM projection_tracking), (SELECT count(*) FROM dossier), "
    "(SELECT count(*) FROM measure), (SELECT coalesce(sum(version), 0) FROM dossier)"
)
REPORT = ReportQuery(start=date(2025, 1, 1), end=date(2025, 12, 31), as_of=date(2025, 12, 31))


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    """Weekly PIAF extracts of 400 synthetic dossiers."""
    return generate(tmp_path_factory.mktemp("follow"), year=2025, dossiers=400, seed=1907)


@dataclass
class Reader:
    """Reads the read models in a loop until told to stop; keeps what it saw."""

    url: str
    seen: list[tuple[int, int, int, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reports: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        engine = engine_for(self.url)
        while not self.stop.is_set():
            try:
                with engine.connect() as conn:
                    row = conn.execute(SNAPSHOT).one()
                self.seen.append((int(row[0]), int(row[1]), int(row[2]), int(row[3])))
                if len(self.seen) % 10 == 0:
                    queries.report(engine, REPORT)
                    self.reports += 1
            except Exception as exc:  # every failure of a reader is a finding
                self.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
            time.sleep(0.005)


def expected_at(url: str) -> dict[int, tuple[int, int]]:
    """(dossiers, sum of their versions) the read models hold at each notification id."""
    tracker = DossierTracker(url)
    try:
        versions: dict[object, int] = {}
        total = 0
        found = {0: (0, 0)}
        for n in tracker.iter_notifications():
            if is_dossier_topic(n.topic):
                total += n.originator_version - versions.get(n.originator_id, 0)
                versions[n.originator_id] = n.originator_version
            found[n.id] = (len(versions), total)
        return found
    finally:
        tracker.close()


def at_position(expected: dict[int, tuple[int, int]], position: int) -> tuple[int, int]:
    """The expected state at a position (the last notification id at or before it)."""
    ids = sorted(expected)
    return expected[ids[bisect.bisect_right(ids, position) - 1]]


def tracked(url: str) -> tuple[object, object]:
    """(tracked position and as-of, last notification id and latest extraction)."""
    tracker = DossierTracker(url)
    try:
        tracking = ReadModels(tracker).tracking()
        at = None if tracking is None else (tracking.position, tracking.status_as_of)
        return at, (tracker.recorder.max_notification_id() or 0, tracker.default_as_of())
    finally:
        tracker.close()


def caught_up(url: str) -> bool:
    """Whether the read models stand at the last notification and the latest extraction."""
    at, last = tracked(url)
    return at == last


def wait_for(
    condition: Callable[[], bool],
    what: str,
    worker: subprocess.Popen[str],
    log: Path | None = None,
    timeout: float = 60,
) -> None:
    """Poll `condition()` until true; fail if the worker dies or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        ended, late = worker.poll() is not None, time.monotonic() > deadline
        if ended or late:
            said = log.read_text()[-600:] if log is not None else ""
            state = f"ended with exit {worker.returncode}" if ended else "timed out"
            pytest.fail(f"the worker {state} {what}: {said}")
        time.sleep(0.1)


def test_follow_worker_beside_ingests_shows_readers_whole_pages_and_ends_as_a_rebuild(
    db_url: str, year: GeneratedFiles, tmp_path: Path
) -> None:
    DossierTracker(db_url).close()  # the event store exists before the worker starts
    log = tmp_path / "worker.err"
    argv = ["--db", db_url, "project", "--follow", "--interval", "0.2"]
    with log.open("w") as err:
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(PAGE), *argv],
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
            env=job_environment(),
            preexec_fn=ctrl_c_as_at_a_terminal,  # noqa: PLW1509 - before the reader thread
        )
    reader = Reader(db_url)
    thread = threading.Thread(target=reader.run, daemon=True)
    try:
        wait_for(lambda: tracked(db_url)[0] is not None, "building the read models", worker, log)
        thread.start()
        ingests = [
            run_job(db_url, "ingest", "piaf", "--no-project", *map(str, year.piaf[part]))
            for part in RUNS
        ]
        wait_for(lambda: caught_up(db_url), "catching up", worker, log)
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)
    finally:
        reader.stop.set()
        if thread.is_alive():
            thread.join(timeout=30)
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    message = log.read_text()

    assert [o.code for o in ingests] == [0, 0, 0], [o.summary() for o in ingests]
    assert worker.returncode == INTERRUPTED, message[-1000:]
    assert "stopped; the read models are consistent" in message
    assert "interrupted; what was committed stays" in message
    assert "Traceback" not in message
    assert reader.errors == []
    expected = expected_at(db_url)
    final = max(expected)
    positions = [position for position, _, _, _ in reader.seen]
    assert positions == sorted(positions), "the tracked position went backwards"
    assert len({p for p in positions if 0 < p < final}) >= 3, "too few reads between pages"
    assert reader.reports > 0
    halves = [
        (position, dossiers, measures, versions)
        for position, dossiers, measures, versions in reader.seen
        if measures != 3 * dossiers or (dossiers, versions) != at_position(expected, position)
    ]
    assert halves == []
    followed = model_rows(db_url)
    tracker = DossierTracker(db_url)
    try:
        ReadModels(tracker).rebuild()
    finally:
        tracker.close()
    assert len(followed["dossier"]) == at_position(expected, final)[0] > 150
    assert model_rows(db_url) == followed


def test_follow_command_stopped_with_ctrl_c_while_idle_exits_130_with_a_message(
    db_url: str,
) -> None:
    # The installed command itself, with its default pages.
    DossierTracker(db_url).close()
    worker = subprocess.Popen(
        # Not quiet: the worker's "up to date" line is what the test waits for.
        [c for c in command(db_url, "project", "--follow", "--interval", "0.2") if c != "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=job_environment(),
        preexec_fn=ctrl_c_as_at_a_terminal,  # noqa: PLW1509 - no thread runs yet
    )
    try:
        assert worker.stderr is not None
        # The worker says once when it has caught up and sits between polls; a worker that
        # never does is killed after a minute, which ends the reads below.
        watchdog = threading.Timer(60, worker.kill)
        watchdog.start()
        said = [worker.stderr.readline()]
        while said[-1] and "up to date at position" not in said[-1]:
            said.append(worker.stderr.readline())
        watchdog.cancel()
        assert said[-1], f"the worker ended before catching up: {''.join(said)[-600:]}"
        assert tracked(db_url)[0] is not None
        worker.send_signal(signal.SIGINT)
        _, rest = worker.communicate(timeout=30)
        err = "".join(said) + rest
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert worker.returncode == INTERRUPTED, err
    assert "stopped" in err
    assert "interrupted; what was committed stays, run the same command again" in err
    assert "Traceback" not in err


def test_a_catch_up_page_overtaken_by_an_ingest_commit_still_commits(
    db_url: str, year: GeneratedFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the worker meets beside an ingest, made certain: an ingest starts while a page
    # transaction is between reading the rows it folds and writing them. On SQLite a
    # deferred transaction could not take the write lock once its snapshot was stale
    # ("database is locked" at once); the page must hold or wait for the lock, and the
    # ingest must wait for the page, both then committing.
    tracker, writer = DossierTracker(db_url), DossierTracker(db_url)
    engine = engine_for(db_url)
    overtaken: list[threading.Thread] = []
    # Set by the ingest just before its first write (its ledger entry, then event batches):
    # the page goes on only once the ingest is there, so the two always overlap.
    writing = threading.Event()

    def marked(write: Callable[..., Any]) -> Callable[..., Any]:
        def first_marks(*args: Any, **kwargs: Any) -> Any:
            writing.set()
            return write(*args, **kwargs)

        return first_marks

    monkeypatch.setattr(writer, "save", marked(writer.save))
    monkeypatch.setattr(ingest_module, "insert_stored_events", marked(insert_stored_events))

    def ingest_meanwhile(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not overtaken and statement.startswith("DELETE FROM dossier"):
            thread = threading.Thread(target=Ingestor(writer).ingest_piaf, args=(year.piaf[2],))
            overtaken.append(thread)
            thread.start()
            assert writing.wait(timeout=60), "the ingest never reached its first write"

    try:
        Ingestor(tracker).ingest_piaf(year.piaf[0])
        models = ReadModels(tracker)
        models.catch_up()
        Ingestor(tracker).ingest_piaf(year.piaf[1])
        event.listen(engine, "before_cursor_execute", ingest_meanwhile)
        try:
            models.catch_up()
        finally:
            event.remove(engine, "before_cursor_execute", ingest_meanwhile)
        assert overtaken, "no page was overtaken"
        overtaken[0].join(timeout=60)
        assert not overtaken[0].is_alive()
        models.catch_up()
        incremental = model_rows(db_url)
        models.rebuild()

        assert incremental == model_rows(db_url)
        assert caught_up(db_url)
    finally:
        tracker.close()
        writer.close()
