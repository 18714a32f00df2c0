"""`--rules` with a two-version file, through the real `casetrack` entry point, on SQLite and
PostgreSQL: each clock measured under the version in force on its start date, and every
report saying which versions its counted clocks were measured under.

tests/rules/two-versions.toml: CASVP-2014-05, then a made-up CASVP-2024-01 in which, from
2024-01-01, engagement 19 allows 5 working days instead of 7. Working days around the
boundary (France; Monday 1 January is a public holiday): 2, 3, 4, 5, 8, 9, 10, 11, 12
January 2024; in December 2023, 4, 5, 6, 7, 8, 11, 12 after Friday the 1st. Every expected
value below is counted by hand on those lists.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from casetrack.application import DossierTracker
from casetrack.cli import main
from casetrack.rules import load_rule_set
from projections import queries
from projections.runner import ReadModels
from tests.integration.cli_runs import Done, Job, casetrack, csv_records
from tests.integration.ingest_helpers import piaf_row, write_piaf

RULES = Path(__file__).parents[1] / "rules" / "two-versions.toml"
AS_OF = "2024-01-12"
OLD = "CASVP-2014-05 (délais démarrés avant le 01/01/2024)"
NEW = "CASVP-2024-01 (délais démarrés à partir du 01/01/2024)"

#: number -> (filing, first info, second info), PIAF's JJ/MM/AAAA.
DOSSIERS = {
    "2023-05-000001": ("27/12/2023", "29/12/2023", "10/01/2024"),
    "2023-05-000002": ("27/12/2023", "31/12/2023", "09/01/2024"),
    "2023-05-000008": ("30/11/2023", "01/12/2023", "12/12/2023"),
    "2023-05-000009": ("27/12/2023", "29/12/2023", "12/01/2024"),
    "2024-05-000003": ("28/12/2023", "01/01/2024", "09/01/2024"),
    "2024-05-000004": ("02/01/2024", "02/01/2024", "09/01/2024"),
    "2024-05-000005": ("02/01/2024", "02/01/2024", "10/01/2024"),
    "2024-05-000007": ("03/01/2024", "03/01/2024", ""),
}
#: (start, stop, due, elapsed, status) of engagement 19, by hand: before 2024 the 7th
#: working day after the start is due, from 2024-01-01 the 5th.
EXPECTED_19 = {
    # 7 working days (2..10 January), the 7th is 10/01: met.
    "2023-05-000001": ("2023-12-29", "2024-01-10", "2024-01-10", "7", "met"),
    # Started on Sunday 31/12: 6 days to 9/01, met at 7 (it would be breached at 5).
    "2023-05-000002": ("2023-12-31", "2024-01-09", "2024-01-10", "6", "met"),
    # December: 4, 5, 6, 7, 8, 11, 12: 7 days, met.
    "2023-05-000008": ("2023-12-01", "2023-12-12", "2023-12-12", "7", "met"),
    # 2..12 January: 9 days, breached.
    "2023-05-000009": ("2023-12-29", "2024-01-12", "2024-01-10", "9", "breached"),
    # Started on the effective date: 5th working day 8/01; 6 days to 9/01, breached.
    "2024-05-000003": ("2024-01-01", "2024-01-09", "2024-01-08", "6", "breached"),
    # 3, 4, 5, 8, 9: 5 days, met.
    "2024-05-000004": ("2024-01-02", "2024-01-09", "2024-01-09", "5", "met"),
    "2024-05-000005": ("2024-01-02", "2024-01-10", "2024-01-09", "6", "breached"),
    # Open: 4, 5, 8, 9, 10, 11, 12 = 7 days at 12/01, over 5: overdue (pending at 7).
    "2024-05-000007": ("2024-01-03", "", "2024-01-10", "7", "overdue"),
}
REPORT_HEADER = (
    "engagement,measured,met,breached,rate,median,p90,max,open_pending,open_overdue,invalid"
)
#: January: stops 7 met, 6 met, 6 breached, 5 met, 6 breached, 9 breached; sorted
#: 5 6 6 6 7 9: median rank 3 = 6, p90 rank ceil(5.4) = 6 = 9; 2024-05-000007 overdue.
JANUARY = "19,6,3,3,0.5000,6,9,9,0,1,0"
#: The same clocks, all at 7 days (the built-in rule set): 6 and 6 met, the open one pending.
JANUARY_BUILT_IN = "19,6,5,1,0.8333,6,9,9,1,0,0"
#: December: 2023-05-000008 met at 7; three clocks started 29 and 31/12 open on 31/12.
DECEMBER = "19,1,1,0,1.0000,7,7,7,3,0,0"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> str:
    """The eight dossiers, in one PIAF extract of 12 January 2024, ingested."""
    rows = [
        piaf_row(
            number,
            DATE_DEPOT=filed,
            DATE_PREMIERE_INFO=first,
            DATE_DEUXIEME_INFO=second,
        )
        for number, (filed, first, second) in DOSSIERS.items()
    ]
    extract = write_piaf(tmp_path / "piaf_20240112.csv", rows)
    assert main(["--db", db_url, "-q", "ingest", "piaf", str(extract)]) == 0
    return db_url


def run(url: str, tmp_path: Path, *argv: str) -> Done:
    """`casetrack --db URL ARGV` as a process, as users run it."""
    done = casetrack(Job(["--db", url, *argv], tmp_path))
    assert done.code == 0, done.summary()
    return done


def report(url: str, tmp_path: Path, start: str, end: str, *extra: str) -> Done:
    return run(
        url,
        tmp_path,
        "report",
        "--from",
        start,
        "--to",
        end,
        "--as-of",
        AS_OF,
        "--engagement",
        "19",
        *extra,
    )


def test_measures_use_the_version_in_force_on_each_start_date(store: str, tmp_path: Path) -> None:
    done = run(store, tmp_path, "measures", "--as-of", AS_OF, "--rules", str(RULES))

    found = {
        r["dossier"]: (r["start"], r["stop"], r["due"], r["elapsed"], r["status"])
        for r in csv_records(done.out)
        if r["engagement"] == "19"
    }
    assert found == EXPECTED_19


def test_csv_report_counts_each_clock_under_its_version_and_keeps_its_columns(
    store: str, tmp_path: Path
) -> None:
    rules = ("--by", "engagement", "--format", "csv")

    versions = report(store, tmp_path, "2024-01-01", "2024-01-31", *rules, "--rules", str(RULES))
    built_in = report(store, tmp_path, "2024-01-01", "2024-01-31", *rules)

    assert versions.out.splitlines() == [REPORT_HEADER, JANUARY]
    assert built_in.out.splitlines() == [REPORT_HEADER, JANUARY_BUILT_IN]
    # The columns are fixed: the versions used are said on stderr, with their codes.
    assert "versions used: CASVP-2014-05 (clocks started before 2024-01-01), CASVP-2024-01" in (
        versions.err
    )


def test_json_report_names_the_versions_on_stderr(store: str, tmp_path: Path) -> None:
    done = report(
        store, tmp_path, "2023-12-01", "2023-12-31", "--by", "engagement", "--format", "json"
    )
    with_rules = report(
        store,
        tmp_path,
        "2023-12-01",
        "2023-12-31",
        *("--by", "engagement", "--format", "json", "--rules", str(RULES)),
    )

    figures = json.loads(with_rules.out)
    assert figures == json.loads(done.out)  # December: only clocks of the old version
    assert [list(row.values()) for row in figures] == [[19, 1, 1, 0, 1.0, 7, 7, 7, 3, 0, 0]]
    assert "versions used: CASVP-2014-05 (clocks started before 2024-01-01)\n" in with_rules.err
    assert "CASVP-2024-01" not in with_rules.err


@pytest.mark.parametrize(
    ("start", "end", "line"),
    [
        ("2023-12-01", "2023-12-31", OLD),
        ("2024-01-01", "2024-01-31", f"{OLD}, {NEW}"),
        # Without a period key, February's open clocks are counted on the evaluation date,
        # 12/01: only 2024-05-000007, started 3/01, is still open then.
        ("2024-02-01", "2024-02-29", NEW),
    ],
)
def test_table_report_says_which_versions_its_counted_clocks_were_measured_under(
    store: str, tmp_path: Path, start: str, end: str, line: str
) -> None:
    done = report(store, tmp_path, start, end, "--rules", str(RULES))

    assert f"Référentiel : {line}" in done.out.splitlines()


def test_a_table_report_that_counts_no_clock_lists_the_versions_it_could_use(
    store: str, tmp_path: Path
) -> None:
    # No dossier is complete: engagement 17 has no clock to count.
    argv = ("report", "--from", "2024-01-01", "--to", "2024-01-31", "--as-of", AS_OF)

    done = run(store, tmp_path, *argv, "--engagement", "17", "--rules", str(RULES))

    line = "Référentiel : aucun délai compté (versions : CASVP-2014-05, CASVP-2024-01)"
    assert line in done.out.splitlines()


def test_table_report_with_the_built_in_rule_set_names_it(store: str, tmp_path: Path) -> None:
    done = report(store, tmp_path, "2024-01-01", "2024-01-31")

    assert "Référentiel : CASVP-2014-05" in done.out.splitlines()
    assert "(limite : 7 jours ouvrés)" in done.out


def test_xlsx_and_html_reports_name_the_versions_and_both_limits(
    store: str, tmp_path: Path
) -> None:
    book, page = tmp_path / "r.xlsx", tmp_path / "r.html"
    january = ("2024-01-01", "2024-01-31", "--rules", str(RULES))

    report(store, tmp_path, *january[:2], "--format", "xlsx", "--output", str(book), *january[2:])
    report(store, tmp_path, *january[:2], "--format", "html", "--output", str(page), *january[2:])

    sheet = load_workbook(book).worksheets[0]
    cells = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=3) if row[0].value}
    assert cells["Référentiel"] == f"{OLD}, {NEW}"
    limits = (
        "7 jours ouvrés pour les délais démarrés avant le 01/01/2024, "
        "5 jours ouvrés pour les délais démarrés à partir du 01/01/2024"
    )
    assert limits in str(cells["Engagement 19"])
    html = page.read_text(encoding="utf-8")
    assert f"<dt>Référentiel</dt><dd>{OLD}, {NEW} — " in html
    assert limits in html


def test_reaudit_with_a_multi_version_file_measures_as_the_report(
    store: str, tmp_path: Path
) -> None:
    common = ("--from", "2024-01-01", "--to", "2024-01-31", "--known-at", AS_OF)
    common += ("--engagement", "19", "--rules", str(RULES))

    plain = run(store, tmp_path, "reaudit", *common, "--by", "engagement", "--format", "csv")
    compared = run(store, tmp_path, "reaudit", *common, "--compare", "--format", "json")

    assert plain.out.splitlines() == [REPORT_HEADER, JANUARY]
    figures = json.loads(compared.out)["figures"]
    assert {(f["section"], f["measured_known_at"], f["met_now"]) for f in figures} == {("05", 6, 3)}


def test_dossier_view_names_the_version_that_measures_each_clock(
    store: str, tmp_path: Path
) -> None:
    old = run(store, tmp_path, "dossier", "2023-05-000002", "--as-of", AS_OF, "--rules", str(RULES))
    new = run(store, tmp_path, "dossier", "2024-05-000003", "--as-of", AS_OF, "--rules", str(RULES))

    assert "(limite : 7 jours ouvrés, référentiel CASVP-2014-05)" in old.out
    assert "(limite : 5 jours ouvrés, référentiel CASVP-2024-01)" in new.out


def test_a_bad_multi_version_file_exits_2_naming_the_file_and_the_problem(
    store: str, tmp_path: Path
) -> None:
    text = RULES.read_text(encoding="utf-8")
    bad = tmp_path / "bad-versions.toml"
    bad.write_text(text.replace("effective_from = 2024-01-01", "effective_from = 2014-05-01"))

    done = casetrack(
        Job(
            [
                "--db",
                store,
                "report",
                "--from",
                "2024-01-01",
                "--to",
                "2024-01-31",
                "--rules",
                str(bad),
            ],
            tmp_path,
        )
    )

    assert done.code == 2, done.summary()
    assert str(bad) in done.err
    assert "both take effect on 2014-05-01" in done.err
    assert "Traceback" not in done.err


def test_read_models_built_with_two_versions_hold_each_clock_under_its_version(
    store: str,
) -> None:
    tracker = DossierTracker(store, rule_set=load_rule_set(RULES))
    try:
        ReadModels(tracker).catch_up()
        rows = list(queries.clocks(store, engagement=19))
    finally:
        tracker.close()

    as_of = date.fromisoformat(AS_OF)
    found = {
        number: (clock.due.isoformat() if clock.due else "", clock.state_at(as_of))
        for number, _, _, clock in rows
    }
    assert found == {n: (e[2], e[4]) for n, e in EXPECTED_19.items()}
