"""Everyday mistakes, made through the real `casetrack` entry point: exit 2, a message that
names the problem and says what to do, no traceback, and nothing written.

Each mistake runs as its own process (`python -m casetrack`, as the console script does),
a few side by side: most of each run is starting Python.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from eventsourcing.cryptography import AESCipher

import casetrack as package
from tests.integration.cli_runs import (
    Done,
    Job,
    Store,
    casetrack,
    folder_state,
    run_side_by_side,
)
from tests.integration.fault_files import read_only

YEAR = ("--from", "2025-01-01", "--to", "2025-12-31")
REVERSED = ("--from", "2025-06-30", "--to", "2025-01-01")


@dataclass(frozen=True)
class Mistake:
    """A command line with a mistake, and words its message must hold (case-insensitive)."""

    argv: tuple[str, ...]
    says: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


def mistakes(store: str, folder: Path, a_file: Path) -> dict[str, Mistake]:
    """Every mistake of the list, on the store at URL `store`, in the scratch `folder`."""
    db = ("--db", store)
    missing = folder / "casvpp.sqlite"
    return {
        "output into a missing folder": Mistake(
            (*db, "report", *YEAR, "--format", "csv", "--output", str(folder / "no/r.csv")),
            (str(folder / "no"), "create"),
        ),
        "output onto a folder": Mistake(
            (*db, "worklist", "--overdue", "--format", "csv", "--output", str(folder)),
            (str(folder), "folder"),
        ),
        "xlsx without --output": Mistake(
            (*db, "report", *YEAR, "--format", "xlsx"),
            ("--output",),
        ),
        "ingest given a folder": Mistake(
            ("--db", f"sqlite:///{folder / 'new.sqlite'}", "ingest", "piaf", str(folder)),
            (str(folder), "folder"),
        ),
        "ingest a missing file": Mistake(
            ("--db", f"sqlite:///{folder / 'new.sqlite'}", "ingest", "piaf", "nope_20250106.csv"),
            ("nope_20250106.csv",),
        ),
        "generate onto a file": Mistake(
            ("generate", "--year", "2025", "--out", str(a_file), "--dossiers", "10"),
            (str(a_file), "folder"),
        ),
        "generate a negative count": Mistake(
            ("generate", "--year", "2025", "--out", str(folder / "gen"), "--dossiers", "-5"),
            ("--dossiers", "-5"),
        ),
        "typo in the database path": Mistake(
            ("--db", f"sqlite:///{missing}", "report", *YEAR),
            (str(missing), "ingest"),
        ),
        "sqlite URL with one slash": Mistake(
            ("--db", "sqlite:/x.sqlite", "report", *YEAR),
            ("sqlite:/x.sqlite", "sqlite:///"),
        ),
        "unknown section": Mistake(
            (*db, "report", *YEAR, "--section", "99"),
            ("99", "PC"),
        ),
        "unknown prestation": Mistake(
            (*db, "report", *YEAR, "--prestation", "XYZ"),
            ("XYZ", "PARISOL"),
        ),
        "worklist unknown section": Mistake(
            (*db, "worklist", "--overdue", "--section", "99"),
            ("99", "PC"),
        ),
        "report from after to": Mistake(
            (*db, "report", *REVERSED),
            ("--from", "--to"),
        ),
        "sample from after to": Mistake(
            (*db, "sample", *REVERSED),
            ("--from", "--to"),
        ),
        "reaudit from after to": Mistake(
            (*db, "reaudit", *REVERSED, "--known-at", "2025-07-01"),
            ("--from", "--to"),
        ),
        "a date that does not exist": Mistake(
            (*db, "report", "--from", "2025-02-30", "--to", "2025-03-31"),
            ("2025-02-30",),
        ),
        "unknown command": Mistake(("repport", *YEAR), ("repport",)),
        "unknown grouping key": Mistake(
            (*db, "report", *YEAR, "--by", "engagement,sector"),
            ("sector", "section"),
        ),
        "dossier not in the store": Mistake(
            (*db, "dossier", "2025-99-999999"),
            ("2025-99-999999",),
        ),
        "rules file missing": Mistake(
            (*db, "reaudit", *YEAR, "--known-at", "2025-07-01", "--rules", "nope.toml"),
            ("nope.toml",),
        ),
        "calendar file missing": Mistake(
            (*db, "--calendar", str(folder / "closures.toml"), "report", *YEAR),
            ("closures.toml",),
        ),
    }


def content(path: Path) -> dict[str, str]:
    """A SQLite store's content, table by table (its bytes move when a reader checkpoints)."""
    with sqlite3.connect(path) as conn:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master")]
        dump = "\n".join(conn.iterdump())
    conn.close()
    return {"tables": ",".join(sorted(tables)), "dump": hashlib.sha256(dump.encode()).hexdigest()}


