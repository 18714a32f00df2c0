"""Read models: week-by-week catch-up gives the rows of a rebuild, and the CLI reads them."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text, update

import projections.queries
import projections.runner
from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from adapters.synthetic import GeneratedFiles, generate
from casetrack.application import DossierTracker
from casetrack.cli import main
from casetrack.dossier import Dossier
from casetrack.eventstore import FactsFolder
from projections.runner import ReadModels
from projections.schema import PROJECTION_NAME, SCHEMA_VERSION, Tracking

YEAR = 2024
#: The table rows compared, each in a total order.
ORDERED_TABLES = {
    "dossier": "number",
    "measure": "dossier, engagement",
    "dossier_version": "number, known_from",
    "measure_version": "dossier, engagement, known_from",
    "report_cell": "kind, engagement, section, prestation, version, month, outcome, elapsed",
}
FAR_FUTURE = "2099-12-31"


def model_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the read-model tables (SELECT *), in key order."""
    with engine_for(url).connect() as conn:
        return {
            table: [
                tuple(row) for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY {key}"))
            ]
            for table, key in ORDERED_TABLES.items()
        }


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    """A small synthetic year: weekly PIAF extracts and TOPVIR files of 500 dossiers."""
    return generate(tmp_path_factory.mktemp("year"), year=YEAR, dossiers=500, seed=17)


def weeks(files: GeneratedFiles) -> Iterator[tuple[Path, Path]]:
    """(PIAF extract, TOPVIR file) of each extraction date, in date order."""
    for piaf, topvir in zip(files.piaf, files.topvir, strict=True):
        assert piaf.name.removeprefix("piaf_") == topvir.name.removeprefix("topvir_")
        yield piaf, topvir


def ingest_weeks(ingestor: Ingestor, files: GeneratedFiles, count: int) -> None:
    """Ingest the first `count` weeks without catching up."""
    for piaf, topvir in list(weeks(files))[:count]:
        ingestor.ingest_piaf(piaf)
        ingestor.ingest_topvir(topvir)


