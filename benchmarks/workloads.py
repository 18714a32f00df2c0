"""The timed workloads a to g of the benchmark, each the median of several runs."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from attrs import define, evolve, field

from adapters.errors import RowError
from adapters.piaf_reader import PiafReader
from benchmarks.child import ChildResult, new_ingestor, run_child
from benchmarks.data import Dataset
from benchmarks.progress import log, step
from benchmarks.results import Measurement, Report
from benchmarks.stores import Stores
from casetrack.application import DossierTracker
from casetrack.cli import main as casetrack_main
from casetrack.reporting import ReportQuery
from projections import queries
from projections.runner import ReadModels

Files = list[tuple[str, Path]]


@define
class Context:
    """What every workload needs: the data, fresh stores, the run count, the report."""

    data: Dataset
    stores: Stores
    runs: int
    report: Report
    scratch: Path
    #: Store kept after the first loads (a), and the weekly store with read models (b, d).
    loaded_url: str = ""
    weekly_url: str = ""
    #: Dossiers saved, or events projected, one by one in the plain eventsourcing baselines.
    subset: int = 20_000
    #: SQLite copy of the weekly store before its last week, for profiling the catch-up.
    before_last_week: Path | None = None
    results: dict[str, Any] = field(factory=dict)

    @property
    def year_start(self) -> date:
        """First day of the benchmark year."""
        return date(self.data.year, 1, 1)

    @property
    def year_end(self) -> date:
        """Last day of the benchmark year."""
        return date(self.data.year, 12, 31)


def timed(function: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """Seconds taken by one call, and its result."""
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def weekly_files(data: Dataset) -> list[Files]:
    """The weekly files date by date: that date's PIAF extract, then its TOPVIR file."""
    return [[("piaf", p), ("topvir", t)] for p, t in zip(data.piaf, data.topvir, strict=True)]


def _memory(ctx: Context, label: str, result: ChildResult) -> None:
    ctx.report.memory.append((label, result.peak_rss_mib))


def first_load(ctx: Context) -> Measurement:
    """a. The full extract into an empty store, Ingestor only (`--no-project`)."""
    m = ctx.report.add(
        Measurement("a", "a. first load: one full extract into an empty store (Ingestor only)")
    )
    for run in range(ctx.runs):
        url = ctx.stores.fresh("first-load")
        with step(f"a. first load, run {run + 1}/{ctx.runs}"):
            result = run_child(url, [("piaf", ctx.data.full)])
        m.seconds.append(result.seconds)
        m.events, m.rows = result.events, result.rows
        _memory(ctx, f"a. first load, run {run + 1}", result)
        if ctx.loaded_url:
            ctx.stores.drop(ctx.loaded_url)
        ctx.loaded_url = url
    return m


def reingest(ctx: Context) -> tuple[Measurement, Measurement]:
    """b2. The full extract's rows again, unchanged, beside parsing the CSV alone.

    The same file again is skipped by its content hash (nothing read), so each run
    ingests a re-export of it dated a week later: every row is read, found unchanged,
    and its dossier noted as listed on the new date.
    """
    again = ctx.report.add(
        Measurement("b2", "b2. re-ingest of the unchanged full extract (a later re-export)")
    )
    parse = ctx.report.add(
        Measurement("base.parse", "CSV parse alone: PiafReader.raw_rows() + convert of every row")
    )
    tracker = DossierTracker(ctx.loaded_url)
    ingestor = new_ingestor(tracker)
    copies = ctx.stores.root / "re-exports"
    copies.mkdir(parents=True, exist_ok=True)
    with step("b2. re-ingest and CSV parse"):
        for run in range(ctx.runs):
            later = ctx.data.full_date + timedelta(weeks=run + 1)
            copy = copies / f"piaf_full_{later:%Y%m%d}.csv"
            shutil.copyfile(ctx.data.full, copy)
            seconds, summary = timed(ingestor.ingest_piaf, copy)
            if summary.events or summary.skipped:
                msg = f"re-ingest wrote {summary.events} events: the benchmark expects none"
                raise RuntimeError(msg)
            again.seconds.append(seconds)
            again.rows = summary.rows_read
            seconds, rows = timed(parse_extract, ctx.data.full)
            parse.seconds.append(seconds)
            parse.rows = rows
    tracker.close()
    return again, parse


def parse_extract(path: Path) -> int:
    """Read and convert every row of a PIAF extract; return the number of rows."""
    reader = PiafReader(path)
    rows = 0
    for raw in reader.raw_rows():
        rows += 1
        try:
            reader.convert(raw)
        except RowError:
            continue
    return rows


