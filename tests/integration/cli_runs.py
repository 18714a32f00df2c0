"""Helpers of the command-line tests: a populated store, `casetrack` as a process, parsing.

The store is a small generated year ingested through the command line, as a site does it
(PIAF extracts, then TOPVIR files); the commands under test only read it, or run on a copy.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from adapters.synthetic import GeneratedFiles, generate
from casetrack.cli import main
from tests.integration.fault_helpers import job_environment

#: A year small enough for seconds of ingest, large enough for every section and status.
DOSSIERS = 600
SEED = 1010
XES_ROOT = "{http://www.xes-standard.org/}log"


@dataclass(frozen=True)
class Store:
    """A SQLite store holding a generated year, ingested and projected."""

    path: Path
    files: GeneratedFiles

    @property
    def url(self) -> str:
        """Its `--db` URL."""
        return f"sqlite:///{self.path}"

    def copy(self, folder: Path) -> Store:
        """A consistent copy in `folder` (SQLite's backup API), for a command that may write."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / self.path.name
        with sqlite3.connect(self.path) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        source.close()
        copy.close()
        return Store(target, self.files)


def populated_store(folder: Path) -> Store:
    """Generate a year into `folder` and ingest it with `casetrack ingest` (in-process)."""
    files = generate(folder / "data", year=2025, dossiers=DOSSIERS, seed=SEED)
    store = Store(folder / "casvp.sqlite", files)
    for kind, paths in (("piaf", files.piaf), ("topvir", files.topvir)):
        code = main(["--db", store.url, "-q", "ingest", kind, *map(str, paths)])
        assert code == 0, f"ingest {kind} failed with exit code {code}"
    return store


# -- casetrack as a process -------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """What one `python -m casetrack` process did."""

    code: int
    out: str
    err: str

    def summary(self) -> str:
        """Exit code and the end of stderr, for assertion messages."""
        return f"exit {self.code}: {self.err.strip()[-600:]}"


@dataclass(frozen=True)
class Job:
    """One `casetrack ARGV` to run in `cwd`, with extra environment variables."""

    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str] | None = None


def casetrack(job: Job, timeout: float = 120) -> Done:
    """Run `python -m casetrack ARGV` as users do, without CASETRACK_DEBUG."""
    env = {**job_environment(), **(job.env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "casetrack", *job.argv],
        cwd=job.cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def run_side_by_side(jobs: Mapping[str, Job]) -> dict[str, Done]:
    """Run independent jobs a few at a time: most of each is starting Python, on one core."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        futures = {name: pool.submit(casetrack, job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


# -- reading what commands write ---------------------------------------------------------


def csv_records(text: str) -> list[dict[str, str]]:
    """CSV text as records; fails unless every row has the header's width."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows, "no CSV header"
    header, body = rows[0], rows[1:]
    assert all(len(row) == len(header) for row in body), "ragged CSV"
    return [dict(zip(header, row, strict=True)) for row in body]


def csv_header(text: str) -> list[str]:
    """The first row of a CSV text."""
    return next(csv.reader(io.StringIO(text, newline="")))


def xes_traces(data: bytes) -> list[ET.Element]:
    """The traces of an XES log; fails unless it parses as one."""
    # Our own export, written by the command under test a moment ago: not untrusted input.
    root = ET.fromstring(data)  # noqa: S314
    assert root.tag == XES_ROOT, root.tag
    return root.findall("{http://www.xes-standard.org/}trace")


def folder_state(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder`, files with the digest of their bytes.

    A `-shm` file is SQLite's shared-memory index, which readers write into: only its
    presence counts (tests/integration/test_reads_never_write.py does the same).
    """
    state = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_dir():
            state[name + "/"] = ""
        elif path.name.endswith("-shm"):
            state[name] = ""
        else:
            state[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def in_process(*argv: str) -> Done:
    """Run `casetrack ARGV` in this process (no fixture needed, so module fixtures can)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as stop:  # --help, --version and usage errors
            code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    return Done(code, out.getvalue(), err.getvalue())