@dataclass(frozen=True)
class Runs:
    """Each mistake with how its process ended; the files any of them changed."""

    done: dict[str, tuple[Mistake, Done]]
    changed: set[str]


@pytest.fixture(scope="module")
def runs(cli_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Each mistake run once, and what changed in the store's and the scratch folders."""
    folder = tmp_path_factory.mktemp("mistakes")
    a_file = folder / "notes.txt"
    a_file.write_text("not a folder\n", encoding="utf-8")
    listed = mistakes(cli_store.url, folder, a_file)
    before = content(cli_store.path), folder_state(folder)
    jobs = {name: Job(m.argv, folder, dict(m.env)) for name, m in listed.items()}
    done = run_side_by_side(jobs)
    after = content(cli_store.path), folder_state(folder)
    changed = {
        name
        for old, new in zip(before, after, strict=True)
        for name in old.keys() | new.keys()
        if old.get(name) != new.get(name)
    }
    return Runs({name: (listed[name], done[name]) for name in listed}, changed)


NAMES = list(mistakes("sqlite:///s", Path("/f"), Path("/f/a")))


@pytest.mark.parametrize("name", NAMES)
def test_a_mistake_exits_2_with_a_message_and_no_traceback(runs: Runs, name: str) -> None:
    mistake, done = runs.done[name]

    assert done.code == 2, done.summary()
    assert "Traceback" not in done.err
    assert "internal error" not in done.err
    message = done.err.lower()
    for word in mistake.says:
        assert word.lower() in message, f"{word!r} not in: {done.err.strip()}"


def test_no_mistake_writes_anything(runs: Runs) -> None:
    assert runs.changed == set()


def _encrypted_store(folder: Path, store: Store, key: str) -> str:
    """A store written with `key`: one PIAF extract of the generated year."""
    url = f"sqlite:///{folder / 'sealed.sqlite'}"
    done = run_side_by_side(
        {
            "ingest": Job(
                ("--db", url, "-q", "ingest", "piaf", str(store.files.piaf[0])),
                folder,
                {"CASETRACK_CIPHER_KEY": key},
            )
        }
    )["ingest"]
    assert done.code == 0, done.summary()
    return url


@pytest.mark.parametrize(
    ("what", "key_of"),
    [
        ("without the key", lambda key, other: None),
        ("with a wrong key", lambda key, other: other),
    ],
)
def test_an_encrypted_store_read_without_its_key_names_the_setting(
    cli_store: Store,
    tmp_path: Path,
    what: str,
    key_of: Callable[[str, str], str | None],
) -> None:
    key, other = AESCipher.create_key(16), AESCipher.create_key(16)
    url = _encrypted_store(tmp_path, cli_store, key)
    given = key_of(key, other)
    env = {"CASETRACK_CIPHER_KEY": given} if given else {}
    jobs = {
        command: Job(("--db", url, *argv), tmp_path, env)
        for command, argv in {
            "report": ("report", *YEAR),
            "measures": ("measures", "--format", "csv"),
            "rebuild": ("project", "--rebuild"),
        }.items()
    }

    for command, done in run_side_by_side(jobs).items():
        assert done.code == 2, f"{what}, {command}: {done.summary()}"
        assert "Traceback" not in done.err
        assert "encrypted" in done.err.lower(), done.err
        assert "CASETRACK_CIPHER_KEY" in done.err, done.err


def test_the_console_script_runs_what_python_m_casetrack_runs() -> None:
    scripts = entry_points(group="console_scripts", name="casetrack")
    assert [e.value for e in scripts] == ["casetrack.entry:run"]
    main_module = Path(package.__file__).with_name("__main__.py").read_text(encoding="utf-8")
    assert "from casetrack.entry import run" in main_module


def test_sqlite_store_is_still_sound_after_the_mistakes(cli_store: Store, runs: Runs) -> None:
    with sqlite3.connect(cli_store.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_generate_into_a_read_only_folder_exits_2_and_says_to_choose_another(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    with read_only(folder):
        done = casetrack(
            Job(
                ("generate", "--year", "2025", "--dossiers", "10", "--out", str(folder / "g")),
                tmp_path,
            )
        )

    assert done.code == 2, done.summary()
    assert "Traceback" not in done.err
    assert "cannot write" in done.err
    assert "choose another folder" in done.err
    assert list(folder.iterdir()) == []
