"""The xlsx report of a generated year: its figures against a naive recount, and its print.

The workbook is written by `casetrack report --by engagement,section --format xlsx` on the
shared CLI store. Its totals, rows and trend are checked against `tests.naive_report`,
which rereads the raw extracts and follows measures.md step by step. LibreOffice then
prints each sheet alone to PDF (all in one call: its start-up is the slow part), and the
pages are counted; with poppler's `pdftoppm` each page is also rendered to PNG, copied to
$CASETRACK_SCREENSHOTS when set, for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.integration.cli_runs import Store, csv_records, in_process
from tests.naive_report import sector_of

YEAR_START, YEAR_END = date(2025, 1, 1), date(2025, 12, 31)
YEAR = ("--from", YEAR_START.isoformat(), "--to", YEAR_END.isoformat())
ENGAGEMENTS = (17, 18, 19)
SHEETS = ("Rapport", "Engagement 17", "Engagement 18", "Engagement 19", "Tendance")
#: The pages each sheet prints on: the engagement × sector table of a year (17 sectors
#: from 2025 on, as 01 to 04 are PC) fits one page, and so do twelve months of trend.
EXPECTED_PAGES = dict.fromkeys(SHEETS, 1)
#: French header -> the CSV column of the same figure (units follow on a second line).
FIGURE_OF = {
    "Secteur": "section",
    "Mesurés": "measured",
    "Respectés": "met",
    "Dépassés": "breached",
    "Taux": "rate",
    "Médiane": "median",
    "P90": "p90",
    "Max": "max",
    "En cours": "open_pending",
    "En retard": "open_overdue",
    "Anomalies": "invalid",
}
#: A4 landscape in PDF points, as LibreOffice writes the media box.
A4_LANDSCAPE = (842, 595)
STOPPED = ("met", "breached", "invalid")
STATUSES = (*STOPPED, "pending", "overdue")
#: A report row's figures, by CSV column, as the CSV spells them.
Figures = dict[str, str]
K = TypeVar("K")
PAGE = re.compile(rb"/Type\s*/Page\b")
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")


class Measures(NamedTuple):
    """`casetrack measures` as CSV records, at two evaluation dates."""

    now: list[dict[str, str]]
    year_end: list[dict[str, str]]


@pytest.fixture(scope="module")
def workbook(cli_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The engagement × sector report of the generated year, as a workbook."""
    path = tmp_path_factory.mktemp("xlsx") / "rapport.xlsx"
    argv = ("report", *YEAR, "--by", "engagement,section", "--format", "xlsx")
    done = in_process("--db", cli_store.url, "-q", *argv, "--output", str(path))
    assert done.code == 0, done.err
    return path


@pytest.fixture(scope="module")
def measures(cli_store: Store) -> Measures:
    """`casetrack measures` of the store at the latest extraction, and at the year's end."""

    def at(*options: str) -> list[dict[str, str]]:
        done = in_process("--db", cli_store.url, "-q", "measures", *options, "--format", "csv")
        assert done.code == 0, done.err
        return csv_records(done.out)

    return Measures(now=at(), year_end=at("--as-of", YEAR_END.isoformat()))


def recount(measures: Measures, key: Callable[[dict[str, str]], K]) -> dict[K, Figures]:
    """measures.md's report figures of the year per `key`, one measure at a time.

    A stopped measure counts where its stop falls; an open one, as it stands on the
    year's last day (the report's one period ends then, before the latest extraction).
    """
    groups: dict[K, dict[str, Any]] = {}

    def group(m: dict[str, str]) -> dict[str, Any]:
        return groups.setdefault(key(m), {"elapsed": [], **dict.fromkeys(STATUSES, 0)})

    for m in measures.now:
        if m["status"] in STOPPED and YEAR_START <= date.fromisoformat(m["stop"]) <= YEAR_END:
            found = group(m)
            found[m["status"]] += 1
            if m["status"] != "invalid":
                found["elapsed"].append(int(m["elapsed"]))
    for m in measures.year_end:
        if m["status"] in ("pending", "overdue"):
            group(m)[m["status"]] += 1
    return {k: figures(g) for k, g in groups.items()}


def figures(group: dict[str, Any]) -> Figures:
    """One group's figures as the CSV spells them."""
    elapsed = sorted(group["elapsed"])
    measured = group["met"] + group["breached"]
    rate = Decimal(group["met"]) / measured if measured else None
    return {
        "measured": str(measured),
        "met": str(group["met"]),
        "breached": str(group["breached"]),
        "rate": "" if rate is None else str(rate.quantize(Decimal("0.0001"), ROUND_HALF_UP)),
        "median": str(nearest_rank(elapsed, 50, 100)) if elapsed else "",
        "p90": str(nearest_rank(elapsed, 90, 100)) if elapsed else "",
        "max": str(elapsed[-1]) if elapsed else "",
        "open_pending": str(group["pending"]),
        "open_overdue": str(group["overdue"]),
        "invalid": str(group["invalid"]),
    }


