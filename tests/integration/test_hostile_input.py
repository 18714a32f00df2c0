"""Hostile values in PIAF extracts are data, never code: quotes, `;`, SQL fragments, Unicode
and 10,000-character fields are quarantined with a reason that never quotes them; values
that pass the character sets however odd (`a/../../1`, `NULL`, `1E5`) are stored literally;
every table keeps its rows, and every reading command still works on both backends.

Each value goes into one file five times: as a dossier number, as a prestation code
(upper-cased as docs/mapping.md says of codes), and as a section code, a date and a state
(each quarantined, spec/piaf-extract.md). Every row also carries 10,000 characters in
unmapped columns (NOM, ADRESSE), which must be ignored.
"""

from __future__ import annotations

import csv
import io
import string
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from random import Random

import pytest
from sqlalchemy import text

from adapters.sql_engine import engine_for
from casetrack.persistence import parse_url
from tests.integration.ingest_helpers import (
    PIAF_HEADER,
    Run,
    cli,
    piaf_row,
    release_connections,
    write_rows,
)


def noise(seed: int, size: int = 10_000) -> str:
    """Characters that do not compress: a long value stays long in every index."""
    rng = Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(size))


SHORT = {
    "quote": "2025-05-O'BRIEN",
    "double-quote": 'DOS"SIER "1"',
    "semicolon": "2025;05;000001",
    "sql-drop": "x'); DROP TABLE measure; --",
    "sql-tautology": "1 OR 1=1",
    "unicode": "Ω-ü-😀",
}
#: Values inside the character sets of docs/mapping.md, yet odd for paths, SQL, CSV or JSON.
ODD_BUT_VALID = {
    "path-like": ("a/../../1", "NULL"),
    "leading-zeros": ("0000000001", "1E5"),
    "dots": ("2025.05.000001", "TRUE"),
}
#: (dossier number, value of the code and date columns, is the number kept, is the code kept).
#: Outside the character sets (docs/mapping.md), a number or a code quarantines its row.
HOSTILE = {
    **{case: (value, value, False, False) for case, value in SHORT.items()},
    **{case: (number, code, True, True) for case, (number, code) in ODD_BUT_VALID.items()},
    "10000-character-number": ("L" + noise(1, 9_999), "X", False, True),
    "10000-character-code": ("2025-05-000009", "C" + noise(4, 9_999), True, False),
}
NUMBER_REASON = "NUM_DOSSIER: not a dossier number (letters, digits, - _ / . ; at most 32)"
CODE_REASON = "PRESTATION: not a prestation code (letters, digits, _ - . ; at most 32)"
#: Never read (spec/piaf-extract.md): must not show anywhere.
UNMAPPED = {"NOM": "N" + noise(2, 9_999), "ADRESSE": "A" + noise(3, 9_999)}
HEADER = ("NUM_DOSSIER", "NOM", *PIAF_HEADER[1:], "ADRESSE")
EXTRACT = "piaf_20250110.csv"
#: The dossier given the code as prestation; rows quarantined for the code: (line, number, column).
PRESTATION_DOSSIER = "P-1"
QUARANTINED = {(4, "S-1", "SECTION"), (5, "D-1", "DATE_PREMIERE_INFO"), (6, "E-1", "ETAT")}
XES = "{http://www.xes-standard.org/}"
YEAR = ("--from", "2025-01-01", "--to", "2025-12-31")


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


def extract(folder: Path, number: str, code: str, name: str = EXTRACT) -> Path:
    """One extract with a number and a code to test in mapped columns, in UTF-8 (for Unicode)."""
    rows = [
        piaf_row(number),
        piaf_row(PRESTATION_DOSSIER, PRESTATION=code),
        piaf_row("S-1", SECTION=code),
        piaf_row("D-1", DATE_PREMIERE_INFO=code),
        piaf_row("E-1", ETAT=code),
    ]
    for row in rows:
        row.update(UNMAPPED)
    return write_rows(folder / name, HEADER, rows, encoding="utf-8")


def table_counts(url: str) -> dict[str, int]:
    """Rows of every table casetrack writes."""
    events = "stored_events" if parse_url(url).backend == "sqlite" else "casetrack_events"
    tables = (
        events, "casetrack_row_state", "casetrack_quarantine", "dossier", "measure",
        "projection_tracking",
    )  # fmt: skip
    with engine_for(url).connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


def csv_cell(value: str) -> str:
    """How the csv module writes `value` as a cell (quoted where it must be)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([value])
    return buffer.getvalue().rstrip("\n")


def parsed(run: Run) -> list[dict[str, str]]:
    """The rows of a command's CSV output."""
    assert run.code == 0, run.err
    return list(csv.DictReader(io.StringIO(run.out)))


