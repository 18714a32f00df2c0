"""The Excel report: sheets, French headers with units, totals, trend, formats, print setup.

The clocks are written by hand; every expected figure is recounted from them here, one
clock at a time (`naive_figures`), never taken from the report engine under test.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from casetrack.clocks import Clock
from casetrack.report_summary import HumanReport, Triple, human_report
from casetrack.reporting import ReportQuery, build_report
from casetrack.rules import default_rule_set
from projections.render_xlsx import write_xlsx

START, END, AS_OF = date(2021, 1, 1), date(2021, 3, 31), date(2021, 4, 15)
QUERY = ReportQuery(start=START, end=END, as_of=AS_OF)
RULES = default_rule_set()
#: OOXML's paper size code of A4.
A4 = 9
#: The report's months, first and last day.
MONTHS = {
    "2021-01": (date(2021, 1, 1), date(2021, 1, 31)),
    "2021-02": (date(2021, 2, 1), date(2021, 2, 28)),
    "2021-03": (date(2021, 3, 1), date(2021, 3, 31)),
}


def stopped(engagement: int, start: date, stop: date, elapsed: int, outcome: str) -> Clock:
    """A clock stopped on `stop`, `elapsed` days after `start` (late after 16 days)."""
    return Clock(
        engagement,
        applicable=True,
        start=start,
        stop=stop,
        due=start + timedelta(days=15),
        overdue_from=start + timedelta(days=16),
        elapsed=elapsed if outcome != "invalid" else None,
        outcome=outcome,
    )


def still_open(engagement: int, start: date, overdue_from: date) -> Clock:
    """A clock started on `start`, not stopped, late from `overdue_from`."""
    due = overdue_from - timedelta(days=1)
    return Clock(engagement, applicable=True, start=start, due=due, overdue_from=overdue_from)


# Engagement 18 has no clock: it gets no sheet.
CLOCKS: list[Triple] = [
    ("05", "PL", stopped(19, date(2021, 1, 11), date(2021, 1, 14), 3, "met")),
    ("05", "PL", stopped(19, date(2021, 1, 4), date(2021, 1, 15), 9, "breached")),
    ("PC", "PL", stopped(19, date(2021, 2, 3), date(2021, 2, 10), 5, "met")),
    ("05", "PLF", stopped(19, date(2021, 3, 3), date(2021, 3, 5), 2, "met")),
    ("05", "PL", still_open(19, date(2021, 3, 29), overdue_from=date(2021, 4, 8))),
    ("05", "PL", stopped(17, date(2021, 1, 22), date(2021, 2, 1), 10, "met")),
    ("05", "PL", stopped(17, date(2021, 1, 31), date(2021, 2, 20), 20, "breached")),
    ("05", "PL", stopped(17, date(2021, 2, 27), date(2021, 3, 15), 16, "breached")),
    ("05", "PL", stopped(17, date(2021, 2, 10), date(2021, 2, 5), 0, "invalid")),
    ("PC", "CSP", still_open(17, date(2021, 3, 1), overdue_from=date(2021, 3, 17))),
]
#: The figure columns of a sheet, by their French header (units on a second line).
FIGURE_HEADERS = {
    "Mesurés": "measured",
    "Respectés": "met",
    "Dépassés": "breached",
    "Taux": "rate",
    "Médiane": "median",
    "P90": "p90",
    "Max": "max",
    "En cours": "open_pending",
    "En retard": "open_overdue",
    "Anomalies": "invalid",
}


def report_of(query: ReportQuery = QUERY, clocks: Sequence[Triple] = CLOCKS) -> HumanReport:
    """The human report of `clocks`, as `casetrack report` builds it."""
    return human_report(query, build_report(query, clocks), clocks, RULES)


def written(tmp_path: Path, report: HumanReport | None = None) -> Path:
    """The workbook of `report` (default: the hand-made clocks over the first quarter)."""
    path = tmp_path / "rapport.xlsx"
    write_xlsx(path, report or report_of(), CLOCKS)
    return path


def nearest_rank(values: Sequence[int], percent: int) -> int:
    """The ceil(percent/100 * n)-th smallest value."""
    ordered = sorted(values)
    return ordered[max(1, -(-len(ordered) * percent // 100)) - 1]


def naive_figures(engagement: int, spans: Iterable[tuple[date, date]]) -> dict[str, object]:
    """measures.md's figures of one engagement over periods `spans`, one clock at a time.

    A stopped clock counts in the period of its stop; an open one in every period whose
    last day (or as_of, if earlier) finds it started and not yet stopped.
    """
    met = breached = invalid = pending = overdue = 0
    elapsed: list[int] = []
    for first, last in spans:
        for _, _, clock in CLOCKS:
            if clock.engagement != engagement or clock.start is None:
                continue
            if clock.stop is not None and first <= clock.stop <= last:
                if clock.outcome == "invalid":
                    invalid += 1
                else:
                    met += clock.outcome == "met"
                    breached += clock.outcome == "breached"
                    elapsed.append(clock.elapsed or 0)
            day = min(last, AS_OF)
            if clock.start <= day and (clock.stop is None or clock.stop > day):
                assert clock.overdue_from is not None
                overdue += day >= clock.overdue_from
                pending += day < clock.overdue_from
    measured = met + breached
    rate = (Decimal(met) / measured).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return {
        "measured": measured,
        "met": met,
        "breached": breached,
        "rate": pytest.approx(float(rate)),
        "median": nearest_rank(elapsed, 50),
        "p90": nearest_rank(elapsed, 90),
        "max": max(elapsed),
        "open_pending": pending,
        "open_overdue": overdue,
        "invalid": invalid,
    }


def header(sheet: Worksheet) -> list[str]:
    """Row 2's labels, the unit's line break read as a space."""
    return [str(c.value or "").replace("\n", " ") for c in sheet[2]]


def record(sheet: Worksheet, row: int) -> dict[str, object]:
    """One row's figures by column name."""
    names = [FIGURE_HEADERS.get(label.split(" (")[0]) for label in header(sheet)]
    return {n: c.value for n, c in zip(names, sheet[row], strict=True) if n is not None}


