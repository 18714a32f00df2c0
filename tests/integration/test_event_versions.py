"""An event stored in an older version reads correctly on every path, on SQLite and PostgreSQL.

The schema change is made for the test only: `Dossier.Completed` becomes version 2,
whose version 1 named its date `date` (now `completed_on`). A version-1 event is
stored as the library's transcoder wrote it then, and must read the same through
the repository, the history, the bulk folds, the read models and the command line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from sqlalchemy import text

from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from casetrack.application import DossierTracker
from casetrack.dossier import Dossier, dossier_id
from casetrack.facts import Facts
from projections import queries
from projections.runner import ReadModels
from tests.integration.ingest_helpers import cli, piaf_row, release_connections, write_piaf

JAN_24 = date(2025, 1, 24)
JAN_31 = date(2025, 1, 31)
#: The date the version-1 event says D1 was complete, and D2's, written by the fast path.
D1_COMPLETE = date(2025, 1, 20)
D2_COMPLETE = date(2025, 1, 21)
#: Made by `@event("Completed")`, hence unknown to a type checker.
COMPLETED: type = vars(Dossier)["Completed"]


def completed_v1_v2(state: dict[str, Any]) -> None:
    """Version 1 of `Completed` named its date `date`."""
    state["completed_on"] = state.pop("date")


@pytest.fixture(autouse=True)
def _completed_at_version_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(COMPLETED, "class_version", 2, raising=False)
    monkeypatch.setattr(COMPLETED, "upcast_v1_v2", staticmethod(completed_v1_v2), raising=False)


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


def store_completed_v1(tracker: DossierTracker, number: str, day: date, known_on: date) -> None:
    """Append a version-1 `Completed` event to a dossier, as the transcoder wrote it then."""
    state = tracker.mapper.transcoder.encode(
        {"timestamp": datetime(2025, 1, 24, 18, tzinfo=UTC), "date": day, "known_on": known_on}
    )
    assert b"class_version" not in state
    tracker.recorder.insert_events(
        [
            StoredEvent(
                originator_id=dossier_id(number),
                originator_version=len(tracker.history(number)) + 1,
                topic=get_topic(COMPLETED),
                state=state,
            )
        ]
    )


def completed_of(facts: Iterable[Facts], number: str) -> date | None:
    """`completed_on` of one dossier among facts of many."""
    [found] = [f.completed_on for f in facts if f.number == number]
    return found


def read_model_dates(url: str) -> dict[str, tuple[Any, Any]]:
    """Per dossier: `dossier.completed_on` and engagement 17's `measure.start`, as text."""
    with engine_for(url).connect() as conn:
        rows = conn.execute(
            text(
                "SELECT d.number, d.completed_on, m.start FROM dossier d "
                "JOIN measure m ON m.dossier = d.number AND m.engagement = 17 ORDER BY d.number"
            )
        )
        return {number: (str(done), str(start)) for number, done, start in rows}


@pytest.fixture
def stored(tracker: DossierTracker, db_url: str, tmp_path: Path) -> ReadModels:
    """D1 filed by an ingest, read models built, then a version-1 `Completed` stored."""
    row = piaf_row("D1", DATE_DEPOT="16/12/2024")
    Ingestor(tracker).ingest_piaf(write_piaf(tmp_path / "piaf_20250124.csv", [row]))
    models = ReadModels(tracker)
    models.rebuild()
    store_completed_v1(tracker, "D1", D1_COMPLETE, JAN_24)
    return models


def test_a_version_1_event_reads_through_the_repository_and_the_history(
    tracker: DossierTracker, stored: ReadModels
) -> None:
    dossier = tracker.dossier("D1")
    history = tracker.history("D1")
    facts_then = tracker.facts("D1", known_at=JAN_24)

    assert dossier is not None
    assert dossier.facts.completed_on == D1_COMPLETE
    assert [type(e).__name__ for e in history] == ["Filed", "Completed"]
    assert vars(history[-1])["completed_on"] == D1_COMPLETE
    assert "date" not in vars(history[-1])
    assert facts_then is not None
    assert facts_then.completed_on == D1_COMPLETE


def test_a_version_1_event_reads_through_the_bulk_fold(
    tracker: DossierTracker, stored: ReadModels
) -> None:
    assert completed_of(tracker.all_facts(), "D1") == D1_COMPLETE
    assert completed_of(tracker.all_facts(JAN_24), "D1") == D1_COMPLETE
    assert list(tracker.all_facts(date(2025, 1, 23))) == []


def test_a_version_1_event_reads_through_catch_up_and_rebuild(
    db_url: str, stored: ReadModels
) -> None:
    stored.catch_up()
    caught_up = read_model_dates(db_url)
    stored.rebuild()

    assert caught_up == {"D1": ("2025-01-20", "2025-01-20")}
    assert read_model_dates(db_url) == caught_up
    # The version rows, which answer "as known at K", read it too.
    assert completed_of(queries.facts_known_at(db_url, JAN_24), "D1") == D1_COMPLETE
    assert queries.facts_known_at(db_url, date(2025, 1, 23)) == []


def test_an_ingest_after_a_version_1_event_writes_no_correction_and_encodes_version_2(
    tracker: DossierTracker, db_url: str, stored: ReadModels, tmp_path: Path
) -> None:
    rows = [
        piaf_row("D1", DATE_DEPOT="16/12/2024", DATE_DOSSIER_COMPLET="20/01/2025"),
        piaf_row("D2", DATE_DOSSIER_COMPLET="21/01/2025"),
    ]
    Ingestor(tracker).ingest_piaf(write_piaf(tmp_path / "piaf_20250131.csv", rows))
    stored.catch_up()

    assert [type(e).__name__ for e in tracker.history("D1")] == ["Filed", "Completed"]
    [d2_completed] = tracker.recorder.select_events(dossier_id("D2"), gt=1)
    assert json.loads(d2_completed.state)["class_version"] == 2
    d2 = tracker.dossier("D2")
    assert d2 is not None
    assert d2.facts.completed_on == D2_COMPLETE
    assert completed_of(tracker.all_facts(JAN_31), "D2") == D2_COMPLETE
    assert read_model_dates(db_url) == {
        "D1": ("2025-01-20", "2025-01-20"),
        "D2": ("2025-01-21", "2025-01-21"),
    }


def test_a_version_1_event_reads_through_measures_and_reaudit_known_at(
    db_url: str, stored: ReadModels, capsys: pytest.CaptureFixture[str]
) -> None:
    measures = cli(capsys, "--db", db_url, "-q", "measures", "--known-at", "2025-01-24")
    reaudit = cli(
        capsys,
        *("--db", db_url, "-q", "reaudit", "--from", "2025-01-01", "--to", "2025-12-31"),
        *("--known-at", "2025-01-24", "--engagement", "17", "--format", "csv"),
    )

    assert measures.code == 0, measures.err
    rows = [r for r in csv.DictReader(io.StringIO(measures.out)) if r["engagement"] == "17"]
    assert [(r["dossier"], r["start"]) for r in rows] == [("D1", "2025-01-20")]
    assert reaudit.code == 0, reaudit.err
    # D1, filed in December, enters January's engagement 17 only by its completion.
    assert list(csv.DictReader(io.StringIO(reaudit.out))) == [
        {
            **dict.fromkeys(("rate", "median", "p90", "max"), ""),
            **{"engagement": "17", "section": "05", "prestation": "PL", "period": "2025-01"},
            **{"measured": "0", "met": "0", "breached": "0", "open_pending": "1"},
            **{"open_overdue": "0", "invalid": "0"},
        }
    ]