def run_ok(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> Run:
    """Run a command that must succeed."""
    run = cli(capsys, "--db", url, "-q", *argv)
    assert run.code == 0, (argv[0], run.err[-500:])
    return run


@pytest.mark.parametrize(
    ("number", "code", "number_kept", "code_kept"), HOSTILE.values(), ids=HOSTILE
)
def test_hostile_values_are_stored_literally_or_quarantined_and_every_command_still_runs(
    db_url: str,
    number: str,
    code: str,
    number_kept: bool,
    code_kept: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = extract(tmp_path, number, code)
    ingested = cli(capsys, "--db", db_url, "-q", "ingest", "piaf", str(path))
    assert ingested.code == 0, ingested.err[-500:]
    counts = table_counts(db_url)

    measures = run_ok(capsys, db_url, "measures", "--format", "csv")
    quarantine = run_ok(capsys, db_url, "quarantine", "--format", "csv")
    outputs = [
        measures,
        quarantine,
        run_ok(capsys, db_url, "report", *YEAR),
        run_ok(capsys, db_url, "worklist", "--overdue"),
        run_ok(capsys, db_url, "export", "eventlog", "--format", "csv"),
    ]
    # A hostile value as a filter is refused like any filter naming nothing that exists
    # (exit 2, the valid values named), never passed on to a query.
    for argv in (
        ("report", *YEAR, "--prestation", code, "--format", "csv"),
        ("worklist", "--at-risk", "--section", code, "--format", "csv"),
    ):
        refused = cli(capsys, "--db", db_url, "-q", *argv)
        assert refused.code == 2, (argv[0], refused.err[-500:])
        assert "use one of" in refused.err or "use 01 to 20, or PC" in refused.err
    xes = run_ok(capsys, db_url, "export", "eventlog", "--format", "xes")

    set_aside = {int(r["line"]): r for r in parsed(quarantine)}
    assert all(r["file"] == EXTRACT and r["reason"] for r in set_aside.values())
    assert {(n, r["dossier"], r["reason"].split(":")[0]) for n, r in set_aside.items()} >= (
        QUARANTINED
    )
    kept = {
        dossier: prestation
        for line, dossier, prestation in ((2, number, "PL"), (3, PRESTATION_DOSSIER, code.upper()))
        if line not in set_aside
    }
    assert (number in kept, PRESTATION_DOSSIER in kept) == (number_kept, code_kept), set_aside
    assert len(set_aside) == 3 + 2 - len(kept)
    if not number_kept:  # never stored, not even as the quarantine's dossier
        assert (set_aside[2]["dossier"], set_aside[2]["reason"]) == ("", NUMBER_REASON)
    if not code_kept:
        assert (set_aside[3]["dossier"], set_aside[3]["reason"]) == (
            PRESTATION_DOSSIER,
            CODE_REASON,
        )
    for value, value_kept in ((number, number_kept), (code, code_kept)):
        if not value_kept:
            assert not any(value in r["reason"] for r in set_aside.values())
    assert {(r["dossier"], r["prestation"]) for r in parsed(measures)} == set(kept.items())
    assert counts == {
        **counts, "casetrack_row_state": len(kept), "casetrack_quarantine": len(set_aside),
        "dossier": len(kept), "measure": 3 * len(kept), "projection_tracking": 1,
    }  # fmt: skip
    assert table_counts(db_url) == counts
    log = ET.fromstring(xes.out)  # noqa: S314 - our own export; parsing it checks it is well formed
    cases = log.iterfind(f"{XES}trace/{XES}string[@key='concept:name']")
    assert {case.get("value") for case in cases} == set(kept)
    if number in kept:
        history = run_ok(capsys, db_url, "dossier", number)
        assert f"Dossier {number}\n" in history.out
        assert any(line.startswith(csv_cell(number) + ",") for line in measures.out.splitlines())
        outputs.append(history)
    for run in [*outputs, xes]:
        assert not any(unmapped in run.out + run.err for unmapped in UNMAPPED.values())


def test_a_file_name_with_quotes_and_sql_is_kept_literally(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "piaf_O'Neil\"; DROP TABLE casetrack_quarantine; --_20250110.csv"
    path = extract(tmp_path, "2025-05-000001", "X", name=name)

    run_ok(capsys, db_url, "ingest", "piaf", str(path))
    quarantine = run_ok(capsys, db_url, "quarantine", "--format", "csv")

    assert {r["file"] for r in parsed(quarantine)} == {name}
    assert csv_cell(name) in quarantine.out
    assert table_counts(db_url)["casetrack_quarantine"] == 3
