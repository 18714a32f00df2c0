"""A report as one self-contained HTML page: header, inline SVG charts per engagement, the table."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from pathlib import Path
from typing import Final

from attrs import frozen

from casetrack.reporting import FIGURES, KEYS, LABELS, ReportQuery, ReportRow
from casetrack.rules import Engagement, RuleSet

EMPTY: Final = '<p class="empty">Aucune mesure sur la période</p>'
PERIOD_NAMES: Final = {"month": "mois", "quarter": "trimestre", "year": "année"}
WIDTH: Final = 600  # viewBox width of every chart: about its size on screen, so text stays ~13 px
_WITHIN: Final = "#2f6690"
_BEYOND: Final = "#d1495b"
_CENTS: Final = Decimal("0.01")
_NUM: Final = ' class="num"'

CSS: Final = """
:root { color-scheme: light; --ink: #1f2933; --muted: #616e7c; --rule: #d9dee3; }
* { box-sizing: border-box; }
body { margin: 0; padding: 32px 40px 48px; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; }
h1 { font-size: 26px; margin: 0 0 12px; }
h2 { font-size: 20px; margin: 36px 0 4px; padding-top: 12px; border-top: 2px solid var(--rule); }
h3 { font-size: 15px; margin: 0 0 8px; color: var(--muted); font-weight: 600; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
p.limit { margin: 0 0 16px; color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr));
  gap: 24px 40px; align-items: start; }
figure { margin: 0; }
svg.chart { display: block; width: 100%; height: auto; max-width: 760px; }
svg.chart text { font-size: 13px; fill: var(--ink); font-family: inherit; }
svg.chart .small { font-size: 12px; fill: var(--muted); }
p.empty { color: var(--muted); font-style: italic; padding: 24px 0; margin: 0; }
p.legend { margin: 4px 0 0; font-size: 13px; color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px;
  vertical-align: -1px; border-radius: 2px; }
table { border-collapse: separate; border-spacing: 0; font-size: 14px; margin-top: 12px; }
th, td { padding: 4px 12px; white-space: nowrap; text-align: left; }
thead th { position: sticky; top: 0; background: #eef1f4; border-bottom: 2px solid #9aa5b1;
  z-index: 1; }
