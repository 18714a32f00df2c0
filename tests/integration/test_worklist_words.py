"""`casetrack worklist` and `casetrack sample` in words: French tables for people, CSV for scripts.

Every expected figure is worked out here from `casetrack measures --format csv` (the
per-dossier measures of docs/measures.md) with a naive day count (`tests.naive_report`),
never by calling the worklist code: days late are the days from the due date to the
evaluation date (open clocks) or to the stop (breached ones); days left, from the
evaluation date to the due date; in calendar days for 17 and 18, working days for 19.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from tests.integration.cli_runs import (
    Done,
    Job,
    Store,
    casetrack,
    csv_header,
    csv_records,
    in_process,
)
from tests.naive_report import working_days_between

AS_OF = date(2025, 6, 30)
MID_YEAR = ("--as-of", AS_OF.isoformat())
#: docs/measures.md: at risk means pending with at most 2 days left, in the clock's unit.
AT_RISK_DAYS = 2
OLD_COLUMNS = ["dossier", "section", "prestation", "engagement", "start", "due", "days", "status"]
NEW_COLUMNS = ["days_late", "days_left", "unit"]
UNITS = {"17": "calendar_days", "18": "calendar_days", "19": "working_days"}
UNIT_WORDS = {"calendar_days": "j. calendaires", "working_days": "j. ouvrés"}
#: docs/measures.md's two names of each status.
FRENCH = {
    "met": "respecté",
    "breached": "dépassé",
    "pending": "en cours",
    "overdue": "en retard",
    "not_applicable": "non applicable",
    "invalid": "anomalie",
}
TITLES = {"overdue": "en retard", "at-risk": "à risque", "breached": "au délai dépassé"}
ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
FRENCH_DAY = re.compile(r"^\d{2}/\d{2}/\d{4}$")
SAMPLE = ("sample", "--from", "2025-01-01", "--to", "2025-12-31", "--per-section", "2")
SAMPLE_HEADER = ["stratum", "dossier", "section", "prestation", "measures", "history"]


def ok(store: Store, *argv: str) -> Done:
    """`casetrack --db STORE ARGV` in-process: exit 0, no traceback."""
    done = in_process("--db", store.url, *argv)
    assert done.code == 0, (argv, done.err)
    assert "Traceback" not in done.err
    return done


def days_between(first: date, last: date, engagement: str) -> int:
    """Days after `first` up to `last`, in the engagement's unit, counted naively."""
    if UNITS[engagement] == "working_days":
        return working_days_between(first, last)
    return (last - first).days


@pytest.fixture(scope="module")
def measures(cli_store: Store) -> list[dict[str, str]]:
    """The oracle's input: `casetrack measures` on 2025-06-30."""
    return csv_records(ok(cli_store, "measures", *MID_YEAR, "--format", "csv").out)


def expected(measures: list[dict[str, str]], kind: str) -> dict[tuple[str, str], dict[str, str]]:
    """(dossier, engagement) -> the worklist's added columns, from the measures alone."""
    found = {}
    for m in measures:
        engagement, due = m["engagement"], m["due"]
        late = left = None
        if kind == "overdue" and m["status"] == "overdue":
            late = days_between(date.fromisoformat(due), AS_OF, engagement)
        elif kind == "breached" and m["status"] == "breached":
            late = days_between(date.fromisoformat(due), date.fromisoformat(m["stop"]), engagement)
        elif kind == "at-risk" and m["status"] == "pending":
            left = days_between(AS_OF, date.fromisoformat(due), engagement)
            if left > AT_RISK_DAYS:
                continue
        else:
            continue
        found[m["dossier"], engagement] = {
            **{c: m[c] for c in ("section", "prestation", "start", "due", "status")},
            "days_late": "" if late is None else str(late),
            "days_left": "" if left is None else str(left),
            "unit": UNITS[engagement],
        }
    return found


def table_rows(lines: list[str]) -> tuple[list[str], list[list[str]]]:
    """The header and rows of an aligned table, cut where the dashes line puts the columns."""
    rule = next(i for i, line in enumerate(lines) if line.startswith("---"))
    spans, at = [], 0
    for dashes in lines[rule].split("  "):
        spans.append((at, at + len(dashes)))
        at += len(dashes) + 2

    def cut(line: str) -> list[str]:
        return [line[a:b].strip() for a, b in spans]

    return cut(lines[rule - 1]), [cut(line) for line in lines[rule + 1 :] if line.strip()]


def count_words(keys: list[tuple[str, str]]) -> str:
    """'12 dossiers', or '12 délais, 11 dossiers' when a dossier is listed twice."""
    dossiers = len({dossier for dossier, _ in keys})
    counted = f"{dossiers} dossier{'s' if dossiers > 1 else ''}"
    return counted if dossiers == len(keys) else f"{len(keys)} délais, {counted}"


# -- CSV: the old columns unchanged, three added, no title ---------------------------------


