"""Ingestion of PIAF and TOPVIR files into a real store (spec/piaf-extract.md, "What ingestion
must guarantee"), on SQLite and PostgreSQL; expectations come from the spec or a naive reading.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from adapters.synthetic import GeneratedFiles, generate
from casetrack.application import DossierTracker
from casetrack.errors import InputRefused
from tests.conftest import drop_postgres_schema, new_postgres_schema, postgres_base_url
from tests.integration.ingest_helpers import (
    FACT_FIELDS,
    cli,
    piaf_row,
    quarantine_rows,
    read_piaf,
    release_connections,
    write_piaf,
    write_topvir,
)

JAN_24 = date(2025, 1, 24)
JAN_31 = date(2025, 1, 31)


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


def event_count(tracker: DossierTracker) -> int:
    """Stored events of every aggregate, read from the notification log."""
    return sum(1 for _ in tracker.iter_notifications())


def ledger_state(tracker: DossierTracker) -> tuple[int, list[Any]]:
    """The ledger's version and files."""
    ledger = tracker.ledger()
    return ledger.version, list(ledger.files)


def new_events(tracker: DossierTracker, number: str, before: int) -> list[str]:
    """Type names of a dossier's events after its first `before` ones."""
    return [type(e).__name__ for e in tracker.history(number)[before:]]


# -- idempotence -------------------------------------------------------------------


def test_ingesting_the_same_file_twice_writes_nothing_the_second_time(
    tracker: DossierTracker, tmp_path: Path
) -> None:
    rows = [
        piaf_row("D1", DATE_DOSSIER_COMPLET="20/01/2025"),
        piaf_row("D2", DATE_DECISION="21/01/2025", SENS_DECISION="ACCORD", ETAT="DECIDE"),
        piaf_row("D3", DATE_DEPOT="31/02/2025"),  # quarantined: no such day
        piaf_row("D1", DATE_DOSSIER_COMPLET="20/01/2025"),  # identical repeat
        piaf_row("D4", ETAT="CLASSE"),
    ]
    path = write_piaf(tmp_path / "piaf_20250124.csv", rows)
    ingestor = Ingestor(tracker)
    ingestor.ingest_piaf(path)
    events, ledger = event_count(tracker), ledger_state(tracker)
    quarantined = quarantine_rows(tracker.database.url)
    assert events > 0
    assert [(q[1], q[2]) for q in quarantined] == [(4, "D3")]

    second = ingestor.ingest_piaf(path)

    assert second.events == 0
    assert event_count(tracker) == events
    assert ledger_state(tracker) == ledger
    assert quarantine_rows(tracker.database.url) == quarantined


def test_ingesting_the_same_topvir_file_twice_writes_nothing_the_second_time(
    tracker: DossierTracker, tmp_path: Path
) -> None:
    ingestor = Ingestor(tracker)
    decided = {"DATE_DECISION": "10/01/2025", "SENS_DECISION": "ACCORD", "ETAT": "DECIDE"}
    ingestor.ingest_piaf(
        write_piaf(tmp_path / "piaf_20250117.csv", [piaf_row("D1", **decided), piaf_row("D2")])
    )
    transfers = [("D1", "15/01/2025", "L1"), ("D9", "15/01/2025", "L1"), ("D2", "16/01/2025", "")]
    path = write_topvir(tmp_path / "topvir_20250117.csv", transfers)
    ingestor.ingest_topvir(path)
    events, ledger = event_count(tracker), ledger_state(tracker)
    quarantined = quarantine_rows(tracker.database.url)
    assert [(q[1], q[2]) for q in quarantined] == [(3, "D9")]

    second = ingestor.ingest_topvir(path)

    assert second.events == 0
    assert event_count(tracker) == events
    assert ledger_state(tracker) == ledger
    assert quarantine_rows(tracker.database.url) == quarantined


def _year(out: Path) -> GeneratedFiles:
    return generate(out, year=2025, dossiers=600, seed=7)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ingested_year(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DossierTracker, GeneratedFiles]]:
    """A store holding a generated year, PIAF then TOPVIR for each date (shared: it is slow)."""
    out = tmp_path_factory.mktemp("year")
    base = postgres_base_url()
    schema = ""
    if request.param == "sqlite":
        url = f"sqlite:///{out / 'store.sqlite'}"
    elif base is None:
        pytest.skip("PostgreSQL tests need CASETRACK_TEST_POSTGRES_URL")
    else:
        url, schema = new_postgres_schema(base)
    files = _year(out / "files")
    tracker = DossierTracker(url)
    ingestor = Ingestor(tracker)
    for piaf, topvir in zip(files.piaf, files.topvir, strict=True):
        ingestor.ingest_piaf(piaf)
        ingestor.ingest_topvir(topvir)
    try:
        yield tracker, files
    finally:
        tracker.close()
        engine_for(url).dispose()
        if schema and base is not None:
            drop_postgres_schema(base, schema)


