"""`casetrack latency` on five hand-written weekly PIAF extracts and a TOPVIR file, ingested
and audited through the command line, on SQLite and PostgreSQL.

Extracts of Fridays 7, 14, 21, 28 March and 4 April 2025 (E1 to E5); TOPVIR of 4 April.
Every expected figure below is counted by hand from these rows and docs/measures.md
(2025: no holiday in March), never read from the code:

- A (05) files 03/03, first info 04/03 (E1), second info 12/03 (E2): 19 is due on the 7th
  working day after 04/03, Thursday 13/03; met (6 days) but only known on 14/03.
  Complete 17/03 (E3), decided 24/03 without notification (E4): 17 stops on the decision.
- B (05) files 01/03, complete 03/03 (E1: 17 due 18/03). E3 says decided and notified
  20/03 (breached, 17 days); E4 corrects both to 14/03 (met, 11 days) on 28/03, after the
  due date: a breach turned into met. TOPVIR orders its transfer 31/03, known 04/04 (18:
  start 14/03, due 29/03, breached, known 6 days after the due date).
- C (13) files and completes 03/03 (E1); E4 says notified 25/03, E5 corrects it to 20/03:
  backdated after the due date 18/03, still breached; known 17 days after the due date.
- D (02, sector PC in 2025) files and completes 10/03, decided and notified 13/03 (E2);
  E3 corrects to 12/03 on 21/03, before its due date 25/03: not listed.
- E (05) files 20/02 (E1, 15 days later), closed in E2: closure dates are no delay.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.integration.cli_runs import Job, casetrack, csv_records, in_process
from tests.integration.ingest_helpers import (
    cli,
    piaf_row,
    release_connections,
    write_piaf,
    write_topvir,
)

A, B, C, D, E = (
    "2025-05-000001",
    "2025-05-000002",
    "2025-13-000003",
    "2025-02-000004",
    "2025-05-000005",
)
WEEKS = ("20250307", "20250314", "20250321", "20250328", "20250404")
MARCH = ("--from", "2025-03-01", "--to", "2025-03-31")

#: The delays of March by fact, sector and month: (count, median, p90, max).
DELAYS_BY_ALL = [
    ("filed_on", "05", "2025-03", "2", "4", "6", "6"),  # A 4, B 6
    ("filed_on", "13", "2025-03", "1", "4", "4", "4"),
    ("filed_on", "PC", "2025-03", "1", "4", "4", "4"),
    ("first_info_on", "05", "2025-03", "1", "3", "3", "3"),
    ("second_info_on", "05", "2025-03", "1", "2", "2", "2"),
    ("completed_on", "05", "2025-03", "2", "4", "4", "4"),
    ("completed_on", "13", "2025-03", "1", "4", "4", "4"),
    ("completed_on", "PC", "2025-03", "1", "4", "4", "4"),
    ("decided_on", "05", "2025-03", "2", "4", "14", "14"),  # A 4, B 14 (the value now)
    ("decided_on", "13", "2025-03", "1", "15", "15", "15"),
    ("decided_on", "PC", "2025-03", "1", "9", "9", "9"),
    ("notified_on", "05", "2025-03", "1", "14", "14", "14"),
    ("notified_on", "13", "2025-03", "1", "15", "15", "15"),
    ("notified_on", "PC", "2025-03", "1", "9", "9", "9"),
    ("ordered_on", "05", "2025-03", "1", "4", "4", "4"),
]
#: By fact alone: filed [4, 4, 4, 6], decided [4, 9, 14, 15], notified [9, 14, 15].
DELAYS_BY_FACT = [
    ("filed_on", "4", "4", "6", "6"),
    ("first_info_on", "1", "3", "3", "3"),
    ("second_info_on", "1", "2", "2", "2"),
    ("completed_on", "4", "4", "4", "4"),
    ("decided_on", "4", "9", "15", "15"),
    ("notified_on", "3", "14", "15", "15"),
    ("ordered_on", "1", "4", "4", "4"),
]
LATE_KNOWN = [
    [A, "05", "05", "PL", "19", "2025-03-04", "2025-03-12", "2025-03-13", "second_info_on",
     "2025-03-14", "1", "met"],
    [B, "05", "05", "PL", "17", "2025-03-03", "2025-03-14", "2025-03-18", "notified_on",
     "2025-03-28", "10", "met"],
    [B, "05", "05", "PL", "18", "2025-03-14", "2025-03-31", "2025-03-29", "ordered_on",
     "2025-04-04", "6", "breached"],
    [C, "13", "13", "PL", "17", "2025-03-03", "2025-03-20", "2025-03-18", "notified_on",
     "2025-04-04", "17", "breached"],
]  # fmt: skip
#: The breach turned into met first.
BACKDATED = [
    [B, "05", "05", "PL", "17", "2025-03-03", "2025-03-18", "2025-03-20", "2025-03-14",
     "2025-03-28", "breached", "met", "true"],
    [C, "13", "13", "PL", "17", "2025-03-03", "2025-03-18", "2025-03-25", "2025-03-20",
     "2025-04-04", "breached", "breached", "false"],
]  # fmt: skip


def extract(week: int) -> list[dict[str, str]]:
    """The rows of extract E1 to E5 (`week` 0 to 4): each a snapshot of what PIAF holds."""
    a = {"DATE_DEPOT": "03/03/2025", "DATE_PREMIERE_INFO": "04/03/2025"}
    if week >= 1:
        a["DATE_DEUXIEME_INFO"] = "12/03/2025"
    if week >= 2:
        a["DATE_DOSSIER_COMPLET"] = "17/03/2025"
    if week >= 3:
        a |= {"DATE_DECISION": "24/03/2025", "SENS_DECISION": "ACCORD"}
    b = {"DATE_DEPOT": "01/03/2025", "DATE_DOSSIER_COMPLET": "03/03/2025"}
    if week >= 2:
        day = "20/03/2025" if week == 2 else "14/03/2025"
        b |= {"DATE_DECISION": day, "SENS_DECISION": "ACCORD", "DATE_NOTIFICATION": day}
    c = {"SECTION": "13", "DATE_DEPOT": "03/03/2025", "DATE_DOSSIER_COMPLET": "03/03/2025"}
    if week >= 3:
        day = "25/03/2025" if week == 3 else "20/03/2025"
        c |= {"DATE_DECISION": day, "SENS_DECISION": "ACCORD", "DATE_NOTIFICATION": day}
    rows = [piaf_row(A, **a), piaf_row(B, **b), piaf_row(C, **c)]
    if week >= 1:
        day = "13/03/2025" if week == 1 else "12/03/2025"
        d = {"SECTION": "02", "DATE_DEPOT": "10/03/2025", "DATE_DOSSIER_COMPLET": "10/03/2025"}
        rows.append(
            piaf_row(D, **d, DATE_DECISION=day, SENS_DECISION="ACCORD", DATE_NOTIFICATION=day)
        )
    rows.append(piaf_row(E, DATE_DEPOT="20/02/2025", ETAT="CLASSE" if week >= 1 else ""))
    return rows


def ingest(url: str, folder: Path) -> None:
    """The five extracts, then the TOPVIR file, through `casetrack ingest`."""
    paths = [write_piaf(folder / f"piaf_{d}.csv", extract(n)) for n, d in enumerate(WEEKS)]
    topvir = write_topvir(folder / "topvir_20250404.csv", [(B, "31/03/2025", "LOT1")])
    for argv in (("piaf", *map(str, paths)), ("topvir", str(topvir))):
        done = in_process("--db", url, "-q", "ingest", *argv)
        assert done.code == 0, done.err


def rows_of(text: str) -> list[list[str]]:
    """CSV records as lists of cells, header left out."""
    return [list(r.values()) for r in csv_records(text)]


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


def test_each_part_holds_the_hand_counted_rows_on_both_backends(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    ingest(db_url, tmp_path)

    delays = cli(capsys, "--db", db_url, "latency", *MARCH, "--format", "csv")
    by_fact = cli(capsys, "--db", db_url, "latency", *MARCH, "--format", "csv", "--by", "fact")
    late = cli(capsys, "--db", db_url, "latency", *MARCH, "--format", "csv", "--part", "late-known")
    back = cli(capsys, "--db", db_url, "latency", *MARCH, "--format", "csv", "--part", "backdated")

    assert [tuple(r) for r in rows_of(delays.out)] == DELAYS_BY_ALL
    assert [tuple(r) for r in rows_of(by_fact.out)] == DELAYS_BY_FACT
    assert rows_of(late.out) == LATE_KNOWN
    assert rows_of(back.out) == BACKDATED


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store of the extracts, for the format checks."""
    folder = tmp_path_factory.mktemp("latency")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    ingest(url, folder)
    return url


