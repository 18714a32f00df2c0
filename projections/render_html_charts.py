"""The report's inline SVG charts: rate by sector, rate by month, spread of the delays.

The rate charts draw the 100 % objective and the engagement's overall rate as reference
lines. When every rate is high, their axis starts at the lowest rate rounded down to
10 % (the caption says so): differences of a few points then show.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_FLOOR, Decimal
from html import escape
from typing import Final

from casetrack.report_words import french_percent
from casetrack.reporting import ReportRow
from casetrack.rules import Engagement

EMPTY: Final = '<p class="empty">Aucune mesure sur la période</p>'
WIDTH: Final = 640  # viewBox width of every chart: about its size on screen, so text stays ~13 px
MONTHS: Final = (
    *("janv.", "févr.", "mars", "avr.", "mai", "juin"),
    *("juil.", "août", "sept.", "oct.", "nov.", "déc."),
)
#: The highest axis floor: even at 100 % everywhere the axis spans ten points.
_TOP_FLOOR: Final = 90
_GRID: Final = "#e4e7eb"
#: The page's colours (render_html_css.py names the same ones for the HTML around).
WITHIN: Final = "#2f6690"
BELOW: Final = "#e07b39"
GOAL: Final = "#7b2d26"
OVERALL: Final = "#3e4c59"
_AXIS: Final = "#52606d"


def axis_floor(rates: Iterable[Decimal]) -> int:
    """The rate axis' first value in percent: the lowest rate rounded down to 10 %."""
    lowest = min(rates, default=Decimal(0))
    tens = int((lowest * 10).to_integral_value(rounding=ROUND_FLOOR)) * 10
    return min(tens, _TOP_FLOOR)


def axis_ticks(floor: int) -> list[int]:
    """Percent values labelled on a rate axis from `floor` to 100."""
    span = 100 - floor
    step = 2 if span <= 10 else 5 if span <= 30 else 10 if span <= 60 else 20
    ticks = [t for t in range(100, floor, -step) if t - floor >= step / 2]
    return sorted([floor, *ticks])


def axis_caption(floor: int) -> str:
    """What a rate axis shows, and where it starts when not at 0."""
    if floor:
        return f"taux de respect (respectés / mesurés), axe à partir de {floor} %"
    return "taux de respect (respectés / mesurés)"


def month_name(label: str) -> str:
    """'2025-03' -> 'mars 2025'."""
    year, month = label.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"


def _measured(row: ReportRow) -> str:
    return f"{row.met} respectés / {row.measured} mesurés"


def sector_chart(rows: Sequence[ReportRow], overall: Decimal | None) -> str:
    """Horizontal bars of the rate by sector, in the rows' order, with the reference lines."""
    rated = [r.rate for r in rows if r.rate is not None]
    if not rated or overall is None:
        return EMPTY
    floor = axis_floor(rated)
    left, right, top, step, bar = 48, 150, 54, 22, 14
    plot = WIDTH - left - right
    bottom = top + len(rows) * step

    def x(percent: float) -> float:
        return left + (percent - floor) / (100 - floor) * plot

    parts = [f'<svg class="chart rate" viewBox="0 0 {WIDTH} {bottom + 62}" role="img">']
    parts += _vertical_ticks(floor, x, top, bottom)
    for index, row in enumerate(rows):
        y = top + index * step
        middle = y + step / 2 + 4.5
        sector = escape(row.section or "")
        parts.append(
            f'<text class="sector" x="{left - 8}" y="{middle}" text-anchor="end">{sector}</text>'
        )
        if row.rate is None:
            parts.append(f'<text class="small" x="{x(100) + 10}" y="{middle}">aucune mesure</text>')
            continue
        label = escape(french_percent(row.rate))
        colour = WITHIN if row.rate >= overall else BELOW
        parts.append(
            f'<rect data-sector="{sector}" x="{left}" y="{y + (step - bar) / 2}" '
            f'width="{x(float(row.rate) * 100) - left:.1f}" height="{bar}" fill="{colour}">'
            f"<title>{sector} : {label}, {_measured(row)}</title></rect>"
            f'<text x="{x(100) + 10}" y="{middle}">{label}'
            f'<tspan class="small"> ({row.met}/{row.measured})</tspan></text>'
        )
    overall_x = x(float(overall) * 100)
    label_x = min(max(overall_x, left + 80), x(100) - 80)
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{x(100)}" y2="{bottom}" stroke="{_AXIS}"/>'
        f'<line class="objective" x1="{x(100)}" y1="{top - 34}" x2="{x(100)}" y2="{bottom}" '
        f'stroke="{GOAL}" stroke-width="1.5" stroke-dasharray="5 4"/>'
        f'<text class="small" x="{x(100)}" y="{top - 38}" text-anchor="middle">'
        "objectif 100 %</text>"
        f'<line class="overall" x1="{overall_x:.1f}" y1="{top - 14}" x2="{overall_x:.1f}" '
        f'y2="{bottom}" stroke="{OVERALL}" stroke-width="1.5" stroke-dasharray="2 3"/>'
        f'<text class="small" x="{label_x:.1f}" y="{top - 18}" text-anchor="middle">'
        f"ensemble : {escape(french_percent(overall))}</text>"
        f'<text class="small axis-caption" x="{left + plot / 2}" y="{bottom + 40}" '
        f'text-anchor="middle">{escape(axis_caption(floor))}</text></svg>'
    )
    legend = (
        f'<p class="legend"><span class="swatch" style="background:{WITHIN}"></span>'
        "au moins le taux d’ensemble"
        f'<span class="swatch" style="background:{BELOW}"></span>en dessous</p>'
    )
    return "".join(parts) + legend


