"""The Excel rendering of a report: sheets, French headers, frozen header row, formats, values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from casetrack.reporting import ReportQuery, ReportRow
from casetrack.rules import default_rule_set
from projections.render_xlsx import write_xlsx

QUERY = ReportQuery(start=date(2021, 1, 1), end=date(2021, 3, 31), as_of=date(2021, 4, 15))
RULES = default_rule_set()


def row(
    engagement: int | None,
    section: str | None,
    met: int,
    breached: int,
    rate: str | None,
    elapsed: tuple[int, int, int] | None,
    *,
    prestation: str | None = "PL",
    period: str | None = "2021-01",
) -> ReportRow:
    median, p90, maximum = elapsed if elapsed is not None else (None, None, None)
    return ReportRow(
        engagement=engagement,
        section=section,
        prestation=prestation,
        period=period,
        measured=met + breached,
        met=met,
        breached=breached,
        rate=Decimal(rate) if rate is not None else None,
        median=median,
        p90=p90,
        max=maximum,
        open_pending=2,
        open_overdue=1,
        invalid=0,
    )


# Deliberately out of rule-set order (19 before 17) and without engagement 18.
ROWS = [
    row(19, "05", 15, 1, "0.9375", (3, 6, 9)),
    row(19, "PC", 0, 0, None, None),
    row(17, "05", 3, 1, "0.7500", (10, 16, 20)),
]
HEADER = [
    "Secteur",
    "Prestation",
    "Période",
    "Mesurés",
    "Respectés",
    "Dépassés",
    "Taux",
    "Médiane",
    "P90",
    "Max",
    "En cours",
    "En retard",
    "Anomalies",
]


def test_sheets_are_the_summary_then_present_engagements_in_rule_set_order(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"

    write_xlsx(path, QUERY, ROWS, RULES)

    assert load_workbook(path).sheetnames == ["Rapport", "Engagement 17", "Engagement 19"]


def test_engagement_sheet_has_french_header_without_engagement_and_frozen(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"

    write_xlsx(path, QUERY, ROWS, RULES)

    sheet = load_workbook(path)["Engagement 19"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 3


def test_values_are_numbers_with_a_percentage_format_and_none_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"

    write_xlsx(path, QUERY, ROWS, RULES)

    sheet = load_workbook(path)["Engagement 19"]
    first = dict(zip(HEADER, sheet[2], strict=True))
    assert first["Secteur"].value == "05"  # a code, kept as text
    assert first["Période"].value == "2021-01"
    assert first["Taux"].value == pytest.approx(0.9375)
    assert first["Taux"].number_format == "0.00%"
    assert first["Mesurés"].value == 16
    assert first["Mesurés"].data_type == "n"
    assert (first["Médiane"].value, first["P90"].value, first["Max"].value) == (3, 6, 9)
    second = {h: c.value for h, c in zip(HEADER, sheet[3], strict=True)}
    assert second["Secteur"] == "PC"
    assert (second["Taux"], second["Médiane"], second["P90"], second["Max"]) == (None,) * 4
    assert (second["Mesurés"], second["En cours"], second["En retard"]) == (0, 2, 1)


def test_columns_are_wide_enough_for_their_labels(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"

    write_xlsx(path, QUERY, ROWS, RULES)

    sheet = load_workbook(path)["Engagement 17"]
    widths = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert all(width >= len(str(label)) for label, width in widths.items())


def test_dropping_the_engagement_key_gives_one_overall_sheet(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    query = ReportQuery(
        start=QUERY.start, end=QUERY.end, as_of=QUERY.as_of, by=("section",), period="quarter"
    )
    rows = [
        row(None, "05", 18, 2, "0.9000", (4, 12, 30), prestation=None, period=None),
        row(None, "PC", 7, 0, "1.0000", (1, 2, 2), prestation=None, period=None),
    ]

    write_xlsx(path, query, rows, RULES)

    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Rapport", "Ensemble"]
    sheet = workbook["Ensemble"]
    assert [c.value for c in sheet[1]][:3] == ["Secteur", "Mesurés", "Respectés"]
    assert [c.value for c in sheet["A"]] == ["Secteur", "05", "PC"]
    assert sheet["E3"].value == 1
    assert sheet["E3"].number_format == "0.00%"


def test_summary_sheet_states_range_as_of_grouping_and_rule_set(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"

    write_xlsx(path, QUERY, ROWS, RULES)

    sheet = load_workbook(path)["Rapport"]
    facts = {r[0].value: r[1].value for r in sheet.iter_rows(min_row=3) if r[0].value}
    dates = [facts[label].date() for label in ("Du", "Au", "Situation au")]
    assert dates == [date(2021, 1, 1), date(2021, 3, 31), date(2021, 4, 15)]
    assert facts["Regroupement"] == "engagement, secteur, prestation, période"
    assert facts["Période"] == "mois"
    assert facts["Référentiel"] == "CASVP-2014-05"
    assert "--from 2021-01-01 --to 2021-03-31 --as-of 2021-04-15" in facts["Paramètres"]
    assert facts["Engagement 19"].endswith("(limite : 7 jours ouvrés)")


def test_a_report_without_rows_still_writes_its_summary(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"

    write_xlsx(path, QUERY, [], RULES)

    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Rapport"]
    values = [c.value for r in workbook["Rapport"].iter_rows() for c in r]
    assert "aucune mesure sur la période" in values


HYPERLINK = '=HYPERLINK("http://x","clic")'


def test_text_starting_like_a_formula_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    rows = [
        row(19, HYPERLINK, 1, 0, "1.0000", (3, 3, 3), prestation="@SUM(1+1)"),
        row(19, "#N/A", 1, 0, "1.0000", (3, 3, 3), prestation="\uff1d1+1"),
    ]

    write_xlsx(path, QUERY, rows, RULES)

    sheet = load_workbook(path)["Engagement 19"]
    cells = [sheet["A2"], sheet["B2"], sheet["A3"], sheet["B3"]]
    assert [c.value for c in cells] == [HYPERLINK, "@SUM(1+1)", "#N/A", "\uff1d1+1"]
    assert [c.data_type for c in cells] == ["s"] * 4
    # Excel's mark of a typed leading quote: the text stays text when a user edits it.
    assert [c.quotePrefix for c in cells] == [True, True, False, True]
    assert sheet["D2"].data_type == "n"


def test_control_characters_in_text_are_replaced_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"

    rows = [row(19, "S\x1f", 1, 0, "1.0000", (3, 3, 3), prestation="A\x01B")]

    write_xlsx(path, QUERY, rows, RULES)

    sheet = load_workbook(path)["Engagement 19"]
    assert (sheet["A2"].value, sheet["B2"].value) == ("S\ufffd", "A\ufffdB")


def test_a_filter_given_on_the_command_line_stays_text_in_the_summary(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    query = ReportQuery(start=QUERY.start, end=QUERY.end, as_of=QUERY.as_of, prestation=HYPERLINK)

    write_xlsx(path, query, [], RULES)

    sheet = load_workbook(path)["Rapport"]
    facts = {r[0].value: r[1] for r in sheet.iter_rows(min_row=3) if r[0].value}
    assert facts["Filtre prestation"].value == HYPERLINK
    assert facts["Filtre prestation"].data_type == "s"
    assert facts["Paramètres"].data_type == "s"
