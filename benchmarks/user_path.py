"""i, j, k. The command line as a user runs it: real `casetrack` processes, wall time.

i. `casetrack ingest piaf` of a 60,000-dossier full extract (about a CASVP year) into an
   empty store, beside the raw driver writing the same event rows;
j. from files to the first report: `casetrack ingest piaf` (full extract), `casetrack
   ingest topvir` (every TOPVIR file), `casetrack report` (the year), into an empty store;
k. `casetrack --version`: process start and the command's imports, and the slowest imports.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Final

from benchmarks.baselines import EventRow, driver_name, raw_insert_once, read_event_rows
from benchmarks.cli_runs import CliRun, import_times, run_cli, total_seconds
from benchmarks.data import PER_YEAR, Dataset, prefix_extract
from benchmarks.progress import step
from benchmarks.results import Measurement, Report, Target, duration, table
from benchmarks.workloads import Context

#: Dossiers of the CLI first load at full size: about a year of the CASVP (issue 12).
CLI_LOAD_DOSSIERS: Final = 60_000
LOAD_CEILING: Final = 3.0
REPORT_CEILING: Final = 4.0
VERSION_RUNS: Final = 10
TOP_IMPORTS: Final = 10
#: The share of the full extract the import probe ingests: the imports do not grow with it.
PROBE_FRACTION: Final = 0.01
VERSION_IMPORTS: Final = "imports of `--version`"
INGEST_IMPORTS: Final = "imports of `ingest piaf`"
#: Names of the parts of a CLI run's time, as the notes and the targets' "why" say them.
START: Final = "process start + imports"
INGEST: Final = "ingest"
CATCH_UP: Final = "read-model catch-up"
OTHER: Final = "other (opening the store, locks, exit)"
CATCH_UPS: Final = "of which read-model catch-ups"


def import_time(ctx: Context) -> Measurement:
    """k. `casetrack --version` several times; the slowest imports in a section.

    The imports of `casetrack ingest piaf` (a tiny extract into an empty store) are
    counted too: the command imports its machinery only once it runs, so `--version`
    alone says little of what an ingest waits for before its first row.
    """
    m = ctx.report.add(
        Measurement(
            "k",
            "k. `casetrack --version`: process start and the command's imports",
            rows_rate=False,
        )
    )
    with step(f"k. casetrack --version, {VERSION_RUNS} runs, and -X importtime"):
        for _ in range(VERSION_RUNS):
            m.seconds.append(run_cli(["--version"], None, ctx.scratch).seconds)
        version = import_times(["--version"], None, ctx.scratch)
        url = ctx.stores.fresh("import-probe")
        tiny = prefix_extract(ctx.data.full, PROBE_FRACTION, ctx.data.full.parent / "parts")
        ingest = import_times(["ingest", "piaf", str(tiny)], url, ctx.scratch)
        ctx.stores.drop(url)
    m.parts = {VERSION_IMPORTS: total_seconds(version), INGEST_IMPORTS: total_seconds(ingest)}
    m.note = "; ".join(f"{name} {duration(s)}" for name, s in m.parts.items())
    top = sorted(version, key=lambda i: i.cumulative_us, reverse=True)[:TOP_IMPORTS]
    rows = [
        [
            f"`{i.module}`",
            str(i.depth),
            f"{i.cumulative_us / 1000:,.1f}",
            f"{i.self_us / 1000:,.1f}",
        ]
        for i in top
    ]
    ctx.report.sections.append(
        (
            "Import time of the command",
            [
                f"`casetrack --version`, median of {VERSION_RUNS} runs: {duration(m.median)} "
                "(process start to exit). Under `python -X importtime`, `casetrack --version` "
                f"imports for {duration(m.parts[VERSION_IMPORTS])} and `casetrack ingest piaf` "
                f"of a {PROBE_FRACTION:.0%} extract for {duration(m.parts[INGEST_IMPORTS])} "
                "(top-level imports summed; the instrumentation adds a little). The top "
                f"{TOP_IMPORTS} imports of `python -X importtime -m casetrack --version` by "
                "cumulative time (one run; a module's cumulative time includes the imports "
                "nested under it, depth 0 is imported by the interpreter or the entry point):",
                "",
                *table(("module", "depth", "cumulative ms", "self ms"), rows),
            ],
        )
    )
    return m


def cli_first_load(ctx: Context) -> tuple[Measurement, Measurement]:
    """i. `casetrack ingest piaf` of a 60,000-dossier extract, and the raw insert of its events.

    The extract is the first 40 % of the year's full extract (dossiers come in filing
    order): 60,000 dossiers at full size, as many fewer at a smaller size.
    """
    extract = cli_extract(ctx)
    dossiers = round(CLI_LOAD_DOSSIERS / PER_YEAR * ctx.data.dossiers)
    m = ctx.report.add(
        Measurement(
            "i",
            f"i. CLI first load: `casetrack ingest piaf` of {dossiers:,} dossiers into an empty "
            "store (process start to exit, read-model catch-up included)",
        )
    )
    base = ctx.report.add(
        Measurement(
            "base.insert.cli",
            f"raw {driver_name(ctx.stores.backend)} executemany of the CLI first load's event "
            "rows (batches of 25,000)",
        )
    )
    runs: list[CliRun] = []
    rows: list[EventRow] = []
    for run in range(ctx.runs):
        url = ctx.stores.fresh("cli-first-load")
        with step(f"i. CLI first load of {dossiers:,} dossiers, run {run + 1}/{ctx.runs}"):
            runs.append(run_cli(["ingest", "piaf", str(extract)], url, ctx.scratch))
        if not rows:
            # The baseline writes exactly the rows this load wrote.
            rows = read_event_rows(url)
        ctx.stores.drop(url)
    m.seconds = [r.seconds for r in runs]
    m.events, m.rows = runs[0].events, runs[0].rows
    with step("baseline: raw insert of the CLI first load's event rows"):
        for _ in range(ctx.runs):
            base.seconds.append(raw_insert_once(ctx.stores, rows))
    base.events = len(rows)
    m.parts = split(runs, start_seconds(ctx.report.find("k")))
    m.note = "; ".join(f"{name} {duration(s)}" for name, s in m.parts.items())
    return m, base


def cli_extract(ctx: Context) -> Path:
    """The first 60,000 / 150,000 of the year's full extract (made once, then reused)."""
    fraction = CLI_LOAD_DOSSIERS / PER_YEAR
    return prefix_extract(ctx.data.full, fraction, ctx.data.full.parent / "parts")


