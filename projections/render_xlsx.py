"""Excel workbook of a report for quality managers: a summary, one sheet per engagement, a trend.

Every sheet prints on A4 landscape, one page wide, its header rows repeated on each page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from casetrack.report_summary import HumanReport, Triple, monthly_trend
from casetrack.report_words import (
    PERIOD_NAMES,
    french_date,
    grouping_words,
    limit_text,
    merged_note,
    placement_note,
    versions_words,
)
from casetrack.reporting import ReportQuery
from projections.render_xlsx_cells import (
    BOLD,
    DATE_FORMAT,
    RATE_FORMAT,
    TITLE_FONT,
    TITLE_HEIGHT,
    CellValue,
    fit_height,
    fit_widths,
    print_setup,
    put,
)
from projections.render_xlsx_tables import fill_engagement, fill_trend

__all__ = [
    "DATE_FORMAT",
    "PERIOD_NAMES",
    "RATE_FORMAT",
    "CellValue",
    "fit_widths",
    "parameters",
    "put",
    "write_xlsx",
]

SUMMARY_SHEET: Final = "Rapport"
TREND_SHEET: Final = "Tendance"
TITLE: Final = "Rapport de respect des délais (engagements QualiPARIS)"
#: The cover's value column: wide, as A4 landscape holds about 140 characters at full size.
_VALUE_WIDTH: Final = 110
#: Bold 13-point characters are about 1.3 times as wide as the 11-point ones widths count.
_TITLE_SCALE: Final = 1.3


def write_xlsx(path: Path, report: HumanReport, clocks: Sequence[Triple]) -> None:
    """Write 'Rapport', then 'Engagement 17'… (those with rows), then 'Tendance'."""
    workbook = Workbook()
    _fill_summary(workbook.worksheets[0], report)
    shown = [b for b in report.blocks if b.total is not None]
    note = placement_note(report.query, french_date(report.query.as_of))
    for block in shown:
        sheet = workbook.create_sheet(f"Engagement {block.engagement.number}")
        fill_engagement(sheet, block, note)
    if shown:
        engagements = [b.engagement for b in shown]
        trend = monthly_trend(report.query, clocks, engagements)
        fill_trend(workbook.create_sheet(TREND_SHEET), engagements, trend, report.totals)
    workbook.save(path)


def _fill_summary(sheet: Worksheet, report: HumanReport) -> None:
    query, rule_set = report.query, report.rule_set
    sheet.title = SUMMARY_SHEET
    put(sheet, 1, 1, TITLE).font = TITLE_FONT
    entries: list[tuple[str, CellValue]] = [
        ("Du", query.start),
        ("Au", query.end),
        ("Situation au", query.as_of),
        *([("Faits connus au", report.known_at)] if report.known_at is not None else []),
        ("Regroupement", grouping_words(query)),
        *([("Note", note)] if (note := merged_note(report.asked)) else []),
        ("Période", PERIOD_NAMES[query.period] if "period" in query.by else "toute la plage"),
        ("Référentiel", versions_words(rule_set, report.versions_used)),
        ("Intitulé du référentiel", rule_set.title),
        ("En vigueur depuis", rule_set.effective_from),
        ("Filtre engagement", query.engagement if query.engagement is not None else "tous"),
        ("Filtre secteur", query.section or "tous"),
        ("Filtre prestation", query.prestation or "toutes"),
        ("Paramètres", parameters(query, report.known_at, report.asked)),
        ("Lignes", len(report.rows) if report.rows else "aucune mesure sur la période"),
    ]
    entries += [
        (f"Engagement {e.number}", f"{e.label} ({limit_text(e)})") for e in report.engagements
    ]
    top_left = Alignment(horizontal="left", wrap_text=True, vertical="top")
    for index, (label, value) in enumerate(entries, start=3):
        name = put(sheet, index, 1, label)
        name.font = BOLD
        name.alignment = Alignment(vertical="top")
        put(sheet, index, 2, value).alignment = top_left
    fit_widths(sheet, first_row=3, max_width=_VALUE_WIDTH)  # A1's title overflows into B1
    values = sheet.column_dimensions["B"]
    # The print area ends with column B: the title must fit in A and B, or it is cut.
    title_width = math.ceil(len(TITLE) * _TITLE_SCALE) - sheet.column_dimensions["A"].width
    values.width = max(values.width, title_width)
    sheet.row_dimensions[1].height = TITLE_HEIGHT
    for index, (_, value) in enumerate(entries, start=3):
        if isinstance(value, str):
            fit_height(sheet, index, value, values.width)
    print_setup(sheet, "1:1", one_page=True)


def parameters(
    query: ReportQuery, known_at: date | None = None, by: tuple[str, ...] | None = None
) -> str:
    """The options that give this report again (as_of pinned, so the figures repeat)."""
    parts = [
        f"--from {query.start.isoformat()}",
        f"--to {query.end.isoformat()}",
        f"--as-of {query.as_of.isoformat()}",
        f"--by {','.join(query.by if by is None else by)}",
        f"--period {query.period}",
    ]
    if query.engagement is not None:
        parts.append(f"--engagement {query.engagement}")
    if query.section is not None:
        parts.append(f"--section {query.section}")
    if query.prestation is not None:
        parts.append(f"--prestation {query.prestation}")
    if known_at is not None:
        parts.append(f"--known-at {known_at.isoformat()}")
    return " ".join(parts)
