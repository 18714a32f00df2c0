"""Two ingests started at once on one store: one waits for the other (or gives up clearly with
exit code 3), and the store ends as if the files had been ingested one after the other.

The two extracts share an extraction date and overlap: the dossiers they both list differ in
one date, so the final store depends on which ran first, and the store must equal the
sequential ingestion in that order exactly (no duplicate, no lost fact).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import select
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.ingest import Ingestor
from adapters.synthetic import generate
from casetrack.application import DossierTracker
from tests.integration.fault_helpers import command, job_environment, new_store
from tests.integration.ingest_helpers import (
    duplicate_versions,
    event_multiset,
    quarantine_rows,
    raw_events,
    release_connections,
)

EXTRACTED = "20260306"
BUSY = "another casetrack job"


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


@dataclass(frozen=True)
class Extracts:
    """An earlier extract to start the store with, and two overlapping ones of one date."""

    earlier: Path
    first: Path
    second: Path


def split_extract(full: Path, out: Path, rows: int) -> tuple[Path, Path]:
    """Two extracts of one date from `full`: rows [0, 2n/3) and [n/3, n), the overlap changed."""
    header, *body = list(csv.reader(io.StringIO(full.read_text("cp1252")), delimiter=";"))
    body = [r for r in body if len(r) == len(header)][:rows]
    third = len(body) // 3
    column = header.index("DATE_PREMIERE_INFO")
    second_rows = [list(r) for r in body[third:]]
    for row in second_rows[:third]:
        row[column] = "01/01/2025" if row[column] != "01/01/2025" else "02/01/2025"
    paths = []
    for name, selected in (("a", body[: 2 * third]), ("b", second_rows)):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerows([header, *selected])
        buffer.write(f"Nombre de lignes : {len(selected)}\r\n")
        path = out / f"piaf_{name}_{EXTRACTED}.csv"
        path.write_bytes(buffer.getvalue().encode("cp1252"))
        paths.append(path)
    return paths[0], paths[1]


def make_extracts(out: Path, dossiers: int, rows: int) -> Extracts:
    files = generate(out / "year", year=2025, dossiers=dossiers, seed=4242, full_extract=True)
    assert files.full is not None
    first, second = split_extract(files.full, out, rows)
    return Extracts(files.piaf[0], first, second)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Extracts:
    """Extracts of 2,000 rows each, 1,000 of them shared."""
    return make_extracts(tmp_path_factory.mktemp("big"), 3000, 3000)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Extracts:
    """Extracts of 100 rows each, 50 of them shared: the runs start and end close together."""
    return make_extracts(tmp_path_factory.mktemp("small"), 300, 150)


def ingest_in_process(url: str, *paths: Path) -> None:
    tracker = DossierTracker(url)
    try:
        ingestor = Ingestor(tracker)
        for path in paths:
            ingestor.ingest_piaf(path)
    finally:
        tracker.close()


@dataclass(frozen=True)
class Outcome:
    """Exit code and stderr of one process."""

    code: int
    err: str


#: Runs `casetrack ARGV` once told to: imports (plugins included) are done before the start
#: line, so that both processes really start the command at the same moment.
STARTER = """
import sys, time
from pathlib import Path
from casetrack.cli import build_parser, main
build_parser()
ready, go, *argv = sys.argv[1:]
Path(ready).touch()
while not Path(go).exists():
    time.sleep(0.001)