def test_final_facts_with_topvir_equal_a_naive_reading_of_each_dossiers_last_row(
    ingested_year: tuple[DossierTracker, GeneratedFiles],
) -> None:
    tracker, files = ingested_year
    expected = naive_final_facts(files)

    assert differing_facts(tracker, expected, FACT_FIELDS) == {}


def test_a_year_of_weekly_files_then_the_last_extract_again_adds_no_event(
    ingested_year: tuple[DossierTracker, GeneratedFiles],
) -> None:
    tracker, files = ingested_year
    events, ledger = event_count(tracker), ledger_state(tracker)
    assert events > 600

    again = Ingestor(tracker).ingest_piaf(files.piaf[-1])

    assert again.events == 0
    assert event_count(tracker) == events
    assert ledger_state(tracker) == ledger


# -- order of extracts --------------------------------------------------------------


def test_an_extract_older_than_the_newest_ingested_is_refused_and_writes_nothing(
    tracker: DossierTracker, tmp_path: Path
) -> None:
    ingestor = Ingestor(tracker)
    ingestor.ingest_piaf(write_piaf(tmp_path / "piaf_20250131.csv", [piaf_row("D1")]))
    events, ledger = event_count(tracker), ledger_state(tracker)
    quarantined = quarantine_rows(tracker.database.url)
    older = write_piaf(
        tmp_path / "piaf_20250124.csv",
        [piaf_row("D1", DATE_PREMIERE_INFO="03/01/2025"), piaf_row("D2"), piaf_row("")],
    )

    with pytest.raises(InputRefused, match=r"piaf_20250124\.csv"):
        ingestor.ingest_piaf(older)

    assert event_count(tracker) == events
    assert ledger_state(tracker) == ledger
    assert quarantine_rows(tracker.database.url) == quarantined
    assert tracker.dossier("D2") is None


# -- corrections --------------------------------------------------------------------

DECIDED = {"SENS_DECISION": "ACCORD", "ETAT": "DECIDE"}


@pytest.mark.parametrize(
    ("column", "base", "event", "attribute"),
    [
        ("DATE_DEPOT", {}, "FilingCorrected", "filed_on"),
        ("DATE_PREMIERE_INFO", {}, "FirstInfoSent", "sent_on"),
        ("DATE_DEUXIEME_INFO", {}, "SecondInfoSent", "sent_on"),
        ("DATE_DOSSIER_COMPLET", {}, "Completed", "completed_on"),
        ("DATE_DECISION", DECIDED, "DecisionNotified", "decided_on"),
        ("DATE_NOTIFICATION", DECIDED, "DecisionNotified", "notified_on"),
        ("DATE_VIREMENT", DECIDED, "PaymentOrdered", "ordered_on"),
    ],
)
def test_a_changed_date_is_one_correction_event_and_the_history_keeps_both_values(
    tracker: DossierTracker,
    tmp_path: Path,
    column: str,
    base: dict[str, str],
    event: str,
    attribute: str,
) -> None:
    ingestor = Ingestor(tracker)
    first = piaf_row("D1", **base, **{column: "13/01/2025"})
    ingestor.ingest_piaf(write_piaf(tmp_path / "piaf_20250124.csv", [first]))
    before = len(tracker.history("D1"))

    corrected = piaf_row("D1", **base, **{column: "15/01/2025"})
    ingestor.ingest_piaf(write_piaf(tmp_path / "piaf_20250131.csv", [corrected]))

    assert new_events(tracker, "D1", before) == [event]
    values = [
        (getattr(e, attribute), e.known_on)
        for e in tracker.history("D1")
        if type(e).__name__ in (event, "Filed") and hasattr(e, attribute)
    ]
    assert values == [(date(2025, 1, 13), JAN_24), (date(2025, 1, 15), JAN_31)]


@pytest.mark.parametrize(
    ("column", "fact", "field"),
    [
        ("DATE_PREMIERE_INFO", "first_info", "first_info_on"),
        ("DATE_DEUXIEME_INFO", "second_info", "second_info_on"),
        ("DATE_DOSSIER_COMPLET", "completed", "completed_on"),
        ("DATE_VIREMENT", "payment", "ordered_on"),
    ],
)
def test_an_emptied_date_is_a_fact_cleared_correction(
    tracker: DossierTracker, tmp_path: Path, column: str, fact: str, field: str
) -> None:
    ingestor = Ingestor(tracker)
    ingestor.ingest_piaf(
        write_piaf(tmp_path / "piaf_20250124.csv", [piaf_row("D1", **{column: "13/01/2025"})])
    )
    before = len(tracker.history("D1"))

    ingestor.ingest_piaf(write_piaf(tmp_path / "piaf_20250131.csv", [piaf_row("D1")]))

    history = tracker.history("D1")
    assert new_events(tracker, "D1", before) == ["FactCleared"]
    assert (history[-1].fact, history[-1].known_on) == (fact, JAN_31)
    facts = tracker.facts("D1")
    assert facts is not None
    assert getattr(facts, field) is None
    # the old value stays in the history, and is what was known before the correction
    known_then = tracker.facts("D1", known_at=JAN_24)
    assert known_then is not None
    assert getattr(known_then, field) == date(2025, 1, 13)


