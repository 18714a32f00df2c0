"""Storage faults the operator must fix before a rerun exit with code 4 and say what to do
(README, Exit codes; docs/faults.md): a file that is not a SQLite database or is damaged,
another application's database, a read-only file or folder, a missing folder, a PostgreSQL
role whose transactions are read-only. casetrack writes nothing into a file it refuses.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import drop_postgres_schema, new_postgres_schema
from tests.integration.fault_files import (
    STORAGE_FAULT,
    Done,
    casetrack,
    read_only,
    sample_database,
    sqlite_url,
)
from tests.integration.fault_helpers import admin, require_postgres
from tests.integration.ingest_helpers import piaf_row, write_piaf

PASSWORD = "N0tThisOne"  # noqa: S105 - a fake password, to search the output for


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    """A readable PIAF extract of three dossiers, outside the store's folder."""
    folder = tmp_path / "extracts"
    folder.mkdir()
    rows = [piaf_row(f"2025-05-00000{n}") for n in (1, 2, 3)]
    return write_piaf(folder / "piaf_20250110.csv", rows)


@pytest.fixture
def later_extract(tmp_path: Path) -> Path:
    """The next week's extract: one more dossier, so ingesting it must write."""
    rows = [piaf_row(f"2025-05-00000{n}") for n in (1, 2, 3, 4)]
    return write_piaf(tmp_path / "extracts" / "piaf_20250117.csv", rows)


@pytest.fixture
def store(tmp_path: Path, extract: Path) -> Path:
    """A casetrack SQLite store holding one ingested extract, in a folder of its own."""
    folder = tmp_path / "store"
    folder.mkdir()
    path = folder / "casetrack.sqlite"
    created = casetrack(sqlite_url(path), "-q", "ingest", "piaf", str(extract))
    assert created.code == 0, created.err
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def assert_fault_naming(done: Done, path: Path, *words: str) -> None:
    """Exit code 4, the file named, advice given, no server talk, no traceback."""
    assert done.code == STORAGE_FAULT, done.err
    assert f"casetrack: error: database file {path}" in done.err, done.err
    for word in words:
        assert word in done.err, done.err
    assert "server" not in done.err
    assert "Traceback" not in done.err


def text_file(path: Path) -> None:
    path.write_text("Réunion de service : apporter les dossiers 2025-05.\n" * 40)


def truncated_store(path: Path) -> None:
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])


def garbled_store(path: Path) -> None:
    # Page 1 past the 100-byte header holds the schema: noise there hides every table.
    data = bytearray(path.read_bytes())
    noise = uuid.UUID(int=0x5EED).bytes * 256
    data[100:4096] = noise[: 4096 - 100]
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (text_file, ("is not a SQLite database", "did not write to it")),
        (truncated_store, ("is damaged", "Restore the store from a backup")),
        (garbled_store, ("is damaged", "database disk image is malformed")),
    ],
    ids=["text-file", "truncated", "garbled"],
)
@pytest.mark.parametrize("command", ["ingest", "measures"])
def test_a_file_that_is_no_sound_database_exits_4_and_is_left_as_it_was(
    store: Path,
    later_extract: Path,
    damage: Callable[[Path], None],
    words: tuple[str, ...],
    command: str,
) -> None:
    damage(store)
    before = snapshot(store.parent)
    argv = ("ingest", "piaf", str(later_extract)) if command == "ingest" else ("measures",)

    done = casetrack(sqlite_url(store), *argv)

    assert_fault_naming(done, store, *words)
    assert snapshot(store.parent) == before


def test_another_applications_database_exits_4_and_is_left_as_it_was(
    tmp_path: Path, extract: Path
) -> None:
    path = sample_database(tmp_path / "contacts.sqlite")
    before = snapshot(tmp_path)

    done = casetrack(sqlite_url(path), "ingest", "piaf", str(extract))

    assert_fault_naming(done, path, "belongs to another application", "--db")
    assert "Person" not in done.err  # its rows are never shown
    assert snapshot(tmp_path) == before


def test_a_read_only_store_file_exits_4_and_says_to_make_it_writable(
    store: Path, later_extract: Path
) -> None:
    before = store.read_bytes()
    with read_only(store):
        done = casetrack(sqlite_url(store), "ingest", "piaf", str(later_extract))

    assert_fault_naming(done, store, "read-only", "writable", "run the same command again")
    assert store.read_bytes() == before


def test_a_store_in_a_read_only_folder_exits_4_and_names_the_folder(
    store: Path, later_extract: Path
) -> None:
    before = snapshot(store.parent)
    with read_only(store.parent):
        done = casetrack(sqlite_url(store), "ingest", "piaf", str(later_extract))

    assert_fault_naming(done, store, f"folder {store.parent}", "read-only", "writable")
    assert snapshot(store.parent) == before


def test_a_new_store_in_a_read_only_folder_exits_4_and_names_the_folder(
    tmp_path: Path, extract: Path
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "casetrack.sqlite"
    with read_only(folder):
        done = casetrack(sqlite_url(path), "ingest", "piaf", str(extract))

    assert_fault_naming(done, path, f"folder {folder}", "read-only", "writable")
    assert list(folder.iterdir()) == []


def test_a_store_in_a_missing_folder_exits_4_and_says_to_create_it(
    tmp_path: Path, extract: Path
) -> None:
    path = tmp_path / "no-such-folder" / "casetrack.sqlite"

    done = casetrack(sqlite_url(path), "ingest", "piaf", str(extract))

    assert_fault_naming(done, path, "does not exist", "Create the folder")
    assert not path.parent.exists()


def test_a_new_store_file_is_still_created_on_first_use(tmp_path: Path, extract: Path) -> None:
    path = tmp_path / "new.sqlite"

    done = casetrack(sqlite_url(path), "-q", "ingest", "piaf", str(extract))

    assert done.code == 0, done.err
    assert path.stat().st_size > 0


def test_an_empty_file_is_taken_as_a_new_store(tmp_path: Path, extract: Path) -> None:
    # `touch casetrack.sqlite` before the first ingest: SQLite reads it as an empty database.
    path = tmp_path / "touched.sqlite"
    path.write_bytes(b"")

    done = casetrack(sqlite_url(path), "-q", "ingest", "piaf", str(extract))

    assert done.code == 0, done.err


# -- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture
def read_only_role() -> Iterator[str]:
    """A store in a scratch schema, and the URL of a role whose transactions are read-only."""
    base = require_postgres()
    url, schema = new_postgres_schema(base)
    role = f"ro_{uuid.uuid4().hex[:10]}"
    with admin(base) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'GRANT USAGE, CREATE ON SCHEMA "{schema}" TO "{role}"')
        conn.execute(f'ALTER ROLE "{role}" SET default_transaction_read_only = on')
    parts = urlsplit(url)
    netloc = f"{role}:{PASSWORD}@{parts.hostname}:{parts.port or 5432}"
    try:
        yield urlunsplit(("postgresql", netloc, parts.path, parts.query, ""))
    finally:
        drop_postgres_schema(base, schema)
        with admin(base) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


@pytest.mark.postgres
def test_a_read_only_postgresql_role_exits_4_and_says_to_allow_writes(
    read_only_role: str, extract: Path
) -> None:
    done = casetrack(read_only_role, "ingest", "piaf", str(extract))

    assert done.code == STORAGE_FAULT, done.err
    assert "accepts no writes" in done.err
    assert "25006" in done.err
    assert "default_transaction_read_only" in done.err
    assert PASSWORD not in done.out + done.err
    assert ":***@" in done.err
    assert "Traceback" not in done.err
