"""Shared fixtures: the hypothesis profile and one backend fixture for SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI must pass on every fresh clone: the same examples every run (the nightly profile explores).
settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "nightly",
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: Set by .ci/run; when set, PostgreSQL tests must run and fail if the server is unreachable.
POSTGRES_URL_VARIABLE = "CASETRACK_TEST_POSTGRES_URL"


def postgres_base_url() -> str | None:
    """The PostgreSQL server to test against, or None to skip PostgreSQL tests."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


def new_postgres_schema(base_url: str) -> tuple[str, str]:
    """Create an empty schema for one test; return (url with schema, schema name)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = base_url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"{POSTGRES_URL_VARIABLE} is set but PostgreSQL is unreachable ({exc}); "
            "start it or unset the variable"
        )
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}schema={schema}", schema


def drop_postgres_schema(base_url: str, schema: str) -> None:
    """Drop a test schema and everything in it."""
    import psycopg

    dsn = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store on each backend (PostgreSQL skipped when no server is configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    base = postgres_base_url()
    if base is None:
        pytest.skip(
            f"PostgreSQL tests need a server: set {POSTGRES_URL_VARIABLE}="
            "postgresql://postgres@127.0.0.1:5432/test (.ci/run does)"
        )
    url, schema = new_postgres_schema(base)
    try:
        yield url
    finally:
        drop_postgres_schema(base, schema)
