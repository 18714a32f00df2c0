"""Every command in every format it offers, on one populated store, through the entry point.

Most run in-process (`casetrack.cli.main`); a representative few run as real processes
(`python -m casetrack`) and must print what the in-process run printed. Each output is
parsed as its format says (csv module, json, XES with ElementTree, openpyxl) and checked
against what README.md and docs/measures.md say it holds, never against a copy of an
earlier output.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from importlib.metadata import version
from pathlib import Path

import pytest
from openpyxl import load_workbook

from casetrack.cli import build_parser
from casetrack.helptext import parsers_of
from tests.integration import readme
from tests.integration.cli_runs import (
    Done,
    Job,
    Store,
    csv_header,
    csv_records,
    in_process,
    run_side_by_side,
    xes_traces,
)

YEAR = ("--from", "2025-01-01", "--to", "2025-12-31")
#: The tour's re-audit: the first quarter as known on 2025-04-04.
QUARTER = ("--from", "2025-01-01", "--to", "2025-03-31", "--known-at", "2025-04-04")
#: Mid-year, when every worklist holds dossiers (at the last extract most are closed).
MID_YEAR = ("--as-of", "2025-06-30")
REPORT_KEYS = ["engagement", "section", "prestation", "period"]
SECTOR_KEYS = ["engagement", "section"]
FIGURES = {"measured", "met", "breached", "rate", "open_pending", "open_overdue", "invalid"}
FORMATS = ("table", "csv", "json", "xlsx", "html")
#: docs/measures.md's statuses.
STATUSES = {"met", "breached", "pending", "overdue", "invalid", "not_applicable"}
ENGAGEMENTS = {"17", "18", "19"}
#: README, "Exit codes".
EXIT_CODES = ("0 done", "1 internal error", "2 input refused", "3 database", "4 storage", "130")


def ok(store: Store, *argv: str) -> Done:
    """`casetrack --db STORE ARGV` in-process: exit 0, something on stdout, no traceback."""
    done = in_process("--db", store.url, *argv)
    assert done.code == 0, (argv, done.err)
    assert "Traceback" not in done.err
    return done


def written(store: Store, path: Path, *argv: str) -> Path:
    """Run a command with `--output PATH`: the file exists and holds something."""
    ok(store, *argv, "--output", str(path))
    assert path.stat().st_size > 0
    return path


def rounded_rate(met: int, measured: int) -> str:
    """docs/measures.md: rate = met / measured, rounded half up to 4 places; empty if none."""
    if not measured:
        return ""
    return str((Decimal(met) / Decimal(measured)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def report_records(text: str, keys: list[str]) -> list[dict[str, str]]:
    """A report CSV: the kept keys in order then the figures, each row as the spec adds up."""
    records = csv_records(text)
    assert records
    assert list(records[0])[: len(keys)] == keys
    assert set(records[0]) - set(keys) >= FIGURES
    for r in records:
        assert int(r["measured"]) == int(r["met"]) + int(r["breached"])
        assert r["rate"] == rounded_rate(int(r["met"]), int(r["measured"]))
    return records


@pytest.fixture(scope="module")
def report_csv(cli_store: Store) -> list[dict[str, str]]:
    """The year's report as CSV, the reference the other formats must agree with."""
    return report_records(ok(cli_store, "report", *YEAR, "--format", "csv").out, REPORT_KEYS)


# -- report ------------------------------------------------------------------------------


def test_report_csv_has_the_keys_then_figures_that_add_up(
    report_csv: list[dict[str, str]],
) -> None:
    assert {r["engagement"] for r in report_csv} == ENGAGEMENTS
    assert {r["period"][:4] for r in report_csv} == {"2025"}


def test_report_json_holds_the_csv_rows_as_numbers(
    cli_store: Store, report_csv: list[dict[str, str]]
) -> None:
    items = json.loads(ok(cli_store, "report", *YEAR, "--format", "json").out)

    assert [(i["engagement"], i["section"], i["period"], i["measured"]) for i in items] == [
        (int(r["engagement"]), r["section"], r["period"], int(r["measured"])) for r in report_csv
    ]


