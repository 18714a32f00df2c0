"""`casetrack reaudit`, with and without --compare, works in every format and grouping.

A generated year is ingested week by week as a site receives it (each date's PIAF extract,
then its TOPVIR file, so "known at K" means the files dated on or before K), and the
README tour's re-audit (the first quarter as known on 2025-04-04) runs through the real
entry point in each format. Every output must parse; the changed measures must be the
same in every format and equal the naive reading of the raw files (reaudit_outputs); the
CSV figures, on each side, must equal tests/naive_report.py's report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest
from openpyxl import load_workbook

from adapters.ingest import Ingestor
from adapters.synthetic import generate
from casetrack.application import DossierTracker
from tests.integration.ingest_helpers import Run, cli, release_connections
from tests.integration.reaudit_outputs import (
    Change,
    changes_from_csv,
    changes_from_html,
    changes_from_json,
    changes_from_table,
    changes_from_xlsx,
    csv_rows,
    html_tables,
    naive_changes,
    text_table,
)
from tests.naive_report import FIGURES, KEYS, Extracts, report_table

START, END, KNOWN_AT = date(2025, 1, 1), date(2025, 3, 31), date(2025, 4, 4)
QUARTER = ("--from", START.isoformat(), "--to", END.isoformat(), "--known-at", "2025-04-04")
FORMATS = ("table", "csv", "json", "html", "xlsx")
#: --by values: None is the command's default (all keys in CSV and JSON; engagement,section
#: in the table, xlsx and html, and with --compare).
GROUPINGS = (None, "engagement", "section,period")
CHANGE_COLUMNS = [
    "dossier",
    "section",
    "prestation",
    "engagement",
    "status_known_at",
    "status_now",
    "elapsed_known_at",
    "elapsed_now",
    "stop_known_at",
    "stop_now",
]
FRENCH_CHANGE_HEADER = [
    "Dossier",
    "Section",
    "Prestation",
    "Engagement",
    "Statut (K)",
    "Statut (maintenant)",
    "Délai (K)",
    "Délai (maintenant)",
    "Arrêt (K)",
    "Arrêt (maintenant)",
]
FRENCH_KEYS = {
    "engagement": "Engagement",
    "section": "Secteur",
    "prestation": "Prestation",
    "period": "Période",
}


class Store(NamedTuple):
    """A store filled from generated files, and the naive reading of the same files."""

    url: str
    extracts: Extracts


def ingest(url: str, root: Path, dossiers: int, seed: int, weeks: int | None = None) -> Store:
    """Generate a year and ingest its first `weeks` extraction dates (all: None), date by date.

    Date by date, not all PIAF extracts then all TOPVIR files: a transfer order that a later
    extract repeats would otherwise be known from that extract's date, not its TOPVIR file's.
    """
    files = generate(root / "files", year=2025, dossiers=dossiers, seed=seed)
    piaf, topvir = files.piaf[:weeks], files.topvir[:weeks]
    tracker = DossierTracker(url)
    try:
        ingestor = Ingestor(tracker)
        for extract, transfers in zip(piaf, topvir, strict=True):
            ingestor.ingest_piaf(extract)
            ingestor.ingest_topvir(transfers)
    finally:
        tracker.close()
    extracts = Extracts(piaf, topvir)
    assert KNOWN_AT in extracts.dates
    return Store(url, extracts)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """800 dossiers in a SQLite file."""
    root = tmp_path_factory.mktemp("reaudit-formats")
    return ingest(f"sqlite:///{root / 'store.sqlite'}", root, dossiers=800, seed=1010)


@pytest.fixture(scope="module")
def expected_changes(store: Store) -> set[Change]:
    """The tour's changed measures, from the raw files."""
    found = naive_changes(store.extracts, start=START, end=END, known_at=KNOWN_AT)
    assert len(found) >= 5, "too few changes in the generated data: choose another seed"
    assert any(c.status_known_at is None for c in found)
    assert any(c.status_known_at in ("pending", "overdue") for c in found)
    return found


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


