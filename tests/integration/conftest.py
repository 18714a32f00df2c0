"""Fixtures shared by the integration tests of several modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from casetrack.application import DossierTracker
from tests.integration.cli_runs import Store, populated_store


@pytest.fixture(scope="session")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A generated year ingested through `casetrack ingest`: read it, or copy it to write."""
    return populated_store(tmp_path_factory.mktemp("cli-store"))


@pytest.fixture
def tracker(db_url: str) -> Iterator[DossierTracker]:
    """A tracker on the fresh store of `db_url`, closed afterwards."""
    app = DossierTracker(db_url)
    try:
        yield app
    finally:
        app.close()