def start_seconds(version: Measurement | None) -> float | None:
    """Process start and imports of an ingest: `casetrack --version`'s wall time, plus what
    `ingest piaf` imports beyond what `--version` does (both under -X importtime)."""
    if version is None or not version.seconds or len(version.parts) < 2:
        return None
    return version.median + max(version.parts[INGEST_IMPORTS] - version.parts[VERSION_IMPORTS], 0)


def split(runs: list[CliRun], start: float | None) -> dict[str, float]:
    """Median seconds of each part of CLI ingest runs (start from `casetrack --version`)."""
    parts: dict[str, float] = {}
    if start is not None:
        parts[START] = start
    ingest = [r.ingest_seconds for r in runs]
    catch_up = [r.catch_up_seconds for r in runs]
    if all(s is not None for s in ingest):
        parts[INGEST] = statistics.median(s for s in ingest if s is not None)
    if all(s is not None for s in catch_up):
        parts[CATCH_UP] = statistics.median(s for s in catch_up if s is not None)
    if len(parts) == 3:
        # Run by run: medians of parts taken from different runs need not add up.
        rest = [r.seconds - (start or 0.0) - (i or 0.0) - (c or 0.0)
                for r, i, c in zip(runs, ingest, catch_up, strict=True)]  # fmt: skip
        parts[OTHER] = max(statistics.median(rest), 0.0)
    return parts


def report_commands(data: Dataset) -> list[list[str]]:
    """The user's three commands from the year's files to its first report."""
    return [
        ["ingest", "piaf", str(data.full)],
        ["ingest", "topvir", *(str(p) for p in data.topvir)],
        ["report", "--from", f"{data.year}-01-01", "--to", f"{data.year}-12-31"],
    ]


