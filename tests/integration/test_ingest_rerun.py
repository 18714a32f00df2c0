"""Reruns and interruptions: the same command run again finishes the work, files done are
skipped, an interrupted file is completed, and no rerun in any order undoes a newer fact.

Interruptions here are deterministic: a batch raises KeyboardInterrupt in this process (what
Ctrl-C does), after some batches of a file have committed. Kills of real processes at random
moments are in test_ingest_kill_rerun.py. Expected stores come from an undisturbed run of the
same files; expected facts from the extracts themselves (tests/integration/ingest_helpers).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.ingest import Ingestor
from adapters.synthetic import GeneratedFiles, generate
from casetrack.application import DossierTracker
from tests.integration.ingest_helpers import (
    cli,
    event_multiset,
    facts_view,
    piaf_row,
    quarantine_rows,
    raw_events,
    read_piaf,
    release_connections,
    write_piaf,
    write_topvir,
)

SEED = 9091
DOSSIERS = 1500
WEEKS = 8
DOSSIER_TOPIC = "casetrack.dossier:"


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    """A synthetic year; the tests use its first weekly PIAF extracts."""
    return generate(tmp_path_factory.mktemp("rerun"), year=2025, dossiers=DOSSIERS, seed=SEED)


def weeks(year: GeneratedFiles, count: int = WEEKS) -> list[Path]:
    """The first `count` weekly extracts, whose rows fill several small batches."""
    return list(year.piaf[:count])


def ingest(capsys: pytest.CaptureFixture[str], url: str, *files: Path, kind: str = "piaf") -> Any:
    return cli(capsys, "--db", url, "ingest", kind, "--no-project", *map(str, files))


def measures_csv(capsys: pytest.CaptureFixture[str], url: str, known_at: date | None = None) -> str:
    argv = ["--db", url, "measures", "--as-of", "2025-03-31"]
    if known_at is not None:
        argv += ["--known-at", known_at.isoformat()]
    run = cli(capsys, *argv)
    assert run.code == 0, run.err
    return run.out


def clean_store(capsys: pytest.CaptureFixture[str], tmp_path: Path, files: list[Path]) -> str:
    """An undisturbed ingestion of `files`, in a store of its own (SQLite: the oracle)."""
    url = f"sqlite:///{tmp_path / 'clean.sqlite'}"
    run = ingest(capsys, url, *files)
    assert run.code == 0, run.err
    return url


def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingestors built by the CLI use batches of 20 dossiers: a file spans many batches."""
    original = Ingestor.__init__

    def init(self: Ingestor, tracker: DossierTracker, **kwargs: Any) -> None:
        kwargs["batch_size"] = 20
        original(self, tracker, **kwargs)

    monkeypatch.setattr(Ingestor, "__init__", init)


def interrupt_at(monkeypatch: pytest.MonkeyPatch, name: str, at: int) -> None:
    """Make the batch number `at` of the file `name` raise KeyboardInterrupt (Ctrl-C)."""
    original = Ingestor._piaf_chunk
    calls = {"n": 0}

    def chunk(ingestor: Ingestor, reader: Any, *args: Any) -> None:
        if reader.path.name == name:
            calls["n"] += 1
            if calls["n"] == at:
                raise KeyboardInterrupt
        original(ingestor, reader, *args)

    monkeypatch.setattr(Ingestor, "_piaf_chunk", chunk)


def dossier_events(url: str) -> Any:
    return event_multiset(url, topic_prefix=DOSSIER_TOPIC)


# -- the same command again ------------------------------------------------------------


def test_the_same_command_run_again_skips_every_file_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], db_url: str, year: GeneratedFiles
) -> None:
    files = weeks(year)
    first = ingest(capsys, db_url, *files)
    assert first.code == 0, first.err
    before = raw_events(db_url)

    again = ingest(capsys, db_url, *files)

    assert again.code == 0, again.err
    assert raw_events(db_url) == before
    skipped = [line for line in again.err.splitlines() if "skipped" in line]
    assert [line.split(" ", 1)[0] for line in skipped] == [p.name for p in files]


