"""Every command with --known-at gives, from the read models' versions, what a replay gives.

Two stores hold the same weekly extracts: one with its read models (the versions answer),
one ingested with --no-project (no read models: the events known by K are replayed). Each
command run with --known-at through the real command line must print the same on both,
on both backends, and say nothing different but where its answer came from.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from adapters.synthetic import GeneratedFiles, generate
from casetrack.application import DossierTracker
from casetrack.cli import main
from casetrack.dossier import known_on_of
from tests.conftest import drop_postgres_schema, new_postgres_schema, postgres_base_url
from tests.integration.ingest_helpers import cli, release_connections

#: Weekly extracts ingested (to mid-May), and the past dates asked.
WEEKS = 20
KNOWN_AT = ("2025-02-07", "2025-04-04")
RANGE = ("--from", "2025-01-01", "--to", "2025-12-31")
#: The line a report table adds when it was computed from the event history.
REPLAYED = "Calculé depuis l'historique des événements\n"


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    return generate(tmp_path_factory.mktemp("known-at"), year=2025, dossiers=400, seed=59)


def new_url(backend: str, folder: Path, name: str, schemas: list[str]) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / name}"
    base = postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL tests need a server: set CASETRACK_TEST_POSTGRES_URL")
    url, schema = new_postgres_schema(base)
    schemas.append(schema)
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stores(
    request: pytest.FixtureRequest,
    year: GeneratedFiles,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str]]:
    """(store with read models, store without), the same extracts in both."""
    folder = tmp_path_factory.mktemp("stores")
    schemas: list[str] = []
    projected = new_url(request.param, folder, "projected.sqlite", schemas)
    replayed = new_url(request.param, folder, "replayed.sqlite", schemas)
    piaf = [str(p) for p in year.piaf[:WEEKS]]
    topvir = [str(p) for p in year.topvir[:WEEKS]]
    for url, extra in ((projected, ()), (replayed, ("--no-project",))):
        for kind, files in (("piaf", piaf), ("topvir", topvir)):
            assert main(["--db", url, "-q", "ingest", kind, *extra, *files]) == 0
    yield projected, replayed
    base = postgres_base_url()
    for schema in schemas:
        assert base is not None
        drop_postgres_schema(base, schema)


def both(
    capsys: pytest.CaptureFixture[str], stores: tuple[str, str], *argv: str
) -> tuple[str, str, str]:
    """stdout of the command on each store, and the stderr of the replaying one."""
    projected, replayed = stores
    first = cli(capsys, "--db", projected, *argv)
    second = cli(capsys, "--db", replayed, *argv)
    assert first.code == 0, first.err
    assert second.code == 0, second.err
    assert "behind" not in first.err
    return first.out, second.out, second.err


@pytest.mark.parametrize("known_at", KNOWN_AT)
@pytest.mark.parametrize(
    "argv",
    [
        ("report", *RANGE, "--format", "csv"),
        ("report", *RANGE, "--by", "engagement,section"),
        ("measures", "--format", "csv"),
        ("worklist", "--overdue", "--format", "csv"),
        ("worklist", "--at-risk"),
        ("reaudit", *RANGE, "--format", "csv"),
        ("reaudit", *RANGE, "--compare", "--format", "json"),
        ("sample", *RANGE, "--per-section", "3", "--seed", "7"),
    ],
    ids=[
        "report-csv",
        "report-table",
        "measures",
        "worklist-overdue",
        "worklist-at-risk",
        "reaudit",
        "reaudit-compare",
        "sample",
    ],
)
def test_a_command_known_at_k_prints_what_the_replay_prints(
    capsys: pytest.CaptureFixture[str],
    stores: tuple[str, str],
    argv: tuple[str, ...],
    known_at: str,
) -> None:
    from_versions, from_replay, _ = both(capsys, stores, *argv, "--known-at", known_at)

    # A table says when it was computed from the event history: the one difference.
    assert REPLAYED not in from_versions
    assert from_versions == from_replay.replace(REPLAYED, "")
    assert from_versions.strip()


def test_the_dossier_view_known_at_k_is_that_of_the_replay(
    capsys: pytest.CaptureFixture[str], stores: tuple[str, str]
) -> None:
    projected, _ = stores
    tracker = DossierTracker(projected, read_only=True)
    numbers = [f.number for f in tracker.all_facts(date.fromisoformat(KNOWN_AT[0]))][:5]
    tracker.close()
    assert numbers
    for number in numbers:
        from_versions, from_replay, _ = both(
            capsys, stores, "dossier", number, "--known-at", KNOWN_AT[0]
        )
        assert from_versions == from_replay


def test_a_sample_known_at_k_shows_only_the_history_known_then(
    capsys: pytest.CaptureFixture[str], stores: tuple[str, str]
) -> None:
    projected, _ = stores
    known_at = date.fromisoformat(KNOWN_AT[0])
    then, _, _ = both(capsys, stores, "sample", *RANGE, "--per-section", "3", "--seed", "7",
                      "--known-at", KNOWN_AT[0])  # fmt: skip
    now, _, _ = both(capsys, stores, "sample", *RANGE, "--per-section", "3", "--seed", "7")
    tracker = DossierTracker(projected, read_only=True)
    rows = list(csv.DictReader(io.StringIO(then)))
    assert rows and then != now
    for row in rows:
        known = {
            known_on_of(e).isoformat()
            for e in tracker.history(row["dossier"])
            if known_on_of(e) <= known_at
        }
        # Each entry says when it became known ("(connu AAAA-MM-JJ)"): only dates known then.
        shown = set(re.findall(r"\(connu (\d{4}-\d\d-\d\d)\)", row["history"]))
        assert shown and shown <= known
    tracker.close()


def test_a_worklist_known_at_k_says_so_in_its_title(
    capsys: pytest.CaptureFixture[str], stores: tuple[str, str]
) -> None:
    out, _, _ = both(capsys, stores, "worklist", "--overdue", "--known-at", KNOWN_AT[1])
    assert out.splitlines()[0].startswith("Dossiers en retard au 04/04/2025")
    assert "faits connus au 04/04/2025" in out.splitlines()[0]
