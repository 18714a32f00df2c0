"""Helpers of the fault-injection tests: casetrack jobs as processes, and a PostgreSQL to hurt.

Each job's connections carry an application name of their own (libpq's PGAPPNAME), so a test
terminates the backends of its job only, never those of other tests sharing the server.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.sql_engine import engine_for
from casetrack.application import DossierTracker
from tests.conftest import (
    POSTGRES_URL_VARIABLE,
    drop_postgres_schema,
    new_postgres_schema,
    postgres_base_url,
)

#: Set to 1 by the nightly job: many more fault trials.
NIGHTLY = os.environ.get("CASETRACK_NIGHTLY") == "1"
#: Application name of the test's own administrative connections.
KEEP = "keep"
STORE_ERROR = "casetrack: error: database "


def trials(default: int, nightly: int) -> int:
    """How many trials to run: a few by default, many in the nightly run."""
    return nightly if NIGHTLY else default


def require_postgres() -> str:
    """The test server's URL; skip when none is configured, fail when it is unreachable."""
    import psycopg

    base = postgres_base_url()
    if base is None:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_VARIABLE} (.ci/run sets it)")
    try:
        with psycopg.connect(_dsn(base), connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"{POSTGRES_URL_VARIABLE} is set but PostgreSQL is unreachable ({exc}); "
            "start it or unset the variable"
        )
    return base


def _dsn(base: str) -> str:
    return base.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def admin(base: str) -> Iterator[Any]:
    """An autocommit connection of the test itself (application name `keep`)."""
    import psycopg

    with psycopg.connect(
        _dsn(base), autocommit=True, connect_timeout=5, application_name=KEEP
    ) as conn:
        yield conn


# -- jobs as processes --------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """Exit code, standard error and duration of one `casetrack` process."""

    code: int
    err: str
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        """Done, or stopped with exit code 3 and a `database ...` message, no traceback."""
        if self.code == 0:
            return True
        return self.code == 3 and STORE_ERROR in self.err and "Traceback" not in self.err

    def summary(self) -> str:
        """The exit code and the last lines of stderr, for assertion messages."""
        return f"exit {self.code}: {' | '.join(self.err.strip().splitlines()[-3:])[:400]}"


def command(url: str, *argv: str) -> list[str]:
    """`casetrack --db URL -q ARGV` run by this interpreter."""
    return [sys.executable, "-m", "casetrack", "--db", url, "-q", *argv]


def job_environment(app: str = "") -> dict[str, str]:
    """The test's environment, without CASETRACK_DEBUG (users see no traceback)."""
    env = {k: v for k, v in os.environ.items() if k != "CASETRACK_DEBUG"}
    if app:
        env["PGAPPNAME"] = app
    return env


def ctrl_c_as_at_a_terminal() -> None:
    """In a job's process before it runs: Ctrl-C (SIGINT) with its default action.

    A shell starts background commands with SIGINT ignored, and a child inherits that: a
    test suite run in the background would then start jobs that no Ctrl-C reaches, and
    the tests that interrupt them would fail for a reason no user meets at a terminal.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_job(url: str, *argv: str, app: str = "") -> subprocess.Popen[str]:
    """Start `casetrack ARGV` in another process, its connections named `app`."""
    return subprocess.Popen(
        command(url, *argv),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=job_environment(app),
        preexec_fn=ctrl_c_as_at_a_terminal,  # noqa: PLW1509 - no thread runs yet in tests
    )


def finish(process: subprocess.Popen[str], started: float, timeout: float = 180) -> Outcome:
    """Wait for a job; its exit code and stderr."""
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        err += f"\n(killed by the test after {timeout:.0f} s)"
    return Outcome(process.returncode, err, time.monotonic() - started)


def run_job(url: str, *argv: str) -> Outcome:
    """Run `casetrack ARGV` to its end."""
    started = time.monotonic()
    return finish(start_job(url, *argv), started)


# -- hurting the server ---------------------------------------------------------------


def terminate_mid_transaction(
    base: str, app: str, process: subprocess.Popen[str], timeout: float = 60
) -> int:
    """Terminate the job's backends as soon as one is inside a transaction; how many ended.

    Returns 0 when the job ended before any of its backends was caught in a transaction.
    """
    deadline = time.monotonic() + timeout
    with admin(base) as conn:
        while process.poll() is None and time.monotonic() < deadline:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND xact_start IS NOT NULL "
                "AND pid <> pg_backend_pid()",
                (app,),
            ).fetchall()
            ended = sum(1 for (done,) in rows if done)
            if ended:
                return ended
            time.sleep(0.002)
    return 0


def _cluster() -> tuple[str, str] | None:
    """(version, name) of the local Debian cluster, or None without pg_ctlcluster."""
    configs = Path("/etc/postgresql")
    if shutil.which("pg_ctlcluster") is None or not configs.is_dir():
        return None
    versions = sorted(p.name for p in configs.iterdir() if (p / "main").is_dir())
    return (versions[-1], "main") if versions else None


def can_restart_server() -> bool:
    """Whether this machine runs the test server as a local cluster the test may restart."""
    return _cluster() is not None


def _pg_ctlcluster(action: str) -> None:
    cluster = _cluster()
    assert cluster is not None
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, action],
        check=False,
        capture_output=True,
        timeout=120,
    )


def server_ready(base: str) -> bool:
    """Whether the server accepts connections now."""
    import psycopg

    try:
        with psycopg.connect(_dsn(base), connect_timeout=2, application_name=KEEP):
            return True
    except psycopg.OperationalError:
        return False


def wait_until_ready(base: str, timeout: float = 60) -> bool:
    """Poll until the server accepts connections (like pg_isready); False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server_ready(base):
            return True
        time.sleep(0.2)
    return False


def restart_server(base: str) -> None:
    """Restart the local PostgreSQL cluster (fast shutdown) and wait until it is ready."""
    _pg_ctlcluster("restart")
    assert wait_until_ready(base), "PostgreSQL did not come back after a restart"


def ensure_server_up(base: str) -> None:
    """Start the cluster if it is down, whatever a test did to it."""
    if server_ready(base):
        return
    _pg_ctlcluster("start")
    assert wait_until_ready(base), "PostgreSQL could not be started again"


# -- stores ---------------------------------------------------------------------------


@contextmanager
def new_store(kind: str, folder: Path, trial: int) -> Iterator[str]:
    """An empty store: a new SQLite file, one another command opened, or a new schema."""
    if kind != "postgresql":
        url = f"sqlite:///{folder / f'new-{trial}.sqlite'}"
        if kind == "opened-by-a-command":
            DossierTracker(url).close()
        yield url
        return
    base = postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL tests need CASETRACK_TEST_POSTGRES_URL")
    url, schema = new_postgres_schema(base)
    try:
        yield url
    finally:
        engine_for(url).dispose()
        drop_postgres_schema(base, schema)
