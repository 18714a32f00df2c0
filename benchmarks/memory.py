"""Peak memory of ingestion alone: `python -m benchmarks.memory [--size ...] [--backend ...]`.

Each ingestion runs in its own subprocess started from this small driver, which reports
its own VmHWM: the first load of the year's full extract, the whole year's weekly files,
and (decade) the first loads of 0.25 to 10 years. One run each; durations are shown but
the full benchmark's medians are the ones to quote.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from benchmarks.child import ChildResult, run_child
from benchmarks.data import PER_YEAR, WORK, scaling_extracts, year_dataset
from benchmarks.machine import describe
from benchmarks.progress import step
from benchmarks.results import table
from benchmarks.scaling import YEARS, extracts_for
from benchmarks.stores import Stores
from benchmarks.targets import PEAK_RSS_MIB
from benchmarks.workloads import weekly_files

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def measure(size: str, backend: str) -> list[tuple[str, ChildResult]]:
    """Every ingestion of the size, each in a fresh store and its own subprocess."""
    data = year_dataset(size)
    stores = Stores(backend, WORK / size / "stores")
    cases = [
        ("a. first load of the year's full extract", [("piaf", data.full)]),
        (
            f"b. the year's {len(data.piaf)} weekly dates (PIAF then TOPVIR), one process",
            [item for week in weekly_files(data) for item in week],
        ),
    ]
    if size == "decade":
        by_year = scaling_extracts()
        cases += [
            (f"h. first load of {years:g} years ({round(years * PER_YEAR):,} dossiers)",
             [("piaf", path) for path in extracts_for(years, by_year)])
            for years in YEARS
        ]  # fmt: skip
    found = []
    try:
        for label, files in cases:
            url = stores.fresh("memory")
            with step(f"memory: {label}"):
                found.append((label, run_child(url, files)))
            stores.drop(url)
    finally:
        stores.drop_all()
    return found


def markdown(size: str, backend: str, found: list[tuple[str, ChildResult]]) -> str:
    """The dated section of the measurements."""
    peak = max(r.peak_rss_mib for _, r in found)
    rows = [
        [label, f"{r.peak_rss_mib:,.0f} MiB", f"{r.events:,}", f"{r.seconds:,.1f} s"]
        for label, r in found
    ]
    status = "met" if peak < PEAK_RSS_MIB else "**missed**"
    return "\n".join(
        [
            f"## {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} — peak memory of ingestion, "
            f"size `{size}`, backend `{backend}` (`python -m benchmarks.memory`)",
            "",
            "Machine: " + "; ".join(f"{k} {v}" for k, v in describe()) + ".",
            "",
            "Each ingestion in its own subprocess, started from a small driver; peak RSS is "
            "the subprocess's VmHWM. One run each (durations for reference only).",
            "",
            *table(("ingestion", "peak RSS", "events", "time"), rows),
            "",
            *table(
                ("target", "measured", "status"),
                [["memory: ingest peak RSS < 300 MB at any size", f"max {peak:,.0f} MiB", status]],
            ),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Measure and append the section."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__)
    parser.add_argument("--size", choices=("small", "year", "decade"), default="small")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    found = measure(args.size, args.backend)
    with args.output.open("a", encoding="utf-8") as out:
        out.write("\n" + markdown(args.size, args.backend, found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
