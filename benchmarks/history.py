"""l. Flat cost as history grows (decade): the same new year into a one- and a ten-year store.

`python -m benchmarks.history [--backend sqlite|postgresql] [--runs N] [--output FILE]
[--fraction F] [--weeks N]` runs this part alone and appends its section to FILE; the
last two options reduce the size for a quicker run (a cut of every full extract, fewer
weekly dates).

A one-year store holds the 2025 full extract; a ten-year store the full extracts of 2016
to 2025, loaded in order (both built untimed, once). The timed work is newer than both
histories and the same on both: (b) the 2026 weekly PIAF and TOPVIR files dated after the
2025 full extract, in date order; (a) the 2026 full extract (mostly new dossiers). Each
timed run writes into a fresh copy of the built store, in a subprocess (Ingestor only,
timed inside it, as in workloads a and b), one-year and ten-year runs interleaved.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Final

from attrs import frozen

from benchmarks.child import run_child
from benchmarks.data import (
    PER_YEAR,
    SCALING_YEARS,
    WORK,
    Dataset,
    dataset,
    extraction_date,
    prefix_extract,
    scaling_extracts,
)
from benchmarks.machine import describe
from benchmarks.progress import step
from benchmarks.results import Measurement, Report, Target, table, targets_table
from benchmarks.stores import Stores
from benchmarks.workloads import Files, weekly_files
from casetrack.application import DossierTracker
from casetrack.reporting import ReportQuery
from projections import queries
from projections.runner import ReadModels

NEW_YEAR: Final = 2026
CEILING: Final = 1.25
#: Issue 13: the cost of a report as known at K follows the period asked, not the history.
KNOWN_AT_CEILING: Final = 1.5
#: (key, name, years of full extracts the store holds).
SIZES: Final = (("1y", "one-year", SCALING_YEARS[-1:]), ("10y", "ten-year", SCALING_YEARS))
WORKLOADS: Final = {
    "b": "weekly ingests",
    "a": "first load of a year",
}
RESULTS: Final = Path(__file__).resolve().parent / "RESULTS.md"


@frozen
class History:
    """A built store, untouched by the timed runs, which write into copies of it."""

    url: str
    events: int


def new_year() -> Dataset:
    """2026, generated once: weekly PIAF and TOPVIR files and the full extract of March 2027."""
    directory = WORK / "decade" / str(NEW_YEAR) / "data"
    return dataset(directory, year=NEW_YEAR, dossiers=PER_YEAR, seed=NEW_YEAR)


def history_extracts(fraction: float) -> dict[int, Path]:
    """The full extracts of 2016 to 2025; with fraction < 1, the first part of each."""
    by_year = scaling_extracts()
    if fraction >= 1:
        return by_year
    parts = WORK / "decade" / "parts"
    return {year: prefix_extract(path, fraction, parts) for year, path in by_year.items()}


def key_of(workload: str, size: str) -> str:
    """The measurement key of a workload ("a" or "b") on a store size ("1y" or "10y")."""
    return f"l.{workload}.{size}"


@frozen
class Scale:
    """How much of the data a run takes: all of it, or a reduced size for a quicker run."""

    #: The first part of each full extract kept (history years and the new year's).
    fraction: float = 1.0
    #: The new year's weekly dates ingested (None: every date after the history).
    weeks: int | None = None

    def describe(self) -> str:
        """What was cut, for the section (empty at full size)."""
        cuts = []
        if self.fraction < 1:
            cuts.append(f"every full extract cut to its first {self.fraction:.0%}")
        if self.weeks is not None:
            cuts.append(f"the first {self.weeks} weekly dates only")
        return f" **Reduced size**: {'; '.join(cuts)}." if cuts else ""


def flat_cost(stores: Stores, runs: int, report: Report, scale: Scale | None = None) -> None:
    """Build both stores, time (b) then (a) on copies of each, add a section to the report."""
    scale = scale or Scale()
    with step("l. preparing the full extracts of 2016 to 2025 and the 2026 files"):
        by_year = history_extracts(scale.fraction)
        year = new_year()
    after = extraction_date(by_year[SCALING_YEARS[-1]])
    weeks = [week for week in weekly_files(year) if extraction_date(week[0][1]) > after]
    weekly: Files = [item for week in weeks[: scale.weeks] for item in week]
    full = year.full
    if scale.fraction < 1:
        full = prefix_extract(full, scale.fraction, WORK / "decade" / "parts")
    work: dict[str, Files] = {"b": weekly, "a": [("piaf", full)]}
    histories: dict[str, History] = {}
    for size, name, years in SIZES:
        url = stores.fresh(f"history-{size}", cloneable=True)
        with step(f"l. building the {name} store, {len(years)} full extract(s) (untimed)"):
            built = run_child(url, [("piaf", by_year[y]) for y in years])
            # The read models too, so that each copy only catches up with what it ingests.
            catch_up(url)
        report.memory.append((f"l. building the {name} store", built.peak_rss_mib))
        histories[size] = History(url, built.events)
    pasts = [extraction_date(piaf) for (_, piaf), _ in weeks[: scale.weeks]][1::4]
    reports = {
        size: report.add(
            Measurement(
                f"m.{size}",
                f"m. report of {NEW_YEAR} by engagement and sector as known at a past K, "
                f"in a {name} store",
                rows_rate=False,
                note="K: " + ", ".join(d.isoformat() for d in pasts),
            )
        )
        for size, name, _ in SIZES
    }
    measurements = {
        key_of(w, size): report.add(
            Measurement(
                key_of(w, size),
                f"l. {WORKLOADS[w]} of {NEW_YEAR} into a {name} store (Ingestor only)",
                note=f"store of {histories[size].events:,} events before",
                parts={"events in the store before": histories[size].events},
            )
        )
        for w in work
        for size, name, _ in SIZES
    }
    for run in range(runs):
        for w, files in work.items():
            # Alternate which store goes first: a drifting machine then favours neither.
            sizes = SIZES if run % 2 == 0 else SIZES[::-1]
            for size, name, _ in sizes:
                last = run == runs - 1 and w == "a"
                # The last run of the last workload may consume the built store itself.
                url = histories[size].url if last else stores.clone(histories[size].url, "copy")
                with step(f"l. {WORKLOADS[w]} into the {name} store, run {run + 1}/{runs}"):
                    result = run_child(url, files)
                if w == "b":
                    with step(f"m. {NEW_YEAR} as known at past dates, the {name} store"):
                        known_at_reports(url, pasts, reports[size])
                stores.drop(url)
                m = measurements[key_of(w, size)]
                m.seconds.append(result.seconds)
                m.events, m.rows = result.events, result.rows
                if run == 0:
                    label = f"l. {WORKLOADS[w]} into the {name} store"
                    report.memory.append((label, result.peak_rss_mib))
    lines = section(report, full, after, len(weekly) // 2, scale)
    report.sections.append(("Flat cost as history grows", lines))
    report.notes.append(NOTE)


def catch_up(url: str) -> None:
    """Bring a store's read models up to date (untimed)."""
    tracker = DossierTracker(url)
    ReadModels(tracker).catch_up()
    tracker.close()


