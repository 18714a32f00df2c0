"""Hand-written PIAF extracts and a TOPVIR file, and the event log docs/eventlog.md says they give.

Three weekly extracts and one TOPVIR file: the second extract adds a second info, a
closure and a new dossier; the third corrects a first info, a prestation and an outcome,
and empties a second info and a closure. The expected events below are written out from
these files and the doc's rules, by hand.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest

from adapters.sql_engine import engine_for
from casetrack.cli import main
from tests.conftest import drop_postgres_schema, new_postgres_schema, postgres_base_url
from tests.integration.ingest_helpers import PIAF_HEADER, TOPVIR_HEADER, piaf_line

FILED_13 = {
    "first": "03/01/2025",
    "second": "08/01/2025",
    "complete": "09/01/2025",
    "decided": "09/01/2025",
    "outcome": "ACCORD",
    "notified": "10/01/2025",
    "state": "DECIDE",
}
EXTRACTS = {
    "piaf_20250110.csv": (
        piaf_line("2025-05-000002", "05", "PL", "06/01/2025", first="07/01/2025"),
        piaf_line("2025-13-000001", "13", "CSP", "02/01/2025", **FILED_13),
    ),
    "piaf_20250117.csv": (  # a second info and a closure; a new dossier, rejected
        piaf_line(
            "2025-05-000002", "05", "PL", "06/01/2025",
            first="07/01/2025", second="14/01/2025", state="CLASSE",
        ),
        piaf_line("2025-13-000001", "13", "CSP", "02/01/2025", **FILED_13),
        piaf_line(
            "2025-20-000003", "20", "AUTRE", "15/01/2025",
            complete="16/01/2025", decided="16/01/2025", outcome="REJET", state="DECIDE",
        ),
    ),
    "piaf_20250124.csv": (
        # First info corrected, second info emptied, no longer CLASSE.
        piaf_line("2025-05-000002", "05", "PL", "06/01/2025", first="08/01/2025"),
        # Prestation corrected; a PIAF transfer date later than TOPVIR's changes nothing.
        piaf_line("2025-13-000001", "13", "PLF", "02/01/2025", ordered="20/01/2025", **FILED_13),
        # Outcome corrected, and now notified.
        piaf_line(
            "2025-20-000003", "20", "AUTRE", "15/01/2025", complete="16/01/2025",
            decided="16/01/2025", outcome="ACCORD", notified="21/01/2025", state="DECIDE",
        ),
    ),
}  # fmt: skip
TOPVIR = {"topvir_20250117.csv": ("2025-13-000001;15/01/2025;LOT-7",)}


class Event(NamedTuple):
    """One expected event: what the CSV and XES hold, dates as ISO days."""

    case: str
    activity: str
    day: str
    known_on: str
    fact: str
    change: str = "recorded"
    source: str = "piaf"

    @property
    def dated_by(self) -> str:
        """The doc's rule: closures and clearings are dated by the extraction date."""
        if self.fact == "closed" or self.change == "cleared":
            return "extraction_date"
        return "business_date"


def _events(case: str, *rows: tuple[str, ...]) -> list[Event]:
    return [Event(case, *row) for row in rows]


#: `--history` once every file is in: each dossier's events by date, life-cycle order on a
#: day, then the order they became known.
HISTORY = [
    *_events(
        "2025-05-000002",
        ("Dépôt", "2025-01-06", "2025-01-10", "filed"),
        ("Première info", "2025-01-07", "2025-01-10", "first_info"),
        ("Correction première info", "2025-01-08", "2025-01-24", "first_info", "corrected"),
        ("Deuxième info", "2025-01-14", "2025-01-17", "second_info"),
        # Dated by the extract that first reported CLASSE.
        ("Classement sans suite", "2025-01-17", "2025-01-17", "closed"),
        # Clearings are dated by the extract that showed the fact empty.
        ("Effacement deuxième info", "2025-01-24", "2025-01-24", "second_info", "cleared"),
        ("Effacement classement sans suite", "2025-01-24", "2025-01-24", "closed", "cleared"),
    ),
    *_events(
        "2025-13-000001",
        ("Dépôt", "2025-01-02", "2025-01-10", "filed"),
        ("Correction dépôt", "2025-01-02", "2025-01-24", "filed", "corrected"),
        ("Première info", "2025-01-03", "2025-01-10", "first_info"),
        ("Deuxième info", "2025-01-08", "2025-01-10", "second_info"),
        ("Dossier complet", "2025-01-09", "2025-01-10", "completed"),
        ("Décision ACCORD", "2025-01-09", "2025-01-10", "decided"),
        ("Notification", "2025-01-10", "2025-01-10", "notified"),
        ("Virement ordonné", "2025-01-15", "2025-01-17", "ordered", "recorded", "topvir"),
    ),
    *_events(
        "2025-20-000003",
        ("Dépôt", "2025-01-15", "2025-01-17", "filed"),
        ("Dossier complet", "2025-01-16", "2025-01-17", "completed"),
        ("Décision REJET", "2025-01-16", "2025-01-17", "decided"),
        ("Correction décision ACCORD", "2025-01-16", "2025-01-24", "decided", "corrected"),
        ("Notification", "2025-01-21", "2025-01-24", "notified"),
    ),
]

