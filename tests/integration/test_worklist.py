"""`casetrack worklist`: hand-computed dossiers overdue, at risk and breached at the extract date.

One PIAF extract dated Friday 2025-03-14 (no French public holiday falls in February or March
2025, where working days are counted), so every expected value is counted by hand:

- 2025-05-000001 overdue for 17: complete Thursday 20 February, nothing notified; due
  20 Feb + 15 days = 7 March; on 14 March it is 7 days late. (19: complete without a
  second info, not applicable.)
- 2025-13-000002 at risk for 19: first info Friday 7 March; working days after it 10, 11,
  12, 13, 14, 17, 18 March, due Tuesday 18 March; on 14 March 5 have passed (pending) and
  17 and 18 are left: 2 working days left.
- 2025-05-000003 pending for 19, not at risk: first info Wednesday 12 March, due Friday
  21 March (13, 14, 17, 18, 19, 20, 21), 5 working days left on 14 March.
- 2025-02-000004 breached for 18: ACCORD decided and notified Friday 10 January, transfer
  ordered Monday 3 February: 24 days, due 25 January, 9 days late. 17 met (complete
  6 January, 4 days); 19 not applicable. Section 02 is in sector PC since 2020-07-11.
- 2025-05-000005 breached for 19: first info Monday 3 February, due Wednesday 12 February
  (4, 5, 6, 7, 10, 11, 12), second info Monday 17 February: 10 working days, 3 late.
- 2025-05-000006 met on 19, 17 and 18: in no worklist.
- 2025-05-000007 prestation AUTRE, outside the rule set: its long-open clocks never count.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from casetrack.cli import main
from tests.integration.ingest_helpers import PIAF_HEADER as HEADER
from tests.integration.ingest_helpers import piaf_line

LINES = (
    piaf_line("2025-05-000001", "05", "PL", "03/02/2025", complete="20/02/2025", state="EN_COURS"),
    piaf_line("2025-13-000002", "13", "CSP", "05/03/2025", first="07/03/2025"),
    piaf_line("2025-05-000003", "05", "PLF", "11/03/2025", first="12/03/2025"),
    piaf_line(
        "2025-02-000004",
        "02",
        "PARISOL",
        "16/12/2024",
        complete="06/01/2025",
        decided="10/01/2025",
        outcome="ACCORD",
        notified="10/01/2025",
        ordered="03/02/2025",
        state="PAYE",
    ),
    piaf_line("2025-05-000005", "05", "PL", "31/01/2025", first="03/02/2025", second="17/02/2025"),
    piaf_line(
        "2025-05-000006",
        "05",
        "PL",
        "06/01/2025",
        first="07/01/2025",
        second="09/01/2025",
        complete="20/01/2025",
        decided="27/01/2025",
        outcome="ACCORD",
        notified="27/01/2025",
        ordered="05/02/2025",
        state="PAYE",
    ),
    piaf_line("2025-05-000007", "05", "AUTRE", "02/12/2024", first="03/12/2024"),
)
WORK_HEADER = [
    *("dossier", "section", "prestation", "engagement", "start", "due", "days", "status"),
    *("days_late", "days_left", "unit"),
]
OVERDUE_17 = [
    *("2025-05-000001", "05", "PL", "17", "2025-02-20", "2025-03-07", "7", "overdue"),
    *("7", "", "calendar_days"),
]
AT_RISK_19 = [
    *("2025-13-000002", "13", "CSP", "19", "2025-03-07", "2025-03-18", "2", "pending"),
    *("", "2", "working_days"),
]
BREACHED_18 = [
    *("2025-02-000004", "02", "PARISOL", "18", "2025-01-10", "2025-01-25", "9", "breached"),
    *("9", "", "calendar_days"),
]
BREACHED_19 = [
    *("2025-05-000005", "05", "PL", "19", "2025-02-03", "2025-02-12", "3", "breached"),
    *("3", "", "working_days"),
]


@pytest.fixture
def store(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A store holding the one hand-written extract of 2025-03-14, projected by the ingest."""
    lines = [";".join(HEADER), *LINES, f"Nombre de lignes : {len(LINES)}"]
    extract = tmp_path / "piaf_20250314.csv"
    extract.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    assert main(["--db", db_url, "-q", "ingest", "piaf", str(extract)]) == 0
    capsys.readouterr()
    return db_url


