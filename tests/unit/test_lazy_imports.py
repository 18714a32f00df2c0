"""Asking for the version or a help text loads none of the machinery the commands run on.

`casetrack --version`, `--help`, `COMMAND --help` and a refused argument build the parser of
every command, plugins included, and stop there: the store (eventsourcing's recorders,
SQLAlchemy, psycopg), the calendar (workalendar), the renderers and the ingest are imported
only when a command runs (issue 12). Checked on what a fresh interpreter has imported, never
on a clock.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from casetrack.cli import build_parser
from casetrack.helptext import leaf_parsers
from casetrack.lazy import LazyHandler
from casetrack.rules import default_rule_set
from projections import cli_constants as projection_constants
from projections.worklist_text import at_risk_help

#: Modules, and packages with all their submodules, that only a running command needs.
HEAVY = (
    "sqlalchemy",
    "psycopg",
    "psycopg_pool",
    "workalendar",
    "openpyxl",
    "eventsourcing.application",
    "eventsourcing.persistence",
    "eventsourcing.sqlite",
    "eventsourcing.postgres",
    "casetrack.application",
    "casetrack.calendar",
    "casetrack.eventstore",
    "casetrack.context",
    "casetrack.settings",
    "adapters.ingest",
    "adapters.rowstate",
    "adapters.sql_engine",
    "adapters.synthetic",
    "adapters.eventlog",
    "projections.runner",
    "projections.queries",
    "projections.reports",
    "projections.render_html",
    "projections.render_xlsx",
    "projections.restatement_handlers",
    "projections.restatement_diff",
)

#: Runs the real entry point with the arguments given; prints its exit code and the modules
#: imported.
PROBE = """
import contextlib, io, json, sys
from casetrack.entry import run
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = run(sys.argv[1:])
    except SystemExit as stop:
        code = stop.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

#: Builds the parser and formats the help of every command, as `COMMAND --help` does.
EVERY_HELP = """
import json, sys
from casetrack.cli import build_parser
from casetrack.helptext import parsers_of
parser = build_parser()
for p in [parser, *parsers_of(parser)]:
    p.format_help()
print(json.dumps({"code": 0, "modules": sorted(sys.modules)}))
"""


def run_fresh(code: str, *argv: str) -> tuple[int, list[str]]:
    """In a fresh interpreter, the exit code of `code` run with `argv`, and the modules then
    imported."""
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True
    )
    answer = json.loads(done.stdout)
    return answer["code"], answer["modules"]


def heavy_among(loaded: list[str]) -> list[str]:
    """The HEAVY modules among `loaded` (a submodule brings its package in, so this is enough)."""
    return [module for module in HEAVY if module in loaded]


@pytest.mark.parametrize(
    ("argv", "exit_code"),
    [
        (("--version",), 0),
        (("--help",), 0),
        (("report", "--help"), 0),
        (("ingest", "piaf", "--help"), 0),
        (("reaudit", "--help"), 0),
        (("restatements", "--help"), 0),
        (("latency", "--help"), 0),
        (("latency", "--from", "2025-01-01", "--to", "2025-03-31", "--by", "nope"), 2),
        (("report",), 2),  # refused: --from and --to are required
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else str(value),
)
def test_the_version_a_help_or_a_refused_argument_imports_no_heavy_module(
    argv: tuple[str, ...], exit_code: int
) -> None:
    code, loaded = run_fresh(PROBE, *argv)
    assert code == exit_code  # the parser itself answered
    assert heavy_among(loaded) == []


def test_the_help_of_every_command_imports_no_heavy_module() -> None:
    _, loaded = run_fresh(EVERY_HELP)
    assert "projections.audit" in loaded  # the plugins' commands were registered
    assert heavy_among(loaded) == []


def test_every_command_that_runs_has_a_handler_that_imports() -> None:
    handlers = [p.get_default("handler") for p in leaf_parsers(build_parser())]
    assert None not in handlers
    resolved = [h.resolve() if isinstance(h, LazyHandler) else h for h in handlers]
    assert all(callable(h) for h in resolved)


def test_the_at_risk_help_the_parser_shows_is_the_one_the_worklist_computes() -> None:
    # The parser holds a copy so that building it does not load the report engine.
    assert at_risk_help(default_rule_set()) == projection_constants.AT_RISK_HELP