def _vertical_ticks(floor: int, x: Callable[[float], float], top: int, bottom: int) -> list[str]:
    return [
        f'<line x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{bottom}" stroke="{_GRID}"/>'
        f'<text class="small tick" x="{x(t):.1f}" y="{bottom + 18}" text-anchor="middle">'
        f"{t} %</text>"
        for t in axis_ticks(floor)
    ]


def trend_chart(months: Sequence[tuple[str, ReportRow | None]], overall: Decimal | None) -> str:
    """The rate month by month (one point per month measured), with the reference lines."""
    rated = [row.rate for _, row in months if row is not None and row.rate is not None]
    if not rated or overall is None:
        return EMPTY
    floor = axis_floor([*rated, overall])
    left, right, top, plot_h = 52, 118, 24, 200
    bottom = top + plot_h
    band = (WIDTH - left - right) / len(months)

    def y(percent: float) -> float:
        return bottom - (percent - floor) / (100 - floor) * plot_h

    parts = [f'<svg class="chart trend" viewBox="0 0 {WIDTH} {bottom + 74}" role="img">']
    for tick in axis_ticks(floor):
        parts.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{WIDTH - right}" y2="{y(tick):.1f}" '
            f'stroke="{_GRID}"/><text class="small tick" x="{left - 8}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end">{tick} %</text>'
        )
    every = max(1, math.ceil(len(months) / 12))
    runs: list[list[str]] = [[]]
    points = []
    for index, (label, row) in enumerate(months):
        centre = left + (index + 0.5) * band
        year, month = label.split("-")
        if index % every == 0:
            parts.append(
                f'<text class="small month" x="{centre:.1f}" y="{bottom + 18}" '
                f'text-anchor="middle">{MONTHS[int(month) - 1]}</text>'
            )
        if index == 0 or month == "01":
            parts.append(
                f'<text class="small" x="{centre:.1f}" y="{bottom + 34}" '
                f'text-anchor="middle">{year}</text>'
            )
        if row is None or row.rate is None:
            runs.append([])
            continue
        point_y = y(float(row.rate) * 100)
        runs[-1].append(f"{centre:.1f},{point_y:.1f}")
        text = escape(f"{month_name(label)} : {french_percent(row.rate)}, {_measured(row)}")
        points.append(
            f'<circle class="point" data-month="{label}" cx="{centre:.1f}" cy="{point_y:.1f}" '
            f'r="4" fill="{WITHIN}"><title>{text}</title></circle>'
        )
    parts += [
        f'<polyline points="{" ".join(run)}" fill="none" stroke="{WITHIN}" stroke-width="2"/>'
        for run in runs
        if len(run) > 1
    ]
    parts += points
    goal_y, overall_y = y(100), y(float(overall) * 100)
    # Labels in the right margin, pushed apart when the two lines are close.
    overall_label_y = max(overall_y + 4, goal_y + 18)
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - right}" y2="{bottom}" stroke="{_AXIS}"/>'
        f'<line class="objective" x1="{left}" y1="{goal_y:.1f}" x2="{WIDTH - right}" '
        f'y2="{goal_y:.1f}" stroke="{GOAL}" stroke-width="1.5" stroke-dasharray="5 4"/>'
        f'<text class="small" x="{WIDTH - right + 6}" y="{goal_y + 4:.1f}">objectif 100 %</text>'
        f'<line class="overall" x1="{left}" y1="{overall_y:.1f}" x2="{WIDTH - right}" '
        f'y2="{overall_y:.1f}" stroke="{OVERALL}" stroke-width="1.5" '
        'stroke-dasharray="2 3"/>'
        f'<text class="small" x="{WIDTH - right + 6}" y="{overall_label_y:.1f}">'
        f"ensemble : {escape(french_percent(overall))}</text>"
        f'<text class="small axis-caption" x="{(WIDTH - right + left) / 2}" y="{bottom + 60}" '
        f'text-anchor="middle">{escape(axis_caption(floor))}</text></svg>'
    )
    return "".join(parts)