def total_row(sheet: Worksheet) -> int:
    """The number of the row whose first cell says 'Total'."""
    found = [c.row for c in sheet["A"] if c.value == "Total"]
    assert len(found) == 1, found
    return found[0]


def test_sheets_are_the_cover_then_engagements_with_clocks_in_rule_set_order_then_trend(
    tmp_path: Path,
) -> None:
    book = load_workbook(written(tmp_path))

    assert book.sheetnames == ["Rapport", "Engagement 17", "Engagement 19", "Tendance"]


def test_engagement_sheet_has_a_title_then_a_french_header_with_units_frozen_below(
    tmp_path: Path,
) -> None:
    sheet = load_workbook(written(tmp_path))["Engagement 19"]

    assert sheet["A1"].value == (
        "Engagement 19 — pièces manquantes listées sous 7 jours ouvrés (limite : 7 jours ouvrés)"
    )
    assert header(sheet) == [
        "Secteur",
        "Prestation",
        "Période",
        "Mesurés",
        "Respectés",
        "Dépassés",
        "Taux",
        "Médiane (j. ouvrés)",
        "P90 (j. ouvrés)",
        "Max (j. ouvrés)",
        "En cours",
        "En retard",
        "Anomalies",
    ]
    assert sheet.freeze_panes == "A3"


def test_a_calendar_day_engagement_says_so_in_its_delay_headers(tmp_path: Path) -> None:
    sheet = load_workbook(written(tmp_path))["Engagement 17"]

    delays = [label for label in header(sheet) if "(j." in label]

    assert delays == ["Médiane (j. calendaires)", "P90 (j. calendaires)", "Max (j. calendaires)"]


def test_rows_are_numbers_with_a_one_decimal_percentage_and_none_is_empty(
    tmp_path: Path,
) -> None:
    sheet = load_workbook(written(tmp_path))["Engagement 19"]

    first = dict(zip(header(sheet), sheet[3], strict=True))
    open_only = dict(zip(header(sheet), sheet[4], strict=True))

    assert (first["Secteur"].value, first["Prestation"].value) == ("05", "PL")
    assert first["Période"].value == "2021-01"
    assert first["Taux"].value == pytest.approx(0.5)
    assert first["Taux"].number_format == "0.0 %"
    assert first["Mesurés"].value == 2
    assert first["Mesurés"].data_type == "n"
    assert first["Médiane (j. ouvrés)"].value == 3
    assert (open_only["Période"].value, open_only["En cours"].value) == ("2021-03", 1)
    assert open_only["Taux"].value is None
    assert open_only["Médiane (j. ouvrés)"].value is None