def reaudit(
    capsys: pytest.CaptureFixture[str], url: str, out: Path, fmt: str, *options: str
) -> tuple[Run, str | Path]:
    """Run `casetrack reaudit` of the quarter; return the run and its output (text or file)."""
    args = ["--db", url, "reaudit", *QUARTER, "--format", fmt, *options]
    target = out / f"reaudit.{fmt}"
    if fmt in ("html", "xlsx"):
        args += ["--output", str(target)]
    run = cli(capsys, *args)
    assert run.code == 0, run.err
    if fmt in ("html", "xlsx"):
        assert target.stat().st_size > 0
        return run, target if fmt == "xlsx" else target.read_text(encoding="utf-8")
    assert run.out.strip()
    return run, run.out


def changes_in(fmt: str, output: str | Path) -> list[Change]:
    """The changed measures a --compare output lists, read back from its format."""
    if fmt == "json":
        assert isinstance(output, str)
        return changes_from_json(output)
    if fmt == "xlsx":
        assert isinstance(output, Path)
        header, found = changes_from_xlsx(output)
    else:
        assert isinstance(output, str)
        header, found = (changes_from_table if fmt == "table" else changes_from_html)(output)
    assert header == FRENCH_CHANGE_HEADER
    return found


def keys_of(by: str | None, *, compare: bool) -> tuple[str, ...]:
    """The grouping keys a --by value keeps, in the spec's order."""
    if by is None:
        return ("engagement", "section") if compare else KEYS
    return tuple(k for k in KEYS if k in by.split(","))


def naive_sides(store: Store, keys: tuple[str, ...]) -> tuple[list[list[str]], list[list[str]]]:
    """The naive report known at K (evaluated at K) and known now (at the latest extract)."""
    then = report_table(
        store.extracts.facts_at(KNOWN_AT).values(), start=START, end=END, as_of=KNOWN_AT, by=keys
    )
    now = report_table(
        store.extracts.facts_at().values(),
        start=START,
        end=END,
        as_of=store.extracts.latest,
        by=keys,
    )
    return then, now


def side(rows: list[list[str]], width: int, index: int) -> list[list[str]]:
    """One side of CSV comparison rows as report rows, leaving out groups empty on that side."""
    first = width + index * len(FIGURES)
    found = []
    for row in rows:
        figures = dict(zip(FIGURES, row[first : first + len(FIGURES)], strict=True))
        if any(figures[f] != "0" for f in ("measured", "open_pending", "open_overdue", "invalid")):
            found.append(row[:width] + list(figures.values()))
    return found


# -- with --compare -------------------------------------------------------------------------