#: The default log once every file is in: one event per fact in force, plainly labelled,
#: with the `change` and `known_on` of its value.
CURRENT = [
    *_events(
        "2025-05-000002",
        ("Dépôt", "2025-01-06", "2025-01-10", "filed"),
        ("Première info", "2025-01-08", "2025-01-24", "first_info", "corrected"),
    ),
    *_events(
        "2025-13-000001",
        ("Dépôt", "2025-01-02", "2025-01-24", "filed", "corrected"),
        ("Première info", "2025-01-03", "2025-01-10", "first_info"),
        ("Deuxième info", "2025-01-08", "2025-01-10", "second_info"),
        ("Dossier complet", "2025-01-09", "2025-01-10", "completed"),
        ("Décision ACCORD", "2025-01-09", "2025-01-10", "decided"),
        ("Notification", "2025-01-10", "2025-01-10", "notified"),
        ("Virement ordonné", "2025-01-15", "2025-01-17", "ordered", "recorded", "topvir"),
    ),
    *_events(
        "2025-20-000003",
        ("Dépôt", "2025-01-15", "2025-01-17", "filed"),
        ("Dossier complet", "2025-01-16", "2025-01-17", "completed"),
        ("Décision ACCORD", "2025-01-16", "2025-01-24", "decided", "corrected"),
        ("Notification", "2025-01-21", "2025-01-24", "notified"),
    ),
]

#: The default log as known on 2025-01-17, before the third extract.
CURRENT_JAN_17 = [
    *_events(
        "2025-05-000002",
        ("Dépôt", "2025-01-06", "2025-01-10", "filed"),
        ("Première info", "2025-01-07", "2025-01-10", "first_info"),
        ("Deuxième info", "2025-01-14", "2025-01-17", "second_info"),
        ("Classement sans suite", "2025-01-17", "2025-01-17", "closed"),
    ),
    *_events(
        "2025-13-000001",
        ("Dépôt", "2025-01-02", "2025-01-10", "filed"),
        ("Première info", "2025-01-03", "2025-01-10", "first_info"),
        ("Deuxième info", "2025-01-08", "2025-01-10", "second_info"),
        ("Dossier complet", "2025-01-09", "2025-01-10", "completed"),
        ("Décision ACCORD", "2025-01-09", "2025-01-10", "decided"),
        ("Notification", "2025-01-10", "2025-01-10", "notified"),
        ("Virement ordonné", "2025-01-15", "2025-01-17", "ordered", "recorded", "topvir"),
    ),
    *_events(
        "2025-20-000003",
        ("Dépôt", "2025-01-15", "2025-01-17", "filed"),
        ("Dossier complet", "2025-01-16", "2025-01-17", "completed"),
        # No notification date: no Notification event.
        ("Décision REJET", "2025-01-16", "2025-01-17", "decided"),
    ),
]
#: As known on 2025-01-10 (the first extract only): nothing of 2025-20-000003 yet.
CURRENT_JAN_10 = CURRENT_JAN_17[:2] + CURRENT_JAN_17[4:10]

#: (section, prestation) of each dossier once every file is in, and on 2025-01-17.
CASE_ATTRIBUTES = {
    "2025-05-000002": ("05", "PL"),
    "2025-13-000001": ("13", "PLF"),
    "2025-20-000003": ("20", "AUTRE"),
}
CASE_ATTRIBUTES_JAN_17 = {**CASE_ATTRIBUTES, "2025-13-000001": ("13", "CSP")}

#: docs/eventlog.md, "Columns and attributes", in order.
CSV_COLUMNS = [
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "dated_by",
    "known_on",
    "fact",
    "change",
    "source",
    "case:section",
    "case:prestation",
]