def test_an_interrupted_command_run_again_completes_and_equals_an_undisturbed_run(
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    year: GeneratedFiles,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = weeks(year)
    expected = clean_store(capsys, tmp_path, files)
    small_batches(monkeypatch)
    with monkeypatch.context() as patch:
        interrupt_at(patch, files[5].name, 2)
        interrupted = ingest(capsys, db_url, *files)
    assert interrupted.code == 130
    assert "run the same command again" in interrupted.err

    rerun = ingest(capsys, db_url, *files)

    assert rerun.code == 0, rerun.err
    assert f"{files[5].name} (piaf, extracted 2025-02-07) completing" in rerun.err
    assert dossier_events(db_url) == dossier_events(expected)
    assert quarantine_rows(db_url) == quarantine_rows(expected)
    assert measures_csv(capsys, db_url) == measures_csv(capsys, expected)


def test_an_older_extract_ingested_after_an_interruption_never_undoes_newer_facts(
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    year: GeneratedFiles,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The finding: D+1 interrupted after some batches committed, then extract D
    # again. A copy of D with other bytes (a re-export) is not skipped by the ledger, so
    # each of its rows meets the per-dossier rule.
    d, d1, d2 = weeks(year, 3)
    expected = clean_store(capsys, tmp_path, [d, d1, d2])
    small_batches(monkeypatch)
    assert ingest(capsys, db_url, d).code == 0
    with monkeypatch.context() as patch:
        interrupt_at(patch, d1.name, 3)
        assert ingest(capsys, db_url, d, d1).code == 130
    touched = dossier_events(db_url)
    re_export = tmp_path / d.name
    re_export.write_bytes(d.read_bytes().replace(b"Nombre de lignes", b"Nombre de lignes total"))

    again = ingest(capsys, db_url, re_export)

    assert again.code == 0, again.err
    assert dossier_events(db_url) == touched  # nothing written, nothing undone
    stale = next(line for line in again.err.splitlines() if "stale rows" in line)
    assert int(stale.split()[2].replace(",", "")) > 0
    assert ingest(capsys, db_url, d, d1, d2).code == 0
    assert dossier_events(db_url) == dossier_events(expected)
    assert measures_csv(capsys, db_url) == measures_csv(capsys, expected)
    for known_at in (date(2025, 1, 10), date(2025, 1, 17)):
        assert measures_csv(capsys, db_url, known_at) == measures_csv(capsys, expected, known_at)


def test_a_never_ingested_extract_older_than_a_completed_one_refuses_the_command_whole(
    capsys: pytest.CaptureFixture[str], db_url: str, year: GeneratedFiles
) -> None:
    d, d1, d2, d3 = weeks(year, 4)
    assert ingest(capsys, db_url, d, d2).code == 0
    before = raw_events(db_url)

    refused = ingest(capsys, db_url, d, d1, d2, d3)

    assert refused.code == 2
    assert d1.name in refused.err
    assert d3.name not in refused.err.split("error:", 1)[1]
    assert "Nothing was written" in refused.err
    assert "take these files out of the list" in refused.err
    assert raw_events(db_url) == before  # d3, newer, was not started either


def test_a_partly_ingested_file_is_completed_even_after_a_newer_one(
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    year: GeneratedFiles,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d, d1, d2 = weeks(year, 3)
    small_batches(monkeypatch)
    assert ingest(capsys, db_url, d).code == 0
    with monkeypatch.context() as patch:
        interrupt_at(patch, d1.name, 2)
        assert ingest(capsys, db_url, d1).code == 130
    assert ingest(capsys, db_url, d2).code == 0

    resumed = ingest(capsys, db_url, d1)

    assert resumed.code == 0, resumed.err
    assert "completing an interrupted ingestion" in resumed.err
    # every dossier ends with what the newest extract listing it says
    check_newest_facts_stand(db_url, [d, d1, d2])


def check_newest_facts_stand(url: str, files: list[Path]) -> None:
    """Each dossier's facts are those of the newest extract that lists it (read naively)."""
    newest: dict[str, dict[str, Any]] = {}
    for path in files:
        day = date.fromisoformat(f"{path.stem[-8:-4]}-{path.stem[-4:-2]}-{path.stem[-2:]}")
        for row in read_piaf(path.read_bytes().decode("cp1252"), day).accepted():
            assert row.facts is not None
            newest[row.number] = {k: v for k, v in row.facts.items() if k != "closed_on"}
    tracker = DossierTracker(url)
    try:
        stored = {f.number: facts_view(f) for f in tracker.all_facts()}
    finally:
        tracker.close()
    assert {n: {k: v for k, v in f.items() if k != "closed_on"} for n, f in stored.items()} == {
        n: {k: v for k, v in f.items() if k in stored[n] and k != "closed_on"}
        for n, f in newest.items()
    }


def test_an_extract_that_only_confirmed_a_dossier_makes_an_older_row_stale(
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # D0 says A, D1 says B, D2 says A again. D1 is interrupted before its row of N1 is
    # applied, D2 completes (no event: it confirms A), then D1 is resumed: its row of N1 is
    # older than what D2 said and must not turn the dossier back to B.
    a = piaf_row("2025-05-000001", DATE_PREMIERE_INFO="03/01/2025")
    b = piaf_row("2025-05-000001", DATE_PREMIERE_INFO="06/01/2025")
    other = [piaf_row(f"2025-05-{n:06d}") for n in range(2, 60)]
    d0 = write_piaf(tmp_path / "piaf_20250103.csv", [a])
    d1 = write_piaf(tmp_path / "piaf_20250110.csv", [*other, b])
    d2 = write_piaf(tmp_path / "piaf_20250117.csv", [a])
    small_batches(monkeypatch)
    assert ingest(capsys, db_url, d0).code == 0
    with monkeypatch.context() as patch:
        interrupt_at(patch, d1.name, 2)
        assert ingest(capsys, db_url, d1).code == 130
    assert ingest(capsys, db_url, d2).code == 0

    resumed = ingest(capsys, db_url, d1)

    assert resumed.code == 0, resumed.err
    assert "stale rows 1 " in resumed.err
    tracker = DossierTracker(db_url)
    try:
        facts = tracker.facts("2025-05-000001")
    finally:
        tracker.close()
    assert facts is not None
    assert facts.first_info_on == date(2025, 1, 3)


def test_a_nightly_job_that_always_passes_the_whole_folder_works_every_night(
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    year: GeneratedFiles,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    files = weeks(year, 6)
    expected = clean_store(capsys, tmp_path, files)
    for night, path in enumerate(files):
        shutil.copy(path, folder / path.name)
        run = ingest(capsys, db_url, *sorted(folder.glob("piaf_*.csv")))
        assert run.code == 0, (night, run.err)
        assert run.err.count("skipped") == night

    assert dossier_events(db_url) == dossier_events(expected)


# -- TOPVIR -----------------------------------------------------------------------------


def test_topvir_lines_older_than_the_newest_extract_only_add_the_earliest_order(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    number = "2025-05-000001"
    decided = piaf_row(number, DATE_DECISION="10/01/2025", SENS_DECISION="ACCORD", DATE_VIREMENT="")
    assert ingest(capsys, db_url, write_piaf(tmp_path / "piaf_20250117.csv", [decided])).code == 0
    late = write_topvir(tmp_path / "topvir_20250110.csv", [(number, "14/01/2025", "L1")])
    later = write_topvir(tmp_path / "topvir_20250124.csv", [(number, "20/01/2025", "L2")])

    assert ingest(capsys, db_url, late, later, kind="topvir").code == 0
    again = write_piaf(tmp_path / "piaf_20250131.csv", [decided])  # DATE_VIREMENT still empty
    assert ingest(capsys, db_url, again).code == 0

    tracker = DossierTracker(db_url)
    try:
        facts = tracker.facts(number)
        orders = [
            (e.ordered_on, e.known_on)
            for e in tracker.history(number)
            if type(e).__name__ == "PaymentOrdered"
        ]
    finally:
        tracker.close()
    assert facts is not None
    assert (facts.ordered_on, facts.batch) == (date(2025, 1, 14), "L1")
    assert orders == [(date(2025, 1, 14), date(2025, 1, 10))]


def test_a_piaf_extract_older_than_a_topvir_file_still_applies(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    number = "2025-05-000001"
    filed = piaf_row(number, DATE_DECISION="06/01/2025", SENS_DECISION="ACCORD")
    assert ingest(capsys, db_url, write_piaf(tmp_path / "piaf_20250110.csv", [filed])).code == 0
    topvir = write_topvir(tmp_path / "topvir_20250131.csv", [(number, "20/01/2025", "")])
    assert ingest(capsys, db_url, topvir, kind="topvir").code == 0
    completed = piaf_row(
        number,
        DATE_DOSSIER_COMPLET="05/01/2025",
        DATE_DECISION="06/01/2025",
        SENS_DECISION="ACCORD",
        DATE_VIREMENT="20/01/2025",
    )

    run = ingest(capsys, db_url, write_piaf(tmp_path / "piaf_20250124.csv", [completed]))

    assert run.code == 0, run.err
    assert "stale rows 0" in run.err
    tracker = DossierTracker(db_url)
    try:
        facts = tracker.facts(number)
    finally:
        tracker.close()
    assert facts is not None
    assert facts.completed_on == date(2025, 1, 5)
    assert facts.ordered_on == date(2025, 1, 20)
