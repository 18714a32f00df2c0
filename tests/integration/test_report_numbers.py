"""Report and measure numbers on generated data equal a naive computation from the raw extracts.

A year of synthetic PIAF and TOPVIR files is ingested through the CLI, date by date (the
PIAF extract, then the TOPVIR file of the same date), into a fresh SQLite store. The
expected numbers come from `tests.naive_report`, which rereads the files itself and
follows measures.md step by step; they never come from casetrack's own measures.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from adapters.synthetic import generate
from casetrack.cli import main
from tests.naive_report import Extracts, measure_table, parse_csv, report_table

YEAR_START, YEAR_END = date(2025, 1, 1), date(2025, 12, 31)
DOSSIERS = 800


class Store(NamedTuple):
    """A store holding one generated year, and the naive reading of the same files."""

    url: str
    extracts: Extracts
    out: Path


def ingest_in_order(url: str, piaf: tuple[Path, ...], topvir: tuple[Path, ...]) -> None:
    """Ingest every date's PIAF extract, then the TOPVIR file of that date, through the CLI."""
    for extract, transfers in zip(piaf, topvir, strict=True):
        for kind, path in (("piaf", extract), ("topvir", transfers)):
            code = main(["--db", url, "-q", "ingest", kind, str(path)])
            assert code == 0, f"casetrack ingest {kind} {path.name} exited with {code}"


