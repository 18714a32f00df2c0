"""`reaudit --compare` as an Excel workbook: a summary, the figures side by side, the changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from casetrack.report_words import versions_words
from casetrack.reporting import KEYS, LABELS
from casetrack.rules import RuleSet
from projections.comparison import (
    CHANGE_COLUMNS,
    CHANGE_LABELS,
    FIGURE_COLUMNS,
    STATUS_LABELS,
    Comparison,
    figure_label,
)
from projections.comparison_output import changes_heading
from projections.render_xlsx import (
    DATE_FORMAT,
    PERIOD_NAMES,
    RATE_FORMAT,
    CellValue,
    fit_widths,
    parameters,
    put,
)

SUMMARY_SHEET: Final = "Réaudit"
FIGURES_SHEET: Final = "Chiffres"
CHANGES_SHEET: Final = "Changements"
_BOLD: Final = Font(bold=True)
_STATUSES: Final = frozenset({"status_known_at", "status_now"})


def write_comparison_xlsx(path: Path, comparison: Comparison, rule_set: RuleSet) -> None:
    """Write the workbook: 'Réaudit', then 'Chiffres', then 'Changements'."""
    workbook = Workbook()
    _fill_summary(workbook.worksheets[0], comparison, rule_set)
    keys = comparison.keys
    figures = workbook.create_sheet(FIGURES_SHEET)
    labels = [LABELS[k] for k in keys] + [figure_label(f, s) for _, f, s in FIGURE_COLUMNS]
    rows = [
        [getattr(row.known_at, k) for k in keys]
        + [getattr(row.side(s), f) for _, f, s in FIGURE_COLUMNS]
        for row in comparison.rows
    ]
    _fill_table(figures, labels, [*keys, *(f for _, f, _ in FIGURE_COLUMNS)], rows)
    changes = workbook.create_sheet(CHANGES_SHEET)
    _fill_table(
        changes,
        [CHANGE_LABELS[c] for c in CHANGE_COLUMNS],
        CHANGE_COLUMNS,
        [list(c.record().values()) for c in comparison.changes],
    )
    workbook.save(path)


def _fill_summary(sheet: Worksheet, comparison: Comparison, rule_set: RuleSet) -> None:
    sheet.title = SUMMARY_SHEET
    put(
        sheet, 1, 1, "Réaudit : faits connus au K comparés aux faits connus maintenant"
    ).font = Font(bold=True, size=14)
    query = comparison.query
    entries: list[tuple[str, CellValue]] = [
        ("Du", query.start),
        ("Au", query.end),
        ("K : faits connus au", comparison.known_at),
        ("K : situation au", query.as_of),
        ("Maintenant : faits connus au", comparison.now_as_of),
        ("Regroupement", ", ".join(LABELS[k].lower() for k in KEYS if k in query.by) or "aucun"),
        ("Période", PERIOD_NAMES[query.period] if "period" in query.by else "toute la plage"),
        ("Référentiel", versions_words(rule_set, rule_set.all_versions)),
        ("Intitulé du référentiel", rule_set.title),
        ("Filtre engagement", query.engagement if query.engagement is not None else "tous"),
        ("Filtre secteur", query.section or "tous"),
        ("Filtre prestation", query.prestation or "toutes"),
        ("Paramètres", parameters(query, comparison.known_at) + " --compare"),
        ("Groupes", len(comparison.rows) if comparison.rows else "aucune mesure sur la période"),
        ("Changements", changes_heading(comparison)),
    ]
    for index, (label, value) in enumerate(entries, start=3):
        put(sheet, index, 1, label).font = _BOLD
        cell = put(sheet, index, 2, value)
        cell.alignment = Alignment(horizontal="left")
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT
    fit_widths(sheet, first_row=3)  # the title in A1 may overflow into the empty cells


def _fill_table(
    sheet: Worksheet,
    labels: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
) -> None:
    """A header of French labels, then typed cells: rates as percentages, real dates."""
    for index, label in enumerate(labels, start=1):
        put(sheet, 1, index, label).font = _BOLD
    for row_index, row in enumerate(rows, start=2):
        for index, (name, value) in enumerate(zip(columns, row, strict=True), start=1):
            if name in _STATUSES:
                put(
                    sheet,
                    row_index,
                    index,
                    STATUS_LABELS[value if isinstance(value, str) else None],
                )
            elif value is None:
                continue  # an empty cell, as the CSV leaves it empty
            elif isinstance(value, Decimal):
                rate = sheet.cell(row=row_index, column=index, value=float(value))
                rate.number_format = RATE_FORMAT
            elif isinstance(value, str | int | date):
                cell = put(sheet, row_index, index, value)
                if isinstance(value, date):
                    cell.number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(labels))}{len(rows) + 1}"
    fit_widths(sheet)
