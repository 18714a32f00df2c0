"""`casetrack restatements`: hand-computed restatements of March 2025, on SQLite and PostgreSQL.

Four weekly PIAF extracts written here are ingested through the command line; the command
then runs through the real entry point (`python -m casetrack`). Every expected value below is
worked out by hand from docs/measures.md in the comments beside it, never copied from an
output. The period is March 2025, K1 the extract of Friday 2025-04-04 (so E = K1 and the
statuses are taken on min(D2, E) = 2025-03-31), K2 the last extract, 2025-04-18.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import drop_postgres_schema, new_postgres_schema, postgres_base_url
from tests.integration.cli_runs import Done, Job, casetrack, csv_header, csv_records
from tests.integration.ingest_helpers import piaf_row, write_piaf

#: Section 06 is closed on Tuesday 4 and Wednesday 5 March 2025 (its own closure days).
CLOSURES = '[sections]\n"06" = [2025-03-04, 2025-03-05]\n'
PERIOD = ("--from", "2025-03-01", "--to", "2025-03-31", "--known-at", "2025-04-04")
#: docs/reports.md, "Restatements".
COLUMNS = [
    "dossier",
    "section",
    "prestation",
    "engagement",
    "status_before",
    "status_after",
    "elapsed_before",
    "elapsed_after",
    "fact",
    "old",
    "new",
    "known_on",
]
TOTAL_COLUMNS = [
    "engagement",
    "section",
    "restated",
    "measured_before",
    "met_before",
    "rate_before",
    "measured_after",
    "met_after",
    "rate_after",
]

A, B, C, D, E, F, G = (f"2025-05-00000{n}" for n in range(1, 8))

#: The rows of the extracts of 28 March and 4 April (the same both weeks).
EARLY = {
    # Complete on 20/03, no decision known by K1: engagement 17 open on 31/03, 11 days.
    A: {"DATE_DEPOT": "10/03/2025", "DATE_DOSSIER_COMPLET": "20/03/2025"},
    # Complete 05/03, notified 12/03: 17 met in 7 days; 18 met in 10 (decision 10/03, transfer
    # 20/03); 19 not applicable (complete, no second info).
    B: {
        "DATE_DEPOT": "17/02/2025",
        "DATE_DOSSIER_COMPLET": "05/03/2025",
        "DATE_DECISION": "10/03/2025",
        "SENS_DECISION": "ACCORD",
        "DATE_NOTIFICATION": "12/03/2025",
        "DATE_VIREMENT": "20/03/2025",
    },
    # 19: first info Monday 03/03, second info Wednesday 12/03: working days 4, 5, 6, 7, 10,
    # 11, 12 March, met in 7.
    C: {
        "DATE_DEPOT": "03/03/2025",
        "DATE_PREMIERE_INFO": "03/03/2025",
        "DATE_DEUXIEME_INFO": "12/03/2025",
    },
    # 19: first info Monday 17/03, nothing since: on 31/03, 10 working days (18-21, 24-28,
    # 31 March), overdue.
    D: {"DATE_DEPOT": "03/03/2025", "DATE_PREMIERE_INFO": "17/03/2025"},
    # Everything in February: outside the period whatever is corrected.
    E: {
        "DATE_DEPOT": "03/02/2025",
        "DATE_DOSSIER_COMPLET": "05/02/2025",
        "DATE_DECISION": "10/02/2025",
        "SENS_DECISION": "ACCORD",
        "DATE_NOTIFICATION": "10/02/2025",
        "DATE_VIREMENT": "15/02/2025",
    },
    # 17 open from 25/03: 6 days on 31/03, pending.
    F: {"DATE_DEPOT": "20/03/2025", "DATE_DOSSIER_COMPLET": "25/03/2025"},
}
#: The extract of 11 April: what became known after K1.
LATER = {
    **EARLY,
    # The notification of 27/03 is known late: 17 met in 7 days. REJET: 18 not applicable.
    A: {
        **EARLY[A],
        "DATE_DECISION": "25/03/2025",
        "SENS_DECISION": "REJET",
        "DATE_NOTIFICATION": "27/03/2025",
    },
    # Completion corrected to 25/02: 17 in 15 days (25/02 to 12/03), still met.
    B: {**EARLY[B], "DATE_DOSSIER_COMPLET": "25/02/2025"},
    # Filing corrected: section 06, closed on 4 and 5 March, so 19 counts 5 working days.
    C: {**EARLY[C], "SECTION": "06"},
    # Filing corrected: a prestation outside the rule set, not applicable.
    D: {**EARLY[D], "PRESTATION": "AUTRE"},
    # Notified 12/02 rather than 10/02: 17 changes, but stopped in February.
    E: {**EARLY[E], "DATE_NOTIFICATION": "12/02/2025"},
    # Notified 08/04, after E: on 31/03 its 17 was still open, 6 days, as known at K1.
    F: {
        **EARLY[F],
        "DATE_DECISION": "08/04/2025",
        "SENS_DECISION": "ACCORD",
        "DATE_NOTIFICATION": "08/04/2025",
    },
    # A dossier first reported on 11 April: 19 from its first info Tuesday 25/03, on 31/03
    # 4 working days (26, 27, 28, 31 March), pending.
    G: {"DATE_DEPOT": "24/03/2025", "DATE_PREMIERE_INFO": "25/03/2025"},
}
#: The extract of 18 April, the latest: B's completion corrected again, to 20/02 (17 in
#: 20 days to 12/03, breached).
LATEST = {**LATER, B: {**LATER[B], "DATE_DOSSIER_COMPLET": "20/02/2025"}}
EXTRACTS = {"20250328": EARLY, "20250404": EARLY, "20250411": LATER, "20250418": LATEST}


def line(
    dossier: str, measure: str, fact: str, old: str, new: str, known_on: str
) -> dict[str, str]:
    """An expected CSV line; `measure` is "section,prestation,engagement,statuses,elapsed"."""
    values = [dossier, *measure.split(","), fact, old, new, known_on]
    return dict(zip(COLUMNS, values, strict=True))


A17 = "05,PL,17,pending,met,11,7"
B17 = "05,PL,17,met,breached,7,20"
C19 = "06,PL,19,met,met,7,5"
D19 = "05,AUTRE,19,overdue,not_applicable,10,"
G19 = "05,PL,19,,pending,,4"
#: Sorted by dossier, then engagement, then fact in the `dossier` table's column order.
EXPECTED = [
    line(A, A17, "decided_on", "", "2025-03-25", "2025-04-11"),
    line(A, A17, "notified_on", "", "2025-03-27", "2025-04-11"),
    line(A, A17, "outcome", "", "REJET", "2025-04-11"),
    # The value known at K2 was first reported on 18 April (11 April had another one).
    line(B, B17, "completed_on", "2025-03-05", "2025-02-20", "2025-04-18"),
    line(C, C19, "section", "05", "06", "2025-04-11"),
    line(D, D19, "prestation", "PL", "AUTRE", "2025-04-11"),
    # Unknown at K1: every fact known at K2 is new.
    line(G, G19, "section", "", "05", "2025-04-11"),
    line(G, G19, "prestation", "", "PL", "2025-04-11"),
    line(G, G19, "filed_on", "", "2025-03-24", "2025-04-11"),
    line(G, G19, "first_info_on", "", "2025-03-25", "2025-04-11"),
]
#: Per engagement and sector: restated, then measured, met, rate known at K1, then at K2.
#: 17, sector 05: K1 measures B (met); K2 measures A (met) and B (breached).
#: 18: B met on both sides, nothing restated.
#: 19: C counts in 05 at K1 and in 06 at K2 (both sectors count it as restated, the total
#: once); D (overdue at K1) and G (pending at K2) are open, not measured.
TOTALS = [
    "17,05,2,1,1,1.0000,2,1,0.5000",
    "17,,2,1,1,1.0000,2,1,0.5000",
    "18,05,0,1,1,1.0000,1,1,1.0000",
    "18,,0,1,1,1.0000,1,1,1.0000",
    "19,05,3,1,1,1.0000,0,0,",
    "19,06,1,0,0,,1,1,1.0000",
    "19,,3,1,1,1.0000,1,1,1.0000",
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The four extracts ingested through `casetrack ingest piaf`, on each backend."""
    folder = tmp_path_factory.mktemp("restatements")
    base, schema = None, None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'store.sqlite'}"
    else:
        base = postgres_base_url()
        if base is None:
            pytest.skip("PostgreSQL tests need CASETRACK_TEST_POSTGRES_URL (.ci/run sets it)")
        url, schema = new_postgres_schema(base)
    paths = []
    for day, rows in EXTRACTS.items():
        extract = [piaf_row(number, **values) for number, values in rows.items()]
        paths.append(str(write_piaf(folder / f"piaf_{day}.csv", extract)))
    try:
        done = run(folder, url, "ingest", "piaf", *paths)
        assert done.code == 0, done.summary()
        yield url
    finally:
        if base is not None and schema is not None:
            drop_postgres_schema(base, schema)