def test_an_emptied_decision_is_a_fact_cleared_correction(
    tracker: DossierTracker, tmp_path: Path
) -> None:
    ingestor = Ingestor(tracker)
    decided = piaf_row("D1", DATE_DECISION="13/01/2025", DATE_NOTIFICATION="14/01/2025", **DECIDED)
    ingestor.ingest_piaf(write_piaf(tmp_path / "piaf_20250124.csv", [decided]))
    before = len(tracker.history("D1"))

    ingestor.ingest_piaf(write_piaf(tmp_path / "piaf_20250131.csv", [piaf_row("D1")]))

    assert new_events(tracker, "D1", before) == ["FactCleared"]
    facts = tracker.facts("D1")
    assert facts is not None
    assert (facts.decided_on, facts.notified_on, facts.outcome) == (None, None, None)


# -- repeated dossier numbers in one file -------------------------------------------


def test_a_number_repeated_with_different_values_is_quarantined_and_keeps_its_state(
    tracker: DossierTracker, tmp_path: Path
) -> None:
    ingestor = Ingestor(tracker)
    ingestor.ingest_piaf(
        write_piaf(
            tmp_path / "piaf_20250124.csv", [piaf_row("D1", DATE_DOSSIER_COMPLET="20/01/2025")]
        )
    )
    state_before = tracker.facts("D1")
    events_before = len(tracker.history("D1"))
    rows = [
        piaf_row("D1", DATE_DOSSIER_COMPLET="22/01/2025"),  # line 2
        piaf_row("D2"),  # line 3
        piaf_row("D1", DATE_DOSSIER_COMPLET="23/01/2025"),  # line 4
        piaf_row("D3", SECTION="07"),  # line 5
        piaf_row("D1", DATE_DOSSIER_COMPLET="22/01/2025"),  # line 6
        piaf_row("D3", SECTION="08"),  # line 7: a new dossier, never created
    ]

    ingestor.ingest_piaf(write_piaf(tmp_path / "piaf_20250131.csv", rows))

    quarantined = quarantine_rows(tracker.database.url)
    assert [(f, line, d) for f, line, d, _ in quarantined] == [
        ("piaf_20250131.csv", 2, "D1"),
        ("piaf_20250131.csv", 4, "D1"),
        ("piaf_20250131.csv", 5, "D3"),
        ("piaf_20250131.csv", 6, "D1"),
        ("piaf_20250131.csv", 7, "D3"),
    ]
    assert all("repeated" in reason for *_, reason in quarantined)
    assert tracker.facts("D1") == state_before
    assert len(tracker.history("D1")) == events_before
    assert tracker.dossier("D3") is None
    assert tracker.dossier("D2") is not None


def test_identical_repeats_of_a_row_are_harmless(tracker: DossierTracker, tmp_path: Path) -> None:
    row = piaf_row("D1", DATE_PREMIERE_INFO="06/01/2025", DATE_DOSSIER_COMPLET="20/01/2025")
    ingestor = Ingestor(tracker)

    ingestor.ingest_piaf(write_piaf(tmp_path / "piaf_20250124.csv", [row, piaf_row("D2"), row]))

    assert quarantine_rows(tracker.database.url) == []
    assert [type(e).__name__ for e in tracker.history("D1")] == [
        "Filed",
        "FirstInfoSent",
        "Completed",
    ]


# -- TOPVIR ---------------------------------------------------------------------------


def test_a_transfer_for_an_unknown_dossier_is_quarantined(
    tracker: DossierTracker, tmp_path: Path
) -> None:
    ingestor = Ingestor(tracker)
    ingestor.ingest_piaf(write_piaf(tmp_path / "piaf_20250124.csv", [piaf_row("D1", **DECIDED)]))
    topvir = write_topvir(
        tmp_path / "topvir_20250124.csv",
        [("D1", "21/01/2025", "L1"), ("D9", "21/01/2025", "L1")],
    )

    ingestor.ingest_topvir(topvir)

    [(file, line, dossier, reason)] = quarantine_rows(tracker.database.url)
    assert (file, line, dossier) == ("topvir_20250124.csv", 3, "D9")
    assert reason
    assert tracker.dossier("D9") is None
    facts = tracker.facts("D1")
    assert facts is not None
    assert (facts.ordered_on, facts.batch) == (date(2025, 1, 21), "L1")


