"""`python -m benchmarks [--size small|year|decade] [--backend sqlite|postgresql] [--runs N]`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Final

from benchmarks import baselines, history, machine, user_path, workloads
from benchmarks.check import naive_check
from benchmarks.child import BATCH_VARIABLE
from benchmarks.data import WORK, year_dataset
from benchmarks.progress import log, step
from benchmarks.results import Measurement, Ratio, Report
from benchmarks.scaling import scaling_curve
from benchmarks.stores import Stores, postgres_base_url
from benchmarks.targets import evaluate, profile_misses
from casetrack.persistence import mask_url

RESULTS: Final = Path(__file__).resolve().parent / "RESULTS.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--size", choices=("small", "year", "decade"), default="small")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=3, help="runs per workload (median)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="Markdown file to append to")
    parser.add_argument(
        "--ingest-batch",
        type=int,
        help="dossiers per ingestion transaction (default: the Ingestor's own, 5,000)",
    )
    parser.add_argument(
        "--no-profile", action="store_true", help="skip the cProfile runs of missed targets"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None when either is missing or zero."""
    if not numerator or not denominator:
        return None
    return numerator / denominator


def rate(m: Measurement | None) -> float | None:
    """Events per second of a measurement, if taken."""
    return None if m is None else m.events_per_second


def add_ratios(report: Report) -> None:
    """Each workload beside its baseline."""
    get = report.find
    a, insert, b2, parse = get("a"), get("base.insert"), get("b2"), get("base.parse")
    c, read, d = get("c"), get("base.read"), get("d")
    save, project = get("base.save"), get("base.project")
    cli, cli_insert, chain, naive = get("i"), get("base.insert.cli"), get("j"), get("base.naive")
    report.ratios.extend(
        [
            Ratio(
                "first load (a) / raw insert, time per event",
                ratio(rate(insert), rate(a)),
                "target ≤ 3×",
            ),
            Ratio(
                "re-ingest unchanged (b2) / CSV parse",
                ratio(b2.median if b2 else None, parse.median if parse else None),
                "target ≤ 2×",
            ),
            Ratio(
                "rebuild (c) / raw read, time per event",
                ratio(rate(read), rate(c)),
                "target ≤ 3×",
            ),
            Ratio(
                "first load (a) / plain eventsourcing saves, events per second",
                ratio(rate(a), rate(save)),
                "> 1: casetrack's bulk first load is faster than one save per dossier",
            ),
            Ratio(
                "rebuild (c) / per-event projection, events per second",
                ratio(rate(c), rate(project)),
                "> 1: paged rebuild faster than one transaction per event",
            ),
            Ratio(
                "catch-up (d) / per-event projection, events per second",
                ratio(rate(d), rate(project)),
                "> 1: paged catch-up faster than one transaction per event",
            ),
            Ratio(
                "CLI first load (i) / raw insert of its event rows",
                ratio(cli.median if cli else None, cli_insert.median if cli_insert else None),
                "target ≤ 3×; the CLI's wall time includes process start, imports and the "
                "read-model catch-up",
            ),
            Ratio(
                "files → first report: casetrack CLI (j) / plain Python report",
                ratio(chain.median if chain else None, naive.median if naive else None),
                "target ≤ 4×; casetrack: " + (chain.note if chain else "n/a"),
            ),
        ]
    )


def describe_data(report: Report, size: str) -> None:
    """The data line of the report."""
    data = year_dataset(size)
    report.data = (
        f"Data: synthetic year {data.year}, {data.dossiers:,} dossiers, seed {data.seed}: "
        f"{len(data.piaf)} weekly dates (a PIAF extract and a TOPVIR file each) and the full "
        f"extract `{data.full.name}`."
    )


def new_report(args: argparse.Namespace) -> Report:
    """An empty report for this run, with the machine described."""
    report = Report(
        started=datetime.now().astimezone(),  # benchmarks are outside the domain: wall clock
        size=args.size,
        backend=args.backend,
        runs=args.runs,
        machine=machine.describe(),
    )
    if args.backend == "postgresql":
        report.machine.append(("PostgreSQL", mask_url(postgres_base_url())))
    return report


def run(args: argparse.Namespace, report: Report) -> None:
    """Every workload of the size, then targets and profiles of the missed ones."""
    describe_data(report, args.size)
    if args.ingest_batch:
        os.environ[BATCH_VARIABLE] = str(args.ingest_batch)
        report.notes.append(
            f"Ingestion ran with --ingest-batch {args.ingest_batch} (dossiers per transaction) "
            "instead of the Ingestor's default of 5,000."
        )
    ctx = workloads.Context(
        data=year_dataset(args.size),
        stores=Stores(args.backend, WORK / args.size / "stores"),
        runs=args.runs,
        report=report,
        scratch=WORK / args.size / "scratch",
        subset=2_000 if args.size == "small" else 20_000,
    )
    try:
        workloads.first_load(ctx)
        workloads.reingest(ctx)
        baselines.raw_insert(ctx)
        baselines.plain_save(ctx)
        workloads.weekly_and_catch_up(ctx)
        workloads.rebuild(ctx)
        baselines.raw_select(ctx)
        baselines.plain_projection(ctx)
        workloads.report_queries(ctx)
        workloads.known_at_reports(ctx)
        # Both backends: the re-audit's comparison is SQL of each backend's own.
        workloads.audit_commands(ctx)
        user_path.import_time(ctx)
        user_path.cli_first_load(ctx)
        _, fed = user_path.files_to_report(ctx)
        naive_check(ctx, fed)
        ctx.stores.drop(fed)
        if args.size == "decade":
            scaling_curve(ctx.stores, args.runs, report)
            history.flat_cost(ctx.stores, args.runs, report)
        else:
            report.notes.append(
                "The flat-cost targets (l) run with --size decade only "
                "(or alone: python -m benchmarks.history)."
            )
        add_ratios(report)
        evaluate(report)
        if not args.no_profile:
            profile_misses(ctx)
    finally:
        with step("removing the benchmark stores"):
            ctx.stores.drop_all()
            if ctx.before_last_week is not None:
                ctx.before_last_week.unlink(missing_ok=True)
    report.notes.append(
        "Fresh store per run for a, b, d and the write baselines. b and d share their runs: "
        "the weeks up to mid-year, the mid-year week, the rest but the last week, and the "
        "last week are ingested in four subprocesses, each followed by a catch-up of the "
        "read models; the catch-ups after the mid-year week and after the last week are "
        "timed alone (each includes re-evaluating open statuses at the new extraction "
        "date). The last weekly date falls in the settling weeks of the next year, when few "
        "dossiers change: the mid-year week shows a busy week. c, e, f, g run on the weekly "
        "store of the last run. Ingestion runs in subprocesses, timed inside them; peak RSS "
        "is each subprocess's own VmHWM (os.wait4 and RUSAGE_CHILDREN would count the "
        "benchmark driver's size, which Linux carries across fork and exec)."
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and append the results."""
    args = parse_args(argv)
    log(f"benchmarks: size {args.size}, backend {args.backend}, {args.runs} run(s) each")
    report = new_report(args)
    began = time.monotonic()
    try:
        run(args, report)
    except Exception as exc:
        # Keep what was measured: a long run that fails late still leaves its numbers.
        report.notes.append(f"THE RUN FAILED: {type(exc).__name__}: {exc}")
        if not report.targets:
            evaluate(report)
        raise
    finally:
        report.duration = time.monotonic() - began
        args.output.parent.mkdir(parents=True, exist_ok=True)
        report.append_to(args.output)
        log(f"results appended to {args.output} ({report.duration / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
