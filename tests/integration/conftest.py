"""Fixtures shared by the command-line tests of several modules."""

from __future__ import annotations

import pytest

from tests.integration.cli_runs import Store, populated_store


@pytest.fixture(scope="session")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A generated year ingested through `casetrack ingest`: read it, or copy it to write."""
    return populated_store(tmp_path_factory.mktemp("cli-store"))
