"""`casetrack generate`, `casetrack demo` and `casetrack export`: synthetic data and exports.

Only their parsers: the handlers (adapters.demo_handlers) are imported when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from casetrack.arguments import iso_date, positive_int
from casetrack.lazy import LazyHandler

#: The module of these commands' handlers, imported when one runs.
HANDLERS: Final = "adapters.demo_handlers"
DEMO_DB: Final = "casetrack-demo.sqlite"
DEMO_DATA: Final = Path("casetrack-demo-data")


def register(commands: Any) -> None:
    """Add `generate`, `demo` and `export` to the `casetrack` parser."""
    p = commands.add_parser(
        "generate",
        help="write a synthetic year of PIAF and TOPVIR files",
        description="Write a synthetic year as a site receives it: weekly PIAF extracts "
        "(piaf_AAAAMMJJ.csv) and TOPVIR transfer files (topvir_AAAAMMJJ.csv) into --out. "
        "Reads and writes no store.",
    )
    p.add_argument("--year", type=int, required=True, help="the year the dossiers are filed in")
    p.add_argument(
        "--dossiers", type=positive_int, default=120_000, help="how many dossiers to file"
    )
    p.add_argument("--seed", type=int, default=2025, help="same seed, same files")
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder to write the files into (created if missing)",
    )
    p.add_argument(
        "--full-extract",
        action="store_true",
        help="also write one full extract of every dossier at the end (piaf_full_AAAAMMJJ.csv)",
    )
    p.set_defaults(handler=LazyHandler(HANDLERS, "cmd_generate"))

    p = commands.add_parser(
        "demo",
        help="generate a demo year, ingest it, print the compliance",
        description=f"Generate a synthetic year into {DEMO_DATA}/, ingest it into "
        f"{DEMO_DB} (started afresh; into --db instead if given) and print the year's "
        "compliance by engagement and sector.",
    )
    p.add_argument(
        "--dossiers", type=positive_int, default=20_000, help="how many dossiers to file"
    )
    p.add_argument("--year", type=int, default=2025, help="the year the dossiers are filed in")
    p.add_argument("--seed", type=int, default=2025, help="same seed, same year")
    p.set_defaults(handler=LazyHandler(HANDLERS, "cmd_demo"))

    p = commands.add_parser(
        "export",
        help="exports for other tools",
        description="Exports of the store for other tools: `export eventlog` for process mining.",
    )
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True, help="what to export")
    e = what.add_parser(
        "eventlog",
        help="one line per fact, for process-mining tools",
        description="One line per fact of every dossier (case, activity, date), read from "
        "the event store, for process-mining tools (PM4Py, Disco): CSV or XES, to stdout "
        "or --output; --history adds every correction and clearing. Columns and dates: "
        "docs/eventlog.md.",
    )
    e.add_argument("--format", choices=("csv", "xes"), default="csv", help="output format")
    e.add_argument(
        "--known-at",
        type=iso_date,
        metavar="AAAA-MM-JJ",
        help="only facts known on or before this date (default: every fact)",
    )
    e.add_argument(
        "--history",
        action="store_true",
        help="every change of every fact: corrections and clearings as their own activities "
        "(default: the facts in force, one event each)",
    )
    e.add_argument("--output", metavar="FILE", help="write to this file instead of stdout")
    e.set_defaults(handler=LazyHandler(HANDLERS, "cmd_export_eventlog"))