def test_report_table_is_titled_with_its_range(cli_store: Store) -> None:
    out = ok(cli_store, "report", *YEAR, "--format", "table").out
    assert out.startswith("Rapport du 01/01/2025 au 31/12/2025")


def test_report_xlsx_opens_with_a_sheet_per_engagement(cli_store: Store, tmp_path: Path) -> None:
    path = written(cli_store, tmp_path / "r.xlsx", "report", *YEAR, "--format", "xlsx")
    book = load_workbook(path)
    assert all(any(e in title for title in book.sheetnames) for e in ENGAGEMENTS)


def test_report_html_is_a_page_with_a_table(cli_store: Store, tmp_path: Path) -> None:
    page = written(cli_store, tmp_path / "r.html", "report", *YEAR, "--format", "html")
    text = page.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html")
    assert "<table" in text


# -- reaudit -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_reaudit_writes_every_format(cli_store: Store, tmp_path: Path, fmt: str) -> None:
    argv = ("reaudit", *QUARTER, "--format", fmt)
    if fmt == "csv":
        report_records(ok(cli_store, *argv).out, REPORT_KEYS)
    elif fmt == "json":
        items = json.loads(ok(cli_store, *argv).out)
        assert items
        assert all(i["measured"] == i["met"] + i["breached"] for i in items)
    elif fmt == "table":
        assert ok(cli_store, *argv).out.startswith("Rapport du 01/01/2025 au 31/03/2025")
    elif fmt == "xlsx":
        assert load_workbook(written(cli_store, tmp_path / "a.xlsx", *argv)).sheetnames
    else:
        assert "<table" in written(cli_store, tmp_path / "a.html", *argv).read_text("utf-8")


@pytest.fixture(scope="module")
def comparison(cli_store: Store) -> dict[str, list[dict[str, object]]]:
    """`reaudit --compare --format json`: figures and changes."""
    found: dict[str, list[dict[str, object]]] = json.loads(
        ok(cli_store, "reaudit", *QUARTER, "--compare", "--format", "json").out
    )
    return found


def test_reaudit_compare_json_sets_figures_beside_changes_in_the_readme_columns(
    comparison: dict[str, list[dict[str, object]]],
) -> None:
    assert set(comparison) == {"figures", "changes"}
    assert comparison["figures"]
    assert comparison["changes"], "nothing changed between 2025-04-04 and now"
    assert all(list(c) == readme.table_columns("reaudit") for c in comparison["changes"])
    assert all(c["status_known_at"] != c["status_now"] for c in comparison["changes"])


def test_reaudit_compare_figures_known_at_k_are_the_plain_reaudit_by_sector(
    cli_store: Store, comparison: dict[str, list[dict[str, object]]]
) -> None:
    by_sector = ("--by", ",".join(SECTOR_KEYS), "--format", "csv")
    plain = report_records(ok(cli_store, "reaudit", *QUARTER, *by_sector).out, SECTOR_KEYS)
    measured = {(r["engagement"], r["section"]): int(r["measured"]) for r in plain}
    then = {
        (str(f["engagement"]), str(f["section"])): f["measured_known_at"]
        for f in comparison["figures"]
    }

    assert measured == {key: then[key] for key in measured}
    assert {key for key, count in then.items() if count} <= set(measured)


def test_reaudit_compare_csv_writes_the_changes_to_a_second_csv(
    cli_store: Store, tmp_path: Path, comparison: dict[str, list[dict[str, object]]]
) -> None:
    changes = tmp_path / "changes.csv"
    argv = ("reaudit", *QUARTER, "--compare", "--format", "csv", "--changes", str(changes))
    done = ok(cli_store, *argv)
    figures = csv_records(done.out)
    rows = csv_records(changes.read_text(encoding="utf-8"))

    assert list(figures[0])[:2] == SECTOR_KEYS
    assert {"measured_known_at", "measured_now"} <= set(figures[0])
    assert len(figures) == len(comparison["figures"])
    assert csv_header(changes.read_text(encoding="utf-8")) == readme.table_columns("reaudit")
    assert len(rows) == len(comparison["changes"])


