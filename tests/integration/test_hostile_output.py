"""Values that read as formulas or hold control characters, already in a store, come out safe.

The store is seeded through the Python API, as an older version's ingestion could have left
it: today's readers quarantine such values, so a PIAF file cannot put them in. Every CSV
the commands write is then read back as a spreadsheet splits it: no cell starts with a
formula character (docs/schema.md, "Spreadsheet safety"); XES parses; JSON round-trips
the values as stored; the xlsx report keeps them as text.

Expected rows are worked out below from the seeded dates with tests/naive.py's day counts.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from adapters.rowstate import QuarantinedRow, RowStateStore
from casetrack.application import DossierTracker
from casetrack.facts import Snapshot
from tests.integration.ingest_helpers import cli, release_connections
from tests.naive import count_working_days, nth_working_day_after

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
XES = "{http://www.xes-standard.org/}"
KNOWN_ON = date(2025, 1, 24)
AS_OF = ("--as-of", KNOWN_ON.isoformat())
YEAR = ("--from", "2025-01-01", "--to", "2025-12-31")
FILED, FIRST = date(2025, 1, 2), date(2025, 1, 3)

HYPERLINK = '=HYPERLINK("http://x","clic")'
SUM = "@SUM(1+1)"
MINUS = "-2+3"
FULL_WIDTH = "\uff1d1"  # sections are two characters at most in the read models
AT = "@C"
TAB = "\t1"
CONTROL = "A\x01B"
CONTROL_SECTION = "S\x1f"
#: number: (section, prestation, second info); every dossier filed on FILED, first info on FIRST.
DOSSIERS = {
    HYPERLINK: ("05", SUM, date(2025, 1, 20)),  # a prestation outside the rule set
    MINUS: (FULL_WIDTH, "PL", date(2025, 1, 20)),  # 19 breached
    AT: (TAB, "CSP", None),  # 19 open, overdue on KNOWN_ON
    CONTROL: (CONTROL_SECTION, "PL", date(2025, 1, 8)),  # 19 met
}
QUARANTINED = QuarantinedRow(
    kind="piaf",
    file="=cmd|' /C calc'!A0.csv",
    sha256="0" * 64,
    line=3,
    dossier="+1+1",
    reason="\r-bad value",
    extracted_on=KNOWN_ON,
)
DUE = nth_working_day_after(FIRST, 7)


def q(text: str) -> str:
    """Text as the CSV writes it when it starts like a formula."""
    return "'" + text


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


@pytest.fixture
def store(db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    """A store holding the hostile dossiers and quarantined row, with current read models."""
    tracker = DossierTracker(db_url)
    try:
        for number, (section, prestation, second) in DOSSIERS.items():
            snapshot = Snapshot(
                section=section,
                prestation=prestation,
                filed_on=FILED,
                first_info_on=FIRST,
                second_info_on=second,
            )
            tracker.record(number, snapshot, known_on=KNOWN_ON)
    finally:
        tracker.close()
    RowStateStore(db_url).quarantine([QUARANTINED])
    assert cli(capsys, "--db", db_url, "-q", "project").code == 0
    return db_url


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> str:
    result = cli(capsys, "--db", url, "-q", *argv)
    assert result.code == 0, result.err
    return result.out


def csv_rows(text: str) -> list[list[str]]:
    """Header then rows, as a spreadsheet splits them; no cell may start like a formula."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    unsafe = [value for row in rows for value in row if value.startswith(FORMULA_STARTS)]
    assert unsafe == []
    return rows


def measure_rows() -> list[list[str]]:
    """measures.md's rows on KNOWN_ON: engagement 19 only starts; SUM is not applicable."""
    first, due = FIRST.isoformat(), DUE.isoformat()
    breached = str(count_working_days(FIRST, date(2025, 1, 20)))
    met = str(count_working_days(FIRST, date(2025, 1, 8)))
    open_elapsed = str(count_working_days(FIRST, KNOWN_ON))  # counted as if stopped on as_of
    na = ["", "", "", "", "not_applicable"]
    return sorted(
        [
            *([q(HYPERLINK), "05", q(SUM), str(n), *na] for n in (17, 18, 19)),
            [q(MINUS), q(FULL_WIDTH), "PL", "19", first, "2025-01-20", due, breached, "breached"],
            [CONTROL, CONTROL_SECTION, "PL", "19", first, "2025-01-08", due, met, "met"],
            [q(AT), q(TAB), "CSP", "19", first, "", due, open_elapsed, "overdue"],
        ]
    )


