"""The HTML report of a generated year, written by `casetrack report`, read by a real browser.

Expected figures are counted naively here from the per-dossier measures of the same store
(`casetrack measures`, one row per dossier and engagement), never from the report code;
chromium (headless) renders the page, prints it to PDF and takes a picture. Set
CASETRACK_SCREENSHOTS to a folder to keep the picture for a human to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from tests.html_page import EngagementPart, engagement_parts, parse_page
from tests.integration.cli_runs import Job, Store, casetrack, csv_records, in_process
from tests.naive_report import file_date, sector_of

CHROMIUM = Path("/usr/bin/chromium")
START, END = date(2025, 1, 1), date(2025, 12, 31)
YEAR = ("--from", START.isoformat(), "--to", END.isoformat())
BY_SECTOR = ("--by", "engagement,section")
ENGAGEMENTS = (17, 18, 19)
STATUS_WORDS = {"breached": "dépassé", "overdue": "en retard"}


@dataclass(frozen=True)
class Oracle:
    """The year counted naively from each dossier's measures, as known at the last extract."""

    as_of: date
    #: Engagement -> (met, measured) over the year.
    counts: dict[int, tuple[int, int]]
    #: (engagement, sector) -> dossier -> its measure row (status breached or overdue).
    late: dict[tuple[int, str], dict[str, dict[str, str]]]


def measures(store: Store, as_of: date) -> list[dict[str, str]]:
    """`casetrack measures --as-of AS_OF` as records."""
    done = in_process("--db", store.url, "-q", "measures", "--as-of", as_of.isoformat())
    assert done.code == 0, done.err
    return csv_records(done.out)


def french(iso: str) -> str:
    """2025-03-14 -> 14/03/2025; empty stays empty."""
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


@pytest.fixture(scope="module")
def oracle(cli_store: Store) -> Oracle:
    # The report's default evaluation date: the latest extraction date.
    as_of = max(file_date(p) for p in (*cli_store.files.piaf, *cli_store.files.topvir))
    counts = dict.fromkeys(ENGAGEMENTS, (0, 0))
    late: dict[tuple[int, str], dict[str, dict[str, str]]] = {}
    # Stopped measures count at as_of when they stop in the range...
    for row in measures(cli_store, as_of):
        engagement = int(row["engagement"])
        if row["status"] in ("met", "breached") and START <= date.fromisoformat(row["stop"]) <= END:
            met, measured = counts[engagement]
            counts[engagement] = (met + (row["status"] == "met"), measured + 1)
            if row["status"] == "breached":
                key = (engagement, sector_of(row["section"], END))
                late.setdefault(key, {})[row["dossier"]] = row
    # ...open ones on the range's last day (or as_of when earlier).
    for row in measures(cli_store, min(END, as_of)):
        if row["status"] == "overdue":
            key = (int(row["engagement"]), sector_of(row["section"], END))
            late.setdefault(key, {})[row["dossier"]] = row
    return Oracle(as_of, counts, late)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("html")


def html_report(store: Store, path: Path, *argv: str) -> Path:
    """`casetrack report` in-process, in HTML, to `path`."""
    done = in_process(
        "--db", store.url, "-q", "report", *argv, "--format", "html", "--output", str(path)
    )
    assert done.code == 0, done.err
    return path


@pytest.fixture(scope="module")
def page(cli_store: Store, oracle: Oracle, folder: Path) -> Path:
    """The year's report as users write it: `casetrack report` as a process, every key."""
    path = folder / "rapport.html"
    argv = ["--db", cli_store.url, "report", *YEAR, "--as-of", oracle.as_of.isoformat()]
    done = casetrack(Job([*argv, "--format", "html", "--output", str(path)], folder))
    assert done.code == 0, done.summary()
    return path


@pytest.fixture(scope="module")
def parts(page: Path) -> dict[int, EngagementPart]:
    return engagement_parts(parse_page(page.read_text(encoding="utf-8")))


def shown_rate(met: int, measured: int) -> str:
    rate = (Decimal(met) / measured).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return f"{(rate * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}".replace(".", ",") + " %"


def test_report_page_shows_each_engagements_naive_overall_rate(
    parts: dict[int, EngagementPart], oracle: Oracle
) -> None:
    for engagement in ENGAGEMENTS:
        met, measured = oracle.counts[engagement]
        assert measured > 0
        assert parts[engagement].overall == shown_rate(met, measured)
        assert parts[engagement].total[1:3] == [str(measured), str(met)]


