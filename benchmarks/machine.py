"""What machine a benchmark ran on: CPU, cores, memory, Python and library versions."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Final

LIBRARIES: Final = ("eventsourcing", "sqlalchemy", "workalendar", "psycopg")


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (the platform's name elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float | None:
    """Total memory in GiB from /proc/meminfo, or None when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / (1024 * 1024)
    except OSError:
        pass
    return None


def library_version(name: str) -> str:
    """An installed distribution's version, or `absent`."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def code_version() -> str:
    """The casetrack commit benchmarked ($CASETRACK_BENCH_COMMIT, else git), or `unknown`."""
    given = os.environ.get("CASETRACK_BENCH_COMMIT")
    if given:
        return given
    try:
        done = subprocess.run(
            ["git", "-C", str(Path(__file__).resolve().parents[1]), "describe", "--always",
             "--dirty"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


def describe() -> list[tuple[str, str]]:
    """(label, value) lines describing this machine and its software."""
    memory = memory_gib()
    lines = [
        ("CPU", cpu_model()),
        ("cores", str(os.cpu_count() or "unknown")),
        ("memory", f"{memory:.1f} GiB" if memory is not None else "unknown"),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("casetrack commit", code_version()),
    ]
    lines += [(name, library_version(name)) for name in LIBRARIES]
    try:
        import sqlite3

        lines.append(("SQLite", sqlite3.sqlite_version))
    except ImportError:  # pragma: no cover - CPython always has it
        pass
    return lines