def test_csv_headers_are_the_documented_codes(
    capsys: pytest.CaptureFixture[str], store: str
) -> None:
    headers = {
        part: cli(
            capsys, "--db", store, "latency", *MARCH, "--format", "csv", "--part", part
        ).out.splitlines()[0]
        for part in ("delays", "late-known", "backdated")
    }
    by = cli(capsys, "--db", store, "latency", *MARCH, "--format", "csv", "--by", "month,sector")

    assert headers == {
        "delays": "fact,sector,month,count,median,p90,max",
        "late-known": "dossier,section,sector,prestation,engagement,start,stop,due,stop_fact,"
        "stop_known_on,days_after_due,status",
        "backdated": "dossier,section,sector,prestation,engagement,start,due,stop_before,"
        "stop_after,known_on,status_before,status_after,breach_to_met",
    }
    assert by.out.splitlines()[0] == "sector,month,count,median,p90,max"  # the keys' order


def test_by_month_from_february_counts_every_delay_of_each_month(
    capsys: pytest.CaptureFixture[str], store: str
) -> None:
    argv = ("latency", "--from", "2025-02-01", "--to", "2025-03-31", "--by", "month")
    run = cli(capsys, "--db", store, *argv, "--format", "csv")

    # March: 2, 3, nine 4s, 6, 9, 9, 14, 14, 15, 15 (18 values): rank 9 and rank 17.
    assert rows_of(run.out) == [
        ["2025-02", "1", "15", "15", "15"],
        ["2025-03", "18", "4", "15", "15"],
    ]