def test_an_earlier_transfer_replaces_a_later_one_and_a_later_one_is_ignored(
    tracker: DossierTracker, tmp_path: Path
) -> None:
    ingestor = Ingestor(tracker)
    ingestor.ingest_piaf(write_piaf(tmp_path / "piaf_20250110.csv", [piaf_row("D1", **DECIDED)]))
    ingestor.ingest_topvir(
        write_topvir(tmp_path / "topvir_20250117.csv", [("D1", "15/01/2025", "A")])
    )
    before = len(tracker.history("D1"))

    ingestor.ingest_topvir(
        write_topvir(tmp_path / "topvir_20250124.csv", [("D1", "13/01/2025", "B")])
    )
    ingestor.ingest_topvir(
        write_topvir(tmp_path / "topvir_20250131.csv", [("D1", "20/01/2025", "C")])
    )

    assert new_events(tracker, "D1", before) == ["PaymentOrdered"]
    facts = tracker.facts("D1")
    assert facts is not None
    assert (facts.ordered_on, facts.batch) == (date(2025, 1, 13), "B")
    assert tracker.history("D1")[-1].known_on == JAN_24


# -- quarantine listing ----------------------------------------------------------------


def test_quarantine_csv_has_the_header_and_one_line_per_quarantined_row(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        piaf_row("D1"),
        piaf_row("D2", SECTION="21"),  # line 3
        piaf_row("D3", DATE_DECISION="20/01/2025"),  # line 4: no SENS_DECISION
        piaf_row("", DATE_DEPOT="03/01/2025"),  # line 5: no number
        piaf_row("D5", ETAT="FERME"),  # line 6
    ]
    piaf = write_piaf(tmp_path / "piaf_20250124.csv", rows)
    topvir = write_topvir(tmp_path / "topvir_20250124.csv", [("D7", "20/01/2025", "L")])
    assert cli(capsys, "--db", db_url, "-q", "ingest", "piaf", str(piaf)).code == 0
    assert cli(capsys, "--db", db_url, "-q", "ingest", "topvir", str(topvir)).code == 0

    run = cli(capsys, "--db", db_url, "quarantine", "--format", "csv")

    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0] == "file,line,dossier,reason"
    parsed = list(csv.reader(io.StringIO(run.out)))
    assert len(lines) == len(parsed) == 6
    assert sorted((f, n, d) for f, n, d, _ in parsed[1:]) == [
        ("piaf_20250124.csv", "3", "D2"),
        ("piaf_20250124.csv", "4", "D3"),
        ("piaf_20250124.csv", "5", ""),
        ("piaf_20250124.csv", "6", "D5"),
        ("topvir_20250124.csv", "2", "D7"),
    ]
    assert all(reason.strip() for *_, reason in parsed[1:])


# -- the final state equals a naive reading of the last rows ------------------------


def naive_final_facts(files: GeneratedFiles) -> dict[str, dict[str, Any]]:
    """Each dossier's facts from the last row PIAF gave for it, read without the adapters."""
    final: dict[str, dict[str, Any]] = {}
    for path in files.piaf:
        known_on = date(int(path.stem[-8:-4]), int(path.stem[-4:-2]), int(path.stem[-2:]))
        extract = read_piaf(path.read_bytes().decode("cp1252"), known_on)
        for row in extract.accepted():
            assert row.facts is not None
            facts = dict(row.facts)
            previous = final.get(row.number)
            if facts["closed_on"] is not None and previous and previous["closed_on"]:
                facts["closed_on"] = previous["closed_on"]  # dated by the first CLASSE report
            final[row.number] = facts
    return final


def differing_facts(
    tracker: DossierTracker, expected: dict[str, dict[str, Any]], fields: tuple[str, ...]
) -> dict[str, Any]:
    """Dossiers whose stored facts differ from the expected ones: number -> (stored, expected)."""
    actual = {f.number: {k: getattr(f, k) for k in fields} for f in tracker.all_facts()}
    assert sorted(actual) == sorted(expected)
    return {
        number: (facts, {k: expected[number][k] for k in fields})
        for number, facts in actual.items()
        if facts != {k: expected[number][k] for k in fields}
    }


def test_final_facts_equal_a_naive_reading_of_each_dossiers_last_row(
    tracker: DossierTracker, tmp_path: Path
) -> None:
    files = _year(tmp_path / "files")
    ingestor = Ingestor(tracker)
    for piaf in files.piaf:
        ingestor.ingest_piaf(piaf)
    expected = naive_final_facts(files)

    # without TOPVIR, the transfer date is PIAF's alone and can be compared too
    assert differing_facts(tracker, expected, (*FACT_FIELDS, "ordered_on")) == {}