def weekly_and_catch_up(ctx: Context) -> tuple[Measurement, Measurement, Measurement]:
    """b. The weekly files in order; d. the catch-up after one weekly extract, alone.

    Each run starts from an empty store. The weeks are ingested in three subprocesses
    (up to mid-year, the rest but the last week, the last week); after each, the read
    models are caught up. The catch-ups after the mid-year week and after the last week
    are timed (the others are not); b is the sum of the ingestions.
    """
    weeks = weekly_files(ctx.data)
    middle = ctx.data.dates.index(mid_year_date(ctx))
    b = ctx.report.add(
        Measurement(
            "b",
            "b. weekly extracts in order, PIAF then TOPVIR per date (Ingestor only)",
            note=f"{len(weeks)} weekly dates, {2 * len(weeks)} files",
        )
    )
    d = ctx.report.add(
        Measurement("d", "d. catch-up of the read models after the last weekly extract")
    )
    d_mid = ctx.report.add(
        Measurement(
            "d.mid",
            "d. catch-up after a mid-year weekly extract (same runs)",
            note=f"extract of {ctx.data.dates[middle]}",
        )
    )
    parts = [
        [item for week in weeks[:middle] for item in week],
        weeks[middle],
        [item for week in weeks[middle + 1 : -1] for item in week],
        weeks[-1],
    ]
    for run in range(ctx.runs):
        url = ctx.stores.fresh("weekly")
        ingested: list[ChildResult] = []
        with step(f"b. weekly ingest and d. catch-ups, run {run + 1}/{ctx.runs}"):
            for index, files in enumerate(parts):
                if index == 3 and run == ctx.runs - 1 and ctx.stores.backend == "sqlite":
                    ctx.before_last_week = copy_sqlite(url, ctx.scratch / "before-last-week.sqlite")
                ingested.append(run_child(url, files))
                tracker = DossierTracker(url)
                seconds, result = timed(ReadModels(tracker).catch_up)
                tracker.close()
                timed_part = {1: d_mid, 3: d}.get(index)
                if timed_part is not None:
                    timed_part.seconds.append(seconds)
                    timed_part.events = result.events
                log(
                    f"   {len(files) // 2} dates ingested in {ingested[-1].seconds:.1f} s, "
                    f"catch-up of {result.events:,} events in {seconds:.2f} s"
                    + ("" if timed_part else " (untimed)")
                )
        b.seconds.append(sum(r.seconds for r in ingested))
        b.events = sum(r.events for r in ingested)
        b.rows = sum(r.rows for r in ingested)
        _memory(ctx, f"b. weekly, run {run + 1}", max(ingested, key=lambda r: r.peak_rss_mib))
        if ctx.weekly_url:
            ctx.stores.drop(ctx.weekly_url)
        ctx.weekly_url = url
    return b, d, d_mid


def copy_sqlite(url: str, target: Path) -> Path:
    """A consistent copy of an SQLite store (backup API)."""
    import sqlite3

    source_path = url.split(":///", 1)[1]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    with copy:
        source.backup(copy)
    copy.close()
    source.close()
    return target


def rebuild(ctx: Context) -> Measurement:
    """c. A full rebuild of the read models of the weekly store."""
    m = ctx.report.add(Measurement("c", "c. full read-model rebuild (ReadModels.rebuild)"))
    tracker = DossierTracker(ctx.weekly_url)
    models = ReadModels(tracker)
    for run in range(ctx.runs):
        with step(f"c. rebuild, run {run + 1}/{ctx.runs}"):
            seconds, result = timed(models.rebuild)
        m.seconds.append(seconds)
        m.events = result.events
        m.note = f"{result.dossiers:,} dossiers"
    tracker.close()
    return m


def year_query(ctx: Context, as_of: date) -> ReportQuery:
    """The year by sector and month, all engagements."""
    return ReportQuery(
        start=ctx.year_start,
        end=ctx.year_end,
        as_of=as_of,
        by=("engagement", "section", "period"),
        period="month",
    )


def report_queries(ctx: Context) -> list[Measurement]:
    """e. Report queries and the measures export, from the read models."""
    url = ctx.weekly_url
    tracker = DossierTracker(url)
    as_of = tracker.default_as_of()
    assert as_of is not None
    query = year_query(ctx, as_of)
    cases: list[tuple[str, str, Callable[[], Any]]] = [
        ("e.year", "e. report: the year by sector and month, all engagements",
         lambda: queries.report(url, query)),
        ("e.sector", "e. report: one sector (section 13), by engagement and month",
         lambda: queries.report(url, evolve(query, section="13"))),
        ("e.measures", "e. per-dossier measures export (list(queries.measures))",
         lambda: list(queries.measures(url, tracker.rule_set, tracker.calendar, as_of))),
    ]  # fmt: skip
    found = []
    with step("e. report queries"):
        for key, label, call in cases:
            m = ctx.report.add(Measurement(key, label, rows_rate=False))
            for _ in range(ctx.runs):
                seconds, result = timed(call)
                m.seconds.append(seconds)
                m.rows = len(result)
            found.append(m)
    tracker.close()
    return found