def files_to_report(ctx: Context) -> tuple[Measurement, str]:
    """j. Empty store, `casetrack ingest piaf` + `ingest topvir` + `report`: three processes.

    Returns the store of the last run (read models caught up by the ingest commands),
    on which the naive check compares the plain script's numbers.
    """
    data = ctx.data
    names = ("ingest piaf", "ingest topvir", "report")
    commands = dict(zip(names, report_commands(data), strict=True))
    m = ctx.report.add(
        Measurement(
            "j",
            "j. files → first report: `casetrack ingest piaf` (the full extract), `casetrack "
            f"ingest topvir` ({len(data.topvir)} files), `casetrack report` (the year, "
            "engagement × sector, text) into an empty store; three processes, wall time",
            rows_rate=False,
        )
    )
    times: dict[str, list[float]] = {name: [] for name in commands}
    catch_ups: list[float] = []
    url = ""
    for run in range(ctx.runs):
        if url:
            ctx.stores.drop(url)
        url = ctx.stores.fresh("files-to-report")
        done: dict[str, CliRun] = {}
        with step(f"j. files → first report through the CLI, run {run + 1}/{ctx.runs}"):
            for name, args in commands.items():
                done[name] = run_cli(args, url, ctx.scratch)
                times[name].append(done[name].seconds)
        m.seconds.append(sum(r.seconds for r in done.values()))
        catch_ups.append(sum(r.catch_up_seconds or 0.0 for r in done.values()))
        if not done["report"].stdout.strip():
            msg = "casetrack report printed nothing"
            raise RuntimeError(msg)
        said = done["report"].stderr.strip()
        if said and run == 0:
            # E.g. read models behind: the report then folds the event store, another path.
            ctx.report.notes.append(f"j. `casetrack report` said on stderr: {said[:300]}")
    m.parts = {name: statistics.median(seconds) for name, seconds in times.items()}
    m.parts[CATCH_UPS] = statistics.median(catch_ups)
    m.note = "; ".join(f"{name} {duration(s)}" for name, s in m.parts.items())
    return m, url


def targets(report: Report) -> list[Target]:
    """CLI first load ≤ 3× the raw insert of its events; files → first report ≤ 4× plain."""
    load, insert = report.find("i"), report.find("base.insert.cli")
    chain, plain = report.find("j"), report.find("base.naive")
    found = []
    label = f"CLI first load at {CLI_LOAD_DOSSIERS:,} dossiers ≤ {LOAD_CEILING:g}× raw insert"
    if load is None or insert is None or not load.seconds or not insert.seconds:
        found.append(Target(label, "n/a", None, "i"))
    else:
        ratio = load.median / insert.median
        size = "" if load.rows is None else f" ({load.rows:,} dossiers at this size)"
        found.append(
            Target(
                label, f"{ratio:.2f}×{size}", ratio <= LOAD_CEILING, "i", _load_why(load, insert)
            )
        )
    label = f"files → first report ≤ {REPORT_CEILING:g}× the plain script"
    if chain is None or plain is None or not chain.seconds or not plain.seconds:
        found.append(Target(label, "n/a", None, "j"))
    else:
        ratio = chain.median / plain.median
        measured = f"{ratio:.2f}× ({duration(chain.median)} / {duration(plain.median)})"
        why = _chain_why(chain, plain, start_seconds(report.find("k")))
        found.append(Target(label, measured, ratio <= REPORT_CEILING, "j", why))
    return found


def _load_why(load: Measurement, insert: Measurement) -> str:
    """Where the CLI first load's time went, against the raw insert's."""
    if len(load.parts) < 4:
        return "the command's stderr did not say how long its ingest and catch-up took"
    total = load.median
    name, largest = max(load.parts.items(), key=lambda item: item[1])
    spent = ", ".join(f"{part} {duration(s)}" for part, s in load.parts.items())
    return (
        f"{duration(total)} = {spent}; the raw insert takes {duration(insert.median)}. "
        f"The largest part is {name} ({largest / total:.0%}); the ingest alone is "
        f"{load.parts[INGEST] / insert.median:.2f}× the raw insert and the catch-up "
        f"{load.parts[CATCH_UP] / insert.median:.2f}×"
    )


def _chain_why(chain: Measurement, plain: Measurement, start: float | None) -> str:
    """Which command of the three takes the time, against the plain script."""
    commands = {k: v for k, v in chain.parts.items() if k != CATCH_UPS}
    if not commands:
        return ""
    name, largest = max(commands.items(), key=lambda item: item[1])
    catch_ups = chain.parts.get(CATCH_UPS)
    within = "" if catch_ups is None else f"; the read-model catch-ups take {duration(catch_ups)}"
    # An ingest process's start and imports (workload k), paid by both ingest commands.
    starts = (
        ""
        if start is None
        else f"; the two ingest processes start and import for about {duration(2 * start)}"
    )
    return (
        f"`casetrack {name}` takes {duration(largest)} of {duration(chain.median)} "
        f"({largest / chain.median:.0%}){within}{starts}; the plain script reads the same "
        f"files and reports in {duration(plain.median)}"
    )
