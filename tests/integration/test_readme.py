"""README.md runs as written: the five-minute tour line by line, the Python API example, and
the set-up command CI uses.

Everything is read from README.md (tests/integration/readme.py), never copied here. The
tour's `casetrack` is `python -m casetrack`, as a bash function, in an empty folder and an
environment without CASETRACK_ settings, as a user who has just installed it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from casetrack.cli import build_parser
from tests.integration import readme
from tests.integration.cli_runs import Done, csv_records, xes_traces

#: The one change made to the tour: a smaller year (the README's takes a minute to ingest),
#: still with the 62 weekly files the tour announces and dossier 2025-13-000042 in them.
SMALLER_YEAR = ("--dossiers 5000", "--dossiers 1000")
ENGAGEMENTS = {"17", "18", "19"}


@dataclass(frozen=True)
class Step:
    """One tour line: as the README writes it, as it ran, and what it did."""

    line: str
    ran: str
    done: Done

    @property
    def words(self) -> list[str]:
        """The line's words, shell-split."""
        return shlex.split(self.line)

    @property
    def command(self) -> str:
        """The casetrack command the line runs (`ingest`, `report`, ...)."""
        words = self.words[1:]
        while words[0].startswith("-"):  # global options before the command
            words = words[2:] if words[0] in ("--db", "--calendar") else words[1:]
        return words[0]

    def option(self, name: str) -> str | None:
        """The value the line gives an option, if any."""
        words = self.words
        return words[words.index(name) + 1] if name in words else None


@dataclass(frozen=True)
class Tour:
    """The tour's folder and its steps, in README order."""

    folder: Path
    steps: list[Step]

    def of(self, command: str) -> list[Step]:
        """The steps that run one command."""
        return [s for s in self.steps if s.command == command]