@pytest.mark.parametrize("source", [(), ("--known-at", KNOWN_ON.isoformat())])
def test_measures_csv_prefixes_text_and_leaves_numbers(
    store: str, capsys: pytest.CaptureFixture[str], source: tuple[str, ...]
) -> None:
    # Without --known-at the read models answer; with it, the event store.
    header, *rows = csv_rows(run(capsys, store, "measures", *AS_OF, *source, "--format", "csv"))

    assert header == [
        "dossier",
        "section",
        "prestation",
        "engagement",
        "start",
        "stop",
        "due",
        "elapsed",
        "status",
    ]
    assert sorted(rows) == measure_rows()


def test_worklists_csv_prefix_text(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    overdue = csv_rows(run(capsys, store, "worklist", "--overdue", *AS_OF, "--format", "csv"))
    breached = csv_rows(run(capsys, store, "worklist", "--breached", *AS_OF, "--format", "csv"))

    late_open = str(count_working_days(DUE, KNOWN_ON))
    late_stopped = str(count_working_days(DUE, date(2025, 1, 20)))
    start, due = FIRST.isoformat(), DUE.isoformat()
    # The last three columns: days_late, days_left, unit (docs/reports.md, "Worklist").
    assert overdue[1:] == [
        [
            *(q(AT), q(TAB), "CSP", "19", start, due, late_open, "overdue"),
            *(late_open, "", "working_days"),
        ]
    ]
    assert breached[1:] == [
        [
            *(q(MINUS), q(FULL_WIDTH), "PL", "19", start, due, late_stopped, "breached"),
            *(late_stopped, "", "working_days"),
        ]
    ]


def test_quarantine_csv_prefixes_file_dossier_and_reason(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = csv_rows(run(capsys, store, "quarantine", "--format", "csv"))

    assert rows == [
        ["file", "line", "dossier", "reason"],
        [q(QUARANTINED.file), "3", q("+1+1"), q("\r-bad value")],
    ]


#: engagement, section, prestation, period, then measured, met, breached, rate, median, p90,
#: max, open_pending, open_overdue, invalid.
REPORT_ROWS = sorted(
    [
        ["19", q(TAB), "CSP", "2025-01", *"000", "", "", "", "", *"010"],
        ["19", CONTROL_SECTION, "PL", "2025-01", *"110", "1.0000", "3", "3", "3", *"000"],
        ["19", q(FULL_WIDTH), "PL", "2025-01", *"101", "0.0000", "11", "11", "11", *"000"],
    ]
)


@pytest.mark.parametrize(
    "command", [("report", *AS_OF), ("reaudit", "--known-at", KNOWN_ON.isoformat())]
)
def test_report_and_reaudit_csv_prefix_sections(
    store: str, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    # Elapsed: 3 and 11 working days after 2025-01-03 (no holiday in January after the 1st).
    assert count_working_days(FIRST, date(2025, 1, 8)) == 3
    rows = csv_rows(run(capsys, store, *command, *YEAR, "--format", "csv"))

    assert sorted(rows[1:]) == REPORT_ROWS


def test_reaudit_comparison_csv_prefixes_sections(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(
        capsys, store, "reaudit", *YEAR, "--known-at", "2025-01-24", "--compare", "--format", "csv"
    )

    rows = csv_rows(out)

    assert sorted(r[:2] for r in rows[1:]) == sorted(
        [["19", q(TAB)], ["19", CONTROL_SECTION], ["19", q(FULL_WIDTH)]]
    )


def test_reaudit_changes_csv_prefixes_dossiers_and_sections(
    store: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    changes = tmp_path / "changes.csv"
    # The day before KNOWN_ON nothing is known: every measure of the year changed since.
    before = ("--known-at", "2025-01-23", "--compare", "--format", "csv")

    run(capsys, store, "reaudit", *YEAR, *before, "--changes", str(changes))

    rows = csv_rows(changes.read_text(encoding="utf-8"))
    assert rows[0][:6] == [
        "dossier",
        "section",
        "prestation",
        "engagement",
        "status_known_at",
        "status_now",
    ]
    # SUM's prestation is outside the rule set: not applicable, so in no period.
    assert sorted(r[:6] for r in rows[1:]) == sorted(
        [
            [q(MINUS), q(FULL_WIDTH), "PL", "19", "", "breached"],
            [CONTROL, CONTROL_SECTION, "PL", "19", "", "met"],
            [q(AT), q(TAB), "CSP", "19", "", "overdue"],
        ]
    )


def test_reaudit_comparison_html_and_xlsx_keep_hostile_text_as_text(
    store: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    page, book = tmp_path / "reaudit.html", tmp_path / "reaudit.xlsx"
    before = ("reaudit", *YEAR, "--known-at", "2025-01-23", "--compare")

    run(capsys, store, *before, "--format", "html", "--output", str(page))
    run(capsys, store, *before, "--format", "xlsx", "--output", str(book))

    html = page.read_text(encoding="utf-8")
    assert "<td>@C</td>" in html
    assert "<td>=HYPERLINK" not in html  # not applicable: no change listed
    dossiers = load_workbook(book)["Changements"]["A"][1:]
    assert sorted(c.value for c in dossiers) == sorted([MINUS, "A\ufffdB", AT])
    assert {c.data_type for c in dossiers} == {"s"}


def test_sample_csv_prefixes_text(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(
        capsys,
        store,
        "sample",
        *YEAR,
        "--per-section",
        "5",
        "--seed",
        "1",
        *AS_OF,
        "--format",
        "csv",
    )

    rows = csv_rows(out)

    assert rows[0] == ["stratum", "dossier", "section", "prestation", "measures", "history"]
    # The measured dossiers, one per sector; the open one is not measured.
    assert sorted(r[:4] for r in rows[1:]) == sorted(
        [
            [q(FULL_WIDTH), q(MINUS), q(FULL_WIDTH), "PL"],
            [CONTROL_SECTION, CONTROL, CONTROL_SECTION, "PL"],
        ]
    )


def fact_lines() -> list[tuple[str, str, str, str, str]]:
    """(case, activity, timestamp, section, prestation) of every seeded fact, as stored."""
    lines = []
    for number, (section, prestation, second) in DOSSIERS.items():
        days = [("Dépôt", FILED), ("Première info", FIRST)]
        days += [("Deuxième info", second)] if second else []
        lines += [(number, a, paris_midnight(d), section, prestation) for a, d in days]
    return sorted(lines)


def paris_midnight(day: date) -> str:
    """The event log's timestamp of a day: midnight in Paris, with its UTC offset."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo("Europe/Paris")).isoformat()


def test_eventlog_csv_prefixes_text(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    rows = csv_rows(run(capsys, store, "export", "eventlog", "--format", "csv"))
    header, body = rows[0], rows[1:]
    columns = ["case:concept:name", "concept:name", "time:timestamp", "case:section"]
    columns.append("case:prestation")
    at = [header.index(c) for c in columns]

    def shown(text: str) -> str:
        return q(text) if text in (HYPERLINK, SUM, MINUS, FULL_WIDTH, AT, TAB) else text

    assert sorted(tuple(r[i] for i in at) for r in body) == sorted(
        tuple(shown(v) for v in line) for line in fact_lines()
    )


def test_eventlog_xes_is_well_formed_and_holds_the_values(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    xes = run(capsys, store, "export", "eventlog", "--format", "xes")
    root = ET.fromstring(xes)  # noqa: S314 - our own export; parsing it checks it is well formed

    found = []
    for trace in root.iter(f"{XES}trace"):
        values = {s.get("key"): s.get("value") for s in trace.findall(f"{XES}string")}
        found.append((values["concept:name"], values["section"], values["prestation"]))
    # XES is not a spreadsheet: no prefix; XML cannot hold U+0001 or U+001F, even escaped.
    assert sorted(found) == sorted(
        [
            (HYPERLINK, "05", SUM),
            (MINUS, FULL_WIDTH, "PL"),
            (AT, TAB, "CSP"),
            ("A\ufffdB", "S\ufffd", "PL"),
        ]
    )


def test_json_outputs_parse_and_hold_the_values_as_stored(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    measures = json.loads(run(capsys, store, "measures", *AS_OF, "--format", "json"))
    report = json.loads(run(capsys, store, "report", *YEAR, *AS_OF, "--format", "json"))
    reaudit = json.loads(
        run(capsys, store, "reaudit", *YEAR, "--known-at", "2025-01-24", "--format", "json")
    )
    compare = json.loads(
        run(
            capsys,
            store,
            "reaudit",
            *YEAR,
            "--known-at",
            "2025-01-24",
            "--compare",
            "--format",
            "json",
        )
    )

    assert {(m["dossier"], m["section"], m["prestation"]) for m in measures} == {
        (number, section, prestation) for number, (section, prestation, _) in DOSSIERS.items()
    }
    sections = {TAB, CONTROL_SECTION, FULL_WIDTH}
    assert {r["section"] for r in report} == sections
    assert {r["section"] for r in reaudit} == sections
    assert {r["section"] for r in compare["figures"]} == sections


def test_xlsx_report_keeps_hostile_text_as_text(
    store: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "rapport.xlsx"

    run(capsys, store, "report", *YEAR, *AS_OF, "--format", "xlsx", "--output", str(path))

    sheet = load_workbook(path)["Engagement 19"]
    # Row 1 is the title, row 2 the header; the sector rows run down to the total row.
    column = sheet["A"]
    last = next(i for i, c in enumerate(column) if c.value == "Total")
    sections = column[2:last]
    assert sorted(c.value for c in sections) == sorted([TAB, "S\ufffd", FULL_WIDTH])
    assert {c.data_type for c in sections} == {"s"}