@pytest.mark.parametrize("by", GROUPINGS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_reaudit_compare_lists_the_naive_changes_in_every_format(
    store: Store,
    expected_changes: set[Change],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    fmt: str,
    by: str | None,
) -> None:
    options = ("--compare",) if by is None else ("--compare", "--by", by)

    _, output = reaudit(capsys, store.url, tmp_path, fmt, *options)

    if fmt == "csv":
        changes_file = tmp_path / "changes.csv"
        reaudit(capsys, store.url, tmp_path, fmt, *options, "--changes", str(changes_file))
        header, listed = changes_from_csv(changes_file.read_text(encoding="utf-8"))
        assert header == CHANGE_COLUMNS
    else:
        listed = changes_in(fmt, output)
    assert len(listed) == len(set(listed)), "a change listed twice"
    assert set(listed) == expected_changes


@pytest.mark.parametrize("by", GROUPINGS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_reaudit_compare_figures_group_as_asked_in_every_format(
    store: Store,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    fmt: str,
    by: str | None,
) -> None:
    keys = keys_of(by, compare=True)
    then, now = naive_sides(store, keys)
    groups = sorted({tuple(r[: len(keys)]) for r in then[1:] + now[1:]})
    options = ("--compare",) if by is None else ("--compare", "--by", by)

    _, output = reaudit(capsys, store.url, tmp_path, fmt, *options)

    if fmt == "csv":
        assert isinstance(output, str)
        rows = csv_rows(output)
        assert rows[0] == [
            *keys,
            *(f"{f}_known_at" for f in FIGURES),
            *(f"{f}_now" for f in FIGURES),
        ]
        assert side(rows[1:], len(keys), 0) == then[1:]
        assert side(rows[1:], len(keys), 1) == now[1:]
        found = [tuple(r[: len(keys)]) for r in rows[1:]]
    elif fmt == "json":
        assert isinstance(output, str)
        figures = json.loads(output)["figures"]
        assert all(len(f) == len(keys) + 2 * len(FIGURES) for f in figures)
        found = [tuple(str(f[k]) for k in keys) for f in figures]
    elif fmt == "table":
        assert isinstance(output, str)
        lines = output.splitlines()
        assert lines[0].startswith("Réaudit du 2025-01-01 au 2025-03-31")
        start = next(i for i, line in enumerate(lines) if line.startswith("Chiffres")) + 1
        end = next(i for i, line in enumerate(lines) if line.startswith("Dossiers dont"))
        table = text_table([line for line in lines[start:end] if line])
        assert table[0][: len(keys)] == [FRENCH_KEYS[k] for k in keys]
        assert table[0][len(keys)] == "Mesurés"
        found = [tuple(r[: len(keys)]) for r in table[1:]]
    elif fmt == "html":
        assert isinstance(output, str)
        table = html_tables(output)["comparison"]
        assert table[0][: len(keys)] == [FRENCH_KEYS[k] for k in keys]
        # The second header row names the sides of each figure.
        assert table[1][:2] == ["K", "maintenant"]
        found = [tuple(r[: len(keys)]) for r in table[2:]]
    else:
        assert isinstance(output, Path)
        workbook = load_workbook(output)
        assert workbook.sheetnames == ["Réaudit", "Chiffres", "Changements"]
        sheet = [list(r) for r in workbook["Chiffres"].iter_rows(values_only=True)]
        assert sheet[0][: len(keys) + 1] == [*(FRENCH_KEYS[k] for k in keys), "Mesurés (K)"]
        found = [tuple(str(v) for v in r[: len(keys)]) for r in sheet[1:]]
    assert sorted(found) == groups
    assert len(found) == len(groups)


def test_reaudit_compare_table_shows_a_moved_figure_as_k_then_now(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    then, now = naive_sides(store, ("engagement",))
    expected = []
    for before, after in zip(then[1:], now[1:], strict=True):
        pair = (before[1], after[1])  # measured
        expected.append([before[0], pair[0] if pair[0] == pair[1] else f"{pair[0]} → {pair[1]}"])

    _, output = reaudit(capsys, store.url, tmp_path, "table", "--compare", "--by", "engagement")

    lines = output.splitlines() if isinstance(output, str) else []
    start = next(i for i, line in enumerate(lines) if line.startswith("Chiffres")) + 1
    table = text_table(lines[start : start + 2 + len(expected)])
    assert [row[:2] for row in table[1:]] == expected
    assert any("→" in row[1] for row in expected), "no figure moved: choose another seed"


def test_reaudit_compare_filters_the_changes_like_the_figures(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    expected = naive_changes(
        store.extracts, start=START, end=END, known_at=KNOWN_AT, engagement=17, section="PC"
    )
    options = ("--compare", "--engagement", "17", "--section", "PC")

    _, output = reaudit(capsys, store.url, tmp_path, "json", *options)

    assert isinstance(output, str)
    assert set(changes_from_json(output)) == expected
    assert {(f["engagement"], f["section"]) for f in json.loads(output)["figures"]} == {(17, "PC")}


def test_reaudit_compare_csv_says_on_stderr_where_the_changes_are(
    store: Store, expected_changes: set[Change], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    changes_file = tmp_path / "changements.csv"

    plain, _ = reaudit(capsys, store.url, tmp_path, "csv", "--compare")
    with_changes, _ = reaudit(
        capsys, store.url, tmp_path, "csv", "--compare", "--changes", str(changes_file)
    )

    assert "--changes FILE" in plain.err
    assert str(changes_file) in with_changes.err
    assert f"{len(expected_changes)} changed measures" in with_changes.err
    assert with_changes.out == plain.out  # stdout holds the figures only, either way


def test_reaudit_changes_without_compare_is_refused(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    changes_file = tmp_path / "changes.csv"

    run = cli(capsys, "--db", store.url, "reaudit", *QUARTER, "--changes", str(changes_file))

    assert run.code == 2
    assert "--compare" in run.err
    assert not changes_file.exists()


# -- without --compare ----------------------------------------------------------------------


def _report_cells(row: dict[str, object], keys: tuple[str, ...]) -> list[str]:
    cells = []
    for name in (*keys, *FIGURES):
        value = row[name]
        if isinstance(value, float):
            cells.append(str(Decimal(str(value)).quantize(Decimal("0.0001"))))
        else:
            cells.append("" if value is None else str(value))
    return cells


def human_keys(by: str | None) -> tuple[str, ...]:
    """The keys the table, xlsx and html show: engagement × sector by default, and the
    engagement always (its unit and limit head each block)."""
    if by is None:
        return ("engagement", "section")
    return ("engagement", *(k for k in keys_of(by, compare=False) if k != "engagement"))


def table_blocks(text: str) -> dict[str, list[list[str]]]:
    """Each engagement's rows in the terminal report (keys but the engagement, then the
    figures), its total row last."""
    blocks: dict[str, list[list[str]]] = {}
    lines = text.splitlines()
    for at, line in enumerate(lines):
        if not line.startswith("Engagement "):
            continue
        body = []
        for below in lines[at + 1 :]:
            if not below.strip():
                break
            body.append(below)
        rule = next(i for i, row in enumerate(body) if row.startswith("-"))
        rows = [row for row in body[rule + 1 :] if not row.startswith("-")]
        table = text_table([body[0], body[rule], *rows])
        blocks[line.split()[1]] = table[1:]
    return blocks


def xlsx_blocks(path: Path) -> dict[str, list[list[str]]]:
    """The same from the workbook: row 1 the title, row 2 the header, rows down to Total."""
    workbook = load_workbook(path)
    blocks = {}
    for sheet in workbook.worksheets:
        if not sheet.title.startswith("Engagement "):
            continue
        rows = [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]
        last = next(i for i, row in enumerate(rows) if row[0] == "Total")
        blocks[sheet.title.split()[1]] = rows[2 : last + 1]
    return blocks


def expected_blocks(expected: list[list[str]], keys: tuple[str, ...]) -> dict[str, list[list[str]]]:
    """The naive rows per engagement as the human outputs show them: keys but the
    engagement, then measured, met and breached; a total row of the measured figures."""
    width = len(keys)
    blocks: dict[str, list[list[str]]] = {}
    for row in expected[1:]:
        blocks.setdefault(row[0], []).append(row[1:width] + row[width : width + 3])
    for engagement, rows in blocks.items():
        totals = [str(sum(int(r[width - 1 + i]) for r in rows)) for i in range(3)]
        shown = rows if width > 1 else []
        blocks[engagement] = [*shown, ["Total"] + [""] * (width - 2) + totals]
    return blocks


def shown_blocks(blocks: dict[str, list[list[str]]], keys: tuple[str, ...]) -> dict[str, list]:
    """Keys and measured, met, breached of each shown row (one key cell at least)."""
    width = max(len(keys) - 1, 1)
    return {e: [r[:width] + r[width : width + 3] for r in rows] for e, rows in blocks.items()}


@pytest.mark.parametrize("by", GROUPINGS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_reaudit_gives_the_naive_report_known_at_k_in_every_format(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str, by: str | None
) -> None:
    machine = fmt in ("csv", "json")
    keys = keys_of(by, compare=False) if machine else human_keys(by)
    expected = report_table(
        store.extracts.facts_at(KNOWN_AT).values(), start=START, end=END, as_of=KNOWN_AT, by=keys
    )
    assert len(expected) > 1

    _, output = reaudit(capsys, store.url, tmp_path, fmt, *(() if by is None else ("--by", by)))

    if fmt == "csv":
        assert isinstance(output, str)
        assert csv_rows(output) == expected
    elif fmt == "json":
        assert isinstance(output, str)
        assert [_report_cells(r, keys) for r in json.loads(output)] == expected[1:]
    elif fmt == "table":
        assert isinstance(output, str)
        lines = output.splitlines()
        assert lines[0].startswith("Rapport du 01/01/2025 au 31/03/2025, évalué au 04/04/2025")
        assert "faits connus au 04/04/2025" in lines[0]
        found = shown_blocks(table_blocks(output), keys)
        assert found == shown_blocks(expected_blocks(expected, keys), keys)
    elif fmt == "html":
        assert isinstance(output, str)
        assert "04/04/2025" in output
        assert "Faits connus au" in output
    else:
        assert isinstance(output, Path)
        found = shown_blocks(xlsx_blocks(output), keys)
        assert found == shown_blocks(expected_blocks(expected, keys), keys)
        summary = {
            r[0]: r[1] for r in load_workbook(output)["Rapport"].iter_rows(values_only=True) if r[0]
        }
        known = summary["Faits connus au"]
        assert isinstance(known, datetime)  # openpyxl reads a date cell as a datetime
        assert known.date() == KNOWN_AT


# -- both backends, and the real command in a subprocess ----------------------------------


def test_changes_are_the_same_in_every_format_on_each_backend(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Eight weeks after K are enough for late entries to show, and keep PostgreSQL quick.
    small = ingest(db_url, tmp_path, dossiers=300, seed=77, weeks=22)
    expected = naive_changes(small.extracts, start=START, end=END, known_at=KNOWN_AT)
    assert expected, "no change in the generated data: choose another seed"
    changes_file = tmp_path / "changes.csv"

    found = {}
    for fmt in FORMATS:
        extra = ("--changes", str(changes_file)) if fmt == "csv" else ()
        _, output = reaudit(capsys, db_url, tmp_path, fmt, "--compare", *extra)
        if fmt == "csv":
            found[fmt] = changes_from_csv(changes_file.read_text(encoding="utf-8"))[1]
        else:
            found[fmt] = changes_in(fmt, output)

    assert {fmt: sorted(listed) for fmt, listed in found.items()} == dict.fromkeys(
        FORMATS, sorted(expected)
    )


def test_python_m_casetrack_reaudit_compare_writes_figures_and_changes(
    store: Store, expected_changes: set[Change], tmp_path: Path
) -> None:
    changes_file = tmp_path / "changes.csv"
    command = [sys.executable, "-m", "casetrack", "--db", store.url, "reaudit", *QUARTER]
    command += ["--compare", "--format", "csv", "--changes", str(changes_file)]

    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    helped = subprocess.run(
        [sys.executable, "-m", "casetrack", "reaudit", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert csv_rows(done.stdout)[0][:3] == ["engagement", "section", "measured_known_at"]
    header, listed = changes_from_csv(changes_file.read_text(encoding="utf-8"))
    assert header == CHANGE_COLUMNS
    assert sorted(listed) == sorted(expected_changes)
    assert helped.returncode == 0
    assert "--changes FILE" in helped.stdout