def known_at_reports(url: str, pasts: list[date], m: Measurement) -> None:
    """Time the new year's report by engagement and sector as known at each past date.

    The read models catch up first, untimed: the ingest before ran without them.
    """
    catch_up(url)
    for known_at in pasts:
        query = ReportQuery(
            start=date(NEW_YEAR, 1, 1),
            end=date(NEW_YEAR, 12, 31),
            as_of=known_at,
            by=("engagement", "section"),
        )
        started = time.perf_counter()
        rows = queries.report(url, query, known_at)
        m.seconds.append(time.perf_counter() - started)
        m.rows = len(rows)


NOTE: Final = (
    "l. Flat cost: a one-year store (the 2025 full extract) and a ten-year store (the full "
    "extracts of 2016 to 2025 in order) are built once, untimed; each timed run ingests into "
    "a fresh copy of one (SQLite: a file copy; PostgreSQL: CREATE DATABASE ... TEMPLATE), "
    "in a subprocess timed inside it, one-year and ten-year runs interleaved."
)


def per_event(m: Measurement | None) -> float | None:
    """Median seconds per event written, if measured."""
    if m is None or not m.seconds or not m.events:
        return None
    return m.median / m.events


def section(report: Report, full: Path, after: date, dates: int, scale: Scale) -> list[str]:
    """The table of µs per event on each store, and the ratio ten-year / one-year."""
    rows = []
    for w, name in WORKLOADS.items():
        one, ten = (report.find(key_of(w, size)) for size, _, _ in SIZES)
        for size, m in (("one-year", one), ("ten-year", ten)):
            if m is None:
                continue
            cost = per_event(m)
            rows.append(
                [
                    name,
                    size,
                    f"{int(m.parts['events in the store before']):,}",
                    f"{m.events or 0:,}",
                    str(len(m.seconds)),
                    f"{m.median:,.2f} s",
                    "n/a" if cost is None else f"{cost * 1e6:,.1f}",
                ]
            )
        ratio = _ratio(one, ten)
        rows.append([name, "**ten-year / one-year**", "", "", "", "", _times(ratio)])
    return [
        f"History: full extracts of {SCALING_YEARS[0]} to {SCALING_YEARS[-1]}, {PER_YEAR:,} "
        f"dossiers each, seed = year. Timed work: {NEW_YEAR} ({PER_YEAR:,} dossiers, seed "
        f"{NEW_YEAR}), weekly files dated after {after} ({dates} dates, PIAF then TOPVIR per "
        f"date), then its full extract `{full.name}`, each into a fresh copy of the built "
        f"store.{scale.describe()}",
        "",
        *table(
            ("workload", "store", "events before", "events written", "runs", "median", "µs/event"),
            rows,
        ),
    ]