def _nice_step(span: float, most: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… that cuts `span` into at most `most` steps."""
    for power in range(8):
        for base in (1, 2, 5):
            if span / (base * 10**power) <= most:
                return int(base * 10**power)
    return 10**8


def delay_histogram(engagement: Engagement, values: Sequence[int]) -> str:
    """Counts of measured delays per integer bin, the limit dashed, bars past it in red."""
    if not values:
        return EMPTY
    limit = engagement.limit
    cap = max(3 * limit, 30)  # one last bin "≥ cap" keeps a few very late dossiers readable
    overflow = max(values) >= cap
    bins = cap + 1 if overflow else max(*values, limit + 1) + 1
    counts = Counter(min(v, cap) for v in values)
    # Room on the left for tick labels up to six digits beside the rotated axis title.
    left, right, top, plot_h = 72, 16, 40, 220
    bottom = top + plot_h
    plot_w = WIDTH - left - right
    width = plot_w / bins
    y_step = _nice_step(max(counts.values()), 5)
    y_max = y_step * math.ceil(max(counts.values()) / y_step)
    x_step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if width * s >= 28 or s == 100)
    parts = [f'<svg class="chart histogram" viewBox="0 0 {WIDTH} {bottom + 48}" role="img">']
    for tick in range(0, y_max + 1, y_step):
        y = bottom - tick / y_max * plot_h
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{_GRID}"/>'
            f'<text class="small tick" x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">'
            f"{tick}</text>"
        )
    for value in range(bins):
        x = left + value * width
        label = f"≥ {cap}" if overflow and value == cap else str(value)
        count = counts.get(value, 0)
        if count:
            h = count / y_max * plot_h
            colour = BELOW if value > limit else WITHIN
            parts.append(
                f'<rect x="{x + 0.5:.1f}" y="{bottom - h:.1f}" width="{max(width - 1, 1):.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(label)} : {count}</title></rect>'
            )
        last = overflow and value == cap
        if last or (value % x_step == 0 and not (overflow and cap - value < x_step)):
            parts.append(
                f'<text class="small" x="{x + width / 2:.1f}" y="{bottom + 17}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    line_x = left + (limit + 1) * width
    anchor, shift = ("end", -6) if line_x > left + plot_w * 0.6 else ("start", 6)
    caption = escape(f"limite : {limit} {engagement.unit_label}")
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - right}" y2="{bottom}" stroke="{_AXIS}"/>'
        f'<line x1="{line_x:.1f}" y1="{top - 22}" x2="{line_x:.1f}" y2="{bottom}" '
        f'stroke="{GOAL}" stroke-width="1.5" stroke-dasharray="5 4"/>'
        f'<text x="{line_x + shift:.1f}" y="{top - 10}" text-anchor="{anchor}">{caption}</text>'
        f'<text class="small" x="{left + plot_w / 2}" y="{bottom + 40}" text-anchor="middle">'
        f"délai ({escape(engagement.unit_label)})</text>"
        f'<text class="small axis-title" transform="translate(16 {top + plot_h / 2}) '
        'rotate(-90)" '
        'text-anchor="middle">dossiers</text></svg>'
    )
    beyond = sum(1 for v in values if v > limit)
    legend = (
        f'<p class="legend">{len(values)} délais mesurés :'
        f'<span class="swatch" style="background:{WITHIN}"></span>dans la limite'
        f' ({len(values) - beyond})<span class="swatch" style="background:{BELOW}"></span>'
        f"au-delà ({beyond})</p>"
    )
    return "".join(parts) + legend