sys.exit(main(argv))
"""


def ingest_at_once(url: str, *paths: Path) -> list[Outcome]:
    """Run one `casetrack ingest piaf` per file, all started at the same moment; wait for all."""
    flags = paths[0].parent / f"flags-{uuid.uuid4().hex}"
    flags.mkdir()
    environment = {**os.environ, "CASETRACK_DEBUG": "1"}  # a traceback, should one crash
    processes = []
    for number, path in enumerate(paths):
        argv = ["--db", url, "-q", "ingest", "piaf", "--no-project", str(path)]
        processes.append(
            subprocess.Popen(
                [sys.executable, "-c", STARTER, str(flags / str(number)), str(flags / "go"), *argv],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                env=environment,
            )
        )
    deadline = time.monotonic() + 60
    while not all((flags / str(n)).exists() for n in range(len(paths))):
        assert time.monotonic() < deadline, "the processes did not start"
        assert all(p.poll() is None for p in processes), "a process ended before the start"
        time.sleep(0.005)
    (flags / "go").touch()
    outcomes = []
    for process in processes:
        _, err = process.communicate(timeout=120)
        outcomes.append(Outcome(process.returncode, err))
    return outcomes


def last_error(err: str) -> str:
    """The line of a stderr that names the error (the exception of a traceback)."""
    lines = [
        line
        for line in err.splitlines()
        if line.startswith("casetrack:") or re.match(r"[\w.]+(Error|Exception): ", line)
    ]
    return lines[-1][:300] if lines else err[-300:]


def ledger_files(url: str) -> list[str]:
    """Names of the files the ledger recorded, in the order they were ingested."""
    names = []
    for _, _, topic, state in raw_events(url):
        if topic.endswith("ExtractLedger.FileIngested"):
            names.append(json.loads(state)["name"])
    return names


def check_outcomes(outcomes: list[Outcome]) -> None:
    """Both succeed, or one gives up clearly with exit code 3."""
    assert all(o.code in (0, 3) for o in outcomes), [(o.code, last_error(o.err)) for o in outcomes]
    assert [o.code for o in outcomes].count(0) >= 1
    for outcome in outcomes:
        if outcome.code == 3:
            assert BUSY in outcome.err


def sequential_store(tmp_path: Path, name: str, extracts: Extracts, url: str) -> str:
    """A SQLite store with the same files ingested one after the other, in the order `url` took."""
    by_name = {p.name: p for p in (extracts.earlier, extracts.first, extracts.second)}
    order = [by_name[n] for n in ledger_files(url)]
    reference = f"sqlite:///{tmp_path / name}"
    ingest_in_process(reference, *order)
    return reference


@pytest.fixture
def initialised(db_url: str, big: Extracts) -> Iterator[str]:
    """The `db_url` store after an earlier extract: its tables exist."""
    ingest_in_process(db_url, big.earlier)
    yield db_url


def test_two_ingests_at_once_end_as_the_same_files_ingested_one_after_the_other(
    initialised: str, big: Extracts, tmp_path: Path
) -> None:
    outcomes = ingest_at_once(initialised, big.first, big.second)

    check_outcomes(outcomes)
    ingested = ledger_files(initialised)
    assert ingested[0] == big.earlier.name
    assert len(ingested) == 1 + [o.code for o in outcomes].count(0)
    reference = sequential_store(tmp_path, "sequential.sqlite", big, initialised)
    assert duplicate_versions(initialised) == []
    assert event_multiset(initialised) == event_multiset(reference)
    assert quarantine_rows(initialised) == quarantine_rows(reference)


#: Tries per kind of store: a start-up race shows in some tries only.
TRIALS = {"new-file": 2, "opened-by-a-command": 3, "postgresql": 4}


@pytest.mark.parametrize("kind", list(TRIALS))
def test_two_ingests_started_at_once_on_a_new_store_both_succeed_or_one_waits(
    small: Extracts, tmp_path: Path, kind: str
) -> None:
    # Tables are created when the first commands start, before the ingest lock is taken: a
    # race there shows in some tries only, so each kind of new store is tried several times.
    failures = []
    for trial in range(TRIALS[kind]):
        with new_store(kind, tmp_path, trial) as url:
            outcomes = ingest_at_once(url, small.first, small.second)
            if not all(o.code == 0 or (o.code == 3 and BUSY in o.err) for o in outcomes):
                failures.append([(o.code, last_error(o.err)) for o in outcomes])
                continue
            reference = sequential_store(tmp_path, f"sequential-{trial}.sqlite", small, url)
            assert duplicate_versions(url) == []
            assert event_multiset(url) == event_multiset(reference)

    assert failures == []


# -- one lock per command ------------------------------------------------------------------


def read_until(process: subprocess.Popen[str], needle: str, timeout: float = 60) -> str:
    """Read the process's stderr until a line holds `needle` (fail after `timeout`)."""
    assert process.stderr is not None
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.5)
        if ready:
            line = process.stderr.readline()
            seen.append(line)
            if needle in line:
                return "".join(seen)
            if not line and process.poll() is not None:
                break
    pytest.fail(f"no line with {needle!r} on stderr: {''.join(seen)[-500:]}")


def test_a_command_started_beside_another_waits_then_finds_its_files_done(
    db_url: str, small: Extracts
) -> None:
    files = (small.earlier, small.first, small.second)
    tracker = DossierTracker(db_url)
    ingestor = Ingestor(tracker)
    try:
        with ingestor.locked():  # the first job holds the store
            second = subprocess.Popen(
                [*command(db_url)[:-1], "ingest", "piaf", "--no-project", *map(str, files)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                env=job_environment(),
            )
            read_until(second, "waiting up to 60 s")
            summaries = ingestor.ingest("piaf", files)
        _, err = second.communicate(timeout=120)
    finally:
        tracker.close()

    assert [s.skipped for s in summaries] == [False, False, False]
    assert second.returncode == 0, err
    assert [line.split(" ", 1)[0] for line in err.splitlines() if "skipped" in line] == [
        p.name for p in files
    ]
    assert duplicate_versions(db_url) == []


def test_a_command_that_waited_longer_than_its_bound_stops_with_exit_3_and_writes_nothing(
    db_url: str, small: Extracts
) -> None:
    tracker = DossierTracker(db_url)
    ingestor = Ingestor(tracker)
    try:
        with ingestor.locked():
            done = subprocess.run(
                command(db_url, "ingest", "piaf", "--wait", "1", str(small.first)),
                capture_output=True,
                text=True,
                env=job_environment(),
                check=False,
            )
            stored = raw_events(db_url)
    finally:
        tracker.close()

    assert done.returncode == 3, done.stderr
    assert "another casetrack job holds the store" in done.stderr
    assert "run this command again" in done.stderr
    assert "Traceback" not in done.stderr
    assert not [e for e in stored if "casetrack.dossier" in e[2]]


def test_the_same_command_started_twice_at_once_does_the_work_once(
    db_url: str, small: Extracts, tmp_path: Path
) -> None:
    files = (small.earlier, small.first, small.second)
    processes = [
        subprocess.Popen(
            command(db_url, "ingest", "piaf", "--no-project", *map(str, files)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=job_environment(),
        )
        for _ in range(2)
    ]
    outcomes = [p.communicate(timeout=180) for p in processes]

    assert [p.returncode for p in processes] == [0, 0], [err for _, err in outcomes]
    reference = f"sqlite:///{tmp_path / 'once.sqlite'}"
    ingest_in_process(reference, *files)
    assert duplicate_versions(db_url) == []
    assert event_multiset(db_url) == event_multiset(reference)
    assert ledger_files(db_url) == [p.name for p in files]
