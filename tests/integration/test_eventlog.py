"""`casetrack export eventlog`: one line (CSV) or one event (XES) per known fact, by dossier.

Two hand-written PIAF extracts and one TOPVIR file; the expected facts are written out
below from those files, with the activity labels process-mining users see.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from casetrack.cli import main
from tests.integration.ingest_helpers import PIAF_HEADER as HEADER
from tests.integration.ingest_helpers import TOPVIR_HEADER, piaf_line

FILED_13 = piaf_line(
    "2025-13-000001",
    "13",
    "CSP",
    "02/01/2025",
    first="03/01/2025",
    second="08/01/2025",
    complete="09/01/2025",
    decided="09/01/2025",
    outcome="ACCORD",
    notified="10/01/2025",
    state="DECIDE",
)
FIRST_EXTRACT = (  # piaf_20250110.csv
    piaf_line("2025-05-000002", "05", "PL", "06/01/2025", first="07/01/2025"),
    FILED_13,
)
SECOND_EXTRACT = (  # piaf_20250117.csv: a second info and a closure, a new dossier
    piaf_line(
        "2025-05-000002",
        "05",
        "PL",
        "06/01/2025",
        first="07/01/2025",
        second="14/01/2025",
        state="CLASSE",
    ),
    FILED_13,
    piaf_line(
        "2025-20-000003",
        "20",
        "AUTRE",
        "15/01/2025",
        complete="16/01/2025",
        decided="16/01/2025",
        outcome="REJET",
        state="DECIDE",
    ),
)
TRANSFERS = ("2025-13-000001;15/01/2025;LOT-7",)  # topvir_20250117.csv

CSV_HEADER = "case:concept:name,concept:name,time:timestamp,section,prestation"
#: (dossier, activity, day) of every fact known once all three files are in, by dossier
#: then date (life-cycle order on ties: complete before decision).
ALL_FACTS = [
    ("2025-05-000002", "Dépôt", "2025-01-06"),
    ("2025-05-000002", "Première info", "2025-01-07"),
    ("2025-05-000002", "Deuxième info", "2025-01-14"),
    ("2025-05-000002", "Classement sans suite", "2025-01-17"),  # the extract reporting CLASSE
    ("2025-13-000001", "Dépôt", "2025-01-02"),
    ("2025-13-000001", "Première info", "2025-01-03"),
    ("2025-13-000001", "Deuxième info", "2025-01-08"),
    ("2025-13-000001", "Dossier complet", "2025-01-09"),
    ("2025-13-000001", "Décision ACCORD", "2025-01-09"),
    ("2025-13-000001", "Notification", "2025-01-10"),
    ("2025-13-000001", "Virement ordonné", "2025-01-15"),
    ("2025-20-000003", "Dépôt", "2025-01-15"),
    ("2025-20-000003", "Dossier complet", "2025-01-16"),
    ("2025-20-000003", "Décision REJET", "2025-01-16"),  # no notification date: no event
]
#: As known at 2025-01-10 (the first extract only): the first two facts of 2025-05-000002,
#: those of 2025-13-000001 before the transfer, and nothing of 2025-20-000003.
KNOWN_AT_FIRST = ALL_FACTS[:2] + ALL_FACTS[4:10]
SECTION_OF = {
    "2025-05-000002": ("05", "PL"),
    "2025-13-000001": ("13", "CSP"),
    "2025-20-000003": ("20", "AUTRE"),
}
XES = "{http://www.xes-standard.org/}"


def write(path: Path, header: tuple[str, ...], rows: tuple[str, ...]) -> Path:
    """A `;` file as PIAF and TOPVIR write them (CRLF, Windows-1252, row-count footer)."""
    lines = [";".join(header), *rows, f"Nombre de lignes : {len(rows)}"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def fill_store(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Ingest the two extracts and the TOPVIR file (the export reads events only)."""
    first = write(tmp_path / "piaf_20250110.csv", HEADER, FIRST_EXTRACT)
    second = write(tmp_path / "piaf_20250117.csv", HEADER, SECOND_EXTRACT)
    transfers = write(tmp_path / "topvir_20250117.csv", TOPVIR_HEADER, TRANSFERS)
    assert main(["--db", url, "-q", "ingest", "piaf", "--no-project", str(first), str(second)]) == 0
    assert main(["--db", url, "-q", "ingest", "topvir", "--no-project", str(transfers)]) == 0
    capsys.readouterr()
    return url