tbody tr:nth-child(even) td { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
"""


@frozen
class HtmlReport:
    """Everything one HTML report shows."""

    title: str
    query: ReportQuery
    rows: Sequence[ReportRow]
    sector_rows: Sequence[ReportRow]
    elapsed: Mapping[int, Sequence[int]]
    rule_set: RuleSet
    #: The date of knowledge of a report "as known at K" (None: everything known).
    known_at: date | None = None


def write_html(path: Path, report: HtmlReport) -> None:
    """Write the report as one self-contained UTF-8 HTML file."""
    path.write_text(render_html(report), encoding="utf-8")


def render_html(report: HtmlReport) -> str:
    """The HTML text of the report."""
    query = report.query
    engagements = (
        [report.rule_set.engagement(query.engagement)]
        if query.engagement is not None
        else list(report.rule_set.ordered)
    )
    sections = "".join(
        _engagement_section(e, report.sector_rows, report.elapsed.get(e.number, ()))
        for e in engagements
    )
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(report.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>{escape(report.title)}</h1>{_metadata(report)}</header>\n"
        f"{sections}<h2>Détail</h2>\n{_table(query, report.rows)}\n</main>\n</body>\n</html>\n"
    )


def percent(rate: Decimal) -> str:
    """A rate as French text: Decimal('0.9375') -> '93,75 %'."""
    value = (rate * 100).quantize(_CENTS, rounding=ROUND_HALF_UP)
    return f"{value:f}".replace(".", ",") + " %"


def french_date(day: date) -> str:
    """A date as French text: 14/03/2025."""
    return day.strftime("%d/%m/%Y")


def grouping(query: ReportQuery) -> str:
    """The report's grouping keys in French words, with the period's length."""
    found = ", ".join(LABELS[k].lower() for k in KEYS if k in query.by) or "aucun"
    if "period" in query.by:
        found += f" (par {PERIOD_NAMES[query.period]})"
    return found


def filters(query: ReportQuery) -> str:
    """The report's filters in French words."""
    found = [
        f"{LABELS[k].lower()} {getattr(query, k)}"
        for k in ("engagement", "section", "prestation")
        if getattr(query, k) is not None
    ]
    return ", ".join(found) or "aucun"


def definition_list(facts: Sequence[tuple[str, str]]) -> str:
    """Label and value pairs as the page's metadata list."""
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    return f'<dl class="meta">{items}</dl>'


def _metadata(report: HtmlReport) -> str:
    query, rules = report.query, report.rule_set
    facts = [
        ("Période", f"du {french_date(query.start)} au {french_date(query.end)}"),
        ("Situation au", french_date(query.as_of)),
    ]
    if report.known_at is not None:
        facts.append(("Faits connus au", french_date(report.known_at)))
    facts += [
        ("Référentiel", f"{rules.id} — {rules.title}"),
        ("Regroupement", grouping(query)),
        ("Filtres", filters(query)),
    ]
    return definition_list(facts)


def _engagement_section(
    engagement: Engagement, sector_rows: Sequence[ReportRow], elapsed: Sequence[int]
) -> str:
    rows = [r for r in sector_rows if r.engagement == engagement.number]
    limit = f"Limite : {engagement.limit} {engagement.unit_label}"
    return (
        f'<section class="engagement" id="engagement-{engagement.number}">'
        f"<h2>Engagement {engagement.number} — {escape(engagement.label)}</h2>"
        f'<p class="limit">{escape(limit)}</p><div class="charts">'
        f"<figure><h3>Taux de respect par secteur</h3>{_rate_chart(rows)}</figure>"
        f"<figure><h3>Répartition des délais</h3>{_histogram(engagement, elapsed)}</figure>"
        "</div></section>\n"
    )


def _sector_key(row: ReportRow) -> str:
    # PC took over sections 01 to 04: list it where they would be, before 05.
    section = row.section or ""
    return "04~" if section == "PC" else section


def _rate_chart(rows: Sequence[ReportRow]) -> str:
    """Horizontal bars of the rate by sector, with a 0-100 % axis and the 100 % objective."""
    if not any(r.measured for r in rows):
        return EMPTY
    rows = sorted(rows, key=_sector_key)
    left, plot, top, step, bar = 44, 400, 30, 24, 16
    height = top + len(rows) * step + 44
    bottom = top + len(rows) * step

    def x(rate: float) -> float:
        return left + rate * plot

    parts = [f'<svg class="chart rate" viewBox="0 0 {WIDTH} {height}" role="img">']
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{x(tick / 100)}" y1="{top}" x2="{x(tick / 100)}" y2="{bottom}" '
            'stroke="#e4e7eb"/>'
            f'<text x="{x(tick / 100)}" y="{bottom + 18}" text-anchor="middle">{tick} %</text>'
        )
    for index, row in enumerate(rows):
        y = top + index * step
        middle = y + step / 2 + 4.5
        sector = escape(row.section or "")
        parts.append(f'<text x="{left - 8}" y="{middle}" text-anchor="end">{sector}</text>')
        if row.rate is None:
            parts.append(f'<text class="small" x="{x(1) + 12}" y="{middle}">aucune mesure</text>')
            continue
        label = escape(percent(row.rate))
        parts.append(
            f'<rect x="{left}" y="{y + (step - bar) / 2}" width="{float(row.rate) * plot:.1f}" '
            f'height="{bar}" fill="{_WITHIN}"><title>{sector} : {label}, '
            f"{row.met} / {row.measured}</title></rect>"
            f'<text x="{x(1) + 12}" y="{middle}">{label}'
            f'<tspan class="small"> ({row.met}/{row.measured})</tspan></text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{x(1)}" y2="{bottom}" stroke="#52606d"/>'
        f'<line x1="{x(1)}" y1="{top - 8}" x2="{x(1)}" y2="{bottom}" stroke="#7b2d26" '
        'stroke-width="1.5" stroke-dasharray="5 4"/>'
        f'<text class="small" x="{x(1)}" y="{top - 12}" text-anchor="middle">objectif 100 %</text>'
        f'<text class="small" x="{x(0.5)}" y="{bottom + 38}" text-anchor="middle">'
        "taux de respect (respectés / mesurés)</text></svg>"
    )
    return "".join(parts)


