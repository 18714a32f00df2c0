"""A report as one self-contained HTML page: no script, no request, printable.

The page opens on each engagement's overall rate, then gives each engagement a section:
its overall rate in large type, three charts (rate by sector, rate by month, spread of the
delays), and its sectors in a table whose rows open on their late dossiers. The rows as
`--by` asked follow at the end, each engagement with its total row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import Final

from casetrack.calendar import WorkingCalendar
from casetrack.report_summary import (
    HumanReport,
    NumberedClock,
    SectorView,
    monthly_trend,
    sector_view,
)
from casetrack.report_words import (
    PERIOD_NAMES,
    engagement_title,
    french_date,
    french_percent,
    grouping_words,
    limit_text,
    merged_note,
    placement_note,
    versions_words,
)
from casetrack.reporting import KEYS, LABELS, ReportQuery, ReportRow
from casetrack.rules import Engagement
from projections.render_html_charts import EMPTY, delay_histogram, sector_chart, trend_chart
from projections.render_html_css import CSS, REPORT_CSS
from projections.render_html_tables import detail_table, overall_block, sector_table

__all__ = [
    "CSS",
    "TITLE",
    "definition_list",
    "filters",
    "french_date",
    "grouping",
    "html_page",
    "write_html",
]

TITLE: Final = "Rapport de respect des délais (engagements QualiPARIS)"


def write_html(path: Path, page_text: str) -> None:
    """Write a page as one UTF-8 file."""
    path.write_text(page_text, encoding="utf-8")


def html_page(
    report: HumanReport,
    numbered_clocks: Iterable[NumberedClock],
    calendar: WorkingCalendar,
    *,
    details: bool = True,
) -> str:
    """The HTML text of a report whose rows were folded from these clocks.

    `details=False` (`--no-details`) leaves out the lists of late dossiers.
    """
    numbered = list(numbered_clocks)
    triples = [(section, prestation, clock) for _, section, prestation, clock in numbered]
    sectors = sector_view(report.query, numbered, report.rule_set, calendar)
    engagements = report.engagements
    trend = monthly_trend(report.query, triples, engagements)
    day = french_date(min(report.query.end, report.query.as_of))
    sections = "".join(
        _engagement_section(
            report,
            e,
            sectors,
            [(label, rows.get(e.number)) for label, rows in trend],
            day,
            details=details,
        )
        for e in engagements
    )
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(TITLE)}</title>\n<style>{CSS}{REPORT_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n<header><h1>{escape(TITLE)}</h1>{_metadata(report)}"
        f"{_summary(engagements, sectors)}</header>\n{sections}{_detail(report)}"
        "</main>\n</body>\n</html>\n"
    )


def grouping(query: ReportQuery) -> str:
    """The query's grouping keys in French words, with the period's length."""
    found = ", ".join(LABELS[k].lower() for k in KEYS if k in query.by) or "aucun"
    if "period" in query.by:
        found += f" (par {PERIOD_NAMES[query.period]})"
    return found


def filters(query: ReportQuery) -> str:
    """The query's filters in French words."""
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


def _metadata(report: HumanReport) -> str:
    query, rules = report.query, report.rule_set
    facts = [
        ("Période", f"du {french_date(query.start)} au {french_date(query.end)}"),
        ("Situation au", french_date(query.as_of)),
    ]
    if report.known_at is not None:
        facts.append(("Faits connus au", french_date(report.known_at)))
    facts += [
        ("Référentiel", f"{versions_words(rules, report.versions_used)} — {rules.title}"),
        ("Regroupement", grouping_words(query)),
        ("Filtres", filters(query)),
    ]
    note = merged_note(report.asked)
    if note:
        facts.append(("Note", note))
    return definition_list(facts)


def _summary(engagements: Sequence[Engagement], sectors: SectorView) -> str:
    """One link per engagement with its overall rate: the page at a glance."""
    links = []
    for e in engagements:
        total = sectors.totals.get(e.number)
        if total is not None and total.rate is not None:
            rate = french_percent(total.rate)
            what = f"{total.met} respectés sur {total.measured} mesurés"
        else:
            rate, what = "—", "aucun délai mesuré"
        links.append(
            f'<a href="#engagement-{e.number}"><span class="what">Engagement {e.number} '
            f"({escape(limit_text(e))})</span>"
            f'<span class="rate">{escape(rate)}</span><span class="what">{escape(what)}</span></a>'
        )
    return f'<nav class="summary">{"".join(links)}</nav>'


def _engagement_section(
    report: HumanReport,
    engagement: Engagement,
    sectors: SectorView,
    months: Sequence[tuple[str, ReportRow | None]],
    day: str,
    *,
    details: bool,
) -> str:
    number = engagement.number
    rows = [r for r in sectors.rows if r.engagement == number]
    total = sectors.totals.get(number)
    head = (
        f'<section class="engagement" id="engagement-{number}">'
        f"<h2>{escape(engagement_title(engagement))}</h2>"
        f'<p class="limit">{escape(limit_text(engagement).capitalize())}</p>'
    )
    if not rows:
        return f"{head}{EMPTY}</section>\n"
    overall = total.rate if total is not None else None
    late = (
        {str(sector): found for (e, sector), found in sectors.late.items() if e == number}
        if details
        else None
    )
    elapsed = report.totals.elapsed.get(number, ())
    return (
        f'{head}{overall_block(total, day)}<div class="charts">'
        f'<figure class="sectors"><h3>Taux de respect par secteur</h3>'
        f"{sector_chart(rows, overall)}</figure>"
        f'<figure class="trend"><h3>Taux de respect par mois</h3>'
        f"{trend_chart(months, overall)}</figure>"
        f'<figure class="spread"><h3>Répartition des délais mesurés</h3>'
        f"{delay_histogram(engagement, elapsed)}</figure></div>"
        f"<h3>Par secteur, sur toute la période</h3>"
        f"{sector_table(engagement, rows, total, late)}"
        f'<p class="note">{escape(_lists_note(day, details=details))}</p></section>\n'
    )


def _lists_note(day: str, *, details: bool) -> str:
    if not details:
        return "Listes de dossiers omises (--no-details)."
    return (
        "Un secteur s’ouvre sur ses dossiers dépassés (arrêtés au-delà de la limite dans la "
        f"période) et en retard (encore ouverts au-delà de la limite le {day}). Délai : à "
        f"l’arrêt, ou au {day} pour un dossier en retard. L’impression montre les listes "
        "ouvertes."
    )


def _detail(report: HumanReport) -> str:
    """The rows as `--by` asked, per engagement, unless the sector tables already are them."""
    query = report.query
    note = f'<p class="note">{escape(placement_note(query, french_date(query.as_of)))}</p>\n'
    blocks = [b for b in report.blocks if b.total is not None]
    if not blocks or blocks[0].keys in ((), ("section",)):
        return note
    tables = "".join(
        f"<h3>{escape(engagement_title(b.engagement))}</h3>{detail_table(b)}\n" for b in blocks
    )
    return (
        f'<section class="detail" id="detail"><h2>Détail : {escape(grouping_words(query))}</h2>'
        f"\n{tables}{note}</section>\n"
    )
