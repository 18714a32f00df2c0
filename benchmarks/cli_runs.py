"""The `casetrack` command run as a user runs it: the installed script, in its own process.

The store is given the way a user's job gives it, in `CASETRACK_DB`; wall time runs from
before the process starts to after it exits, so interpreter start, imports and the
read-model catch-up of `casetrack ingest` are all inside it. What the command says on
stderr (its per-file summaries and the catch-up's progress) splits that time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from attrs import frozen

from casetrack.settings import DB_VARIABLE

#: `  rows read 3,000 in 0.3 s (10,331 rows/s)`: one line per ingested file's summary.
_ROWS_READ: Final = re.compile(r"^\s+rows read ([\d,]+) in ([\d,.]+) s \(([\d,]+) rows/s\)$", re.M)
#: `  events 14,868 (Closed 127, ...)`: the events a file's ingestion wrote.
_EVENTS: Final = re.compile(r"^\s+events ([\d,]+)", re.M)
#: The catch-up's last progress line: `read models: 14,871 events / 14,871 (100%), 27,620
#: events/s, 0.5 s` (lines drawn while it runs end with "s left" and are not matched).
_CATCH_UP: Final = re.compile(
    r"^read models: ([\d,]+) events(?: / [\d,]+ \(\d+%\))?, ([\d,]+) events/s, ([\d,.]+) s$", re.M
)
#: `import time:       872 |      22906 | casetrack.cli` (microseconds; the name indented).
_IMPORT: Final = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)$", re.M)


@frozen
class CliRun:
    """One finished `casetrack` process: its wall time and what it wrote."""

    seconds: float
    stdout: str
    stderr: str

    @property
    def ingest_seconds(self) -> float | None:
        """Seconds the ingestion of the files took, from the command's own summaries."""
        found = _ROWS_READ.findall(self.stderr)
        if not found:
            return None
        # rows / rate is finer than the summary's seconds, printed to a tenth.
        return sum(
            _number(rows) / _number(rate) if _number(rate) else _number(seconds)
            for rows, seconds, rate in found
        )

    @property
    def catch_up_seconds(self) -> float | None:
        """Seconds the read-model catch-up took (its last progress line), if it ran."""
        found = _CATCH_UP.findall(self.stderr)
        if not found:
            return None
        events, rate, seconds = found[-1]
        return _number(events) / _number(rate) if _number(rate) else _number(seconds)

    @property
    def events(self) -> int:
        """Events the ingestion wrote, summed over the files."""
        return sum(int(_number(n)) for n in _EVENTS.findall(self.stderr))

    @property
    def rows(self) -> int:
        """Rows the ingestion read, summed over the files."""
        return sum(int(_number(rows)) for rows, _, _ in _ROWS_READ.findall(self.stderr))


@frozen
class ImportTime:
    """One module of `python -X importtime`: its own and cumulative microseconds."""

    module: str
    depth: int
    self_us: int
    cumulative_us: int


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def casetrack_script() -> str:
    """The installed `casetrack` script of this interpreter (what `pip install -e .` made)."""
    beside = Path(sys.executable).with_name("casetrack")
    if beside.exists():
        return str(beside)
    # A version manager's shim would add its own start-up time: the script is preferred.
    found = shutil.which("casetrack")
    if found is None:
        msg = "no `casetrack` command installed: run `pip install -e .` first"
        raise RuntimeError(msg)
    return found


def user_environment(url: str | None) -> dict[str, str]:
    """This environment without casetrack's own variables, plus `CASETRACK_DB` if given."""
    # A closure calendar or cipher key set in the driver's shell would change the work done.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRACK_")}
    if url is not None:
        env[DB_VARIABLE] = url
    return env


def run_cli(args: Sequence[str], url: str | None, cwd: Path) -> CliRun:
    """Run `casetrack ARGS` with the store in `CASETRACK_DB`; raise if it fails."""
    command = [casetrack_script(), *args]
    cwd.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    done = subprocess.run(
        command, env=user_environment(url), cwd=cwd, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        msg = (
            f"casetrack {' '.join(args[:2])} exited with {done.returncode}:\n{done.stderr[-2000:]}"
        )
        raise RuntimeError(msg)
    return CliRun(seconds, done.stdout, done.stderr)


def import_times(args: Sequence[str], url: str | None, cwd: Path) -> list[ImportTime]:
    """Every import of `python -X importtime -m casetrack ARGS`, lazy ones included."""
    cwd.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "casetrack", *args],
        env=user_environment(url),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        msg = (
            f"python -X importtime -m casetrack {' '.join(args[:2])} exited with {done.returncode}"
        )
        raise RuntimeError(msg)
    return [
        ImportTime(name, len(indent) // 2, int(own), int(cumulative))
        for own, cumulative, indent, name in _IMPORT.findall(done.stderr)
    ]


def total_seconds(imports: Sequence[ImportTime]) -> float:
    """Seconds spent importing: the cumulative times of the top-level imports, summed."""
    return sum(i.cumulative_us for i in imports if i.depth == 0) / 1e6
