"""Excel workbook of a report for quality managers: a summary sheet, then one per engagement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Final

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from casetrack.output import FORMULA_STARTS, xml_text
from casetrack.reporting import KEYS, LABELS, ReportQuery, ReportRow
from casetrack.rules import RuleSet

RATE_FORMAT: Final = "0.00%"
DATE_FORMAT: Final = "yyyy-mm-dd"
SUMMARY_SHEET: Final = "Rapport"
OVERALL_SHEET: Final = "Ensemble"
PERIOD_NAMES: Final = {"month": "mois", "quarter": "trimestre", "year": "année"}
_BOLD: Final = Font(bold=True)
_MAX_WIDTH: Final = 60
CellValue = str | int | float | date | None


def write_xlsx(
    path: Path,
    query: ReportQuery,
    rows: Sequence[ReportRow],
    rule_set: RuleSet,
    *,
    known_at: date | None = None,
) -> None:
    """Write the report as a workbook: 'Rapport' first, then 'Engagement 17'… or 'Ensemble'.

    `known_at` is the date of knowledge of a report "as known at K" (None: everything known).
    """
    workbook = Workbook()
    _fill_summary(workbook.worksheets[0], query, rows, rule_set, known_at)
    if "engagement" in query.by:
        columns = tuple(c for c in query.columns if c != "engagement")
        for number in _engagement_order(rows, rule_set):
            sheet = workbook.create_sheet(f"Engagement {number}")
            _fill_table(sheet, columns, [r for r in rows if r.engagement == number])
    else:
        _fill_table(workbook.create_sheet(OVERALL_SHEET), query.columns, rows)
    workbook.save(path)


def _engagement_order(rows: Sequence[ReportRow], rule_set: RuleSet) -> list[int]:
    # The rule set's order (17, 18, 19); a number it does not know still gets its sheet, last.
    present = {r.engagement for r in rows if r.engagement is not None}
    known = [e.number for e in rule_set.ordered if e.number in present]
    return known + sorted(present - set(known))


def _fill_summary(
    sheet: Worksheet,
    query: ReportQuery,
    rows: Sequence[ReportRow],
    rule_set: RuleSet,
    known_at: date | None,
) -> None:
    sheet.title = SUMMARY_SHEET
    title = put(sheet, 1, 1, "Rapport de respect des délais (engagements QualiPARIS)")
    title.font = Font(bold=True, size=14)
    grouping = ", ".join(LABELS[k].lower() for k in KEYS if k in query.by) or "aucun"
    engagements = (
        [rule_set.engagement(query.engagement)]
        if query.engagement is not None
        else list(rule_set.ordered)
    )
    entries: list[tuple[str, CellValue]] = [
        ("Du", query.start),
        ("Au", query.end),
        ("Situation au", query.as_of),
        *([("Faits connus au", known_at)] if known_at is not None else []),
        ("Regroupement", grouping),
        ("Période", PERIOD_NAMES[query.period] if "period" in query.by else "toute la plage"),
        ("Référentiel", rule_set.id),
        ("Intitulé du référentiel", rule_set.title),
        ("En vigueur depuis", rule_set.effective_from),
        ("Filtre engagement", query.engagement if query.engagement is not None else "tous"),
        ("Filtre secteur", query.section or "tous"),
        ("Filtre prestation", query.prestation or "toutes"),
        ("Paramètres", parameters(query, known_at)),
        ("Lignes", len(rows) if rows else "aucune mesure sur la période"),
    ]
    entries += [
        (f"Engagement {e.number}", f"{e.label} (limite : {e.limit} {e.unit_label})")
        for e in engagements
    ]
    for index, (label, value) in enumerate(entries, start=3):
        put(sheet, index, 1, label).font = _BOLD
        cell = put(sheet, index, 2, value)
        cell.alignment = Alignment(horizontal="left")
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT
    fit_widths(sheet, first_row=3)  # the title in A1 may overflow into the empty cells


def parameters(query: ReportQuery, known_at: date | None = None) -> str:
    """The options that give this report again (as_of pinned, so the figures repeat)."""
    parts = [
        f"--from {query.start.isoformat()}",
        f"--to {query.end.isoformat()}",
        f"--as-of {query.as_of.isoformat()}",
        f"--by {','.join(query.by)}",
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


def _fill_table(sheet: Worksheet, columns: Sequence[str], rows: Sequence[ReportRow]) -> None:
    for index, name in enumerate(columns, start=1):
        cell = put(sheet, 1, index, LABELS[name])
        cell.font = _BOLD
        if name not in KEYS:
            cell.alignment = Alignment(horizontal="right")
    for row_index, row in enumerate(rows, start=2):
        for index, name in enumerate(columns, start=1):
            value: CellValue = getattr(row, name)
            if value is None:
                continue  # an empty cell, as the CSV leaves it empty
            if name == "rate" and row.rate is not None:
                cell = sheet.cell(row=row_index, column=index, value=float(row.rate))
                cell.number_format = RATE_FORMAT
            else:
                put(sheet, row_index, index, value)
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    fit_widths(sheet)


def put(sheet: Worksheet, row: int, column: int, value: CellValue) -> Cell | MergedCell:
    """Write a value; text always stays text, whatever it starts with."""
    cell = sheet.cell(row=row, column=column)
    if not isinstance(value, str):
        cell.value = value
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
        return len(f"{value:.2%}")
    if isinstance(value, date):
        return 10
    return len(str(value))


def fit_widths(sheet: Worksheet, first_row: int = 1) -> None:
    """Widen each column to its longest value, from `first_row` down."""
    for index, column in enumerate(sheet.iter_cols(min_row=first_row), start=1):
        width = max((_display_width(c.value, c.number_format) for c in column), default=0)
        # +3 leaves room for the filter button of the header.
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 3, _MAX_WIDTH)