def test_json_holds_the_three_parts_as_codes(
    capsys: pytest.CaptureFixture[str], store: str
) -> None:
    found = json.loads(cli(capsys, "--db", store, "latency", *MARCH, "--format", "json").out)

    assert list(found) == ["delays", "late_known", "backdated"]
    assert found["delays"][0] == {
        "fact": "filed_on",
        "sector": "05",
        "month": "2025-03",
        "count": 2,
        "median": 4,
        "p90": 6,
        "max": 6,
    }
    assert [(m["dossier"], m["engagement"], m["status"]) for m in found["late_known"]] == [
        (A, 19, "met"),
        (B, 17, "met"),
        (B, 18, "breached"),
        (C, 17, "breached"),
    ]
    assert [(b["dossier"], b["breach_to_met"]) for b in found["backdated"]] == [
        (B, True),
        (C, False),
    ]
    assert found["backdated"][0]["stop_after"] == "2025-03-14"


def test_table_is_in_french(capsys: pytest.CaptureFixture[str], store: str) -> None:
    out = cli(capsys, "--db", store, "latency", *MARCH).out

    assert out.startswith(
        "Latence des données du 01/03/2025 au 31/03/2025, mesures évaluées au 04/04/2025\n"
    )
    assert "Regroupement des délais : fait, secteur, mois" in out
    for words in (
        "Médiane (j. calendaires)",
        "Date de dépôt",
        "Arrêts connus après l'échéance : 4 mesures",
        "dont 1 dépassement devenu respecté",
        "Dépassé devenu respecté",
        "14/03/2025",
        "respecté",
        "dépassé",
        "oui",
    ):
        assert words in out, words
    assert "filed_on" not in out
    assert "breached" not in out


