"""The HTML report is one self-contained file that a real headless browser renders."""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from casetrack.reporting import ReportQuery, ReportRow
from casetrack.rules import default_rule_set
from projections.render_html import HtmlReport, write_html

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: Sections 01 to 04 until 2020-07-10, then PC: a range across that day has 21 sectors.
SECTORS = ["01", "02", "03", "04", "PC", *(f"{n:02d}" for n in range(5, 21))]
ALL_QUARTERS = ["2020-T1", "2020-T2", "2020-T3", "2020-T4"]
QUARTERS = {"PC": ALL_QUARTERS[2:]} | dict.fromkeys(SECTORS[:4], ALL_QUARTERS[:2])
QUERY = ReportQuery(
    start=date(2020, 1, 1),
    end=date(2020, 12, 31),
    as_of=date(2021, 1, 15),
    by=("engagement", "section", "period"),
    period="quarter",
)
HEADER = [
    "Engagement",
    "Secteur",
    "Période",
    "Mesurés",
    "Respectés",
    "Dépassés",
    "Taux",
    "Médiane",
    "P90",
    "Max",
    "En cours",
    "En retard",
    "Anomalies",
]


def report_row(engagement: int, section: str, period: str | None, elapsed: list[int]) -> ReportRow:
    """A row computed naively from elapsed values, limits as measures.md gives them."""
    limit = 7 if engagement == 19 else 15
    values = sorted(elapsed)
    met = sum(1 for v in values if v <= limit)
    rate = (Decimal(met) / len(values)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return ReportRow(
        engagement=engagement,
        section=section,
        prestation=None,
        period=period,
        measured=len(values),
        met=met,
        breached=len(values) - met,
        rate=rate,
        median=values[(len(values) + 1) // 2 - 1],
        p90=values[-(-9 * len(values) // 10) - 1],
        max=values[-1],
        open_pending=len(values) % 3,
        open_overdue=len(values) % 2,
        invalid=0,
    )


def realistic_report() -> HtmlReport:
    """Three engagements over 21 sectors and four quarters, delays drawn with a fixed seed."""
    rng = random.Random(17)
    rows: list[ReportRow] = []
    sector_rows: list[ReportRow] = []
    elapsed: dict[int, list[int]] = {}
    for engagement, typical in ((17, 9.0), (18, 8.0), (19, 4.0)):
        for section in SECTORS:
            by_sector: list[int] = []
            for quarter in QUARTERS.get(section, ALL_QUARTERS):
                delays = [int(rng.expovariate(1 / typical)) for _ in range(rng.randint(5, 40))]
                rows.append(report_row(engagement, section, quarter, delays))
                by_sector += delays
            sector_rows.append(report_row(engagement, section, None, by_sector))
            elapsed.setdefault(engagement, []).extend(by_sector)
    rows.sort(key=lambda r: (r.engagement or 0, r.section or "", r.period or ""))
    return HtmlReport(
        title="Délais QualiPARIS — année 2020",
        query=QUERY,
        rows=rows,
        sector_rows=sector_rows,
        elapsed=elapsed,
        rule_set=default_rule_set(),
    )


class TableAndCharts(HTMLParser):
    """Collects the table's header labels and the class of each SVG element."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.svg_classes: list[str] = []
        self._in_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "th":
            self._in_th = True
            self.headers.append("")
        elif tag == "svg":
            self.svg_classes.append(dict(attrs).get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_th = False

    def handle_data(self, data: str) -> None:
        if self._in_th:
            self.headers[-1] += data


@pytest.fixture(scope="module")
def html_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "rapport.html"
    write_html(path, realistic_report())
    return path


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


def test_html_file_has_no_external_reference(html_file: Path) -> None:
    text = html_file.read_text(encoding="utf-8")

    assert text.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert '<meta charset="utf-8">' in text
    for external in ("http", "src=", "<link", "<script", "url(", "@import"):
        assert external not in text


def test_html_shows_rates_with_a_french_comma_and_limits_in_words(tmp_path: Path) -> None:
    path = tmp_path / "rapport.html"
    row = report_row(19, "05", "2020-T1", [1] * 15 + [9])  # 15 met of 16: 93,75 %

    write_html(path, HtmlReport("R", QUERY, [row], [row], {19: [1] * 15 + [9]}, default_rule_set()))

    text = path.read_text(encoding="utf-8")
    assert '<td class="num">93,75 %</td>' in text
    assert "limite : 7 jours ouvrés" in text
    assert "limite : 15 jours calendaires" not in text  # 17 and 18 have no measure here
    assert text.count("Aucune mesure sur la période") == 4  # two charts each for 17 and 18


def test_html_escapes_text_values(tmp_path: Path) -> None:
    path = tmp_path / "rapport.html"
    row = report_row(17, "<b>05</b>", None, [3, 20])

    write_html(path, HtmlReport("A & B", QUERY, [row], [row], {17: [3, 20]}, default_rule_set()))

    text = path.read_text(encoding="utf-8")
    assert "<b>05</b>" not in text
    assert "&lt;b&gt;05&lt;/b&gt;" in text
    assert "<h1>A &amp; B</h1>" in text


def test_browser_renders_the_table_and_two_charts_per_engagement(
    html_file: Path, chromium: list[str]
) -> None:
    done = subprocess.run(
        [*chromium, "--dump-dom", html_file.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    parsed = TableAndCharts()
    parsed.feed(done.stdout)
    assert parsed.headers == HEADER
    assert parsed.svg_classes.count("chart rate") == 3
    assert parsed.svg_classes.count("chart histogram") == 3
    assert "limite : 15 jours calendaires" in done.stdout
    assert "limite : 7 jours ouvrés" in done.stdout


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


def test_browser_screenshot_is_a_non_blank_png(html_file: Path, chromium: list[str]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)

    done = subprocess.run(
        [*chromium, f"--screenshot={shot}", "--window-size=1280,2000", html_file.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert len(data) > 20_000
    size, distinct = png_size_and_distinct_bytes(data)
    assert size == (1280, 2000)
    assert distinct > 50  # a blank page compresses to a handful of byte values
