"""docs/operations.md's roles work: jobs write, report authors only read the read models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest

from adapters.ingest_tables import create_tables
from casetrack.application import DossierTracker
from casetrack.facts import Snapshot
from projections.runner import ReadModels
from tests.conftest import drop_postgres_schema, new_postgres_schema, postgres_base_url

psycopg = pytest.importorskip("psycopg")


@pytest.fixture
def scratch() -> Iterator[tuple[str, str, str]]:
    base = postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL tests need CASETRACK_TEST_POSTGRES_URL (.ci/run sets it)")
    url, schema = new_postgres_schema(base)
    try:
        yield base, url, schema
    finally:
        drop_postgres_schema(base, schema)


def test_reader_role_queries_read_models_and_nothing_else(scratch: tuple[str, str, str]) -> None:
    base, url, schema = scratch
    tracker = DossierTracker(url)
    tracker.record(
        "R-1",
        Snapshot(
            section="05",
            prestation="PL",
            filed_on=date(2025, 3, 3),
            completed_on=date(2025, 3, 4),
            decided_on=date(2025, 3, 10),
            outcome="ACCORD",
        ),
        date(2025, 3, 14),
    )
    ReadModels(tracker).rebuild()
    create_tables(url)  # ingestion's own tables, as any `casetrack ingest` creates them
    tracker.close()
    reader = f"reader_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{reader}" LOGIN')
        admin.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{reader}"')
        admin.execute(
            f'GRANT SELECT ON "{schema}".dossier, "{schema}".measure, '
            f'"{schema}".projection_tracking TO "{reader}"'
        )
    try:
        reader_dsn = base.replace("postgres@", f"{reader}@", 1)
        with psycopg.connect(reader_dsn, autocommit=True) as conn:
            rows = conn.execute(
                f'SELECT engagement, elapsed FROM "{schema}".measure '
                "WHERE dossier = 'R-1' AND engagement = 17"
            ).fetchall()
            assert rows == [(17, 6)]  # complete 4 March, notified 10 March: 6 days
            for statement in (
                f'SELECT * FROM "{schema}".casetrack_events',
                f'SELECT * FROM "{schema}".casetrack_quarantine',
                f'DELETE FROM "{schema}".measure',
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP OWNED BY "{reader}"')
            admin.execute(f'DROP ROLE "{reader}"')