def _ratio(one: Measurement | None, ten: Measurement | None) -> float | None:
    small, large = per_event(one), per_event(ten)
    return None if small is None or large is None else large / small


def _times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}×"


def targets(report: Report) -> list[Target]:
    """≤ 1.25× the one-year store's time per event, for (b) and (a); a report as known at
    K ≤ 1.5× its time on the one-year store: decade only."""
    found = []
    one_report, ten_report = report.find("m.1y"), report.find("m.10y")
    label = "report as known at K in a ten-year store ≤ 1.5× in a one-year store"
    if one_report is None or ten_report is None or not one_report.seconds:
        found.append(Target(label, "n/a (--size decade only)", None, "m.10y"))
    else:
        ratio = ten_report.median / one_report.median
        measured = f"{ratio:.2f}× ({ten_report.median:.3f} / {one_report.median:.3f} s)"
        found.append(Target(label, measured, ratio <= KNOWN_AT_CEILING, "m.10y"))
    for w, name in WORKLOADS.items():
        label = f"flat cost: {name} into a ten-year store ≤ 1.25× a one-year store (time per event)"
        one, ten = (report.find(key_of(w, size)) for size, _, _ in SIZES)
        ratio = _ratio(one, ten)
        if ratio is None or one is None or ten is None:
            found.append(Target(label, "n/a (--size decade only)", None, key_of(w, "10y")))
            continue
        small, large = per_event(one) or 0.0, per_event(ten) or 0.0
        why = (
            f"ingestion alone (timed inside the subprocess, process start excluded) takes "
            f"{large * 1e6:.1f} µs/event on the ten-year store "
            f"({int(ten.parts['events in the store before']):,} events) against "
            f"{small * 1e6:.1f} on the one-year store "
            f"({int(one.parts['events in the store before']):,} events): the same files cost "
            "more as the store grows"
        )
        found.append(
            Target(label, f"{ratio:.2f}× ({large * 1e6:.1f} / {small * 1e6:.1f} µs/event)",
                   ratio <= CEILING, key_of(w, "10y"), why)
        )  # fmt: skip
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the flat-cost part alone and append its section."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.history", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=1, help="timed runs per store (median)")
    parser.add_argument(
        "--fraction",
        type=float,
        default=1.0,
        help="reduced size: keep this first part of every full extract (default: all)",
    )
    parser.add_argument(
        "--weeks",
        type=int,
        help="reduced size: ingest only the first N weekly dates (default: all)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="Markdown file to append to")
    args = parser.parse_args(argv)
    if args.runs < 1 or not 0 < args.fraction <= 1 or (args.weeks is not None and args.weeks < 1):
        parser.error("--runs and --weeks must be at least 1, --fraction in (0, 1]")
    started = datetime.now().astimezone()  # benchmarks are outside the domain: wall clock
    report = Report(started, "decade", args.backend, args.runs, describe())
    stores = Stores(args.backend, WORK / "decade" / "stores")
    try:
        flat_cost(stores, args.runs, report, Scale(args.fraction, args.weeks))
    finally:
        with step("removing the benchmark stores"):
            stores.drop_all()
    minutes = (datetime.now().astimezone() - started).total_seconds() / 60
    lines = [
        f"## {started:%Y-%m-%d %H:%M %Z} — flat cost as history grows, backend `{args.backend}`, "
        f"{args.runs} run(s) (`python -m benchmarks.history`)",
        "",
        f"Whole run: {minutes:.1f} min (store builds included).",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in report.machine) + ".",
        "",
    ]
    for title, body in report.sections:
        lines += [f"### {title}", "", *body, ""]
    memory = [[k, f"{v:,.0f} MiB"] for k, v in report.memory]
    lines += ["### Peak memory (subprocess RSS)", "", *table(("ingestion", "peak RSS"), memory), ""]
    lines += ["### Targets", "", *targets_table(targets(report)), ""]
    lines += ["### Notes", "", *(f"- {n}" for n in report.notes), ""]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("a", encoding="utf-8") as out:
        out.write("\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
