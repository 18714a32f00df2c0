"""Cells, formats, widths and print setup shared by the report workbooks."""

from __future__ import annotations

import math
from datetime import date
from typing import Final

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from casetrack.output import FORMULA_STARTS, xml_text

#: One decimal, as every French output writes a rate (93,8 % in a French spreadsheet).
RATE_FORMAT: Final = "0.0 %"
DATE_FORMAT: Final = "dd/mm/yyyy"
#: The workbook's own font named in every style: a style without a name prints in the
#: reader's default font (a serif one in LibreOffice), beside Calibri cells.
FONT_NAME: Final = "Calibri"
BOLD: Final = Font(name=FONT_NAME, bold=True)
TITLE_FONT: Final = Font(name=FONT_NAME, bold=True, size=13)
NOTE_FONT: Final = Font(name=FONT_NAME, italic=True, color="52606D")
HEADER_ALIGNMENT: Final = Alignment(wrap_text=True, vertical="bottom")
RIGHT_HEADER: Final = Alignment(wrap_text=True, vertical="bottom", horizontal="right")
TOP_RULE: Final = Border(top=Side(style="thin"))
#: Two lines of 11-point text: a header whose label carries its unit on a second line.
HEADER_HEIGHT: Final = 30
#: Points per line of 11-point text, and of the 13-point titles.
LINE_HEIGHT: Final = 15
TITLE_HEIGHT: Final = 20
MAX_WIDTH: Final = 60
#: Width of characters in column-width units (one digit): a space or a lowercase letter is
#: narrower than a capital. Measured on LibreOffice's substitute for Calibri, which is wider
#: than Calibri: Excel's lines are never longer than these.
_SPACE_UNITS: Final = 0.45
_LOWER_UNITS: Final = 0.8
_DIGIT_UNITS: Final = 0.9
_UPPER_UNITS: Final = 1.0
_MARK_UNITS: Final = 0.55
#: Of a column's width, what wrapped text fills before it breaks the line (cell padding).
_WRAP_FILL: Final = 0.9
CellValue = str | int | float | date | None


def put(sheet: Worksheet, row: int, column: int, value: CellValue) -> Cell | MergedCell:
    """Write a value; text always stays text, whatever it starts with."""
    cell = sheet.cell(row=row, column=column)
    if not isinstance(value, str):
        cell.value = value
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT
        return cell
    # openpyxl raises on characters XML cannot hold, and stores text starting with `=` as a
    # formula or `#N/A` as an error: the type is set back to text after the value.
    cell.value = xml_text(value)
    cell.data_type = "s"
    # Excel's own mark of a typed leading `'`: the text stays text when a user edits the cell.
    cell.quotePrefix = value[:1] in FORMULA_STARTS
    return cell


def _display_width(value: object, number_format: str) -> int:
    if value is None:
        return 0
    if number_format == RATE_FORMAT and isinstance(value, float):
        return len(f"{value:.1%}") + 1
    if isinstance(value, date):
        return 10
    # A wrapped header is as wide as its longest line.
    return max(len(line) for line in str(value).split("\n"))


def fit_widths(
    sheet: Worksheet,
    first_row: int = 1,
    last_row: int | None = None,
    max_width: int = MAX_WIDTH,
) -> None:
    """Widen each column to its longest value from `first_row` down (to `last_row`)."""
    for index, column in enumerate(sheet.iter_cols(min_row=first_row, max_row=last_row), start=1):
        width = max((_display_width(c.value, c.number_format) for c in column), default=0)
        # +3 leaves room for the filter button of the header.
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 3, max_width)


def fit_height(sheet: Worksheet, row: int, text: str, width: float) -> None:
    """Make `row` tall enough for `text` wrapped in a column `width` characters wide.

    Neither Excel nor LibreOffice grows a row to its wrapped text when opening a file
    written by openpyxl: without a height the lines print over the next row.
    """
    per_line = max(width - 2, 1) * _WRAP_FILL
    lines = sum(max(1, math.ceil(_text_units(line) / per_line)) for line in text.split("\n"))
    if lines > 1:
        sheet.row_dimensions[row].height = LINE_HEIGHT * lines


def _text_units(text: str) -> float:
    """How wide `text` prints, in column-width units (an estimate that errs wide)."""
    total = 0.0
    for character in text:
        if character.isspace():
            total += _SPACE_UNITS
        elif character.isupper():
            total += _UPPER_UNITS
        elif character.isdigit():
            total += _DIGIT_UNITS
        elif character.isalpha():
            total += _LOWER_UNITS
        else:
            total += _MARK_UNITS
    return total


def print_setup(sheet: Worksheet, title_rows: str, *, one_page: bool = False) -> None:
    """A4 landscape, one page wide, `title_rows` on every page.

    As many pages tall as the rows need, or a single page (`one_page`, the cover).
    """
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    # 0: no limit, the rows flow onto further pages.
    sheet.page_setup.fitToHeight = 1 if one_page else 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.7, footer=0.3)
    sheet.print_options.horizontalCentered = True
    # An auditor's printout says which sheet and which page each sheet of paper is.
    footer = sheet.oddFooter
    if footer is not None:  # openpyxl always makes one; its stubs allow None
        footer.center.text = "&A — page &P / &N"
    sheet.print_title_rows = title_rows


def note_row(sheet: Worksheet, row: int, width: int, text: str) -> None:
    """A wrapped note across the table's `width` columns (merged: it never widens the print)."""
    cell = put(sheet, row, 1, text)
    cell.font = NOTE_FONT
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(width, 1))
    # Call after fit_widths: the note wraps within the table's columns.
    spans = [sheet.column_dimensions[get_column_letter(c)].width for c in range(1, width + 1)]
    fit_height(sheet, row, text, sum(spans))