def _nice_step(span: float, most: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… that cuts `span` into at most `most` steps."""
    for power in range(8):
        for base in (1, 2, 5):
            if span / (base * 10**power) <= most:
                return int(base * 10**power)
    return 10**8


def _histogram(engagement: Engagement, values: Sequence[int]) -> str:
    """Counts of measured delays per integer bin, the limit dashed, bars past it in red."""
    if not values:
        return EMPTY
    limit = engagement.limit
    cap = max(3 * limit, 30)  # one last bin "≥ cap" keeps a few very late dossiers readable
    overflow = max(values) >= cap
    bins = cap + 1 if overflow else max(*values, limit + 1) + 1
    counts = Counter(min(v, cap) for v in values)
    left, right, top, plot_h = 52, 16, 40, 220
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
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="#e4e7eb"/>'
            f'<text class="small" x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    for value in range(bins):
        x = left + value * width
        label = f"≥ {cap}" if overflow and value == cap else str(value)
        count = counts.get(value, 0)
        if count:
            h = count / y_max * plot_h
            colour = _BEYOND if value > limit else _WITHIN
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
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - right}" y2="{bottom}" stroke="#52606d"/>'
        f'<line x1="{line_x:.1f}" y1="{top - 22}" x2="{line_x:.1f}" y2="{bottom}" '
        'stroke="#7b2d26" stroke-width="1.5" stroke-dasharray="5 4"/>'
        f'<text x="{line_x + shift:.1f}" y="{top - 10}" text-anchor="{anchor}">{caption}</text>'
        f'<text class="small" x="{left + plot_w / 2}" y="{bottom + 40}" text-anchor="middle">'
        f"délai ({escape(engagement.unit_label)})</text>"
        f'<text class="small" transform="translate(14 {top + plot_h / 2}) rotate(-90)" '
        'text-anchor="middle">dossiers</text></svg>'
    )
    beyond = sum(1 for v in values if v > limit)
    legend = (
        f'<p class="legend">{len(values)} délais mesurés :'
        f'<span class="swatch" style="background:{_WITHIN}"></span>dans la limite'
        f' ({len(values) - beyond})<span class="swatch" style="background:{_BEYOND}"></span>'
        f"au-delà ({beyond})</p>"
    )
    return "".join(parts) + legend


def _cell(name: str, value: object) -> str:
    if value is None:
        return '<td class="num"></td>' if name in FIGURES else "<td></td>"
    if name == "rate" and isinstance(value, Decimal):
        return f'<td class="num">{escape(percent(value))}</td>'
    text = escape(str(value))
    return f'<td class="num">{text}</td>' if name in FIGURES else f"<td>{text}</td>"


def _table(query: ReportQuery, rows: Sequence[ReportRow]) -> str:
    """The report as asked, with French headers; numbers right-aligned."""
    if not rows:
        return EMPTY
    columns = query.columns
    head = "".join(f"<th{_NUM if c in FIGURES else ''}>{escape(LABELS[c])}</th>" for c in columns)
    body = "\n".join(
        "<tr>" + "".join(_cell(c, getattr(row, c)) for c in columns) + "</tr>" for row in rows
    )
    return (
        f'<table class="report">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>"
    )
