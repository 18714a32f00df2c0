"""Fresh, empty stores for benchmark runs: an SQLite file, or a PostgreSQL schema."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Final

from adapters.sql_engine import engine_for
from casetrack.persistence import parse_url

POSTGRES_ENV: Final = "CASETRACK_BENCH_POSTGRES_URL"
POSTGRES_DEFAULT: Final = "postgresql://postgres@127.0.0.1:5432/test"
_SQLITE_SUFFIXES: Final = ("", "-wal", "-shm", ".lock")


def postgres_base_url() -> str:
    """The server the PostgreSQL benchmarks use ($CASETRACK_BENCH_POSTGRES_URL)."""
    return os.environ.get(POSTGRES_ENV) or POSTGRES_DEFAULT


class Stores:
    """Creates fresh stores on one backend and removes them afterwards."""

    def __init__(self, backend: str, root: Path) -> None:
        self.backend = backend
        self.root = root
        self.base = postgres_base_url() if backend == "postgresql" else ""
        self._made: list[str] = []
        self._count = 0

    def fresh(self, label: str) -> str:
        """The URL of a new empty store."""
        self._count += 1
        name = f"{label}-{os.getpid()}-{self._count}"
        if self.backend == "sqlite":
            self.root.mkdir(parents=True, exist_ok=True)
            path = self.root / f"{name}.sqlite"
            _remove_sqlite(path)
            url = f"sqlite:///{path}"
        else:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            self._admin(f'CREATE SCHEMA "{schema}"')
            url = f"{self.base}{'&' if '?' in self.base else '?'}schema={schema}"
        self._made.append(url)
        return url

    def sqlite_file(self, label: str) -> Path:
        """A path for a raw SQLite file (baselines), removed with the stores."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._count += 1
        path = self.root / f"{label}-{os.getpid()}-{self._count}.sqlite"
        _remove_sqlite(path)
        self._made.append(f"sqlite:///{path}")
        return path

    def drop(self, url: str) -> None:
        """Remove one store (its engine's pooled connections are closed first)."""
        engine_for(url).dispose()
        db = parse_url(url)
        if db.backend == "sqlite":
            if db.path is not None:
                _remove_sqlite(db.path)
        else:
            self._admin(f'DROP SCHEMA IF EXISTS "{db.schema}" CASCADE')
        if url in self._made:
            self._made.remove(url)

    def drop_all(self) -> None:
        """Remove every store still there."""
        for url in list(self._made):
            self.drop(url)

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.base, autocommit=True, connect_timeout=10) as conn:
            conn.execute("SET lock_timeout = '60s'")
            conn.execute(statement)  # fixed identifiers only


def _remove_sqlite(path: Path) -> None:
    for suffix in _SQLITE_SUFFIXES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)
