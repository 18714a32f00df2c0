"""The HTML report page: overall rates, reference lines, axes, trend, sector order, dossier lists.

The clocks are drawn with a fixed seed for engagements 17 and 18 (calendar days, limit 15);
every expected figure is counted again here from the drawn dates, never taken from
casetrack's report code.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from casetrack.calendar import WorkingCalendar
from casetrack.clocks import Clock
from casetrack.report_summary import human_report
from casetrack.reporting import ReportQuery, build_report
from casetrack.rules import default_rule_set
from projections.render_html import html_page
from projections.render_html_charts import axis_floor
from tests.html_page import EngagementPart, Node, engagement_parts, parse_page

QUERY = ReportQuery(start=date(2025, 1, 1), end=date(2025, 6, 30), as_of=date(2025, 7, 10))
#: The day the sector rows count their open clocks: the range's end (as_of is later).
OPEN_DAY = date(2025, 6, 30)
LIMIT = 15
MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
SECTIONS = [f"{n:02d}" for n in range(1, 21)]
PRESTATIONS = ["PL", "PLF", "CSP"]
RULES = default_rule_set()
CALENDAR = WorkingCalendar(2024, 2026)
HOSTILE = "<b>X&Y</b>"


@dataclass(frozen=True)
class Drawn:
    """One dossier's clock for one engagement, as drawn: dates only."""

    dossier: str
    section: str
    prestation: str
    engagement: int
    start: date
    stop: date | None


def draw(seed: int = 11, dossiers: int = 900) -> list[Drawn]:
    """Dossiers over the first half of 2025, about one in twelve stopped late, some open."""
    rng = random.Random(seed)
    found = []
    for index in range(dossiers):
        start = date(2024, 12, 10) + timedelta(days=rng.randrange(200))
        late = rng.random() < 0.08
        days = rng.randint(16, 45) if late else rng.randint(0, 15)
        stop = None if rng.random() < 0.06 else start + timedelta(days=days)
        found.append(
            Drawn(
                f"2025-{index:06d}",
                rng.choice(SECTIONS),
                rng.choice(PRESTATIONS),
                rng.choice((17, 18)),
                start,
                stop,
            )
        )
    # A dossier number is shown as text, whatever it holds: this one is breached.
    found.append(Drawn(HOSTILE, "05", "PL", 17, date(2025, 2, 3), date(2025, 3, 17)))
    return found


def clock(d: Drawn) -> Clock:
    """The drawn dates as a clock of a calendar-day engagement (measures.md, steps 3 to 6)."""
    elapsed = (d.stop - d.start).days if d.stop is not None else None
    outcome = None if elapsed is None else "met" if elapsed <= LIMIT else "breached"
    return Clock(
        d.engagement,
        applicable=True,
        start=d.start,
        stop=d.stop,
        due=d.start + timedelta(days=LIMIT),
        overdue_from=d.start + timedelta(days=LIMIT + 1),
        elapsed=elapsed,
        outcome=outcome,
    )


def render(drawn: Sequence[Drawn], *, details: bool = True) -> str:
    numbered = [(d.dossier, d.section, d.prestation, clock(d)) for d in drawn]
    triples = [(s, p, c) for _, s, p, c in numbered]
    report = human_report(QUERY, build_report(QUERY, triples), triples, RULES)
    return html_page(report, iter(numbered), CALENDAR, details=details)


# -- the naive oracle ------------------------------------------------------------------------


def sector(d: Drawn) -> str:
    return "PC" if d.section in {"01", "02", "03", "04"} else d.section


def measured(d: Drawn) -> bool:
    return d.stop is not None and QUERY.start <= d.stop <= QUERY.end


def met(d: Drawn) -> bool:
    assert d.stop is not None
    return (d.stop - d.start).days <= LIMIT


def overdue(d: Drawn) -> bool:
    still_open = d.stop is None or d.stop > OPEN_DAY
    return d.start <= OPEN_DAY and still_open and (OPEN_DAY - d.start).days > LIMIT