@pytest.mark.parametrize("fmt", ["table", "xlsx", "html"])
def test_reaudit_compare_shows_the_changes_in_every_other_format(
    cli_store: Store, tmp_path: Path, fmt: str
) -> None:
    argv = ("reaudit", *QUARTER, "--compare", "--format", fmt)
    if fmt == "table":
        out = ok(cli_store, *argv).out
        assert out.startswith("Réaudit du 2025-01-01 au 2025-03-31")
        assert "Dossiers dont le statut a changé" in out  # README: a second table
    elif fmt == "xlsx":
        assert len(load_workbook(written(cli_store, tmp_path / "c.xlsx", *argv)).sheetnames) >= 2
    else:
        page = written(cli_store, tmp_path / "c.html", *argv).read_text(encoding="utf-8")
        assert page.count("<table") >= 2  # README: the changes are a section of their own


# -- latency ------------------------------------------------------------------------------

#: docs/reports.md, "Data latency": the delays' CSV columns with every key.
LATENCY_COLUMNS = ["fact", "sector", "month", "count", "median", "p90", "max"]
LATENCY_PARTS = {"delays", "late_known", "backdated"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_latency_writes_every_format(cli_store: Store, tmp_path: Path, fmt: str) -> None:
    argv = ("latency", *YEAR, "--format", fmt)
    if fmt == "csv":
        records = csv_records(ok(cli_store, *argv).out)
        assert list(records[0]) == LATENCY_COLUMNS == readme.table_columns("latency")
        assert all(
            int(r["median"]) <= int(r["p90"]) <= int(r["max"]) and int(r["count"]) > 0
            for r in records
        )
    elif fmt == "json":
        assert set(json.loads(ok(cli_store, *argv).out)) == LATENCY_PARTS
    elif fmt == "table":
        title = "Latence des données du 01/01/2025 au 31/12/2025"
        assert ok(cli_store, *argv).out.startswith(title)
    elif fmt == "xlsx":
        assert len(load_workbook(written(cli_store, tmp_path / "l.xlsx", *argv)).sheetnames) == 4
    else:
        assert "<table" in written(cli_store, tmp_path / "l.html", *argv).read_text("utf-8")


# -- restatements ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_restatements_writes_every_format(cli_store: Store, tmp_path: Path, fmt: str) -> None:
    totals = tmp_path / "totals.csv"
    done = ok(cli_store, "restatements", *QUARTER, "--format", fmt, "--totals", str(totals))
    totals_text = totals.read_text(encoding="utf-8")
    assert csv_header(totals_text)[:3] == ["engagement", "section", "restated"]
    if fmt == "csv":  # README: the lines' columns
        records = csv_records(done.out)
        assert records, "nothing restated between 2025-04-04 and now"
        assert list(records[0]) == readme.table_columns("restatements")
    elif fmt == "json":
        found = json.loads(done.out)
        assert set(found) == {"restatements", "totals"}
        assert found["restatements"]
        assert len(found["totals"]) == len(csv_records(totals_text))
    else:
        assert done.out.startswith("Retraitements du 01/01/2025 au 31/03/2025")
        assert "Mesures retraitées" in done.out


# -- per-dossier commands ----------------------------------------------------------------


@pytest.fixture(scope="module")
def measures_csv(cli_store: Store) -> list[dict[str, str]]:
    """`measures --format csv`: one row per dossier and engagement."""
    return csv_records(ok(cli_store, "measures", "--format", "csv").out)


def test_measures_csv_has_the_readme_columns_and_statuses(
    measures_csv: list[dict[str, str]],
) -> None:
    assert list(measures_csv[0]) == readme.table_columns("measures")
    assert {r["engagement"] for r in measures_csv} == ENGAGEMENTS
    assert {r["status"] for r in measures_csv} <= STATUSES
    per_dossier = Counter(r["dossier"] for r in measures_csv)
    assert max(per_dossier.values()) <= 3


def test_measures_json_holds_the_csv_records(
    cli_store: Store, measures_csv: list[dict[str, str]]
) -> None:
    items = json.loads(ok(cli_store, "measures", "--format", "json").out)
    as_text = [{k: "" if v is None else str(v) for k, v in item.items()} for item in items]
    assert as_text == measures_csv


def first_dossier(store: Store) -> str:
    """The first dossier number of the first extract, read as plain `;` CSV."""
    with store.files.piaf[0].open(encoding="cp1252", newline="") as stream:
        rows = csv.reader(stream, delimiter=";")
        header, first = next(rows), next(rows)
    return first[header.index("NUM_DOSSIER")]


def test_dossier_prints_its_history_and_measures(cli_store: Store) -> None:
    number = first_dossier(cli_store)
    out = ok(cli_store, "dossier", number).out
    assert out.startswith(f"Dossier {number}\n")
    assert "Historique" in out
    assert "Mesures au" in out


@pytest.mark.parametrize("kind", ["overdue", "at-risk", "breached"])
@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_worklist_lists_its_kind_in_both_formats(cli_store: Store, kind: str, fmt: str) -> None:
    out = ok(cli_store, "worklist", f"--{kind}", *MID_YEAR, "--format", fmt).out
    if fmt == "table":  # docs/reports.md, "Worklist": the date and filters first
        first = out.splitlines()[0]
        assert first.startswith(("Dossiers ", "Aucun dossier ")), first
        assert " au 30/06/2025" in first
        return
    records = csv_records(out)
    assert records, f"no {kind} dossier on 2025-06-30"
    status = {"overdue": "overdue", "at-risk": "pending", "breached": "breached"}[kind]
    assert {r["status"] for r in records} == {status}
    if kind == "at-risk":  # docs/measures.md: 2 days or less left, in the clock's unit
        assert all(0 <= int(r["days_left"]) <= 2 for r in records)


# -- quarantine, sample, event log ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_quarantine_lists_the_bad_rows_in_both_formats(cli_store: Store, fmt: str) -> None:
    out = ok(cli_store, "quarantine", "--format", fmt).out
    names = {p.name for p in (*cli_store.files.piaf, *cli_store.files.topvir)}
    if fmt == "table":
        assert out.split()[0] == "Fichier"
        assert any(name in out for name in names)
        return
    records = csv_records(out)
    assert records, "the generated files hold bad rows on purpose"
    assert list(records[0]) == readme.table_columns("quarantine")
    assert {r["file"] for r in records} <= names


SAMPLE = ("sample", *YEAR, "--per-section", "3", "--seed", "2025")


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_sample_draws_at_most_n_per_sector_in_both_formats(cli_store: Store, fmt: str) -> None:
    out = ok(cli_store, *SAMPLE, "--format", fmt).out
    if fmt == "table":  # docs/reports.md, "Sample": a title, then French headers
        assert out.startswith("Échantillon d'audit")
        assert out.splitlines()[2].split()[0] == "Secteur"
        return
    records = csv_records(out)
    strata = Counter(r["stratum"] for r in records)
    assert len(strata) > 10
    assert max(strata.values()) <= 3
    assert len({r["dossier"] for r in records}) == len(records)


@pytest.mark.parametrize("fmt", ["csv", "xes"])
def test_export_eventlog_in_both_formats_covers_the_same_cases(
    cli_store: Store, measures_csv: list[dict[str, str]], fmt: str
) -> None:
    out = ok(cli_store, "export", "eventlog", "--format", fmt).out
    dossiers = {r["dossier"] for r in measures_csv}
    if fmt == "csv":
        records = csv_records(out)
        assert {r["case:concept:name"] for r in records} == dossiers
    else:
        assert len(xes_traces(out.encode("utf-8"))) == len(dossiers)


# -- writing commands, on a copy -------------------------------------------------------------


def test_project_catches_up_and_rebuilds_to_the_same_report(
    cli_store: Store, tmp_path: Path, report_csv: list[dict[str, str]]
) -> None:
    copy = cli_store.copy(tmp_path)
    caught_up = ok(copy, "project")
    rebuilt = ok(copy, "project", "--rebuild")

    assert "read models caught up: 0 events" in caught_up.err
    assert "read models rebuilt" in rebuilt.err
    again = ok(copy, "report", *YEAR, "--format", "csv").out
    assert csv_records(again) == report_csv


def test_generate_writes_weekly_files_into_its_folder(tmp_path: Path) -> None:
    argv = ("generate", "--year", "2025", "--dossiers", "40", "--out", str(tmp_path))
    done = in_process("-q", *argv)
    assert done.code == 0, done.err
    piaf = sorted(tmp_path.glob("piaf_2*.csv"))
    assert piaf
    assert len(list(tmp_path.glob("topvir_2*.csv"))) == len(piaf)
    assert all(p.read_text(encoding="cp1252").startswith("NUM_DOSSIER;") for p in piaf)


# -- help and version --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [p.prog.split(" ", 1)[1] for p in parsers_of(build_parser())] + [""]
)
def test_help_of_every_command_lists_its_usage_and_the_exit_codes(path: str) -> None:
    done = in_process(*path.split(), "--help")
    assert done.code == 0
    assert done.out.startswith(f"usage: casetrack {path}".rstrip())
    said = " ".join(done.out.split())  # the epilog is wrapped to the terminal's width
    assert all(code in said for code in EXIT_CODES)
    assert "default: None" not in done.out
    assert "default: True" not in done.out
    assert "default: False" not in done.out