def nearest_rank(ordered: list[int], numerator: int, denominator: int) -> int:
    """The ceil(p * n)-th smallest value, p = numerator / denominator."""
    return ordered[max(1, -(-len(ordered) * numerator // denominator)) - 1]


def as_csv(column: str, value: object) -> str:
    """A cell's value spelt as the CSV spells it (rates with four places; 100 % reads as 1)."""
    if value is None:
        return ""
    if column == "rate" and isinstance(value, int | float):
        return f"{value:.4f}"
    return str(value)


def records(sheet: Worksheet) -> list[dict[str, str]]:
    """The sheet's table under its header in row 2, down to its total, as CSV records."""
    names = [FIGURE_OF.get(str(c.value).split("\n")[0]) for c in sheet[2]]
    found = []
    for row in sheet.iter_rows(min_row=3):
        values = {n: as_csv(n, c.value) for n, c in zip(names, row, strict=True) if n}
        found.append(values)
        if row[0].value == "Total":
            return found
    pytest.fail(f"{sheet.title}: no Total row")


def test_sheets_are_the_cover_each_engagement_and_the_trend(workbook: Path) -> None:
    assert load_workbook(workbook).sheetnames == list(SHEETS)


@pytest.mark.parametrize("engagement", ENGAGEMENTS)
def test_total_row_equals_a_recount_of_the_measures(
    workbook: Path, measures: Measures, engagement: int
) -> None:
    expected = recount(measures, lambda m: int(m["engagement"]))[engagement]

    total = records(load_workbook(workbook)[f"Engagement {engagement}"])[-1]

    assert total.pop("section") == "Total"
    assert total == expected
    assert int(total["measured"]) > 0, "nothing measured: the comparison would prove nothing"


@pytest.mark.parametrize("engagement", ENGAGEMENTS)
def test_sector_rows_equal_a_recount_of_the_measures(
    workbook: Path, measures: Measures, engagement: int
) -> None:
    found = recount(measures, lambda m: (int(m["engagement"]), sector_of(m["section"], YEAR_END)))
    expected = [
        {"section": sector} | found[(number, sector)]
        for number, sector in sorted(found)
        if number == engagement
    ]

    rows = records(load_workbook(workbook)[f"Engagement {engagement}"])[:-1]

    assert rows == expected


@pytest.mark.parametrize("month", ["2025-03", "2025-10"])
def test_trend_rates_of_a_month_equal_a_recount_of_the_measures(
    workbook: Path, measures: Measures, month: str
) -> None:
    stopped = Measures([m for m in measures.now if m["stop"][:7] == month], year_end=[])
    expected = recount(stopped, lambda m: int(m["engagement"]))
    sheet = load_workbook(workbook)["Tendance"]

    (row,) = [r for r in sheet.iter_rows(min_row=3) if r[0].value == month]

    for position, engagement in enumerate(ENGAGEMENTS):
        rate, measured = row[1 + 2 * position], row[2 + 2 * position]
        assert as_csv("rate", rate.value) == expected[engagement]["rate"]
        assert rate.number_format == "0.0 %"
        assert str(measured.value) == expected[engagement]["measured"]


def test_trend_has_every_month_of_the_year_then_the_year(workbook: Path) -> None:
    sheet = load_workbook(workbook)["Tendance"]

    labels = [r[0].value for r in sheet.iter_rows(min_row=3)]

    assert labels == [f"2025-{m:02d}" for m in range(1, 13)] + ["Ensemble"]


def test_every_sheet_is_set_to_print_a4_landscape_one_page_wide(workbook: Path) -> None:
    book = load_workbook(workbook)

    setups = {
        s.title: (s.page_setup.orientation, s.page_setup.fitToWidth, s.print_title_rows)
        for s in book
    }

    assert setups == {
        "Rapport": ("landscape", 1, "$1:$1"),
        **dict.fromkeys(SHEETS[1:], ("landscape", 1, "$1:$2")),
    }


# -- printed by LibreOffice --------------------------------------------------------------


def one_sheet_copies(workbook: Path, folder: Path) -> dict[str, Path]:
    """A copy of the workbook per sheet, holding that sheet alone, so it prints alone."""
    copies = {}
    for index, name in enumerate(load_workbook(workbook).sheetnames):
        book = load_workbook(workbook)
        for other in [s for s in book.sheetnames if s != name]:
            del book[other]
        copies[name] = folder / f"sheet{index}.xlsx"
        book.save(copies[name])
    return copies


@pytest.fixture(scope="module")
def printed(workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Each sheet printed alone to PDF by LibreOffice, in one call."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    folder = tmp_path_factory.mktemp("print")
    copies = one_sheet_copies(workbook, folder)
    # A private profile: parallel runs sharing the default one would block each other.
    profile = f"-env:UserInstallation={(folder / 'profile').as_uri()}"
    command = [soffice, profile, "--headless", "--norestore", "--convert-to", "pdf"]
    done = subprocess.run(
        [*command, "--outdir", str(folder), *map(str, copies.values())],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {name: path.with_suffix(".pdf").read_bytes() for name, path in copies.items()}


def test_each_sheet_prints_on_the_expected_number_of_pages(printed: dict[str, bytes]) -> None:
    pages = {name: len(PAGE.findall(pdf)) for name, pdf in printed.items()}

    assert pages == EXPECTED_PAGES


def test_every_printed_page_is_a4_landscape(printed: dict[str, bytes]) -> None:
    for name, pdf in printed.items():
        boxes = {(round(float(w)), round(float(h))) for w, h in MEDIA_BOX.findall(pdf)}
        assert boxes == {A4_LANDSCAPE}, name


def test_each_printed_page_renders_to_a_png(
    printed: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory
) -> None:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils): no PNG")
    folder = tmp_path_factory.mktemp("png")
    target = os.environ.get("CASETRACK_SCREENSHOTS")
    for index, (name, pdf) in enumerate(printed.items()):
        source = folder / f"sheet{index}.pdf"
        source.write_bytes(pdf)
        prefix = folder / f"xlsx-{name.lower().replace(' ', '-')}"
        subprocess.run([pdftoppm, "-png", "-r", "80", source, prefix], check=True, timeout=60)
        pngs = sorted(folder.glob(f"{prefix.name}-*.png"))
        assert len(pngs) == EXPECTED_PAGES[name]
        assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            for png in pngs:
                shutil.copy(png, Path(target) / png.name)