def shown_rate(met_count: int, measured_count: int) -> str:
    """measures.md's rate (four places, half up), shown with one decimal."""
    rate = (Decimal(met_count) / measured_count).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    tenths = (rate * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{tenths}".replace(".", ",") + " %"


def counts(drawn: Sequence[Drawn]) -> tuple[int, int]:
    """(met, measured) of these clocks."""
    stopped = [d for d in drawn if measured(d)]
    return sum(1 for d in stopped if met(d)), len(stopped)


def of(engagement: int, drawn: Sequence[Drawn]) -> list[Drawn]:
    return [d for d in drawn if d.engagement == engagement]


# -- fixtures --------------------------------------------------------------------------------

DRAWN = draw()


@pytest.fixture(scope="module")
def page_text() -> str:
    return render(DRAWN)


@pytest.fixture(scope="module")
def page(page_text: str) -> Node:
    return parse_page(page_text)


@pytest.fixture(scope="module")
def parts(page: Node) -> dict[int, EngagementPart]:
    return engagement_parts(page)


# -- tests -----------------------------------------------------------------------------------


def test_each_engagement_shows_its_overall_rate_over_all_measured_clocks(
    parts: dict[int, EngagementPart], page: Node
) -> None:
    summary = [a.one("span", "rate").text() for a in page.one("nav", "summary").all("a")]

    for engagement in (17, 18):
        met_count, measured_count = counts(of(engagement, DRAWN))
        expected = shown_rate(met_count, measured_count)
        assert parts[engagement].overall == expected
        assert parts[engagement].total[:5] == [
            "Total",
            str(measured_count),
            str(met_count),
            str(measured_count - met_count),
            expected,
        ]
    assert summary[:2] == [parts[17].overall, parts[18].overall]


def test_an_engagement_without_clocks_says_it_has_no_measure(
    parts: dict[int, EngagementPart], page: Node
) -> None:
    assert "Aucune mesure sur la période" in parts[19].node.text()
    link = page.one("nav", "summary").all("a")[2]
    assert link.one("span", "rate").text() == "—"
    assert link.text().endswith("aucun délai mesuré")


def test_rate_charts_draw_the_objective_and_the_overall_rate(
    parts: dict[int, EngagementPart],
) -> None:
    for engagement in (17, 18):
        section = parts[engagement].node
        for kind in ("rate", "trend"):
            chart = section.one("svg", kind)
            assert len(chart.all("line", "objective")) == 1
            assert len(chart.all("line", "overall")) == 1
            assert "objectif 100 %" in chart.text()
            assert f"ensemble : {parts[engagement].overall}" in chart.text()


def test_sector_axis_starts_at_the_lowest_rate_rounded_down_to_ten_percent(
    parts: dict[int, EngagementPart],
) -> None:
    for engagement in (17, 18):
        drawn = of(engagement, DRAWN)
        lowest = min(
            Decimal(m) / n
            for m, n in (
                counts([d for d in drawn if sector(d) == s]) for s in {*map(sector, drawn)}
            )
            if n
        )
        floor = int(lowest * 10) * 10
        chart = parts[engagement].node.one("svg", "rate")
        assert 0 < floor < 100  # the drawing keeps every sector's rate high
        assert chart.all("text", "tick")[0].text() == f"{floor} %"
        assert chart.one("text", "axis-caption").text().endswith(f"axe à partir de {floor} %")


@pytest.mark.parametrize(
    ("lowest", "floor"),
    [("0.9170", 90), ("0.8930", 80), ("1.0000", 90), ("0.0500", 0), ("0.9000", 90)],
)
def test_axis_floor_rounds_the_lowest_rate_down_to_ten_percent(lowest: str, floor: int) -> None:
    assert axis_floor([Decimal("0.99"), Decimal(lowest)]) == floor


def test_trend_has_one_point_per_month_measured_and_a_label_per_month(
    parts: dict[int, EngagementPart],
) -> None:
    for engagement in (17, 18):
        drawn = [d for d in of(engagement, DRAWN) if measured(d)]
        months = sorted({d.stop.strftime("%Y-%m") for d in drawn if d.stop is not None})
        chart = parts[engagement].node.one("svg", "trend")
        points = chart.all("circle", "point")
        assert [p.attrs["data-month"] for p in points] == months == MONTHS
        assert [t.text() for t in chart.all("text", "month")] == [
            *("janv.", "févr.", "mars", "avr.", "mai", "juin"),
        ]
        march = [d for d in drawn if d.stop is not None and d.stop.month == 3]
        title = points[2].one("title").text()
        assert title.startswith(f"mars 2025 : {shown_rate(*counts(march))}")


def test_sectors_come_in_one_order_in_the_chart_and_the_table(
    parts: dict[int, EngagementPart],
) -> None:
    expected = [f"{n:02d}" for n in range(5, 21)] + ["PC"]
    for engagement in (17, 18):
        assert parts[engagement].chart_sectors == expected
        assert parts[engagement].table_sectors == expected


def test_each_sector_lists_exactly_its_breached_and_overdue_dossiers(
    parts: dict[int, EngagementPart],
) -> None:
    for engagement in (17, 18):
        expected: dict[str, set[tuple[str, str]]] = {}
        for d in of(engagement, DRAWN):
            if measured(d) and not met(d):
                expected.setdefault(sector(d), set()).add((d.dossier, "dépassé"))
            if overdue(d):
                expected.setdefault(sector(d), set()).add((d.dossier, "en retard"))
        listed = {
            s: {(cells[0], cells[-1]) for cells in rows}
            for s, rows in parts[engagement].late.items()
        }
        assert listed == expected
        for s, rows in parts[engagement].late.items():
            row = parts[engagement].rows[s]
            assert sum(1 for r in rows if r[-1] == "dépassé") == int(row[3])  # Dépassés
            assert sum(1 for r in rows if r[-1] == "en retard") == int(row[9])  # En retard


def test_listed_dossiers_show_french_dates_and_the_delay_in_its_unit(
    parts: dict[int, EngagementPart],
) -> None:
    by_number = {(d.dossier, d.engagement): d for d in DRAWN}
    header = [th.text() for th in parts[17].node.all("table", "late")[0].all("th")]
    assert header == [
        *("Dossier", "Prestation", "Début", "Échéance", "Arrêt"),
        *("Délai (j. calendaires)", "Statut"),
    ]
    for engagement in (17, 18):
        for rows in parts[engagement].late.values():
            for number, prestation, start, due, stop, elapsed, status in rows:
                d = by_number[number, engagement]
                assert prestation == d.prestation
                assert start == d.start.strftime("%d/%m/%Y")
                assert due == (d.start + timedelta(days=LIMIT)).strftime("%d/%m/%Y")
                end = d.stop if status == "dépassé" else OPEN_DAY
                assert end is not None
                assert stop == (d.stop.strftime("%d/%m/%Y") if status == "dépassé" else "")
                assert int(elapsed) == (end - d.start).days


def test_delay_columns_carry_the_unit(parts: dict[int, EngagementPart]) -> None:
    assert parts[17].header[5:8] == [
        "Médiane (j. calendaires)",
        "P90 (j. calendaires)",
        "Max (j. calendaires)",
    ]


def test_no_details_leaves_the_dossier_lists_out() -> None:
    text = render(DRAWN, details=False)

    parts = engagement_parts(parse_page(text))
    assert "<details" not in text
    assert all(not p.late for p in parts.values())
    assert "Listes de dossiers omises (--no-details)." in text
    late = [d.dossier for d in DRAWN if (measured(d) and not met(d)) or overdue(d)]
    assert late
    assert not [number for number in late if number in text]


def test_page_is_self_contained_and_escapes_text(page_text: str) -> None:
    assert page_text.startswith('<!DOCTYPE html>\n<html lang="fr">')
    for external in ("http", "src=", "<link", "<script", "url(", "@import"):
        assert external not in page_text
    assert HOSTILE not in page_text
    assert "&lt;b&gt;X&amp;Y&lt;/b&gt;" in page_text


def test_print_rules_keep_headings_with_what_follows_and_open_the_lists(page_text: str) -> None:
    style = page_text[page_text.index("<style>") : page_text.index("</style>")]
    printed = style[style.index("@media print") :]

    assert "h1, h2, h3, summary" in printed
    assert "break-after: avoid" in printed
    assert "break-inside: avoid" in printed
    assert "details::details-content { content-visibility: visible" in printed


def test_delay_axis_keeps_room_for_four_digit_counts_beside_its_title() -> None:
    many = [
        Drawn(f"2025-{i:06d}", "05", "PL", 17, date(2025, 3, 3), date(2025, 3, 10))
        for i in range(1500)
    ]

    chart = parse_page(render(many)).one("svg", "histogram")

    ticks = chart.all("text", "tick")
    assert max(int(t.text()) for t in ticks) == 1500
    title = chart.one("text", "axis-title")
    title_right = float(title.attrs["transform"].split()[0].removeprefix("translate(")) + 7
    # 12 px digits are at most ~7.5 px wide: four of them end at the labels' anchor.
    leftmost = min(float(t.attrs["x"]) - 7.5 * len(t.text()) for t in ticks)
    assert leftmost > title_right