@pytest.mark.parametrize("engagement", [17, 19])
def test_total_row_equals_a_recount_of_the_clocks(tmp_path: Path, engagement: int) -> None:
    sheet = load_workbook(written(tmp_path))[f"Engagement {engagement}"]

    last = total_row(sheet)

    assert record(sheet, last) == naive_figures(engagement, MONTHS.values())
    assert last == sheet.max_row - 2  # then a blank row and the note
    assert all(c.font.b for c in sheet[last])


def test_total_median_is_folded_from_the_clocks_not_from_the_rows(tmp_path: Path) -> None:
    sheet = load_workbook(written(tmp_path))["Engagement 19"]

    total = record(sheet, total_row(sheet))

    # Elapsed 2, 3, 5, 9: the median of all four is 3; the rows' medians are 3, 5 and 2.
    assert total["median"] == 3
    assert total["rate"] == pytest.approx(0.75)


def test_trend_gives_each_engagements_rate_and_count_month_by_month(tmp_path: Path) -> None:
    sheet = load_workbook(written(tmp_path))["Tendance"]

    labels = header(sheet)
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=3)}

    assert labels == [
        "Mois",
        "Engagement 17 Taux",
        "Engagement 17 Mesurés",
        "Engagement 19 Taux",
        "Engagement 19 Mesurés",
    ]
    assert list(rows) == ["2021-01", "2021-02", "2021-03", "Ensemble"]
    for month in ("2021-02", "2021-03"):
        for engagement, column in ((17, 1), (19, 3)):
            expected = naive_figures(engagement, [MONTHS[month]])
            assert rows[month][column].value == expected["rate"]
            assert rows[month][column].number_format == "0.0 %"
            assert rows[month][column + 1].value == expected["measured"]
    # No engagement 17 measure stopped in January: no rate, none measured.
    assert (rows["2021-01"][1].value, rows["2021-01"][2].value) == (None, 0)
    assert rows["Ensemble"][3].value == naive_figures(19, MONTHS.values())["rate"]


@pytest.mark.parametrize("name", ["Engagement 17", "Engagement 19", "Tendance"])
def test_a_table_prints_a4_landscape_one_page_wide_its_title_and_header_on_every_page(
    tmp_path: Path, name: str
) -> None:
    sheet = load_workbook(written(tmp_path))[name]

    setup = sheet.page_setup

    assert (setup.orientation, setup.paperSize) == ("landscape", A4)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$2"
    assert 0.3 <= sheet.page_margins.left <= 1
    assert 0.3 <= sheet.page_margins.top <= 1


def test_the_cover_prints_on_a_single_a4_landscape_page(tmp_path: Path) -> None:
    sheet = load_workbook(written(tmp_path))["Rapport"]

    setup = sheet.page_setup

    assert (setup.orientation, setup.paperSize) == ("landscape", A4)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 1)
    assert sheet.print_title_rows == "$1:$1"


def test_the_cover_title_fits_in_the_printed_columns(tmp_path: Path) -> None:
    sheet = load_workbook(written(tmp_path))["Rapport"]

    printed = sheet.column_dimensions["A"].width + sheet.column_dimensions["B"].width

    assert sheet.max_column == 2
    # A bold 13-point title is about 1.3 times as wide as the digits widths count.
    assert printed >= len(str(sheet["A1"].value)) * 1.3


def test_cover_states_range_as_of_grouping_and_rule_set_with_french_dates(
    tmp_path: Path,
) -> None:
    sheet = load_workbook(written(tmp_path))["Rapport"]

    facts = {r[0].value: r[1] for r in sheet.iter_rows(min_row=3) if r[0].value}

    dates = [facts[label] for label in ("Du", "Au", "Situation au", "En vigueur depuis")]
    assert [c.value.date() for c in dates] == [
        date(2021, 1, 1),
        date(2021, 3, 31),
        date(2021, 4, 15),
        date(2014, 5, 1),
    ]
    assert {c.number_format for c in dates} == {"dd/mm/yyyy"}
    assert facts["Regroupement"].value == "engagement, secteur, prestation, période (par mois)"
    assert facts["Période"].value == "mois"
    assert facts["Référentiel"].value == "CASVP-2014-05"
    assert "--from 2021-01-01 --to 2021-03-31 --as-of 2021-04-15" in facts["Paramètres"].value
    assert facts["Engagement 19"].value.endswith("(limite : 7 jours ouvrés)")