@pytest.mark.parametrize("kind", ["overdue", "at-risk", "breached"])
def test_csv_keeps_its_columns_and_adds_days_late_days_left_and_unit(
    cli_store: Store, measures: list[dict[str, str]], kind: str
) -> None:
    out = ok(cli_store, "worklist", f"--{kind}", *MID_YEAR, "--format", "csv").out

    records = csv_records(out)

    assert csv_header(out) == OLD_COLUMNS + NEW_COLUMNS
    wanted = expected(measures, kind)
    assert wanted, f"no {kind} clock on {AS_OF}: the check would prove nothing"
    got = {(r["dossier"], r["engagement"]): r for r in records}
    assert set(got) == set(wanted)
    assert {k: {c: r[c] for c in wanted[k]} for k, r in got.items()} == wanted
    assert all(r["days"] == (r["days_late"] or r["days_left"]) for r in records)


def test_csv_dates_and_statuses_stay_iso_and_english(cli_store: Store) -> None:
    records = csv_records(ok(cli_store, "worklist", "--overdue", *MID_YEAR, "--format", "csv").out)

    assert records
    assert {r["status"] for r in records} == {"overdue"}
    assert all(date.fromisoformat(r["start"]) <= date.fromisoformat(r["due"]) for r in records)


def test_empty_csv_is_its_header_alone(cli_store: Store) -> None:
    out = ok(cli_store, "worklist", "--overdue", "--as-of", "2024-01-01", "--format", "csv").out

    assert out.splitlines() == [",".join(OLD_COLUMNS + NEW_COLUMNS)]


# -- the table: a title with the date, explicit delay columns, French words ----------------


@pytest.mark.parametrize("kind", ["overdue", "at-risk", "breached"])
def test_table_title_gives_the_evaluation_date_and_the_count(
    cli_store: Store, measures: list[dict[str, str]], kind: str
) -> None:
    lines = ok(cli_store, "worklist", f"--{kind}", *MID_YEAR).out.splitlines()

    count = count_words(list(expected(measures, kind)))
    assert lines[0] == f"Dossiers {TITLES[kind]} au 30/06/2025 — {count}"


@pytest.mark.parametrize(
    ("kind", "delay"),
    [("overdue", "Retard"), ("at-risk", "Jours restants"), ("breached", "Retard")],
)
def test_table_names_the_delay_and_gives_each_row_its_unit(
    cli_store: Store, measures: list[dict[str, str]], kind: str, delay: str
) -> None:
    lines = ok(cli_store, "worklist", f"--{kind}", *MID_YEAR).out.splitlines()

    header, rows = table_rows(lines)

    assert header == [
        "Dossier",
        "Section",
        "Prestation",
        "Engagement",
        "Début",
        "Échéance",
        delay,
        "Unité",
        "Statut",
    ]
    wanted = expected(measures, kind)
    got = {(r[0], r[3]): r for r in rows}
    assert set(got) == set(wanted)
    for key, row in got.items():
        w = wanted[key]
        assert row[6] == (w["days_late"] or w["days_left"]), row
        assert row[7] == UNIT_WORDS[w["unit"]], row
        assert row[8] == FRENCH[w["status"]], row
        assert [row[4], row[5]] == [_french(w["start"]), _french(w["due"])], row


def test_at_risk_table_says_what_at_risk_means(cli_store: Store) -> None:
    lines = ok(cli_store, "worklist", "--at-risk", *MID_YEAR).out.splitlines()

    assert lines[1].startswith("À risque : délai en cours, 2 jours ou moins avant l'échéance")
    assert "jours ouvrés pour l'engagement 19" in lines[1]
    assert "jours calendaires pour les engagements 17 et 18" in lines[1]


def test_one_engagement_puts_its_unit_in_the_header(
    cli_store: Store, measures: list[dict[str, str]]
) -> None:
    lines = ok(cli_store, "worklist", "--overdue", "--engagement", "19", *MID_YEAR).out.splitlines()

    header, rows = table_rows(lines)

    assert lines[0].startswith("Dossiers en retard au 30/06/2025 (engagement 19) — ")
    assert header[6:] == ["Retard (j. ouvrés)", "Statut"]
    wanted = {k: v for k, v in expected(measures, "overdue").items() if k[1] == "19"}
    assert wanted
    assert {(r[0], r[3]): r[6] for r in rows} == {k: v["days_late"] for k, v in wanted.items()}


def test_most_late_come_first(cli_store: Store) -> None:
    _, rows = table_rows(ok(cli_store, "worklist", "--breached", *MID_YEAR).out.splitlines())

    late = [int(r[6]) for r in rows]

    assert late == sorted(late, reverse=True)


def test_every_french_date_cell_is_jj_mm_aaaa(cli_store: Store) -> None:
    _, rows = table_rows(ok(cli_store, "worklist", "--overdue", *MID_YEAR).out.splitlines())

    cells = Counter(bool(FRENCH_DAY.match(cell)) for r in rows for cell in r[4:6])

    assert cells == Counter({True: 2 * len(rows)})