def test_xlsx_has_a_sheet_per_part_with_french_headers_and_real_dates(
    capsys: pytest.CaptureFixture[str], store: str, tmp_path: Path
) -> None:
    path = tmp_path / "latence.xlsx"
    run = cli(capsys, "--db", store, "latency", *MARCH, "--format", "xlsx", "--output", str(path))
    assert run.code == 0, run.err
    book = load_workbook(path)

    assert book.sheetnames == ["Latence", "Délais", "Connus après échéance", "Arrêts antidatés"]
    delays = book["Délais"]
    assert [c.value for c in delays[2]] == [
        "Fait",
        "Secteur",
        "Mois",
        "Nombre",
        "Médiane (j. calendaires)",
        "P90 (j. calendaires)",
        "Max (j. calendaires)",
    ]
    assert [c.value for c in delays[3]] == ["Date de dépôt", "05", "2025-03", 2, 4, 6, 6]
    back = book["Arrêts antidatés"]
    first = [c.value for c in back[3]]
    assert first[0] == B
    assert first[8] == datetime(2025, 3, 14)  # noqa: DTZ001 - openpyxl reads naive datetimes
    assert first[-3:] == ["dépassé", "respecté", "oui"]


def test_html_shows_the_three_parts_in_french(
    capsys: pytest.CaptureFixture[str], store: str, tmp_path: Path
) -> None:
    path = tmp_path / "latence.html"
    run = cli(capsys, "--db", store, "latency", *MARCH, "--format", "html", "--output", str(path))
    assert run.code == 0, run.err
    page = path.read_text(encoding="utf-8")

    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<table") == 3
    for words in ("Date de notification", "Arrêt connu le", "Dépassé devenu respecté", "oui"):
        assert words in page, words
    assert 'class="moved"' in page  # the breach turned into met stands out
    assert "notified_on" not in page


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("--by", "fact,secteur"), "unknown key secteur"),
        (("--by", ","), "no key"),
        (("--format", "json", "--part", "backdated"), "--part chooses the one table"),
        (("--format", "xlsx"), "give --output PATH"),
        (("--part", "all"), "invalid choice: 'all'"),
    ],
    ids=["unknown key", "no key", "part without csv", "xlsx without output", "unknown part"],
)
def test_bad_arguments_exit_2_saying_what_to_write(
    capsys: pytest.CaptureFixture[str], store: str, argv: tuple[str, ...], said: str
) -> None:
    run = cli(capsys, "--db", store, "latency", *MARCH, *argv)

    assert run.code == 2
    assert said in run.err
    assert "Traceback" not in run.err


def test_a_reversed_range_or_a_bad_date_exits_2(
    capsys: pytest.CaptureFixture[str], store: str
) -> None:
    reversed_range = cli(
        capsys, "--db", store, "latency", "--from", "2025-03-31", "--to", "2025-03-01"
    )
    bad_date = cli(capsys, "--db", store, "latency", "--from", "2025-02-30", "--to", "2025-03-01")

    assert (reversed_range.code, bad_date.code) == (2, 2)
    assert "--to 2025-03-01 is before --from 2025-03-31: swap them" in reversed_range.err
    assert "'2025-02-30' is not a date" in bad_date.err


def test_a_real_process_prints_the_same_csv(
    capsys: pytest.CaptureFixture[str], store: str, tmp_path: Path
) -> None:
    argv = ("--db", store, "latency", *MARCH, "--format", "csv", "--part", "backdated")
    done = casetrack(Job(argv, tmp_path))

    assert done.code == 0, done.summary()
    assert rows_of(done.out) == BACKDATED
    assert "latency: events read" in done.err  # progress on stderr
