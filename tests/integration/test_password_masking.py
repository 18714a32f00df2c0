"""Passwords in database URLs never reach the terminal or the logs (README: "passwords are
masked in every message"), and a connection that fails says why with exit code 3.

The pool waits for a connection as long as POSTGRES_CONNECT_TIMEOUT (10 s); the tests
shorten it through eventsourcing's application-prefixed setting, which wins over casetrack's.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from casetrack.persistence import mask_url
from tests.integration.fault_helpers import job_environment, require_postgres
from tests.integration.ingest_helpers import cli, piaf_row, write_piaf

PASSWORD = "Sup3rS3cr3t"  # noqa: S105 - a fake password, to search the output for
#: Nothing listens on port 1: the connection is refused.
UNREACHABLE = f"postgresql://casetrack:{PASSWORD}@127.0.0.1:1/nope"
#: eventsourcing reads `<APPLICATION NAME>_<SETTING>` before `<SETTING>`.
FAST_FAILURE = {"CASETRACK_POSTGRES_CONNECT_TIMEOUT": "1"}
STORE_EXIT = 3


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    """A readable PIAF extract: a refusal can only come from the database."""
    return write_piaf(tmp_path / "piaf_20250110.csv", [piaf_row("2025-05-000001")])


@pytest.fixture(autouse=True)
def _fast_failure(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in FAST_FAILURE.items():
        monkeypatch.setenv(name, value)
    yield


def wrong_role_url() -> str:
    """The test server's URL with a role that does not exist and a password."""
    parts = urlsplit(require_postgres().replace("postgresql+psycopg://", "postgresql://"))
    host = parts.hostname or "127.0.0.1"
    netloc = f"nobody:{PASSWORD}@{host}:{parts.port or 5432}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def run(url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """`casetrack --db URL ARGV` in another process: everything it prints, logs included."""
    return subprocess.run(
        [sys.executable, "-m", "casetrack.cli", "--db", url, *argv],  # not quiet: all output
        capture_output=True,
        text=True,
        env=job_environment(),
        timeout=60,
        check=False,
    )


def arguments(case: str, extract: Path) -> tuple[str, ...]:
    """The command line of each case."""
    return {
        "measures": ("measures", "--format", "csv"),
        "ingest": ("ingest", "piaf", str(extract)),
    }[case]


@pytest.mark.parametrize("case", ["measures", "ingest"])
def test_an_unreachable_server_exits_3_and_never_prints_the_password(
    case: str, extract: Path
) -> None:
    done = run(UNREACHABLE, *arguments(case, extract))

    assert done.returncode == STORE_EXIT, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    assert "casetrack: error: database postgresql://casetrack:***@127.0.0.1:1/nope" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_refused_login_exits_3_and_never_prints_the_password(extract: Path) -> None:
    url = wrong_role_url()

    done = run(url, "ingest", "piaf", str(extract))

    assert done.returncode == STORE_EXIT, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    assert f"database {mask_url(url)}" in done.stderr
    assert "nobody:***@" in done.stderr


def test_a_refused_login_is_reported_with_its_cause(extract: Path) -> None:
    # "couldn't get a connection after 10 s" sends the user to a server that runs fine;
    # PostgreSQL said why it refused, and that is what the user can act on.
    done = run(wrong_role_url(), "measures")

    assert done.returncode == STORE_EXIT
    assert any(
        cause in done.stderr
        for cause in ('role "nobody" does not exist', "password authentication failed")
    ), done.stderr


@pytest.mark.parametrize("where", ["unreachable", "wrong-role"])
def test_debug_logging_never_contains_the_password(
    where: str,
    extract: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = UNREACHABLE if where == "unreachable" else wrong_role_url()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="casetrack")

    outcomes = [
        cli(capsys, "--db", url, *arguments(case, extract)) for case in ("measures", "ingest")
    ]

    assert [o.code for o in outcomes] == [STORE_EXIT, STORE_EXIT]
    assert all(PASSWORD not in o.out + o.err for o in outcomes)
    assert PASSWORD not in caplog.text
    assert all(PASSWORD not in str(r.args) for r in caplog.records)


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            f"postgresql://casetrack:{PASSWORD}@db.local:5432/casvp",
            "postgresql://casetrack:***@db.local:5432/casvp",
        ),
        (
            "postgresql://casetrack:Sup3r%40S3cr3t@db.local/casvp?schema=qualite",
            "postgresql://casetrack:***@db.local/casvp?schema=qualite",
        ),
        (
            "postgresql+psycopg://casetrack:p%3Aw%2Fd@db.local/casvp",
            "postgresql+psycopg://casetrack:***@db.local/casvp",
        ),
        (
            "postgresql://casetrack@db.local:5432/casvp",
            "postgresql://casetrack@db.local:5432/casvp",
        ),
        ("postgresql://db.local/casvp", "postgresql://db.local/casvp"),
        ("sqlite:///casetrack.sqlite", "sqlite:///casetrack.sqlite"),
        ("sqlite:////var/lib/casetrack/casvp.sqlite", "sqlite:////var/lib/casetrack/casvp.sqlite"),
        (
            f"database postgresql://u:{PASSWORD}@h/db: connection refused",
            "database postgresql://u:***@h/db: connection refused",
        ),
    ],
    ids=[
        "user-password", "at-sign-encoded", "other-escapes", "no-password", "no-user",
        "sqlite-relative", "sqlite-absolute", "url-in-a-message",
    ],
)  # fmt: skip
def test_mask_url_hides_only_the_password(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_mask_url_hides_a_password_with_an_unencoded_at_sign() -> None:
    # parse_url reads this password as "Sup3r@S3cr3t" and connects with it, so a message
    # showing "S3cr3t@db.local" gives half of it away.
    url = "postgresql://casetrack:Sup3r@S3cr3t@db.local:5432/casvp"

    assert mask_url(url) == "postgresql://casetrack:***@db.local:5432/casvp"
