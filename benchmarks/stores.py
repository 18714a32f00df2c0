"""Fresh, empty stores for benchmark runs: an SQLite file, or a PostgreSQL schema.

A store made `cloneable` can be copied (`Stores.clone`): the SQLite file, or on PostgreSQL
a database of its own, copied with `CREATE DATABASE ... TEMPLATE`. A large history is then
built once and each timed run writes into a fresh copy of it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

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

    def fresh(self, label: str, *, cloneable: bool = False) -> str:
        """The URL of a new empty store (on PostgreSQL, in a database of its own if cloneable)."""
        if self.backend == "sqlite":
            path = self._sqlite_path(label)
            url = f"sqlite:///{path}"
        else:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            base = self.base
            if cloneable:
                # Only a whole database can be copied by the server (a schema cannot).
                base = _with_database(self.base, f"bench_db_{uuid.uuid4().hex[:10]}")
                self._admin(f'CREATE DATABASE "{parse_url(base).dbname}"')
                self._made.append(base)
            self._admin(f'CREATE SCHEMA "{schema}"', base)
            url = f"{base}{'&' if '?' in base else '?'}schema={schema}"
        self._made.append(url)
        return url

    def clone(self, url: str, label: str) -> str:
        """A new store holding a copy of a cloneable store (which nothing may be writing)."""
        db = parse_url(url)
        engine_for(url).dispose()
        if db.backend == "sqlite":
            assert db.path is not None
            target = self._sqlite_path(label)
            copy_sqlite_file(db.path, target)
            copy = f"sqlite:///{target}"
        else:
            if db.dbname == parse_url(self.base).dbname:
                msg = "only a store made with fresh(..., cloneable=True) can be cloned"
                raise ValueError(msg)
            import psycopg

            name = f"bench_db_{uuid.uuid4().hex[:10]}"
            create = f'CREATE DATABASE "{name}" TEMPLATE "{db.dbname}"'
            try:
                # FILE_COPY copies the files instead of logging every page: faster for GBs.
                self._admin(f"{create} STRATEGY FILE_COPY")
            except psycopg.errors.SyntaxError:  # a server older than PostgreSQL 15
                self._admin(create)
            copy = _with_database(url, name)
        self._made.append(copy)
        return copy

    def sqlite_file(self, label: str) -> Path:
        """A path for a raw SQLite file (baselines), removed with the stores."""
        path = self._sqlite_path(label)
        self._made.append(f"sqlite:///{path}")
        return path

    def _sqlite_path(self, label: str) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        self._count += 1
        path = self.root / f"{label}-{os.getpid()}-{self._count}.sqlite"
        _remove_sqlite(path)
        return path

    def drop(self, url: str) -> None:
        """Remove one store (its engine's pooled connections are closed first)."""
        engine_for(url).dispose()
        db = parse_url(url)
        if db.backend == "sqlite":
            if db.path is not None:
                _remove_sqlite(db.path)
        elif db.dbname != parse_url(self.base).dbname:
            # A cloneable store or a clone: the database goes, with any session left on it.
            self._admin(f'DROP DATABASE IF EXISTS "{db.dbname}" WITH (FORCE)')
            self._made = [u for u in self._made if parse_url(u).dbname != db.dbname]
        elif db.schema:
            self._admin(f'DROP SCHEMA IF EXISTS "{db.schema}" CASCADE')
        if url in self._made:
            self._made.remove(url)

    def drop_all(self) -> None:
        """Remove every store still there."""
        for url in list(self._made):
            if url in self._made:  # dropping a database drops its other URLs too
                self.drop(url)

    def _admin(self, statement: str, url: str | None = None) -> None:
        import psycopg

        with psycopg.connect(url or self.base, autocommit=True, connect_timeout=10) as conn:
            conn.execute("SET lock_timeout = '60s'")
            conn.execute(statement)  # fixed identifiers only


def copy_sqlite_file(source: Path, target: Path) -> None:
    """Copy a closed SQLite store: its WAL folded into the file first, then a plain file copy."""
    connection = sqlite3.connect(source)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    _remove_sqlite(target)
    # A file copy runs at disk speed; the backup API walks the pages of a multi-GB file.
    shutil.copyfile(source, target)


def _with_database(url: str, name: str) -> str:
    """The same server URL with another database name (its query string kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _remove_sqlite(path: Path) -> None:
    for suffix in _SQLITE_SUFFIXES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)