def test_long_cover_text_gets_a_taller_row_and_short_text_does_not(tmp_path: Path) -> None:
    query = ReportQuery(start=START, end=END, as_of=AS_OF, prestation="X" * 300)
    sheet = load_workbook(written(tmp_path, report_of(query, [])))["Rapport"]

    rows = {r[0].value: r[0].row for r in sheet.iter_rows(min_row=3) if r[0].value}

    assert sheet.row_dimensions[rows["Filtre prestation"]].height >= 3 * 15
    assert sheet.row_dimensions[rows["Du"]].height is None


def test_a_report_without_clocks_writes_its_cover_alone(tmp_path: Path) -> None:
    book = load_workbook(written(tmp_path, report_of(QUERY, [])))

    assert book.sheetnames == ["Rapport"]
    values = [c.value for r in book["Rapport"].iter_rows() for c in r]
    assert "aucune mesure sur la période" in values


def test_report_by_engagement_alone_has_only_the_total_row(tmp_path: Path) -> None:
    query = ReportQuery(start=START, end=END, as_of=AS_OF, by=("engagement",))

    sheet = load_workbook(written(tmp_path, report_of(query)))["Engagement 17"]

    assert total_row(sheet) == 3
    assert record(sheet, 3) == naive_figures(17, [(START, END)])


def test_columns_are_wide_enough_for_their_labels(tmp_path: Path) -> None:
    sheet = load_workbook(written(tmp_path))["Engagement 17"]

    widths = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[2]}

    for label, width in widths.items():
        assert width >= max(len(line) for line in str(label).split("\n"))


HYPERLINK = '=HYPERLINK("http://x","clic")'


def test_text_starting_like_a_formula_stays_text(tmp_path: Path) -> None:
    clock = stopped(19, date(2021, 1, 4), date(2021, 1, 7), 3, "met")
    clocks: list[Triple] = [(HYPERLINK, "@SUM(1+1)", clock), ("#N/A", "\uff1d1+1", clock)]
    query = ReportQuery(start=START, end=END, as_of=AS_OF, by=("engagement", "section"))
    by_prestation = ReportQuery(START, END, AS_OF, by=("engagement", "prestation"))

    sections = load_workbook(written(tmp_path, report_of(query, clocks)))["Engagement 19"]
    cells = [sections["A3"], sections["A4"]]
    path = tmp_path / "prestations.xlsx"
    write_xlsx(path, report_of(by_prestation, clocks), clocks)
    prestations = load_workbook(path)["Engagement 19"]
    cells += [prestations["A3"], prestations["A4"]]

    assert [c.value for c in cells] == ["#N/A", HYPERLINK, "@SUM(1+1)", "\uff1d1+1"]
    assert [c.data_type for c in cells] == ["s"] * 4
    # Excel's mark of a typed leading quote: the text stays text when a user edits it.
    assert [c.quotePrefix for c in cells] == [False, True, True, True]
    assert sections["B3"].data_type == "n"


def test_control_characters_in_text_are_replaced_not_refused(tmp_path: Path) -> None:
    clock = stopped(19, date(2021, 1, 4), date(2021, 1, 7), 3, "met")
    query = ReportQuery(start=START, end=END, as_of=AS_OF, by=("engagement", "section"))

    path = written(tmp_path, report_of(query, [("S\x1f", "PL", clock)]))

    assert load_workbook(path)["Engagement 19"]["A3"].value == "S\ufffd"


def test_a_filter_given_on_the_command_line_stays_text_in_the_cover(tmp_path: Path) -> None:
    query = ReportQuery(start=START, end=END, as_of=AS_OF, prestation=HYPERLINK)

    sheet = load_workbook(written(tmp_path, report_of(query, [])))["Rapport"]

    facts = {r[0].value: r[1] for r in sheet.iter_rows(min_row=3) if r[0].value}
    assert facts["Filtre prestation"].value == HYPERLINK
    assert facts["Filtre prestation"].data_type == "s"
    assert facts["Paramètres"].data_type == "s"