def test_empty_list_prints_a_sentence_instead_of_headers(
    cli_store: Store, measures: list[dict[str, str]]
) -> None:
    overdue = {m["section"] for m in measures if m["status"] == "overdue"}
    quiet = sorted(s for s in (f"{n:02d}" for n in range(1, 21)) if s not in overdue)
    assert quiet, "every section has an overdue clock: choose another date"

    out = ok(cli_store, "worklist", "--overdue", "--section", quiet[0], *MID_YEAR).out

    assert out == f"Aucun dossier en retard au 30/06/2025 (section {quiet[0]}).\n"


def test_table_through_the_real_entry_point_matches_in_process(
    cli_store: Store, tmp_path: Path
) -> None:
    argv = ("--db", cli_store.url, "worklist", "--at-risk", *MID_YEAR)

    done = casetrack(Job(argv, tmp_path))

    assert done.code == 0, done.summary()
    assert done.out == ok(cli_store, *argv[2:]).out
    assert done.out.startswith("Dossiers à risque au 30/06/2025 — ")


def test_at_risk_help_gives_the_threshold_and_the_units(tmp_path: Path) -> None:
    done = casetrack(Job(("worklist", "--help"), tmp_path))

    text = " ".join(done.out.split())
    assert done.code == 0, done.summary()
    assert f"with {AT_RISK_DAYS} days or less left before the due date" in text
    assert "calendar days for 17 and 18, working days for 19" in text
    assert "two working days" not in text


# -- sample: French table, CSV unchanged -----------------------------------------------------


@pytest.fixture(scope="module")
def sample_csv(cli_store: Store) -> list[dict[str, str]]:
    """The sample as CSV (the default format), seed 2025."""
    out = ok(cli_store, *SAMPLE, "--seed", "2025").out
    assert csv_header(out) == SAMPLE_HEADER
    return csv_records(out)


def test_sample_csv_keeps_english_codes_and_iso_dates(sample_csv: list[dict[str, str]]) -> None:
    assert sample_csv
    codes = {
        part.split(":")[1].split()[0] for r in sample_csv for part in r["measures"].split("; ")
    }
    assert codes <= set(FRENCH)
    assert all(ISO_DAY.search(r["history"]) for r in sample_csv)


def test_sample_table_has_french_headers_words_and_dates(
    cli_store: Store, tmp_path: Path, sample_csv: list[dict[str, str]]
) -> None:
    argv = ("--db", cli_store.url, *SAMPLE, "--seed", "2025", "--format", "table")

    done = casetrack(Job(argv, tmp_path))

    assert done.code == 0, done.summary()
    lines = done.out.splitlines()
    assert lines[0].startswith(
        "Échantillon d'audit : dossiers ayant un délai mesuré du 01/01/2025 au 31/12/2025, "
    )
    assert lines[0].endswith(f"— {len(sample_csv)} dossiers, 2 au plus par secteur, graine 2025")
    header, rows = table_rows(lines)
    assert header == ["Secteur", "Dossier", "Section", "Prestation", "Mesures", "Historique"]
    assert [r[:4] for r in rows] == [
        [c["stratum"], c["dossier"], c["section"], c["prestation"]] for c in sample_csv
    ]
    for row, coded in zip(rows, sample_csv, strict=True):
        assert row[4] == _measures_in_words(coded["measures"]), row
        assert row[5] == _history_in_words(coded["history"]), row
        assert not ISO_DAY.search(row[5])


def test_empty_sample_table_is_a_sentence(cli_store: Store) -> None:
    argv = ("sample", "--from", "2030-01-01", "--to", "2030-12-31", "--per-section", "2")

    out = ok(cli_store, *argv, "--seed", "1", "--engagement", "19", "--format", "table").out

    assert out.startswith(
        "Aucun dossier n'a de délai de l'engagement 19 mesuré du 01/01/2030 au 31/12/2030"
    )
    assert out.endswith(": échantillon vide.\n")


def _french(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _measures_in_words(codes: str) -> str:
    """'17:met 10; 19:not_applicable' -> '17 : respecté, 10 j. calendaires ; 19 : non …'."""
    parts = []
    for part in codes.split("; "):
        engagement, rest = part.split(":")
        status, *elapsed = rest.split()
        words = f"{engagement} : {FRENCH[status]}"
        if elapsed:
            words += f", {elapsed[0]} {UNIT_WORDS[UNITS[engagement]]}"
        parts.append(words)
    return " ; ".join(parts)


def _history_in_words(line: str) -> str:
    """The CSV history with French dates, 'connu le', and French list separators."""
    french = ISO_DAY.sub(lambda m: f"{m[3]}/{m[2]}/{m[1]}", line)
    return french.replace("(connu ", "(connu le ").replace("); ", ") ; ")