def run(store: Store, *args: str) -> str:
    """Run one casetrack command writing to a file; return what it wrote."""
    target = store.out / f"output-{len(list(store.out.iterdir()))}.txt"
    code = main(["--db", store.url, "-q", *args, "--output", str(target)])
    assert code == 0, f"casetrack {' '.join(args)} exited with {code}"
    return target.read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=[11, 2025, 5], ids=lambda seed: f"seed{seed}")
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A generated year ingested date by date into a fresh SQLite store."""
    root = tmp_path_factory.mktemp(f"numbers-{request.param}")
    files = generate(root / "files", year=2025, dossiers=DOSSIERS, seed=request.param)
    url = f"sqlite:///{root / 'store.sqlite'}"
    ingest_in_order(url, files.piaf, files.topvir)
    out = root / "out"
    out.mkdir()
    return Store(url, Extracts(files.piaf, files.topvir), out)


def assert_same_table(expected: list[list[str]], actual: list[list[str]]) -> None:
    """Same header, then the same rows in the same order; a short diff otherwise."""
    assert actual[:1] == expected[:1], "header differs"
    if actual == expected:
        return
    missing = [row for row in expected[1:] if row not in actual]
    extra = [row for row in actual[1:] if row not in expected]
    lines = [f"expected {len(expected) - 1} rows, got {len(actual) - 1}"]
    lines += [f"  naive only:  {row}" for row in missing[:15]]
    lines += [f"  casetrack only: {row}" for row in extra[:15]]
    if not missing and not extra:
        lines.append("  same rows, different order")
    pytest.fail("\n".join(lines))


def test_measures_csv_equals_the_naive_measures_at_the_latest_extraction(store: Store) -> None:
    expected = measure_table(store.extracts.facts_at(), store.extracts.latest)

    actual = parse_csv(run(store, "measures", "--format", "csv"))

    assert_same_table(expected, actual)


@pytest.mark.parametrize(
    ("options", "known_at"),
    [((), None), (("--as-of", "2025-05-16"), None), (("--known-at", "2025-05-16"), "2025-05-16")],
    ids=["latest", "as-of-mid-may", "known-at-mid-may"],
)
def test_measures_csv_at_a_past_date_equals_the_naive_measures(
    store: Store, options: tuple[str, ...], known_at: str | None
) -> None:
    as_of = date.fromisoformat(options[1]) if options else store.extracts.latest
    facts = store.extracts.facts_at(date.fromisoformat(known_at) if known_at else None)
    expected = measure_table(facts, as_of)

    actual = parse_csv(run(store, "measures", *options, "--format", "csv"))

    assert {row[-1] for row in expected[1:]} >= {"met", "not_applicable"}
    assert_same_table(expected, actual)


REPORTS: dict[str, tuple[list[str], dict[str, Any]]] = {
    "all-keys-by-month": ([], {}),
    "engagement-section": (["--by", "engagement,section"], {"by": ("engagement", "section")}),
    "engagement-quarter": (
        ["--by", "engagement,period", "--period", "quarter"],
        {"by": ("engagement", "period"), "period": "quarter"},
    ),
    "engagement-year": (
        ["--by", "engagement", "--period", "year"],
        {"by": ("engagement",), "period": "year"},
    ),
    "engagement-19-sector-PC": (
        ["--engagement", "19", "--section", "PC"],
        {"engagement": 19, "section": "PC"},
    ),
}


@pytest.mark.parametrize("case", sorted(REPORTS))
def test_report_csv_equals_the_naive_report(store: Store, case: str) -> None:
    args, options = REPORTS[case]
    expected = report_table(
        store.extracts.facts_at().values(),
        start=YEAR_START,
        end=YEAR_END,
        as_of=store.extracts.latest,
        **options,
    )

    actual = parse_csv(
        run(store, "report", "--from", "2025-01-01", "--to", "2025-12-31", *args, "--format", "csv")
    )

    assert len(expected) > 1, "the naive report is empty: the comparison would prove nothing"
    assert_same_table(expected, actual)


def test_report_as_of_mid_year_equals_the_naive_report(store: Store) -> None:
    as_of = date(2025, 5, 16)
    expected = report_table(
        store.extracts.facts_at().values(), start=YEAR_START, end=date(2025, 6, 30), as_of=as_of
    )

    actual = parse_csv(
        run(
            store,
            "report",
            "--from",
            "2025-01-01",
            "--to",
            "2025-06-30",
            "--as-of",
            "2025-05-16",
            "--format",
            "csv",
        )
    )

    assert {row[3] for row in expected[1:]} == {f"2025-{m:02d}" for m in range(1, 6)}
    assert_same_table(expected, actual)


INTEGER_COLUMNS = frozenset(
    {"engagement", "measured", "met", "breached", "median", "p90", "max", "elapsed"}
    | {"open_pending", "open_overdue", "invalid"}
)


def json_as_csv_cell(column: str, value: object) -> str:
    """A JSON value spelt as the CSV spells it; ints must be numbers, the rest strings."""
    if value is None:
        return ""
    if column in INTEGER_COLUMNS:
        assert type(value) is int, f"{column}: {value!r} is not a JSON integer"
        return str(value)
    if column == "rate":
        assert isinstance(value, int | float), f"rate: {value!r} is not a JSON number"
        return f"{value:.4f}"
    assert isinstance(value, str), f"{column}: {value!r} is not a JSON string"
    return value


def assert_json_matches_csv(json_text: str, csv_text: str) -> None:
    """Same keys in the same order and the same values, row by row."""
    items = json.loads(json_text)
    table = parse_csv(csv_text)
    header, rows = table[0], table[1:]
    assert len(items) == len(rows)
    for item, row in zip(items, rows, strict=True):
        assert list(item) == header
        assert [json_as_csv_cell(c, item[c]) for c in header] == row


@pytest.mark.parametrize("case", ["all-keys-by-month", "engagement-quarter", "engagement-year"])
def test_report_json_has_the_keys_and_values_of_the_csv(store: Store, case: str) -> None:
    args = ["report", "--from", "2025-01-01", "--to", "2025-12-31", *REPORTS[case][0]]

    as_json = run(store, *args, "--format", "json")
    as_csv = run(store, *args, "--format", "csv")

    assert_json_matches_csv(as_json, as_csv)


def test_measures_json_has_the_keys_and_values_of_the_csv(store: Store) -> None:
    as_json = run(store, "measures", "--format", "json")
    as_csv = run(store, "measures", "--format", "csv")

    assert_json_matches_csv(as_json, as_csv)
