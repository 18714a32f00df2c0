"""h. The scaling curve (decade): first loads of 0.25 to 10 years of data into one store."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from benchmarks.child import ChildResult, run_child
from benchmarks.data import PER_YEAR, SCALING_YEARS, WORK, prefix_extract, scaling_extracts
from benchmarks.progress import step
from benchmarks.results import Report
from benchmarks.stores import Stores

YEARS: Final = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
#: Sizes above this many years run once: a 10-year load takes several minutes.
REPEATED_UP_TO: Final = 1.0


def extracts_for(years: float, by_year: dict[int, Path]) -> list[Path]:
    """The full extracts that make `years` of data (a prefix of the first year below one)."""
    first = by_year[SCALING_YEARS[0]]
    if years < 1:
        return [prefix_extract(first, years, WORK / "decade" / "parts")]
    return [by_year[year] for year in SCALING_YEARS[: int(years)]]


def scaling_curve(stores: Stores, runs: int, report: Report) -> None:
    """Load each size into a fresh store in a subprocess: time per event and peak RSS."""
    with step("h. preparing ten years of full extracts (generated once, then reused)"):
        by_year = scaling_extracts()
    for years in YEARS:
        files = extracts_for(years, by_year)
        repeat = runs if years <= REPEATED_UP_TO else 1
        results: list[ChildResult] = []
        for run in range(repeat):
            url = stores.fresh(f"scale-{years:g}y")
            with step(f"h. scaling: {years:g} years, run {run + 1}/{repeat}"):
                results.append(run_child(url, [("piaf", path) for path in files]))
            stores.drop(url)
        seconds = sorted(r.seconds for r in results)[len(results) // 2]
        events = results[0].events
        peak = max(r.peak_rss_mib for r in results)
        report.memory.append((f"h. first load of {years:g} years", peak))
        report.scaling.append(
            [
                f"{years:g}",
                f"{round(years * PER_YEAR):,}",
                f"{events:,}",
                str(repeat),
                f"{seconds:,.1f}",
                f"{seconds / events * 1e6:,.1f}" if events else "n/a",
                f"{events / seconds:,.0f}" if seconds else "n/a",
                f"{peak:,.0f} MiB",
            ]
        )
    report.notes.append(
        "Scaling curve: full extracts of 2016 to 2025 (150,000 dossiers each, seed = year) "
        "first-loaded one after another into one store per size; 0.25 and 0.5 years are the "
        "first quarter and half of the 2016 extract (dossiers come in filing order). Sizes "
        f"above {REPEATED_UP_TO:g} year run once (time); the median is shown otherwise."
    )
