"""A TOPVIR line whose dossier PIAF has not filed yet: quarantined, then applied by a rerun.

The quarantine reason says "ingest the PIAF extract that files it, then this file again";
these tests do exactly that, on both backends, through the command line. Expected dates
and measures are worked out here from the files' own dates (engagement 18 counts calendar
days: docs/measures.md), never taken from the code under test.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from adapters.rowstate import RowStateStore
from adapters.sql_engine import engine_for
from casetrack.application import DossierTracker
from tests.integration.cli_runs import Job, casetrack
from tests.integration.ingest_helpers import (
    Run,
    cli,
    piaf_row,
    quarantine_rows,
    raw_events,
    release_connections,
    write_piaf,
    write_topvir,
)

#: Filed in PIAF from the first extract on.
KNOWN = "2025-05-000001"
#: In the TOPVIR file of 17 January, filed by PIAF only in the extract of 24 January.
LATE = "2025-05-000002"
#: In the TOPVIR file, never filed.
NEVER = "2025-05-000003"
DECIDED = date(2024, 12, 27)
ORDERED = date(2025, 1, 15)
TOPVIR_DAY = date(2025, 1, 17)
AS_OF = "2025-01-31"


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def decided(number: str, **values: str) -> dict[str, str]:
    """A PIAF row of a dossier granted on DECIDED, not yet paid."""
    return piaf_row(
        number,
        DATE_DEPOT="02/12/2024",
        DATE_DECISION=dmy(DECIDED),
        SENS_DECISION="ACCORD",
        **values,
    )


def ingest(capsys: pytest.CaptureFixture[str], url: str, kind: str, *files: Path) -> Run:
    run = cli(capsys, "--db", url, "ingest", kind, "--no-project", *map(str, files))
    assert run.code == 0, run.err
    return run


def summary_of(run: Run | str, path: Path) -> str:
    err = run if isinstance(run, str) else run.err
    return next(line for line in err.splitlines() if line.startswith(f"{path.name} ("))


def orders(url: str, number: str) -> list[tuple[date, str | None, str, date]]:
    """(ordered_on, batch, source, known_on) of every PaymentOrdered of a dossier."""
    tracker = DossierTracker(url)
    try:
        return [
            (e.ordered_on, e.batch, e.source, e.known_on)
            for e in tracker.history(number)
            if type(e).__name__ == "PaymentOrdered"
        ]
    finally:
        tracker.close()


def listed(capsys: pytest.CaptureFixture[str], url: str) -> list[tuple[str, str, str]]:
    """(file, line, dossier) of each row `casetrack quarantine --format csv` lists."""
    run = cli(capsys, "--db", url, "quarantine", "--format", "csv")
    assert run.code == 0, run.err
    return [(r["file"], r["line"], r["dossier"]) for r in csv.DictReader(io.StringIO(run.out))]


def measure_18(capsys: pytest.CaptureFixture[str], url: str, number: str) -> dict[str, str]:
    run = cli(capsys, "--db", url, "measures", "--as-of", AS_OF, "--format", "csv")
    assert run.code == 0, run.err
    rows = csv.DictReader(io.StringIO(run.out))
    return next(r for r in rows if r["dossier"] == number and r["engagement"] == "18")


def files(folder: Path) -> tuple[Path, Path, Path]:
    """PIAF of 10 January (KNOWN), TOPVIR of 17 January (KNOWN, LATE, NEVER), PIAF of
    24 January (KNOWN and LATE)."""
    first = write_piaf(folder / "piaf_20250110.csv", [decided(KNOWN)])
    topvir = write_topvir(
        folder / "topvir_20250117.csv",
        [(KNOWN, dmy(ORDERED), "L1"), (LATE, dmy(ORDERED), "L1"), (NEVER, dmy(ORDERED), "L1")],
    )
    filing = write_piaf(folder / "piaf_20250124.csv", [decided(KNOWN), decided(LATE)])
    return first, topvir, filing


def quarantined_late(capsys: pytest.CaptureFixture[str], url: str, folder: Path) -> Path:
    """Ingest PIAF of 10 January, then the TOPVIR file: LATE and NEVER are quarantined."""
    first, topvir, _ = files(folder)
    ingest(capsys, url, "piaf", first)
    ingest(capsys, url, "topvir", topvir)
    return topvir


def test_a_line_of_an_unfiled_dossier_is_quarantined_with_the_advice_to_rerun(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    topvir = quarantined_late(capsys, db_url, tmp_path)

    rows = quarantine_rows(db_url)

    advice = "unknown dossier number: ingest the PIAF extract that files it, then this file again"
    assert rows == [(topvir.name, 3, LATE, advice), (topvir.name, 4, NEVER, advice)]
    assert orders(db_url, KNOWN) == [(ORDERED, "L1", "topvir", TOPVIR_DAY)]


def test_rerun_after_the_filing_extract_applies_the_line_with_the_topvir_date(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    _, topvir, filing = files(tmp_path)
    quarantined_late(capsys, db_url, tmp_path)
    ingest(capsys, db_url, "piaf", filing)
    before = measure_18(capsys, db_url, LATE)

    # The user's path: the real entry point, in a process of its own (this process's
    # pooled connections closed first, as when the commands run one after the other).
    engine_for(db_url).dispose()
    rerun = casetrack(
        Job(["--db", db_url, "ingest", "topvir", "--no-project", str(topvir)], tmp_path)
    )

    assert rerun.code == 0, rerun.summary()
    assert summary_of(rerun.err, topvir) == (
        f"{topvir.name} (topvir, extracted 2025-01-17): already ingested with the same "
        "content; re-read: 1 line of an earlier quarantine now applied "
        "(1 transfer order recorded), 1 still unknown"
    )
    assert orders(db_url, LATE) == [(ORDERED, "L1", "topvir", TOPVIR_DAY)]
    assert orders(db_url, KNOWN) == [(ORDERED, "L1", "topvir", TOPVIR_DAY)]
    assert listed(capsys, db_url) == [(topvir.name, "4", NEVER)]
    elapsed = (ORDERED - DECIDED).days
    due = DECIDED + timedelta(days=15)
    assert (before["stop"], before["status"]) == ("", "overdue")
    assert measure_18(capsys, db_url, LATE) == {
        "dossier": LATE,
        "section": "05",
        "prestation": "PL",
        "engagement": "18",
        "start": DECIDED.isoformat(),
        "stop": ORDERED.isoformat(),
        "due": due.isoformat(),
        "elapsed": str(elapsed),
        "status": "met" if elapsed <= 15 else "breached",
    }


def test_a_second_rerun_changes_nothing_and_says_what_still_waits(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    _, topvir, filing = files(tmp_path)
    quarantined_late(capsys, db_url, tmp_path)
    ingest(capsys, db_url, "piaf", filing)
    ingest(capsys, db_url, "topvir", topvir)
    events = raw_events(db_url)
    rows = quarantine_rows(db_url)

    again = ingest(capsys, db_url, "topvir", topvir)

    assert summary_of(again, topvir).endswith(
        "already ingested with the same content; skipped "
        "(1 line quarantined for an unknown dossier: no PIAF extract has filed it yet)"
    )
    assert raw_events(db_url) == events
    assert quarantine_rows(db_url) == rows


def test_a_topvir_file_without_quarantined_lines_is_still_skipped(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    first = write_piaf(tmp_path / "piaf_20250110.csv", [decided(KNOWN)])
    topvir = write_topvir(tmp_path / "topvir_20250117.csv", [(KNOWN, dmy(ORDERED), "L1")])
    ingest(capsys, db_url, "piaf", first)
    ingest(capsys, db_url, "topvir", topvir)
    events = raw_events(db_url)

    again = ingest(capsys, db_url, "topvir", topvir)

    assert summary_of(again, topvir) == (
        f"{topvir.name} (topvir, extracted 2025-01-17): already ingested with the same "
        "content; skipped"
    )
    assert raw_events(db_url) == events


def test_a_piaf_extract_with_quarantined_rows_is_never_read_again(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    extract = write_piaf(
        tmp_path / "piaf_20250110.csv", [decided(KNOWN), piaf_row(LATE, SECTION="99")]
    )
    ingest(capsys, db_url, "piaf", extract)
    events, rows = raw_events(db_url), quarantine_rows(db_url)

    again = ingest(capsys, db_url, "piaf", extract)

    assert summary_of(again, extract).endswith("already ingested with the same content; skipped")
    assert (raw_events(db_url), quarantine_rows(db_url)) == (events, rows)


@pytest.mark.parametrize(
    ("piaf_order", "expected"),
    [
        # PIAF gave an earlier order when it filed the dossier: it stands, TOPVIR adds nothing.
        (date(2025, 1, 14), [(date(2025, 1, 14), None, "piaf", date(2025, 1, 24))]),
        # PIAF gave a later one: the TOPVIR order, earlier, is recorded (the earliest stands).
        (
            date(2025, 1, 16),
            [
                (date(2025, 1, 16), None, "piaf", date(2025, 1, 24)),
                (ORDERED, "L1", "topvir", TOPVIR_DAY),
            ],
        ),
    ],
)
def test_a_line_read_again_only_adds_an_order_earlier_than_the_recorded_one(
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    tmp_path: Path,
    piaf_order: date,
    expected: list[tuple[date, str | None, str, date]],
) -> None:
    topvir = quarantined_late(capsys, db_url, tmp_path)
    filing = write_piaf(
        tmp_path / "piaf_20250124.csv", [decided(LATE, DATE_VIREMENT=dmy(piaf_order))]
    )
    ingest(capsys, db_url, "piaf", filing)

    rerun = ingest(capsys, db_url, "topvir", topvir)

    assert "re-read: 1 line of an earlier quarantine now applied" in summary_of(rerun, topvir)
    assert orders(db_url, LATE) == expected
    assert [row[2] for row in quarantine_rows(db_url)] == [NEVER]


def test_a_rerun_reads_again_only_the_quarantined_lines(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    # KNOWN's TOPVIR line was applied on the first read; PIAF then gave an earlier order of
    # its own and withdrew it. Reading the file again for LATE must not bring KNOWN's back.
    topvir = quarantined_late(capsys, db_url, tmp_path)
    earlier = decided(KNOWN, DATE_VIREMENT="14/01/2025")
    ingest(capsys, db_url, "piaf", write_piaf(tmp_path / "piaf_20250124.csv", [earlier]))
    withdrawn = [decided(KNOWN), decided(LATE)]
    ingest(capsys, db_url, "piaf", write_piaf(tmp_path / "piaf_20250131.csv", withdrawn))
    known_before = orders(db_url, KNOWN)

    ingest(capsys, db_url, "topvir", topvir)

    assert orders(db_url, KNOWN) == known_before
    tracker = DossierTracker(db_url)
    try:
        facts = tracker.facts(KNOWN)
    finally:
        tracker.close()
    assert facts is not None
    assert facts.ordered_on is None
    assert orders(db_url, LATE) == [(ORDERED, "L1", "topvir", TOPVIR_DAY)]


def test_a_rerun_stopped_before_the_quarantine_is_released_is_completed_by_the_next(
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, topvir, filing = files(tmp_path)
    quarantined_late(capsys, db_url, tmp_path)
    ingest(capsys, db_url, "piaf", filing)

    def stop(*_: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C after the events, before the rows are released

    with monkeypatch.context() as patch:
        patch.setattr(RowStateStore, "release", stop)
        stopped = cli(capsys, "--db", db_url, "ingest", "topvir", "--no-project", str(topvir))
    assert stopped.code == 130
    events = raw_events(db_url)
    assert [row[2] for row in quarantine_rows(db_url)] == [LATE, NEVER]

    rerun = ingest(capsys, db_url, "topvir", topvir)

    assert "re-read: 1 line of an earlier quarantine now applied (0 transfer orders" in (
        summary_of(rerun, topvir)
    )
    assert raw_events(db_url) == events
    assert orders(db_url, LATE) == [(ORDERED, "L1", "topvir", TOPVIR_DAY)]
    assert [row[2] for row in quarantine_rows(db_url)] == [NEVER]
