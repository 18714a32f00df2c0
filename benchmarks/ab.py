"""A/B of the weekly ingestion: this checkout against another one, interleaved, one machine.

`python -m benchmarks.ab --base PATH [--size small|year] [--runs N] [--output FILE]`

PATH is another checkout of casetrack (e.g. `git worktree add /tmp/base <commit>`). Each
run ingests the year's weekly PIAF extracts, then its TOPVIR files, into a new SQLite
store, once with each checkout's code (`python -m benchmarks.child`, its own interpreter
and PYTHONPATH), alternating which goes first. The median of each and their ratio are
appended to RESULTS.md: the other checkout is the baseline run beside the change.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.data import year_dataset
from benchmarks.progress import step

HERE = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("RESULTS.md")


def ingest(tree: Path, url: str, files: list[str]) -> float:
    """Seconds the child of `tree` takes to ingest `files` into `url`."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.child", url, *files],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
    )
    seconds: float = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
    return seconds


def git_head(tree: Path) -> str:
    """The short commit of a checkout (with `+changes` when its tree is modified)."""
    head = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return head + ("+changes" if dirty else "")


def main() -> int:
    """Run the A/B and append its section to RESULTS.md."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ab")
    parser.add_argument("--base", type=Path, required=True, help="the other checkout")
    parser.add_argument("--size", choices=("small", "year"), default="year")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    data = year_dataset(args.size)
    files = [f"piaf:{p}" for p in data.piaf] + [f"topvir:{p}" for p in data.topvir]
    trees = {"base": args.base.resolve(), "head": HERE}
    seconds: dict[str, list[float]] = {"base": [], "head": []}
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.runs):
            order = ("base", "head") if run % 2 == 0 else ("head", "base")
            for name in order:
                store = Path(scratch) / f"{name}-{run}.sqlite"
                with step(f"run {run + 1}/{args.runs}: {name}"):
                    seconds[name].append(ingest(trees[name], f"sqlite:///{store}", files))
    base, head = (statistics.median(seconds[n]) for n in ("base", "head"))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = "\n".join(
        [
            f"\n## {stamp} — A/B of the weekly ingestion, size `{args.size}`, sqlite "
            f"(`python -m benchmarks.ab`)\n",
            f"{data.dossiers:,} dossiers: {len(data.piaf)} weekly PIAF extracts then "
            f"{len(data.topvir)} TOPVIR files into a new store, {args.runs} interleaved runs "
            "each.\n",
            "| code | runs (s) | median |",
            "|---|---|---|",
            f"| base `{git_head(trees['base'])}` | "
            f"{', '.join(f'{s:.1f}' for s in seconds['base'])} | {base:.1f} s |",
            f"| head `{git_head(trees['head'])}` | "
            f"{', '.join(f'{s:.1f}' for s in seconds['head'])} | {head:.1f} s |",
            "",
            f"head / base = **{head / base:.2f}×**.\n",
        ]
    )
    with args.output.open("a", encoding="utf-8") as out:
        out.write(section)
    sys.stdout.write(section + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