def known_at_dates(ctx: Context) -> list[date]:
    """The weekly extraction dates nearest the end of each quarter: past Ks to re-audit at."""
    ends = [date(ctx.data.year, month, 28) for month in (3, 6, 9, 12)]
    return [min(ctx.data.dates, key=lambda d, end=end: abs((d - end).days)) for end in ends]


def known_at_reports(ctx: Context) -> tuple[Measurement, Measurement]:
    """m. The year by engagement and sector as known now, and as known at past dates.

    `queries.report`, in process, as `report --by engagement,section` and `reaudit` read
    it: the known-now report from `measure`, each past one from `measure_version` as known
    at K and evaluated at K. Runs interleave the two, so a noisy machine slows both.
    """
    url = ctx.weekly_url
    tracker = DossierTracker(url)
    as_of = tracker.default_as_of()
    assert as_of is not None
    tracker.close()
    query = evolve(year_query(ctx, as_of), by=("engagement", "section"))
    pasts = known_at_dates(ctx)
    now = ctx.report.add(
        Measurement(
            "m.now", "m. report of the year by engagement and sector, as known now", rows_rate=False
        )
    )
    past = ctx.report.add(
        Measurement(
            "m.past",
            "m. the same report as known at a past K (median over the Ks and runs)",
            rows_rate=False,
            note="K: " + ", ".join(d.isoformat() for d in pasts),
        )
    )
    with step("m. reports as known now and at past dates"):
        for _ in range(ctx.runs):
            seconds, rows = timed(queries.report, url, query)
            now.seconds.append(seconds)
            now.rows = len(rows)
            for known_at in pasts:
                seconds, rows = timed(queries.report, url, evolve(query, as_of=known_at), known_at)
                past.seconds.append(seconds)
                past.rows = len(rows)
    return now, past


def mid_year_date(ctx: Context) -> date:
    """The weekly extraction date nearest 30 June."""
    middle = date(ctx.data.year, 6, 30)
    return min(ctx.data.dates, key=lambda d: abs((d - middle).days))


def reaudit_args(ctx: Context, output: Path) -> list[str]:
    """`casetrack reaudit --compare` of the year known at mid-year, as JSON."""
    return [
        "--db", ctx.weekly_url, "-q", "reaudit",
        "--from", ctx.year_start.isoformat(), "--to", ctx.year_end.isoformat(),
        "--known-at", mid_year_date(ctx).isoformat(), "--compare",
        "--format", "json", "--output", str(output),
    ]  # fmt: skip


def sample_args(ctx: Context, output: Path) -> list[str]:
    """`casetrack sample` of the year, five dossiers per sector, seed 1."""
    return [
        "--db", ctx.weekly_url, "-q", "sample",
        "--from", ctx.year_start.isoformat(), "--to", ctx.year_end.isoformat(),
        "--per-section", "5", "--seed", "1", "--output", str(output),
    ]  # fmt: skip


def command(args: list[str]) -> None:
    """Run one casetrack command; raise when it fails."""
    code = casetrack_main(args)
    if code != 0:
        msg = f"casetrack {' '.join(args[3:5])} exited with {code}"
        raise RuntimeError(msg)


def audit_commands(ctx: Context) -> tuple[Measurement, Measurement]:
    """f. A re-audit known at mid-year with --compare; g. an audit sample."""
    known_at = mid_year_date(ctx)
    f = ctx.report.add(
        Measurement(
            "f",
            "f. re-audit of the year known at mid-year, --compare (casetrack reaudit)",
            note=f"known at {known_at}",
        )
    )
    g = ctx.report.add(
        Measurement(
            "g", "g. audit sample, 5 per sector, seed 1 (casetrack sample)", rows_rate=False
        )
    )
    ctx.scratch.mkdir(parents=True, exist_ok=True)
    output = ctx.scratch / "command-output.txt"
    for run in range(ctx.runs):
        with step(f"f. re-audit, run {run + 1}/{ctx.runs}"):
            seconds, _ = timed(command, reaudit_args(ctx, output))
        f.seconds.append(seconds)
        with step(f"g. sample, run {run + 1}/{ctx.runs}"):
            seconds, _ = timed(command, sample_args(ctx, output))
        g.seconds.append(seconds)
        g.rows = max(len(output.read_text(encoding="utf-8").splitlines()) - 1, 0)
    return f, g
