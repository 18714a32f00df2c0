"""Reads never write: report, worklist, measures, dossier, sample, reaudit, latency,
restatements, quarantine and export leave every file of the store as they found it, work on
a write-protected SQLite file and under a PostgreSQL role that may only SELECT, never create
a store, and answer from the event store (saying so) when the read models were computed with
other settings.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from adapters.sql_engine import engine_for
from adapters.synthetic import GeneratedFiles, generate
from tests.conftest import drop_postgres_schema, new_postgres_schema, postgres_base_url
from tests.integration.fault_helpers import command, job_environment
from tests.integration.ingest_helpers import cli, release_connections

READS = (
    ("report", "--from", "2025-01-01", "--to", "2025-06-30", "--by", "engagement,section"),
    ("report", "--from", "2025-01-01", "--to", "2025-06-30", "--format", "json"),
    ("worklist", "--overdue"),
    ("worklist", "--at-risk", "--section", "PC"),
    ("measures", "--format", "csv"),
    ("measures", "--known-at", "2025-03-07"),
    ("dossier", "2025-13-000002"),
    ("sample", "--from", "2025-01-01", "--to", "2025-06-30", "--per-section", "2", "--seed", "7"),
    ("reaudit", "--from", "2025-01-01", "--to", "2025-03-31", "--known-at", "2025-04-04"),
    ("restatements", "--from", "2025-01-01", "--to", "2025-03-31", "--known-at", "2025-04-04"),
    ("latency", "--from", "2025-01-01", "--to", "2025-06-30", "--format", "csv"),
    ("quarantine", "--format", "csv"),
    ("export", "eventlog", "--format", "xes"),
)
CLOSURES = '[sections]\n"13" = [2025-02-03, 2025-02-04, 2025-02-05]\n'


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    return generate(tmp_path_factory.mktemp("reads"), year=2025, dossiers=600, seed=31)


def populate(capsys: pytest.CaptureFixture[str], url: str, files: GeneratedFiles) -> None:
    """The first half-year ingested and projected, as a nightly job leaves it."""
    piaf = [str(p) for p in files.piaf[:26]]
    topvir = [str(p) for p in files.topvir[:26]]
    assert cli(capsys, "--db", url, "-q", "ingest", "piaf", *piaf).code == 0
    assert cli(capsys, "--db", url, "-q", "ingest", "topvir", *topvir).code == 0


def folder_state(folder: Path) -> dict[str, str]:
    """Every file of a folder, by name, with the digest of its bytes.

    A `-shm` file is SQLite's shared-memory index, where every reader marks what it reads
    while a connection stays open (here: the test's own pooled ones): its bytes are not
    data, so only its presence counts.
    """
    return {
        p.name: "" if p.name.endswith("-shm") else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_every_read_command_leaves_the_store_files_as_they_were(
    capsys: pytest.CaptureFixture[str], year: GeneratedFiles, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    populate(capsys, url, year)
    before = folder_state(tmp_path)

    changed = {}
    for argv in READS:
        run = cli(capsys, "--db", url, *argv)
        assert run.code == 0, (argv, run.err)
        assert run.out, argv
        after = folder_state(tmp_path)
        if after != before:
            changed[" ".join(argv)] = sorted(set(after.items()) ^ set(before.items()))

    assert changed == {}


def test_a_read_command_on_a_missing_sqlite_file_exits_2_and_creates_nothing(
    tmp_path: Path,
) -> None:
    typo = tmp_path / "casvpp.sqlite"
    for argv in READS:
        done = subprocess.run(
            [*command(f"sqlite:///{typo}")[:-1], *argv],
            capture_output=True,
            text=True,
            env=job_environment(),
            check=False,
        )
        assert done.returncode == 2, (argv, done.stderr)
        assert f"no casetrack store at {typo}" in done.stderr
        assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_read_models_of_another_calendar_are_not_rebuilt_the_event_store_answers(
    capsys: pytest.CaptureFixture[str], year: GeneratedFiles, tmp_path: Path
) -> None:
    store = tmp_path / "store" / "casvp.sqlite"
    store.parent.mkdir()
    url = f"sqlite:///{store}"
    populate(capsys, url, year)
    calendar = tmp_path / "closures.toml"
    calendar.write_text(CLOSURES, encoding="utf-8")
    # What the read models would say with that calendar: a copy rebuilt with it.
    copy = tmp_path / "copy" / "casvp.sqlite"
    copy.parent.mkdir()
    # SQLite's backup, not a file copy: the latest commits may still be in the -wal only.
    with closing(sqlite3.connect(store)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    rebuilt = cli(capsys, "--db", f"sqlite:///{copy}", "--calendar", str(calendar), "project")
    assert rebuilt.code == 0, rebuilt.err
    report = ("report", "--from", "2025-01-01", "--to", "2025-06-30", "--format", "csv")
    expected = cli(capsys, "--db", f"sqlite:///{copy}", "--calendar", str(calendar), *report)
    before = folder_state(store.parent)

    run = cli(capsys, "--db", url, "--calendar", str(calendar), *report)

    assert run.code == 0, run.err
    assert run.out == expected.out
    assert "computed with another rule set or calendar" in run.err
    assert "computed from the event store instead" in run.err
    assert folder_state(store.parent) == before
    # and the closures do matter here, so the check above is not trivial
    plain = cli(capsys, "--db", url, *report)
    assert plain.out != run.out


def test_read_models_behind_the_event_store_answer_and_say_how_far_behind(
    capsys: pytest.CaptureFixture[str], year: GeneratedFiles, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    populate(capsys, url, year)
    day = year.piaf[26].stem.split("_")[-1]
    as_of = f"{day[:4]}-{day[4:6]}-{day[6:]}"  # the next extract's date, on both sides
    report = ("report", "--from", "2025-01-01", "--to", "2025-06-30", "--as-of", as_of)
    projected = cli(capsys, "--db", url, *report, "--format", "csv")
    later = cli(capsys, "--db", url, "-q", "ingest", "piaf", "--no-project", str(year.piaf[26]))
    assert later.code == 0
    before = folder_state(tmp_path)

    run = cli(capsys, "--db", url, *report, "--format", "csv")

    assert run.code == 0
    assert run.out == projected.out  # the read models' answer, not a silent catch-up
    assert "events behind the event store" in run.err
    assert "casetrack project" in run.err
    assert folder_state(tmp_path) == before


def test_read_commands_work_on_a_write_protected_sqlite_file(
    capsys: pytest.CaptureFixture[str], year: GeneratedFiles, tmp_path: Path
) -> None:
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed: cannot write-protect a file for root")
    store = tmp_path / "store.sqlite"
    url = f"sqlite:///{store}"
    populate(capsys, url, year)
    protect = subprocess.run(["chattr", "+i", str(store)], capture_output=True, check=False)
    if protect.returncode != 0:
        pytest.skip(f"chattr +i is not permitted here: {protect.stderr.decode().strip()}")
    try:
        for argv in READS:
            done = subprocess.run(
                [*command(url)[:-1], *argv],
                capture_output=True,
                text=True,
                env=job_environment(),
                check=False,
            )
            assert done.returncode == 0, (argv, done.stderr)
    finally:
        subprocess.run(["chattr", "-i", str(store)], check=True)


def test_read_commands_work_under_a_postgresql_role_that_may_only_select(
    capsys: pytest.CaptureFixture[str], year: GeneratedFiles
) -> None:
    psycopg = pytest.importorskip("psycopg")
    base = postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL tests need CASETRACK_TEST_POSTGRES_URL (.ci/run sets it)")
    url, schema = new_postgres_schema(base)
    reader = f"reader_{uuid.uuid4().hex[:10]}"
    reader_url = url.replace("postgres@", f"{reader}@", 1)
    try:
        populate(capsys, url, year)
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'CREATE ROLE "{reader}" LOGIN')
            admin.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{reader}"')
            admin.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{reader}"')
            admin.execute(f'ALTER ROLE "{reader}" SET default_transaction_read_only = on')
        for argv in READS:
            run = cli(capsys, "--db", reader_url, *argv)
            assert run.code == 0, (argv, run.err)
            assert run.out, argv
    finally:
        engine_for(url).dispose()
        engine_for(reader_url).dispose()
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP OWNED BY "{reader}"')
            admin.execute(f'DROP ROLE IF EXISTS "{reader}"')
        drop_postgres_schema(base, schema)