def cli(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> str:
    """Run `casetrack --db URL -q ARGV` in this process; return its standard output."""
    capsys.readouterr()
    assert main(["--db", url, "-q", *argv]) == 0
    return capsys.readouterr().out


def test_weekly_catch_up_gives_the_rows_of_a_rebuild(db_url: str, year: GeneratedFiles) -> None:
    tracker = DossierTracker(db_url)
    ingestor, models = Ingestor(tracker), ReadModels(tracker)
    results = []
    for piaf, topvir in weeks(year):
        ingestor.ingest_piaf(piaf)
        ingestor.ingest_topvir(topvir)
        results.append(models.catch_up())
    caught_up = model_rows(db_url)

    models.rebuild()

    assert results[0].rebuilt
    assert not any(result.rebuilt for result in results[1:])
    assert len(caught_up["dossier"]) == len(list(tracker.all_facts())) > 400
    assert len(caught_up["measure"]) == 3 * len(caught_up["dossier"])
    assert model_rows(db_url) == caught_up


def test_no_event_is_applied_twice_across_many_small_catch_ups(
    db_url: str, year: GeneratedFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied: Counter[tuple[UUID, int]] = Counter()

    class CountingFolder(FactsFolder):
        """The read models' folder, counting what it applies (ingestion folds too)."""

        def apply(self, ident: Any, version: int, *stored: Any) -> bool:
            done = super().apply(ident, version, *stored)
            if done:
                applied[(UUID(str(ident)), version)] += 1
            return done

    monkeypatch.setattr(projections.runner, "FactsFolder", CountingFolder)
    monkeypatch.setattr(projections.runner, "PAGE", 37)
    tracker = DossierTracker(db_url)
    ingestor, models = Ingestor(tracker), ReadModels(tracker)
    for piaf, topvir in list(weeks(year))[:12]:
        ingestor.ingest_piaf(piaf)
        models.catch_up()
        ingestor.ingest_topvir(topvir)
        models.catch_up()
        models.catch_up()  # nothing new: applies nothing

    stored = Counter(
        (e.originator_id, e.originator_version)
        for e in tracker.iter_events()
        if isinstance(e, Dossier.Event)
    )
    assert max(applied.values()) == 1
    assert applied == stored


def test_a_new_schema_version_rebuilds_the_read_models(
    db_url: str, year: GeneratedFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = DossierTracker(db_url)
    models = ReadModels(tracker)
    ingest_weeks(Ingestor(tracker), year, 6)
    models.catch_up()
    expected = model_rows(db_url)
    with engine_for(db_url).begin() as conn:  # a row only a rebuild would put right
        conn.execute(text("UPDATE measure SET status = 'bogus'"))
    monkeypatch.setattr(projections.runner, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    assert not models.is_current()

    result = models.catch_up()

    assert result.rebuilt
    tracking = models.tracking()
    assert tracking is not None
    assert tracking.schema_version == SCHEMA_VERSION + 1
    assert models.is_current()
    assert model_rows(db_url) == expected


def test_a_tracking_row_of_an_older_schema_rebuilds_the_read_models(
    db_url: str, year: GeneratedFiles
) -> None:
    tracker = DossierTracker(db_url)
    models = ReadModels(tracker)
    ingest_weeks(Ingestor(tracker), year, 6)
    models.catch_up()
    expected = model_rows(db_url)
    with engine_for(db_url).begin() as conn:
        conn.execute(text("DELETE FROM measure"))
        conn.execute(
            update(Tracking)
            .where(Tracking.name == PROJECTION_NAME)
            .values(schema_version=SCHEMA_VERSION - 1)
        )
    assert not models.is_current()

    result = models.catch_up()

    assert result.rebuilt
    assert models.is_current()
    assert model_rows(db_url) == expected


def test_read_models_are_stale_after_an_ingest_and_current_after_catch_up(
    db_url: str, year: GeneratedFiles
) -> None:
    tracker = DossierTracker(db_url)
    ingestor, models = Ingestor(tracker), ReadModels(tracker)
    (piaf1, topvir1), (piaf2, _) = list(weeks(year))[2:4]
    assert not models.is_current()  # never built
    ingestor.ingest_piaf(piaf1)
    models.catch_up()
    assert models.is_current()

    ingestor.ingest_topvir(topvir1)
    assert not models.is_current()
    models.catch_up()
    assert models.is_current()

    ingestor.ingest_piaf(piaf2)
    assert not models.is_current()
    models.catch_up()
    assert models.is_current()
    tracking = models.tracking()
    assert tracking is not None
    assert tracking.position == tracker.recorder.max_notification_id()
    assert tracking.status_as_of == tracker.default_as_of()


def test_measures_read_from_the_read_models_equal_those_from_the_event_store(
    db_url: str,
    year: GeneratedFiles,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tracker = DossierTracker(db_url)
    ingestor, models = Ingestor(tracker), ReadModels(tracker)
    ingest_weeks(ingestor, year, 20)
    models.catch_up()
    latest = tracker.default_as_of()
    assert latest is not None
    from_models: list[object] = []
    real_measures = projections.queries.measures_of

    def spying_measures(*args: Any, **kwargs: Any) -> Any:
        from_models.append(args)
        return real_measures(*args, **kwargs)

    monkeypatch.setattr(projections.queries, "measures_of", spying_measures)
    assert models.is_current()

    current = cli(capsys, db_url, "measures", "--format", "csv")
    assert len(from_models) == 1  # read from the read models
    replayed = cli(
        capsys, db_url, "measures", "--format", "csv", "--known-at", FAR_FUTURE,
        "--as-of", latest.isoformat(),
    )  # fmt: skip
    earlier = cli(capsys, db_url, "measures", "--format", "csv", "--as-of", f"{YEAR}-03-15")
    replayed_earlier = cli(
        capsys, db_url, "measures", "--format", "csv", "--known-at", FAR_FUTURE,
        "--as-of", f"{YEAR}-03-15",
    )  # fmt: skip
    assert len(from_models) == 2  # `earlier` read them too; the --known-at runs did not

    rows = list(csv.DictReader(io.StringIO(current)))
    assert {row["status"] for row in rows} >= {"met", "breached", "pending", "not_applicable"}
    assert current == replayed
    assert earlier == replayed_earlier
    assert {row["status"] for row in csv.DictReader(io.StringIO(earlier))} >= {"pending"}


def test_measures_from_read_models_behind_the_events_are_theirs_and_say_so(
    db_url: str,
    year: GeneratedFiles,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Reads never write: a lagging read model answers (never caught up by a read) and the
    # user is told how far behind it is; `project` then brings the new facts in.
    tracker = DossierTracker(db_url)
    ingestor, models = Ingestor(tracker), ReadModels(tracker)
    ingest_weeks(ingestor, year, 10)
    models.catch_up()
    piaf, topvir = list(weeks(year))[10]
    as_of = f"{piaf.stem[-8:-4]}-{piaf.stem[-4:-2]}-{piaf.stem[-2:]}"
    before = cli(capsys, db_url, "measures", "--format", "csv", "--as-of", as_of)
    ingestor.ingest_piaf(piaf)
    ingestor.ingest_topvir(topvir)
    assert not models.is_current()

    capsys.readouterr()
    stale = main(["--db", db_url, "measures", "--format", "csv", "--as-of", as_of])
    out, err = capsys.readouterr()
    assert stale == 0
    assert not models.is_current()
    models.catch_up()
    current = cli(capsys, db_url, "measures", "--format", "csv", "--as-of", as_of)
    replayed = cli(
        capsys, db_url, "measures", "--format", "csv", "--as-of", as_of, "--known-at", FAR_FUTURE
    )

    assert out == before
    assert "events behind the event store" in err
    assert current == replayed != before


EXTRACT_HEADER = (
    "NUM_DOSSIER;SECTION;PRESTATION;DATE_DEPOT;DATE_PREMIERE_INFO;DATE_DEUXIEME_INFO;"
    "DATE_DOSSIER_COMPLET;DATE_DECISION;SENS_DECISION;DATE_NOTIFICATION;DATE_VIREMENT;ETAT"
)
REPORT = ("report", "--from", "2025-01-01", "--to", "2025-12-31", "--by", "engagement")
REPORT_HEADER = (
    "engagement,measured,met,breached,rate,median,p90,max,open_pending,open_overdue,invalid"
)
#: Friday 10 January: first info Tuesday 7 January, due Thursday 16 January, still open.
WEEK_1 = "2025-05-000001;05;PL;06/01/2025;07/01/2025;;;;;;;EN_COURS"
OPEN_19 = "19,0,0,0,,,,,1,0,0"
#: Friday 17 January: second info Tuesday 14 January, 5 working days (8, 9, 10, 13, 14): met.
WEEK_2 = "2025-05-000001;05;PL;06/01/2025;07/01/2025;14/01/2025;;;;;;EN_COURS"
MET_19 = "19,1,1,0,1.0000,5,5,5,0,0,0"


def extract(tmp_path: Path, day: str, line: str) -> Path:
    """A one-dossier PIAF extract of `day` (AAAAMMJJ)."""
    path = tmp_path / f"piaf_{day}.csv"
    path.write_bytes(f"{EXTRACT_HEADER}\r\n{line}\r\nNombre de lignes : 1\r\n".encode("cp1252"))
    return path


def test_report_right_after_an_ingest_reflects_the_new_extract(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tracker = DossierTracker(db_url)
    models = ReadModels(tracker)
    cli(capsys, db_url, "ingest", "piaf", str(extract(tmp_path, "20250110", WEEK_1)))
    assert cli(capsys, db_url, *REPORT, "--format", "csv").splitlines() == [REPORT_HEADER, OPEN_19]

    cli(capsys, db_url, "ingest", "piaf", str(extract(tmp_path, "20250117", WEEK_2)))
    assert models.is_current()  # the ingest caught up: the report has nothing left to do
    report = cli(capsys, db_url, *REPORT, "--format", "csv")

    assert report.splitlines() == [REPORT_HEADER, MET_19]
    replayed = cli(capsys, db_url, *REPORT, "--format", "csv", "--known-at", FAR_FUTURE,
                   "--as-of", "2025-01-17")  # fmt: skip
    assert replayed == report


def test_ingest_with_no_project_leaves_the_tracking_position(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tracker = DossierTracker(db_url)
    models = ReadModels(tracker)
    cli(capsys, db_url, "ingest", "piaf", str(extract(tmp_path, "20250110", WEEK_1)))
    before = models.tracking()
    assert before is not None

    cli(
        capsys, db_url, "ingest", "piaf", "--no-project", str(extract(tmp_path, "20250117", WEEK_2))
    )

    after = models.tracking()
    assert after is not None
    assert (after.position, after.status_as_of) == (before.position, before.status_as_of)
    assert before.position < (tracker.recorder.max_notification_id() or 0)
    assert not models.is_current()
    # A report answers from the read models as they are, evaluated at the new extract's
    # date (the clock opened on 7 January is overdue on the 17th), and never catches up.
    report = cli(capsys, db_url, *REPORT, "--format", "csv")
    assert report.splitlines() == [REPORT_HEADER, "19,0,0,0,,,,,0,1,0"]
    assert not models.is_current()