def worklist(capsys: pytest.CaptureFixture[str], url: str, *options: str) -> list[list[str]]:
    """The CSV rows of `casetrack worklist OPTIONS --format csv`, header first."""
    capsys.readouterr()
    assert main(["--db", url, "-q", "worklist", *options, "--format", "csv"]) == 0
    return list(csv.reader(io.StringIO(capsys.readouterr().out)))


def test_overdue_worklist_lists_the_dossier_late_for_17(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert worklist(capsys, store, "--overdue") == [WORK_HEADER, OVERDUE_17]


def test_at_risk_worklist_lists_the_clock_with_two_working_days_left(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert worklist(capsys, store, "--at-risk") == [WORK_HEADER, AT_RISK_19]


def test_breached_worklist_lists_the_most_days_late_first(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert worklist(capsys, store, "--breached") == [WORK_HEADER, BREACHED_18, BREACHED_19]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--breached", "--engagement", "18"), [BREACHED_18]),
        (("--breached", "--engagement", "19"), [BREACHED_19]),
        (("--breached", "--section", "05"), [BREACHED_19]),
        (("--breached", "--section", "PC"), [BREACHED_18]),
        (("--breached", "--section", "02"), [BREACHED_18]),
        (("--overdue", "--engagement", "19"), []),
        (("--overdue", "--section", "13"), []),
        (("--at-risk", "--section", "13", "--engagement", "19"), [AT_RISK_19]),
        (("--at-risk", "--engagement", "17"), []),
    ],
)
def test_worklist_filters_by_section_sector_and_engagement(
    store: str,
    capsys: pytest.CaptureFixture[str],
    options: tuple[str, ...],
    expected: list[list[str]],
) -> None:
    assert worklist(capsys, store, *options) == [WORK_HEADER, *expected]


def table(capsys: pytest.CaptureFixture[str], url: str, *options: str) -> list[str]:
    """The lines of `casetrack worklist OPTIONS` (the table format, for people)."""
    capsys.readouterr()
    assert main(["--db", url, "-q", "worklist", *options]) == 0
    return capsys.readouterr().out.splitlines()


def test_breached_table_gives_the_date_the_days_late_and_their_units(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = table(capsys, store, "--breached")

    assert lines[0] == "Dossiers au délai dépassé au 14/03/2025 — 2 dossiers"
    assert lines[2].split() == [
        *("Dossier", "Section", "Prestation", "Engagement", "Début", "Échéance"),
        *("Retard", "Unité", "Statut"),
    ]
    assert [line.split() for line in lines[4:]] == [
        [
            *("2025-02-000004", "02", "PARISOL", "18", "10/01/2025", "25/01/2025", "9"),
            *("j.", "calendaires", "dépassé"),
        ],
        [
            *("2025-05-000005", "05", "PL", "19", "03/02/2025", "12/02/2025", "3"),
            *("j.", "ouvrés", "dépassé"),
        ],
    ]


def test_at_risk_table_for_one_engagement_gives_days_left_in_its_unit(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = table(capsys, store, "--at-risk", "--engagement", "19")

    assert lines[0] == "Dossiers à risque au 14/03/2025 (engagement 19) — 1 dossier"
    assert "Jours restants (j. ouvrés)" in lines[3]
    assert lines[5].split()[-4:] == ["18/03/2025", "2", "en", "cours"]


def test_empty_table_is_one_sentence(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    lines = table(capsys, store, "--overdue", "--section", "13")

    assert lines == ["Aucun dossier en retard au 14/03/2025 (section 13)."]