def user_environment() -> dict[str, str]:
    """This environment without casetrack's settings: the tour names its store itself."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CASETRACK_")}


def run_line(line: str, folder: Path) -> Done:
    """Run one README line with bash, `casetrack` being this interpreter's `-m casetrack`."""
    script = f'casetrack() {{ {shlex.quote(sys.executable)} -m casetrack "$@"; }}\n{line}\n'
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=folder,
        env=user_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Done(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Tour:
    """Every `casetrack` line of the tour, run in order in one empty folder."""
    folder = tmp_path_factory.mktemp("tour")
    steps = []
    for line in readme.tour_commands():
        ran = line.replace(*SMALLER_YEAR)
        steps.append(Step(line, ran, run_line(ran, folder)))
    return Tour(folder, steps)


def test_the_tour_runs_verbatim_but_for_a_smaller_year(tour: Tour) -> None:
    old, new = SMALLER_YEAR
    assert readme.tour_block().count(old) == 1
    changed = [s for s in tour.steps if s.ran != s.line]
    assert [s.line for s in changed] == [s.line for s in tour.steps if old in s.line]
    assert all(s.ran.replace(new, old) == s.line for s in changed)


def test_every_tour_command_exits_0_without_a_traceback(tour: Tour) -> None:
    failed = {s.line: s.done.summary() for s in tour.steps if s.done.code != 0}
    assert failed == {}
    assert [s.line for s in tour.steps if "Traceback" in s.done.err] == []


def test_every_tour_command_is_checked_below(tour: Tour) -> None:
    assert {s.command for s in tour.steps} <= set(CHECKS)


def check_generate(step: Step, folder: Path) -> None:
    out = folder / str(step.option("--out"))
    announced = re.search(r"(\d+) weekly PIAF extracts and TOPVIR files", readme.tour_block())
    assert announced, "the tour no longer says how many files a year gives"
    assert len(list(out.glob("piaf_2*.csv"))) == int(announced.group(1))
    assert len(list(out.glob("topvir_*.csv"))) == int(announced.group(1))


def check_ingest(step: Step, folder: Path) -> None:
    # Each file matched by the line's glob, reported with the date its name gives.
    pattern = step.words[-1]
    files = sorted(folder.glob(pattern))
    assert files, pattern
    kind = step.words[step.words.index("ingest") + 1]
    for path in files:
        day = date.fromisoformat(re.sub(r".*_(\d{4})(\d\d)(\d\d)$", r"\1-\2-\3", path.stem))
        assert f"{path.name} ({kind}, extracted {day}):" in step.done.err
    assert "skipped" not in step.done.err


def check_quarantine(step: Step, folder: Path) -> None:
    # The synthetic files hold bad rows on purpose; the README gives the columns.
    records = csv_records(step.done.out)
    assert records, "no quarantined row"
    assert list(records[0]) == readme.table_columns("quarantine")
    assert all(int(r["line"]) > 1 and r["reason"] for r in records)


def check_dossier(step: Step, folder: Path) -> None:
    number = step.words[-1]
    out = step.done.out
    assert out.startswith(f"Dossier {number}\n")
    assert "Historique" in out
    assert "Mesures au" in out


def check_measures(step: Step, folder: Path) -> None:
    target = step.line.rsplit(">", 1)[1].strip()
    records = csv_records((folder / target).read_text(encoding="utf-8"))
    assert records
    assert list(records[0]) == readme.table_columns("measures")
    assert {r["engagement"] for r in records} == ENGAGEMENTS


def check_report(step: Step, folder: Path) -> None:
    output = step.option("--output")
    if output is not None:
        assert step.option("--format") == "html"
        page = (folder / output).read_text(encoding="utf-8")
        assert page.lstrip().lower().startswith("<!doctype html")
        assert "<table" in page
        return
    lines = step.done.out.splitlines()
    title = f"Rapport du {french(step.option('--from'))} au {french(step.option('--to'))}"
    assert lines[0].startswith(title)
    headings = {line.split()[1] for line in lines[1:] if line.startswith("Engagement ")}
    assert headings >= ENGAGEMENTS


def french(day: str | None) -> str:
    """An ISO date of the README as the reports write it: 2025-01-01 -> 01/01/2025."""
    assert day is not None
    return date.fromisoformat(day).strftime("%d/%m/%Y")


def check_worklist(step: Step, folder: Path) -> None:
    first = step.done.out.splitlines()[0]
    assert first.startswith(("Dossiers en retard au ", "Aucun dossier en retard au ")), first


def check_reaudit(step: Step, folder: Path) -> None:
    out = step.done.out
    assert out.startswith(f"Réaudit du {step.option('--from')} au {step.option('--to')}")
    assert f"connus au {step.option('--known-at')}" in out
    assert "Dossiers dont le statut a changé" in out  # --compare's second table


def check_restatements(step: Step, folder: Path) -> None:
    out = step.done.out
    title = f"Retraitements du {french(step.option('--from'))} au {french(step.option('--to'))}"
    assert out.startswith(title)
    assert f"connus au {french(step.option('--known-at'))} (K1)" in out
    found = re.search(r"Mesures retraitées : (\d+)", out)
    assert found, "no count of restated measures"
    assert int(found.group(1)) > 0  # the synthetic year enters facts late: some are restated


def check_latency(step: Step, folder: Path) -> None:
    out = step.done.out
    assert out.startswith(
        f"Latence des données du {french(step.option('--from'))} au {french(step.option('--to'))}"
    )
    assert "completed_on" not in out  # the table speaks French, not column names


def check_sample(step: Step, folder: Path) -> None:
    records = csv_records(step.done.out)
    assert records
    per_stratum: dict[str, int] = {}
    for record in records:
        per_stratum[record["stratum"]] = per_stratum.get(record["stratum"], 0) + 1
    assert max(per_stratum.values()) <= int(str(step.option("--per-section")))
    assert len({r["dossier"] for r in records}) == len(records)


def check_export(step: Step, folder: Path) -> None:
    assert step.option("--format") == "xes"
    traces = xes_traces((folder / str(step.option("--output"))).read_bytes())
    assert len(traces) > 100


CHECKS: dict[str, Callable[[Step, Path], None]] = {
    "generate": check_generate,
    "ingest": check_ingest,
    "quarantine": check_quarantine,
    "dossier": check_dossier,
    "measures": check_measures,
    "report": check_report,
    "worklist": check_worklist,
    "reaudit": check_reaudit,
    "restatements": check_restatements,
    "latency": check_latency,
    "sample": check_sample,
    "export": check_export,
}


@pytest.mark.parametrize("command", list(CHECKS))
def test_each_tour_command_writes_what_the_readme_says(tour: Tour, command: str) -> None:
    steps = tour.of(command)
    assert steps, f"the tour no longer runs {command}"
    for step in steps:
        assert step.done.code == 0, step.done.summary()
        CHECKS[command](step, tour.folder)


def test_the_python_api_example_runs_after_the_tour_and_prints_rows(
    tour: Tour, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tour.folder)
    for name in [k for k in os.environ if k.startswith("CASETRACK_")]:
        monkeypatch.delenv(name)
    code = compile(readme.api_example(), "README.md (Python API)", "exec")

    exec(code, {"__name__": "readme_example"})  # noqa: S102 - the README's own example

    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows
    assert all(len(row) == 4 for row in rows), rows[:3]
    assert {row[0] for row in rows} == ENGAGEMENTS
    assert all(int(row[2]) >= 0 for row in rows)


def test_the_python_api_example_type_checks_strictly(tmp_path: Path) -> None:
    example = tmp_path / "readme_example.py"
    example.write_text(readme.api_example(), encoding="utf-8")
    # A copy of CI's own mypy cache (`.ci/run` runs mypy first) keeps this to a second.
    cache = tmp_path / "mypy-cache"
    if (readme.ROOT / ".mypy_cache").is_dir():
        shutil.copytree(readme.ROOT / ".mypy_cache", cache)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), str(example)],
        cwd=readme.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_test_command_is_the_one_ci_runs() -> None:
    install, test = readme.setup_commands()[1].split(" && ")
    ci = (readme.ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()

    assert test in ci
    assert install.startswith("pip install ")
    installs = [line for line in ci if "pip install" in line]
    assert len(installs) == 1
    assert installs[0].endswith(install.removeprefix("pip install "))


def test_the_readme_install_command_runs_a_command_casetrack_has() -> None:
    install, run = readme.setup_commands()[0].split(" && ")
    words = shlex.split(run)

    assert install == "pip install -e ."
    assert words[0] == "casetrack"  # the script pyproject.toml installs; test_demo runs it
    assert build_parser().parse_args(words[1:]).command == "demo"