def test_version_prints_the_installed_version() -> None:
    done = in_process("--version")
    assert (done.code, done.out) == (0, f"casetrack {version('casetrack')}\n")


# -- the same, as real processes ------------------------------------------------------------

#: Representative commands, run as `python -m casetrack` side by side; global options
#: before the command for some, after it for others.
PROCESS_RUNS = {
    "report csv": ("report", *YEAR, "--format", "csv", "--db"),
    "reaudit compare json": ("--db", "reaudit", *QUARTER, "--compare", "--format", "json"),
    "measures json": ("measures", "--format", "json", "--db"),
    "worklist csv": ("--db", "worklist", "--overdue", *MID_YEAR, "--format", "csv"),
    "export xes": ("export", "eventlog", "--format", "xes", "--db"),
}


@pytest.fixture(scope="module")
def processes(
    cli_store: Store, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Done, Done]]:
    """Each PROCESS_RUNS command as a process, beside the same command run in-process."""
    cwd = tmp_path_factory.mktemp("processes")
    jobs = {}
    for name, argv in PROCESS_RUNS.items():
        at = argv.index("--db") + 1
        jobs[name] = Job(("-q", *argv[:at], cli_store.url, *argv[at:]), cwd)
    jobs["version"] = Job(("--version",), cwd)
    jobs["help"] = Job(("ingest", "piaf", "--help"), cwd)
    done = run_side_by_side(jobs)
    return {name: (done[name], in_process(*job.argv)) for name, job in jobs.items()}


@pytest.mark.parametrize("name", [*PROCESS_RUNS, "version", "help"])
def test_a_real_process_prints_what_the_in_process_run_prints(
    processes: dict[str, tuple[Done, Done]], name: str
) -> None:
    done, same = processes[name]
    assert done.code == 0, done.summary()
    assert "Traceback" not in done.err
    assert done.out
    assert done.out == same.out


def test_every_command_has_a_description_and_every_option_a_help_text() -> None:
    parsers = [build_parser(), *parsers_of(build_parser())]
    undescribed = [p.prog for p in parsers if not p.description]
    unexplained = [
        f"{p.prog} {'/'.join(a.option_strings) or a.dest}"
        for p in parsers
        for a in p._actions
        if not a.help
    ]
    assert (undescribed, unexplained) == ([], [])
