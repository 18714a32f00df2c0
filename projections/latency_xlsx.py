"""`casetrack latency` as an Excel workbook: a cover, then one sheet per part.

Cells keep their types (real dates, numbers); codes become the French words of the table.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projections.latency import LatencyAudit
from projections.latency_output import DELAY_NOTE, Part, french_cell, grouping, parts, title
from projections.render_xlsx_cells import (
    BOLD,
    DATE_FORMAT,
    HEADER_ALIGNMENT,
    TITLE_FONT,
    CellValue,
    fit_widths,
    note_row,
    print_setup,
    put,
)

COVER_SHEET: Final = "Latence"
#: Sheet names (at most 31 characters), by part.
SHEETS: Final = {
    "delays": "Délais",
    "late_known": "Connus après échéance",
    "backdated": "Arrêts antidatés",
}


def write_latency_xlsx(path: Path, audit: LatencyAudit) -> None:
    """Write the workbook: the cover, then 'Délais', 'Connus après échéance', 'Arrêts antidatés'."""
    workbook = Workbook()
    found = parts(audit)
    _fill_cover(workbook.worksheets[0], audit, found)
    for part in found:
        _fill_part(workbook.create_sheet(SHEETS[part.key]), part)
    workbook.save(path)


def _fill_cover(sheet: Worksheet, audit: LatencyAudit, found: tuple[Part, ...]) -> None:
    sheet.title = COVER_SHEET
    put(sheet, 1, 1, title(audit)).font = TITLE_FONT
    entries: list[tuple[str, CellValue]] = [
        ("Du", audit.start),
        ("Au", audit.end),
        ("Mesures évaluées au", audit.as_of),
        ("Regroupement des délais", grouping(audit)),
        ("Référentiel", audit.rule_set),
        ("Paramètres", _parameters(audit)),
        *((SHEETS[p.key], p.heading) for p in found),
    ]
    for index, (label, value) in enumerate(entries, start=3):
        put(sheet, index, 1, label).font = BOLD
        put(sheet, index, 2, value).alignment = Alignment(horizontal="left")
    fit_widths(sheet, first_row=3)  # the title in A1 may overflow into the empty cells
    print_setup(sheet, "1:1", one_page=True)


def _parameters(audit: LatencyAudit) -> str:
    """The options that give these figures again."""
    return (
        f"--from {audit.start.isoformat()} --to {audit.end.isoformat()} --by {','.join(audit.keys)}"
    )


def _fill_part(sheet: Worksheet, part: Part) -> None:
    """Row 1 the heading, row 2 the French labels, then typed cells."""
    put(sheet, 1, 1, part.heading).font = TITLE_FONT
    for index, label in enumerate(part.labels, start=1):
        header = put(sheet, 2, index, label)
        header.font = BOLD
        header.alignment = HEADER_ALIGNMENT
    for row_index, record in enumerate(part.records, start=3):
        for index, column in enumerate(part.columns, start=1):
            value = record[column]
            if isinstance(value, int | date) and not isinstance(value, bool):
                put(sheet, row_index, index, value)  # numbers and real dates
                if isinstance(value, date):
                    sheet.cell(row=row_index, column=index).number_format = DATE_FORMAT
            else:
                text = french_cell(column, value)
                if text:
                    put(sheet, row_index, index, text)
    last = len(part.records) + 2
    sheet.freeze_panes = "A3"
    if part.records:
        sheet.auto_filter.ref = f"A2:{get_column_letter(len(part.columns))}{last}"
    fit_widths(sheet, first_row=2)
    note = part.empty if not part.records else (DELAY_NOTE if part.key == "delays" else "")
    if note:
        note_row(sheet, last + 2, len(part.columns), note)
    print_setup(sheet, "1:2")