def test_report_page_lists_the_naive_late_dossiers_of_each_sector(
    parts: dict[int, EngagementPart], oracle: Oracle
) -> None:
    listed = {
        (engagement, sector): rows
        for engagement, part in parts.items()
        for sector, rows in part.late.items()
    }

    assert set(listed) == set(oracle.late)
    for key, rows in listed.items():
        expected = oracle.late[key]
        assert sorted(r[0] for r in rows) == sorted(expected)
        for number, prestation, start, due, stop, elapsed, status in rows:
            row = expected[number]
            assert status == STATUS_WORDS[row["status"]]
            assert prestation == row["prestation"]
            assert [start, due, stop] == [french(row[k]) for k in ("start", "due", "stop")]
            assert elapsed == row["elapsed"]


def test_no_details_leaves_the_lists_out_of_report_and_reaudit(
    cli_store: Store, folder: Path, oracle: Oracle
) -> None:
    bare = html_report(cli_store, folder / "bare.html", *YEAR, "--no-details")
    audit = folder / "audit.html"
    known = ("--known-at", "2025-06-30")
    argv = ("reaudit", *YEAR, *known, "--no-details", "--format", "html", "--output", str(audit))
    done = in_process("--db", cli_store.url, "-q", *argv)

    assert done.code == 0, done.err
    for path in (bare, audit):
        text = path.read_text(encoding="utf-8")
        assert "<details" not in text
        assert "Listes de dossiers omises (--no-details)." in text
    late = {number for found in oracle.late.values() for number in found}
    assert not [n for n in late if n in bare.read_text(encoding="utf-8")]


# -- in a browser ------------------------------------------------------------------------------


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[list[str]]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must install it)")
        pytest.skip(reason)
    profile = tmp_path / "chromium-profile"
    yield [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]
    shutil.rmtree(profile, ignore_errors=True)


def browse(chromium: list[str], *argv: str) -> str:
    done = subprocess.run(
        [*chromium, *argv], capture_output=True, text=True, timeout=90, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_browser_renders_three_charts_and_the_lists_of_each_engagement(
    page: Path, oracle: Oracle, chromium: list[str]
) -> None:
    rendered = parse_page(browse(chromium, "--dump-dom", page.as_uri()))

    classes = [svg.attrs.get("class", "") for svg in rendered.all("svg")]
    for kind in ("rate", "trend", "histogram"):
        assert classes.count(f"chart {kind}") == len(ENGAGEMENTS)
    assert len(rendered.all("details")) == len(oracle.late)
    parts = engagement_parts(rendered)
    assert all(p.chart_sectors == p.table_sectors for p in parts.values())


def pdf_pages(path: Path) -> int:
    """How many pages a PDF holds (its /Type /Page objects)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", path.read_bytes()))


def test_printed_report_has_a_few_pages_and_prints_the_lists(
    cli_store: Store, folder: Path, chromium: list[str], tmp_path: Path
) -> None:
    pages = {}
    for name, extra in (("lists", ()), ("bare", ("--no-details",))):
        html = html_report(cli_store, folder / f"print-{name}.html", *YEAR, *BY_SECTOR, *extra)
        pdf = tmp_path / f"{name}.pdf"
        browse(chromium, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri())
        assert pdf.read_bytes().startswith(b"%PDF")
        pages[name] = pdf_pages(pdf)

    # A cover with the overall rates, then each engagement's charts, then its table.
    assert 1 + len(ENGAGEMENTS) <= pages["bare"] <= 3 * len(ENGAGEMENTS) + 1
    assert pages["lists"] > pages["bare"]  # printing shows the lists, closed or not


def png_size_and_distinct_bytes(data: bytes) -> tuple[tuple[int, int], int]:
    """The PNG's (width, height) and how many distinct bytes its image data holds."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    offset, idat = 8, b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        if data[offset + 4 : offset + 8] == b"IDAT":
            idat += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    return (width, height), len(set(zlib.decompress(idat)))


def test_browser_screenshot_is_a_non_blank_png(
    page: Path, chromium: list[str], tmp_path: Path
) -> None:
    shot = tmp_path / "rapport.png"

    browse(chromium, f"--screenshot={shot}", "--window-size=1280,2400", page.as_uri())

    data = shot.read_bytes()
    keep = os.environ.get("CASETRACK_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "rapport-html.png")
    size, distinct = png_size_and_distinct_bytes(data)
    assert size == (1280, 2400)
    assert len(data) > 20_000
    assert distinct > 50  # a blank page compresses to a handful of byte values
