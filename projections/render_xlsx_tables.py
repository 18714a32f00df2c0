"""The table sheets of a report workbook: one per engagement with its total, and the trend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from casetrack.report_summary import Block, Totals
from casetrack.report_words import DELAY_COLUMNS, TOTAL, engagement_heading, unit_of
from casetrack.reporting import FIGURES, LABELS, ReportRow
from casetrack.rules import Engagement
from projections.render_xlsx_cells import (
    BOLD,
    HEADER_ALIGNMENT,
    HEADER_HEIGHT,
    RATE_FORMAT,
    RIGHT_HEADER,
    TITLE_FONT,
    TITLE_HEIGHT,
    TOP_RULE,
    CellValue,
    fit_widths,
    note_row,
    print_setup,
    put,
)

#: Row 1 holds the sheet's title, row 2 the header: both repeat on every printed page.
TITLE_ROWS = "1:2"
FIRST_ROW = 3


def header_label(column: str, engagement: Engagement) -> str:
    """A column's header, its unit on a second line for the delays: 'Médiane\\n(j. ouvrés)'."""
    if column in DELAY_COLUMNS:
        return f"{LABELS[column]}\n{unit_of(engagement)}"
    return LABELS[column]


def fill_engagement(sheet: Worksheet, block: Block, note: str) -> None:
    """Title, header, the rows, the total in bold, then the note on open clocks."""
    _title(sheet, engagement_heading(block.engagement))
    keys = block.keys or ("",)
    labels = [LABELS.get(k, "") for k in keys] + [
        header_label(f, block.engagement) for f in FIGURES
    ]
    _header(sheet, labels, numbers_from=len(keys) + 1)
    rows = list(block.rows) if block.keys else []
    for index, row in enumerate(rows, start=FIRST_ROW):
        _put_row(sheet, index, keys, row)
    last = FIRST_ROW + len(rows)
    assert block.total is not None  # a sheet is written only for an engagement with rows
    _put_row(sheet, last, keys, block.total)
    put(sheet, last, 1, TOTAL)
    for column in range(1, len(labels) + 1):
        cell = sheet.cell(row=last, column=column)
        cell.font = BOLD
        cell.border = TOP_RULE
    sheet.freeze_panes = f"A{FIRST_ROW}"
    if rows:
        # The filter covers the rows, not the total: sorting must never move it.
        sheet.auto_filter.ref = f"A2:{get_column_letter(len(labels))}{last - 1}"
    fit_widths(sheet, first_row=2, last_row=last)
    note_row(sheet, last + 2, len(labels), note)
    print_setup(sheet, TITLE_ROWS)


def fill_trend(
    sheet: Worksheet,
    engagements: Sequence[Engagement],
    trend: Sequence[tuple[str, Mapping[int, ReportRow]]],
    totals: Totals,
) -> None:
    """Month by month, each engagement's rate and how many measures it stands on."""
    _title(sheet, "Taux de respect par mois (mesures arrêtées dans le mois)")
    labels = ["Mois"]
    for e in engagements:
        labels += [
            f"Engagement {e.number}\n{LABELS['rate']}",
            f"Engagement {e.number}\n{LABELS['measured']}",
        ]
    _header(sheet, labels, numbers_from=2)
    lines: list[tuple[str, Mapping[int, ReportRow]]] = [*trend, ("Ensemble", totals.rows)]
    for index, (label, found) in enumerate(lines, start=FIRST_ROW):
        put(sheet, index, 1, label)
        for position, e in enumerate(engagements):
            row = found.get(e.number)
            column = 2 + 2 * position
            if row is not None and row.rate is not None:
                sheet.cell(
                    row=index, column=column, value=float(row.rate)
                ).number_format = RATE_FORMAT
            put(sheet, index, column + 1, row.measured if row is not None else 0)
    last = FIRST_ROW + len(lines) - 1
    for column in range(1, len(labels) + 1):
        cell = sheet.cell(row=last, column=column)
        cell.font = BOLD
        cell.border = TOP_RULE
    sheet.freeze_panes = f"B{FIRST_ROW}"
    fit_widths(sheet, first_row=2, last_row=last)
    print_setup(sheet, TITLE_ROWS)


def _title(sheet: Worksheet, text: str) -> None:
    put(sheet, 1, 1, text).font = TITLE_FONT
    sheet.row_dimensions[1].height = TITLE_HEIGHT


def _header(sheet: Worksheet, labels: Sequence[str], numbers_from: int) -> None:
    for index, label in enumerate(labels, start=1):
        cell = put(sheet, 2, index, label)
        cell.font = BOLD
        cell.alignment = RIGHT_HEADER if index >= numbers_from else HEADER_ALIGNMENT
    if any("\n" in label for label in labels):
        sheet.row_dimensions[2].height = HEADER_HEIGHT


def _put_row(sheet: Worksheet, index: int, keys: Sequence[str], row: ReportRow) -> None:
    values = row.as_dict()
    for position, name in enumerate((*keys, *FIGURES), start=1):
        value: CellValue = values.get(name)  # type: ignore[assignment]
        if value is None:
            continue  # an empty cell, as the CSV leaves it empty
        if name == "rate" and row.rate is not None:
            sheet.cell(
                row=index, column=position, value=float(row.rate)
            ).number_format = RATE_FORMAT
        else:
            put(sheet, index, position, value)
