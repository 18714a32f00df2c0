"""Scanning a store and command output, raw, for values that must never have been kept."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from pathlib import Path

import psycopg

from casetrack.persistence import parse_url
from tests.conftest import postgres_base_url


def store_bytes(db_url: str) -> bytes:
    """Every byte the store holds: the SQLite files, or a text dump of the PostgreSQL schema."""
    db = parse_url(db_url)
    if db.backend == "sqlite":
        assert db.path is not None
        parts = [Path(f"{db.path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]
        return b"".join(p.read_bytes() for p in parts if p.exists())
    base = postgres_base_url()
    assert base is not None
    dump: list[str] = []
    dsn = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (db.schema,),
        ).fetchall()
        assert tables
        for (table,) in tables:
            rows = conn.execute(f'SELECT t::text FROM "{db.schema}"."{table}" t').fetchall()
            dump += [text for (text,) in rows]
    return "\n".join(dump).encode()


def needles(secrets: Iterable[str], *, cp1252: bool = True) -> list[bytes]:
    """Each secret as UTF-8, cp1252, JSON-escaped, and hex (PostgreSQL shows bytea in hex).

    Without `cp1252` for mojibake, whose cp1252 form is the right UTF-8 text.
    """
    found: set[bytes] = set()
    for secret in secrets:
        forms = [secret.encode(), json.dumps(secret)[1:-1].encode()]
        with contextlib.suppress(UnicodeEncodeError):  # not every secret has a cp1252 form
            if cp1252:
                forms.append(secret.encode("cp1252"))
        for form in forms:
            found.update({form, form.hex().encode()})
    return sorted(found)


def found_in(blob: bytes, secrets: Iterable[str], *, cp1252: bool = True) -> list[bytes]:
    """The secrets (in any of their forms) found in some bytes."""
    return [needle for needle in needles(secrets, cp1252=cp1252) if needle in blob]