@pytest.fixture(scope="module")
def closures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The closure calendar of section 06."""
    path = tmp_path_factory.mktemp("calendar") / "closures.toml"
    path.write_text(CLOSURES, encoding="utf-8")
    return path


def run(cwd: Path, url: str, *argv: str) -> Done:
    """`python -m casetrack --db URL -q ARGV`, as a user runs it."""
    return casetrack(Job(("--db", url, "-q", *argv), cwd))


def restatements(url: str, closures: Path, *argv: str) -> Done:
    """`casetrack --calendar CLOSURES restatements ...`; exit 0 required."""
    done = run(closures.parent, url, "--calendar", str(closures), "restatements", *argv)
    assert done.code == 0, done.summary()
    return done


def test_csv_lists_each_restated_measure_once_per_changed_fact(store: str, closures: Path) -> None:
    done = restatements(store, closures, *PERIOD, "--format", "csv")

    assert csv_header(done.out) == COLUMNS
    assert csv_records(done.out) == EXPECTED


def test_without_now_the_latest_extract_is_k2_and_with_now_an_earlier_one(
    store: str, closures: Path
) -> None:
    earlier = restatements(store, closures, *PERIOD, "--now", "2025-04-11", "--format", "csv")
    latest = restatements(store, closures, *PERIOD, "--now", "2025-04-18", "--format", "csv")

    # Known at 11 April, B was complete on 25/02: 15 days to 12/03, still met, but restated
    # (its elapsed value moved from 7), by the extract of 11 April.
    b_line = line(
        B, "05,PL,17,met,met,7,15", "completed_on", "2025-03-05", "2025-02-25", "2025-04-11"
    )
    assert [r for r in csv_records(earlier.out) if r["dossier"] == B] == [b_line]
    assert csv_records(latest.out) == EXPECTED


def test_totals_count_restated_measures_and_both_rates_by_engagement_and_sector(
    store: str, closures: Path, tmp_path: Path
) -> None:
    totals = tmp_path / "totals.csv"
    restatements(store, closures, *PERIOD, "--format", "csv", "--totals", str(totals))
    text = totals.read_text(encoding="utf-8")

    assert csv_header(text) == TOTAL_COLUMNS
    assert [",".join(r.values()) for r in csv_records(text)] == TOTALS


def test_json_holds_both_lists_with_codes(store: str, closures: Path) -> None:
    found = json.loads(restatements(store, closures, *PERIOD, "--format", "json").out)

    assert set(found) == {"restatements", "totals"}
    assert [_as_text(item) for item in found["restatements"]] == EXPECTED
    assert [",".join(_as_text(t).values()) for t in found["totals"]] == TOTALS
    first = found["restatements"][0]
    assert (first["engagement"], first["elapsed_before"], first["old"]) == (17, 11, None)
    assert found["totals"][1]["rate_after"] == 0.5


def test_table_is_french_with_a_total_per_engagement_and_the_lines(
    store: str, closures: Path
) -> None:
    out = restatements(store, closures, *PERIOD).out

    assert out.startswith(
        "Retraitements du 01/03/2025 au 31/03/2025 : faits connus au 04/04/2025 (K1) comparés "
        "aux faits connus au 18/04/2025 (K2), les deux évalués au 04/04/2025\n"
    )
    assert "Mesures retraitées : 5 (5 dossiers)" in out
    total_17 = next(row for row in _rows_after(out, "Engagement 17") if row[0] == "Total")
    assert total_17 == ["Total", "2", "1", "1", "100,0", "%", "2", "1", "50,0", "%"]
    assert "dossier inconnu" in out  # G, before 11 April
    assert "Sens de la décision" in out
    assert "20/02/2025" in out  # dates as the auditor reads them


def test_a_measure_stopped_outside_the_period_is_not_listed(store: str, closures: Path) -> None:
    # E's notification moved from 10/02 to 12/02: its 17 changed (5 -> 7), in February.
    found = json.loads(restatements(store, closures, *PERIOD, "--format", "json").out)
    assert E not in {item["dossier"] for item in found["restatements"]}
    # Asked over February (statuses on 28/02), it is restated; so is B, complete on 20/02 as
    # known at K2: its 17 open on 28/02 for 8 days, where at K1 it had not started; its 19
    # (from the filing, 17/02, no first info) overdue at K1 with 9 working days (18-21,
    # 24-28 February), not applicable at K2 (complete, no second info).
    february = ("--from", "2025-02-01", "--to", "2025-02-28", "--known-at", "2025-04-04")
    found = json.loads(restatements(store, closures, *february, "--format", "json").out)
    keys = ("dossier", "engagement", "status_before", "status_after")
    keys += ("elapsed_before", "elapsed_after", "fact", "known_on")
    assert [tuple(i[k] for k in keys) for i in found["restatements"]] == [
        (B, 17, None, "pending", None, 8, "completed_on", "2025-04-18"),
        (B, 19, "overdue", "not_applicable", 9, None, "completed_on", "2025-04-18"),
        (E, 17, "met", "met", 5, 7, "notified_on", "2025-04-11"),
    ]


def test_progress_of_an_open_clock_does_not_show_only_knowledge_does(
    store: str, closures: Path
) -> None:
    # F: notified on 08/04, known on 11/04. At E = 04/04 its 17 was open on both sides.
    found = json.loads(restatements(store, closures, *PERIOD, "--format", "json").out)
    assert F not in {item["dossier"] for item in found["restatements"]}
    # Evaluated at 30 April instead, the period's statuses are still those of 31 March:
    # the same measures are restated.
    later = json.loads(
        restatements(store, closures, *PERIOD, "--as-of", "2025-04-30", "--format", "json").out
    )
    assert later["restatements"] == found["restatements"]


def test_output_and_totals_files_are_written(store: str, closures: Path, tmp_path: Path) -> None:
    lines, totals = tmp_path / "lines.csv", tmp_path / "totals.csv"
    argv = ("--format", "csv", "--output", str(lines), "--totals", str(totals))
    done = restatements(store, closures, *PERIOD, *argv)

    assert done.out == ""
    assert csv_records(lines.read_text(encoding="utf-8")) == EXPECTED
    assert len(csv_records(totals.read_text(encoding="utf-8"))) == len(TOTALS)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            (
                "--from",
                "2025-03-01",
                "--to",
                "2025-03-31",
                "--known-at",
                "2025-04-11",
                "--now",
                "2025-04-04",
            ),
            "--known-at 2025-04-11 is after --now 2025-04-04",
        ),
        (
            ("--from", "2025-03-31", "--to", "2025-03-01", "--known-at", "2025-04-04"),
            "--to 2025-03-01 is before --from 2025-03-31: swap them",
        ),
        (
            ("--from", "2025-03-01", "--to", "2025-03-31", "--known-at", "04/04/2025"),
            "argument --known-at: '04/04/2025' is not a date; write AAAA-MM-JJ",
        ),
        (
            ("--from", "2025-03-01", "--to", "2025-02-30", "--known-at", "2025-04-04"),
            "argument --to: '2025-02-30' is not a date",
        ),
        (
            (
                "--from",
                "2025-03-01",
                "--to",
                "2025-03-31",
                "--known-at",
                "2025-04-04",
                "--as-of",
                "2025-02-01",
            ),
            "the evaluation date 2025-02-01 is before --from 2025-03-01",
        ),
        (
            ("--from", "2025-03-01", "--to", "2025-03-31", "--known-at", "2025-05-02"),
            "--known-at 2025-05-02 is after the latest extract ingested (2025-04-18)",
        ),
        (
            (
                "--from",
                "2025-03-01",
                "--to",
                "2025-03-31",
                "--known-at",
                "2025-04-04",
                "--output",
                "x.csv",
                "--totals",
                "x.csv",
            ),
            "--totals and --output name the same file",
        ),
    ],
    ids=[
        "k1-after-k2",
        "from-after-to",
        "not-iso",
        "no-such-day",
        "e-before-d1",
        "k1-after-latest",
        "same-file",
    ],
)
def test_bad_arguments_exit_2_and_say_what_to_change(
    store: str, tmp_path: Path, argv: tuple[str, ...], message: str
) -> None:
    done = run(tmp_path, store, "restatements", *argv)

    assert done.code == 2, done.summary()
    assert message in done.err
    assert "Traceback" not in done.err
    assert done.out == ""


def _as_text(item: dict[str, Any]) -> dict[str, str]:
    # JSON's null is CSV's empty cell; numbers compare as the CSV writes them.
    text = {k: "" if v is None else str(v) for k, v in item.items()}
    for key in ("rate_before", "rate_after"):
        if text.get(key):
            text[key] = f"{float(text[key]):.4f}"
    return text


def _rows_after(out: str, heading: str) -> list[list[str]]:
    # The words of each line of the block that starts with `heading`, up to a blank line.
    block = out.split(f"\n{heading}", 1)[1].split("\n\n", 1)[0]
    return [row.split() for row in block.splitlines()[3:]]
