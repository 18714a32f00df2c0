"""How `generate`, `demo` and `export` run: synthetic data, the demo year, the event log.

Imported when one of them runs (casetrack.lazy); their parsers are in adapters.demo.
"""

from __future__ import annotations

import argparse
import io
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from attrs import evolve

from adapters.commands import AFTER_INGEST
from adapters.demo import DEMO_DATA, DEMO_DB
from adapters.eventlog import write_csv, write_xes
from adapters.eventlog_activities import log_lines
from adapters.ingest import Ingestor
from adapters.summary import IngestSummary
from adapters.synthetic import generate
from casetrack.application import DossierTracker
from casetrack.clocks import clock_of
from casetrack.console import output_stream, say
from casetrack.context import CommandContext
from casetrack.errors import InputRefused
from casetrack.progress import Progress
from casetrack.report_summary import human_report
from casetrack.report_text import write_blocks
from casetrack.report_words import french_date, placement_note, report_title
from casetrack.reporting import ReportQuery, build_report


def writable_folder(out: Path) -> None:
    """Refuse, before writing anything, a --out that is a file or cannot be written."""
    if out.exists() and not out.is_dir():
        msg = f"--out {out}: is a file; give a folder (created if missing)"
        raise InputRefused(msg)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".casetrack-write-test"
        probe.touch()
        probe.unlink()
    except OSError as error:
        msg = f"--out {out}: cannot write there ({error.strerror}); choose another folder"
        raise InputRefused(msg) from None


def cmd_generate(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Write synthetic files."""
    writable_folder(args.out)
    files = _generate(args.out, args.year, args.dossiers, args.seed, args.full_extract, args.quiet)
    say(
        f"wrote {len(files.piaf)} PIAF extracts and {len(files.topvir)} TOPVIR files to "
        f"{args.out}" + (f", and {files.full.name}" if files.full else "")
    )
    return 0


def _generate(out: Path, year: int, dossiers: int, seed: int, full: bool, quiet: bool) -> Any:
    progress = Progress("generate", dossiers, unit="dossiers", enabled=not quiet)

    def advance(done: int, _total: int) -> None:
        progress.advance(done - progress.done)

    files = generate(
        out, year=year, dossiers=dossiers, seed=seed, full_extract=full, progress=advance
    )
    progress.finish()
    return files


def cmd_demo(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Generate, ingest and report a demo year in an embedded SQLite file."""
    url = args.db or f"sqlite:///{DEMO_DB}"
    if args.db is None:
        for suffix in ("", "-wal", "-shm", ".lock"):
            Path(DEMO_DB + suffix).unlink(missing_ok=True)
        say(f"demo store: {DEMO_DB} (started afresh), data files in {DEMO_DATA}/")
    ctx.settings = evolve(ctx.settings, db=url)  # the demo's own store unless --db names one
    files = _generate(DEMO_DATA, args.year, args.dossiers, args.seed, False, args.quiet)
    tracker = ctx.tracker(write=True)
    ingestor = Ingestor(tracker)
    # Files of one day: the PIAF extract first, so the transfers find their dossiers.
    ordered = sorted(
        [(p, "piaf") for p in files.piaf] + [(p, "topvir") for p in files.topvir],
        key=lambda item: (item[0].name.rsplit("_", 1)[1], item[1] != "piaf"),
    )
    total = sum(_count_lines(path) for path, _ in ordered)
    progress = Progress("ingest", total, enabled=not args.quiet)
    summaries: list[IngestSummary] = []
    for path, kind in ordered:
        ingest = ingestor.ingest_piaf if kind == "piaf" else ingestor.ingest_topvir
        summary = ingest(path)
        summaries.append(summary)
        progress.advance(summary.rows_read)
    progress.finish()
    _say_totals(summaries)
    for hook in entry_points(group=AFTER_INGEST):
        hook.load()(tracker, quiet=args.quiet)
    print_summary(tracker, args.year)
    say(f"\nnext: casetrack --db {url} report --from {args.year}-01-01 --to {args.year}-12-31")
    return 0


def _count_lines(path: Path) -> int:
    with path.open("rb") as stream:
        return max(sum(1 for _ in stream) - 2, 0)


def _say_totals(summaries: list[IngestSummary]) -> None:
    events = sum(s.events for s in summaries)
    say(
        f"ingested {len(summaries)} files: {sum(s.rows_read for s in summaries):,} rows, "
        f"{sum(s.dossiers_created for s in summaries):,} dossiers, {events:,} events, "
        f"{sum(s.corrections for s in summaries):,} corrections, "
        f"{sum(s.unchanged_rows for s in summaries):,} unchanged rows, "
        f"{sum(s.quarantined_rows for s in summaries):,} quarantined rows "
        "(casetrack quarantine lists them)"
    )


def print_summary(tracker: DossierTracker, year: int) -> None:
    """The year's compliance as `casetrack report` prints it: engagement × sector, each
    engagement with its limit, units and total, as known now."""
    as_of = tracker.default_as_of() or date(year, 12, 31)
    query = ReportQuery(
        start=date(year, 1, 1),
        end=date(year, 12, 31),
        as_of=as_of,
        by=("engagement", "section"),
    )
    triples = [
        (facts.section, facts.prestation, clock_of(facts, engagement, tracker.calendar))
        for facts in tracker.all_facts()
        for engagement in tracker.rule_set.ordered
    ]
    report = human_report(query, build_report(query, triples), triples, tracker.rule_set)
    out = io.StringIO()
    out.write(f"\n{report_title(query, None)}\n")
    write_blocks(report.blocks, out)
    out.write(f"\n{placement_note(query, french_date(as_of))}\n")
    print_lines(out.getvalue().rstrip("\n").split("\n"))


def print_lines(lines: list[str]) -> None:
    """Print report lines on stdout."""
    with output_stream(None) as out:
        out.write("\n".join(lines) + "\n")


def cmd_export_eventlog(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Write the event log for process-mining tools."""
    tracker = ctx.tracker()  # opened for reading: the export writes nothing to the store
    # From the stored events, not the read models: they keep neither corrections nor the
    # date each fact became known.
    lines = log_lines(tracker.iter_events(), known_at=args.known_at, history=args.history)
    with output_stream(args.output) as out:
        count = (write_xes if args.format == "xes" else write_csv)(lines, out)
    if args.output and not args.quiet:
        say(f"wrote {count:,} events to {args.output}")
    return 0