def stamp(day: str) -> str:
    """Midnight in Paris of a January day: winter time, UTC+1."""
    assert day.startswith("2025-01-")
    return f"{day}T00:00:00+01:00"


def csv_rows(events: list[Event], attributes: dict[str, tuple[str, str]]) -> list[list[str]]:
    """The CSV lines the doc gives for some events."""
    return [
        [
            *(e.case, e.activity, stamp(e.day), e.dated_by, stamp(e.known_on)),
            *(e.fact, e.change, e.source, *attributes[e.case]),
        ]
        for e in events
    ]


def known_by(events: list[Event], day: str) -> list[Event]:
    """The events whose value was known on `day`."""
    return [e for e in events if date.fromisoformat(e.known_on) <= date.fromisoformat(day)]


def _write(path: Path, header: tuple[str, ...], rows: tuple[str, ...]) -> Path:
    """A `;` file as PIAF and TOPVIR write them (CRLF, Windows-1252, row-count footer)."""
    lines = [";".join(header), *rows, f"Nombre de lignes : {len(rows)}"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def fill_store(url: str, folder: Path) -> str:
    """Ingest the files through the command line week by week, as a site does.

    Each week's PIAF extract, then that week's TOPVIR file: the TOPVIR order of the 17th
    is known before the extract of the 24th, whose later transfer date then changes nothing.
    """
    files = [("piaf", PIAF_HEADER, name, rows) for name, rows in EXTRACTS.items()]
    files += [("topvir", TOPVIR_HEADER, name, rows) for name, rows in TOPVIR.items()]
    for kind, header, name, rows in sorted(files, key=lambda f: (f[2][-12:], f[0])):
        path = _write(folder / name, header, rows)
        assert main(["--db", url, "-q", "ingest", kind, "--no-project", str(path)]) == 0
    return url


@contextmanager
def backend_url(backend: str, folder: Path) -> Iterator[str]:
    """An empty store on a backend, for a fixture wider than one test (db_url is per test)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'store.sqlite'}"
        return
    base = postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL tests need a server: set CASETRACK_TEST_POSTGRES_URL")
    url, schema = new_postgres_schema(base)
    try:
        yield url
    finally:
        engine_for(url).dispose()  # its pooled connections, before the schema goes
        drop_postgres_schema(base, schema)


def shared_store(request: pytest.FixtureRequest, factory: pytest.TempPathFactory) -> Iterator[str]:
    """The filled store of one backend (`request.param`), shared by a module's read tests."""
    with backend_url(request.param, factory.mktemp("eventlog")) as url:
        yield fill_store(url, factory.mktemp("files"))


XES = "{http://www.xes-standard.org/}"
Trace = tuple[str, str, str, list[tuple[str, ...]]]


def xes_traces(path: Path) -> list[Trace]:
    """(case, section, prestation, [event attributes]) of each trace of an XES file.

    An event's attributes come in the CSV's order: concept:name, time:timestamp, dated_by,
    known_on, fact, change, source.
    """
    root = ET.parse(path).getroot()  # noqa: S314 - our own export, not untrusted input
    assert root.tag == f"{XES}log"
    traces = []
    for trace in root.findall(f"{XES}trace"):
        case = {s.get("key"): s.get("value", "") for s in trace.findall(f"{XES}string")}
        events = []
        for event in trace.findall(f"{XES}event"):
            values = {a.get("key"): a.get("value", "") for a in event}
            kinds = {a.get("key"): a.tag.removeprefix(XES) for a in event}
            assert kinds == EVENT_TYPES
            events.append(tuple(values[key] for key in EVENT_TYPES))
        traces.append((case["concept:name"], case["section"], case["prestation"], events))
    return traces


#: XES type of each event attribute (docs/eventlog.md), in the CSV's order.
EVENT_TYPES = {
    "concept:name": "string",
    "time:timestamp": "date",
    "dated_by": "string",
    "known_on": "date",
    "fact": "string",
    "change": "string",
    "source": "string",
}


def expected_traces(events: list[Event], attributes: dict[str, tuple[str, str]]) -> list[Trace]:
    """One trace per dossier of some events, in order, dates as the doc writes them."""
    traces: dict[str, list[tuple[str, ...]]] = {}
    for e in events:
        row = (e.activity, stamp(e.day), e.dated_by, stamp(e.known_on), e.fact, e.change, e.source)
        traces.setdefault(e.case, []).append(row)
    return [(case, *attributes[case], rows) for case, rows in traces.items()]
