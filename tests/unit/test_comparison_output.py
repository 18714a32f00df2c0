"""`reaudit --compare` writers on hand-made comparisons: typed values spelled per format."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from casetrack.reporting import ReportQuery, ReportRow
from casetrack.rules import default_rule_set
from projections.comparison import ComparedRow, Comparison, StatusChange
from projections.comparison_output import write_changes_csv, write_json, write_tables
from projections.render_html_compare import render_comparison_html
from projections.render_xlsx_compare import write_comparison_xlsx
from tests.integration.reaudit_outputs import text_table

QUERY = ReportQuery(
    start=date(2025, 1, 1), end=date(2025, 3, 31), as_of=date(2025, 4, 4), by=("engagement",)
)
KNOWN_AT, NOW = date(2025, 4, 4), date(2025, 12, 26)


def row(measured: int, met: int) -> ReportRow:
    rate = (Decimal(met) / measured).quantize(Decimal("0.0001")) if measured else None
    return ReportRow(17, None, None, None, measured, met, measured - met, rate, 5, 9, 12, 1, 0, 0)


#: A dossier whose engagement 17 had not started at K and is met now, after 4 days.
STARTED_LATE = StatusChange(
    "2025-13-000042", "13", "PL", 17, None, "met", None, 4, None, date(2025, 3, 20)
)
COMPARISON = Comparison(
    QUERY, KNOWN_AT, NOW, (ComparedRow(row(16, 15), row(17, 16)),), (STARTED_LATE,)
)
EMPTY = Comparison(QUERY, KNOWN_AT, NOW, (), ())


def test_table_shows_a_moved_figure_as_k_then_now_in_french() -> None:
    out = io.StringIO()

    write_tables(COMPARISON, out)

    lines = out.getvalue().splitlines()
    start = lines.index("Chiffres (« K → maintenant » là où ils diffèrent)") + 1
    header, figures = text_table(lines[start : start + 3])
    assert header[:5] == ["Engagement", "Mesurés", "Respectés", "Dépassés", "Taux"]
    # 15/16 = 93,75 % -> 93,8 %, 16/17 = 94,12 % -> 94,1 % (one decimal, half up);
    # unchanged figures once.
    assert figures == [
        *("17", "16 → 17", "15 → 16", "1", "93,8 % → 94,1 %"),
        *("5", "9", "12", "1", "0", "0"),
    ]


def test_html_page_writes_the_rates_with_one_decimal_like_the_table() -> None:
    page = render_comparison_html(COMPARISON, default_rule_set())

    # 15/16 = 93,75 % and 16/17 = 94,12 %, rounded half up to one decimal as elsewhere.
    assert "93,8 %" in page
    assert "94,1 %" in page
    assert "93,75" not in page
    assert "94,12" not in page


def test_table_says_a_clock_not_started_at_k_in_french() -> None:
    out = io.StringIO()

    write_tables(COMPARISON, out)

    lines = out.getvalue().splitlines()
    assert lines[-4] == "Dossiers dont le statut a changé : 1 (1 mesure)"
    header, change = text_table(lines[-3:])
    assert dict(zip(header, change, strict=True)) == {
        "Dossier": "2025-13-000042",
        "Section": "13",
        "Prestation": "PL",
        "Engagement": "17",
        "Statut (K)": "non démarré",
        "Statut (maintenant)": "respecté",
        "Délai (K)": "",
        "Délai (maintenant)": "4",
        "Arrêt (K)": "",
        "Arrêt (maintenant)": "2025-03-20",
    }


def test_csv_and_json_leave_a_side_not_started_empty() -> None:
    text, data = io.StringIO(), io.StringIO()

    write_changes_csv(COMPARISON, text)
    write_json(COMPARISON, data)

    rows = list(csv.reader(io.StringIO(text.getvalue())))
    assert rows[1] == ["2025-13-000042", "13", "PL", "17", "", "met", "", "4", "", "2025-03-20"]
    [change] = json.loads(data.getvalue())["changes"]
    assert (change["status_known_at"], change["elapsed_known_at"]) == (None, None)
    assert (change["status_now"], change["stop_now"]) == ("met", "2025-03-20")


def test_an_empty_comparison_is_written_in_every_format(tmp_path: Path) -> None:
    table, data = io.StringIO(), io.StringIO()
    book = tmp_path / "reaudit.xlsx"

    write_tables(EMPTY, table)
    write_json(EMPTY, data)
    page = render_comparison_html(EMPTY, default_rule_set())
    write_comparison_xlsx(book, EMPTY, default_rule_set())

    assert "Aucune mesure sur la période." in table.getvalue()
    assert table.getvalue().rstrip().endswith("Dossiers dont le statut a changé : 0 (0 mesure)")
    assert json.loads(data.getvalue()) == {"figures": [], "changes": []}
    assert "Aucun dossier n’a changé de statut" in page
    assert load_workbook(book)["Changements"].max_row == 1
