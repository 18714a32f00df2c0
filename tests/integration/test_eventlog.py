"""`casetrack export eventlog`: the facts in force or, with `--history`, every change, in
CSV and XES alike (docs/eventlog.md), on SQLite and PostgreSQL.

The store holds three hand-written extracts and a TOPVIR file (eventlog_data.py); the
expected events are written out there from those files and docs/eventlog.md. PM4Py reads
both formats of both logs back, and its counts are checked against a naive fold of the
raw stored events (eventlog_oracle.py).
"""

from __future__ import annotations

import csv
import importlib
import io
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from types import ModuleType

import pytest
from attrs import frozen

from tests.integration.cli_runs import Job, casetrack
from tests.integration.eventlog_data import (
    CASE_ATTRIBUTES,
    CASE_ATTRIBUTES_JAN_17,
    CSV_COLUMNS,
    CURRENT,
    CURRENT_JAN_10,
    CURRENT_JAN_17,
    HISTORY,
    Event,
    csv_rows,
    expected_traces,
    known_by,
    shared_store,
    stamp,
    xes_traces,
)
from tests.integration.eventlog_oracle import naive_log
from tests.integration.ingest_helpers import cli


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The filled store on each backend, shared: every test here only reads it."""
    yield from shared_store(request, tmp_path_factory)


def export(capsys: pytest.CaptureFixture[str], url: str, *options: str) -> str:
    """What `casetrack export eventlog OPTIONS` prints."""
    run = cli(capsys, "--db", url, "-q", "export", "eventlog", *options)
    assert run.code == 0, run.err[-800:]
    return run.out


def test_csv_has_the_documented_columns_and_one_line_per_fact_in_force(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.reader(io.StringIO(export(capsys, store, "--format", "csv"))))

    assert rows[0] == CSV_COLUMNS
    assert rows[1:] == csv_rows(CURRENT, CASE_ATTRIBUTES)


@pytest.mark.parametrize(
    ("known_at", "expected"), [("2025-01-10", CURRENT_JAN_10), ("2025-01-17", CURRENT_JAN_17)]
)
def test_csv_known_at_keeps_the_facts_in_force_then(
    store: str, capsys: pytest.CaptureFixture[str], known_at: str, expected: list[Event]
) -> None:
    out = export(capsys, store, "--format", "csv", "--known-at", known_at)

    assert list(csv.reader(io.StringIO(out)))[1:] == csv_rows(expected, CASE_ATTRIBUTES_JAN_17)


def test_xes_has_one_trace_per_dossier_with_the_csv_attributes(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.xes"
    export(capsys, store, "--format", "xes", "--output", str(path))

    assert xes_traces(path) == expected_traces(CURRENT, CASE_ATTRIBUTES)


def test_xes_known_at_keeps_the_facts_in_force_then(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.xes"
    export(capsys, store, "--format", "xes", "--known-at", "2025-01-17", "--output", str(path))

    assert xes_traces(path) == expected_traces(CURRENT_JAN_17, CASE_ATTRIBUTES_JAN_17)


def test_the_naive_fold_agrees_with_the_hand_written_logs(store: str) -> None:
    # The oracle the PM4Py tests count against, checked once against the hand-written logs.
    naive = naive_log(store)

    assert naive.cases == 3
    assert naive.history == Counter((e.case, e.fact, e.change) for e in HISTORY)
    assert naive.current == Counter((e.case, e.fact, e.change) for e in CURRENT)


def test_history_known_at_keeps_the_changes_known_then(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = export(capsys, store, "--history", "--format", "csv", "--known-at", "2025-01-17")

    expected = known_by(HISTORY, "2025-01-17")
    assert list(csv.reader(io.StringIO(out)))[1:] == csv_rows(expected, CASE_ATTRIBUTES_JAN_17)


# -- read back with PM4Py, counted against the raw stored events --------------------------


@pytest.fixture(scope="module")
def pm4py() -> ModuleType:
    """PM4Py (the test extra), imported once per module.

    The import is slow, prints a banner and adds warning filters, all kept out of the tests.
    """
    with warnings.catch_warnings(), redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        return importlib.import_module("pm4py")


#: An event as read back: the CSV's columns in order, case attributes moved after the case.
READ_ORDER = (
    "case:concept:name",
    "case:section",
    "case:prestation",
    "concept:name",
    "time:timestamp",
    "dated_by",
    "known_on",
    "fact",
    "change",
    "source",
)


@frozen
class ReadBack:
    """What PM4Py reads from one file: its columns, case count and events."""

    columns: list[str]
    cases: int
    events: list[tuple[str, ...]]


def read_back(pm4py: ModuleType, path: Path) -> ReadBack:
    """Read a log as docs/eventlog.md shows; dates back in Paris time, as ISO text."""
    pandas = importlib.import_module("pandas")
    # PM4Py warns that a faster optional reader exists: advice to its users, not a fault.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path.suffix == ".xes":
            frame = pm4py.read_xes(str(path))
        else:
            frame = pandas.read_csv(path, dtype=str, keep_default_na=False)
            frame = frame.astype({"case:section": "category", "case:prestation": "category"})
            frame = pm4py.format_dataframe(frame)
    for key in ("time:timestamp", "known_on"):
        paris = frame[key].dt.tz_convert("Europe/Paris")
        frame[key] = paris.map(lambda stamp: stamp.isoformat())
    rows = frame[list(READ_ORDER)].astype(str).itertuples(index=False, name=None)
    return ReadBack(
        columns=sorted(c for c in frame.columns if not c.startswith("@@")),
        cases=int(frame["case:concept:name"].nunique()),
        events=list(rows),
    )


def counted(events: list[tuple[str, ...]]) -> Counter[tuple[str, str, str]]:
    """Events per (dossier, fact, change) of what PM4Py read."""
    case, fact, change = (READ_ORDER.index(k) for k in ("case:concept:name", "fact", "change"))
    return Counter((e[case], e[fact], e[change]) for e in events)


def as_read(events: list[Event]) -> list[tuple[str, ...]]:
    """Hand-written events as PM4Py gives them back, in READ_ORDER."""
    return [
        (
            *(e.case, *CASE_ATTRIBUTES[e.case], e.activity, stamp(e.day), e.dated_by),
            *(stamp(e.known_on), e.fact, e.change, e.source),
        )
        for e in events
    ]


def export_file(url: str, path: Path, *options: str) -> None:
    """`casetrack export eventlog` as users run it: its own process, the real entry point."""
    argv = ["--db", url, "-q", "export", "eventlog", *options, "--output", str(path)]
    done = casetrack(Job(argv, path.parent))
    assert done.code == 0, done.summary()


@pytest.mark.parametrize(
    ("options", "expected"), [((), CURRENT), (("--history",), HISTORY)], ids=["current", "history"]
)
def test_pm4py_reads_csv_and_xes_alike_with_the_store_counts(
    store: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pm4py: ModuleType,
    options: tuple[str, ...],
    expected: list[Event],
) -> None:
    xes, table = tmp_path / "log.xes", tmp_path / "log.csv"
    export_file(store, xes, *options, "--format", "xes")
    export(capsys, store, *options, "--format", "csv", "--output", str(table))

    from_xes, from_csv = read_back(pm4py, xes), read_back(pm4py, table)

    naive = naive_log(store)
    # One naming across both formats: XES trace attributes come back as the CSV's `case:`.
    assert from_xes.columns == from_csv.columns == sorted(CSV_COLUMNS)
    assert from_xes.events == from_csv.events
    assert from_xes.cases == naive.cases
    assert counted(from_xes.events) == (naive.history if options else naive.current)
    # Back in Paris time, each timestamp is its business date at midnight.
    assert from_xes.events == as_read(expected)
