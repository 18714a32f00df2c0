"""The plain Python report set beside casetrack's, on the same files: same numbers, and time."""

from __future__ import annotations

from typing import Any

from benchmarks import naive_report
from benchmarks.progress import log, step
from benchmarks.results import Measurement, Ratio
from benchmarks.workloads import Context, timed
from casetrack.application import DossierTracker
from casetrack.reporting import ReportQuery, ReportRow
from projections import queries


def casetrack_row(row: ReportRow) -> tuple[Any, ...]:
    """A casetrack report row in the naive report's shape."""
    rate = None if row.rate is None else f"{row.rate:.4f}"
    return (
        row.engagement, row.section, row.measured, row.met, row.breached, rate,
        row.median, row.p90, row.max, row.open_pending, row.open_overdue, row.invalid,
    )  # fmt: skip


def naive_check(ctx: Context, url: str) -> bool:
    """Compare casetrack's report with the naive one, on a store the CLI fed the same files.

    `url` holds the full extract and every TOPVIR file, ingested by `casetrack ingest` with
    its read-model catch-up (workload j): the numbers checked are those a user gets.
    """
    data = ctx.data
    tracker = DossierTracker(url)
    as_of = tracker.default_as_of()
    tracker.close()
    if as_of != data.full_date:
        msg = f"casetrack's default as_of {as_of} is not the full extract's date {data.full_date}"
        raise RuntimeError(msg)
    query = ReportQuery(
        start=ctx.year_start, end=ctx.year_end, as_of=data.full_date, by=("engagement", "section")
    )
    ours = ctx.report.add(
        Measurement(
            "check.casetrack",
            "check: casetrack report by engagement and section, fed the full extract",
            rows_rate=False,
        )
    )
    naive = ctx.report.add(
        Measurement(
            "base.naive",
            "plain Python report from the full extract + TOPVIR files (csv module, "
            "workalendar day by day)",
            rows_rate=False,
        )
    )
    rows: list[tuple[Any, ...]] = []
    expected: list[tuple[Any, ...]] = []
    with step("check: both reports"):
        for _ in range(ctx.runs):
            seconds, found = timed(lambda: queries.report(url, query))
            ours.seconds.append(seconds)
            rows = [casetrack_row(r) for r in found]
            seconds, expected = timed(
                lambda: naive_report.report(
                    naive_report.load(data.full, data.full_date, data.topvir),
                    ctx.year_start,
                    ctx.year_end,
                    data.full_date,
                )
            )
            naive.seconds.append(seconds)
    ours.rows = naive.rows = len(expected)
    ctx.report.ratios.append(
        Ratio(
            "plain Python report / casetrack report query",
            naive.median / ours.median,
            "the query alone, read models already built",
        )
    )
    same = rows == expected
    header = ("engagement", "sector", "measured", "met", "breached", "rate", "median", "p90",
              "max", "open_pending", "open_overdue", "invalid")  # fmt: skip
    lines = [
        f"Query: {ctx.year_start} to {ctx.year_end} by engagement and section, as of "
        f"{data.full_date} (the full extract's date); casetrack fed `{data.full.name}` then "
        f"the {len(data.topvir)} TOPVIR files by `casetrack ingest` (the store of j's last run).",
        "",
        f"**{'Same numbers' if same else 'NUMBERS DIFFER'}**: {len(expected)} naive rows, "
        f"{len(rows)} casetrack rows.",
    ]
    if not same:
        only_naive = [r for r in expected if r not in rows]
        only_ours = [r for r in rows if r not in expected]
        lines += ["", "```text", "columns: " + ",".join(header)]
        lines += [f"naive only:     {r}" for r in only_naive]
        lines += [f"casetrack only: {r}" for r in only_ours]
        lines += ["```"]
        log("check: the naive report and casetrack's DIFFER:")
        for line in lines:
            log("  " + line)
    ctx.report.check = lines
    return same