@pytest.fixture
def store(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A store holding the two extracts and the TOPVIR file."""
    return fill_store(db_url, tmp_path, capsys)


def export(capsys: pytest.CaptureFixture[str], url: str, *options: str) -> str:
    """What `casetrack export eventlog OPTIONS` prints."""
    capsys.readouterr()
    assert main(["--db", url, "-q", "export", "eventlog", *options]) == 0
    return capsys.readouterr().out


def csv_lines(facts: list[tuple[str, str, str]]) -> list[list[str]]:
    """The expected CSV lines of some facts (timestamps at midnight)."""
    return [[case, what, f"{day}T00:00:00", *SECTION_OF[case]] for case, what, day in facts]


def xes_traces(path: Path) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """(case, section, prestation, [(activity, timestamp)]) of each trace of an XES file."""
    root = ET.parse(path).getroot()  # noqa: S314 - our own export, not untrusted input
    assert root.tag == f"{XES}log"
    traces = []
    for trace in root.findall(f"{XES}trace"):
        attributes = {s.get("key"): s.get("value") for s in trace.findall(f"{XES}string")}
        events = [
            (
                event.find(f"{XES}string[@key='concept:name']").get("value"),  # type: ignore[union-attr]
                event.find(f"{XES}date[@key='time:timestamp']").get("value"),  # type: ignore[union-attr]
            )
            for event in trace.findall(f"{XES}event")
        ]
        traces.append(
            (
                attributes["concept:name"],
                attributes["section"],
                attributes["prestation"],
                events,
            )
        )
    return traces


def expected_traces(
    facts: list[tuple[str, str, str]],
) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """One trace per dossier of some facts, events in order, timestamps as XES dates."""
    traces: dict[str, list[tuple[str, str]]] = {}
    for case, what, day in facts:
        traces.setdefault(case, []).append((what, f"{day}T00:00:00.000+00:00"))
    return [(case, *SECTION_OF[case], events) for case, events in traces.items()]


def test_csv_has_the_process_mining_header_and_one_line_per_known_fact(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = export(capsys, store, "--format", "csv")
    assert out.splitlines()[0] == CSV_HEADER
    assert list(csv.reader(io.StringIO(out)))[1:] == csv_lines(ALL_FACTS)


def test_csv_known_at_keeps_only_the_facts_known_then(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = export(capsys, store, "--format", "csv", "--known-at", "2025-01-10")
    assert list(csv.reader(io.StringIO(out)))[1:] == csv_lines(KNOWN_AT_FIRST)


def test_xes_is_well_formed_with_one_trace_per_dossier(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.xes"
    export(capsys, store, "--format", "xes", "--output", str(path))
    assert xes_traces(path) == expected_traces(ALL_FACTS)


def test_xes_known_at_keeps_only_the_facts_known_then(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.xes"
    export(capsys, store, "--format", "xes", "--known-at", "2025-01-10", "--output", str(path))
    assert xes_traces(path) == expected_traces(KNOWN_AT_FIRST)


#: Run apart: importing pm4py changes the warning filters of the whole process.
PM4PY_READER = """
import json, sys
import pandas, pm4py
xes, table = sys.argv[1:3]
for frame in (pm4py.read_xes(xes), pm4py.format_dataframe(pandas.read_csv(table, dtype=str))):
    events = zip(frame["case:concept:name"], frame["concept:name"], frame["time:timestamp"])
    facts = [[case, what, stamp.date().isoformat()] for case, what, stamp in events]
    starts = pm4py.get_start_activities(frame)
    print("READ", json.dumps({"facts": facts, "starts": starts}))
"""


def test_pm4py_reads_both_exports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if importlib.util.find_spec("pm4py") is None:
        pytest.skip("pm4py is not installed (pip install pm4py)")
    url = fill_store(f"sqlite:///{tmp_path / 'store.sqlite'}", tmp_path, capsys)
    xes, table = tmp_path / "log.xes", tmp_path / "log.csv"
    export(capsys, url, "--format", "xes", "--output", str(xes))
    export(capsys, url, "--format", "csv", "--output", str(table))

    run = subprocess.run(
        [sys.executable, "-c", PM4PY_READER, str(xes), str(table)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    read = [json.loads(line[5:]) for line in run.stdout.splitlines() if line.startswith("READ ")]
    expected = {"facts": [list(fact) for fact in ALL_FACTS], "starts": {"Dépôt": 3}}
    assert read == [expected, expected]
