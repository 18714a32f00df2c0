"""Ingestion in a subprocess, so its peak memory can be measured on its own.

`python -m benchmarks.child URL piaf:PATH topvir:PATH ...` ingests the files in the
order given (Ingestor only, no projection) and prints one JSON line: seconds, events,
rows, and the peak RSS of its own address space.

Why not `os.wait4` or `getrusage(RUSAGE_CHILDREN)`: Linux carries a process's high-water
RSS across fork and exec, so a child started by a large parent reports at least the
parent's size (a 562 MiB benchmark driver made every ingestion "use" 562 MiB). VmHWM
in /proc/self/status belongs to the address space the child's exec created.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from attrs import frozen


@frozen
class ChildResult:
    """What an ingesting subprocess did, and its peak resident memory."""

    seconds: float
    events: int
    rows: int
    peak_rss_mib: float


#: Set by `--ingest-batch N`: dossiers per ingestion transaction, when not the Ingestor's.
BATCH_VARIABLE = "CASETRACK_BENCH_INGEST_BATCH"


def new_ingestor(tracker: Any) -> Any:
    """An Ingestor with the batch size asked for (the Ingestor's default otherwise)."""
    from adapters.ingest import Ingestor

    batch = os.environ.get(BATCH_VARIABLE)
    return Ingestor(tracker, batch_size=int(batch)) if batch else Ingestor(tracker)


def ingest_files(url: str, files: Sequence[str]) -> dict[str, float | int]:
    """Ingest `kind:path` files in order into the store at `url`; time the ingestion only."""
    from casetrack.application import DossierTracker

    tracker = DossierTracker(url)
    ingestor = new_ingestor(tracker)
    events = rows = 0
    started = time.perf_counter()
    for item in files:
        kind, path = item.split(":", 1)
        ingest = ingestor.ingest_piaf if kind == "piaf" else ingestor.ingest_topvir
        summary = ingest(Path(path))
        events += summary.events
        rows += summary.rows_read
    seconds = time.perf_counter() - started
    tracker.close()
    return {"seconds": seconds, "events": events, "rows": rows, "peak_kib": peak_kib()}


def peak_kib() -> int:
    """This process's peak resident memory in KiB (VmHWM; ru_maxrss where /proc is absent)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_child(url: str, files: Sequence[tuple[str, Path]]) -> ChildResult:
    """Run one ingestion subprocess; raise if it fails."""
    command = [sys.executable, "-m", "benchmarks.child", url]
    command += [f"{kind}:{path}" for kind, path in files]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    process.stdout.close()
    process.returncode = process.wait()
    if process.returncode != 0:
        msg = f"ingestion subprocess exited with {process.returncode}"
        raise RuntimeError(msg)
    found = json.loads(output.strip().splitlines()[-1])
    return ChildResult(
        seconds=float(found["seconds"]),
        events=int(found["events"]),
        rows=int(found["rows"]),
        peak_rss_mib=int(found["peak_kib"]) / 1024,
    )


def main(argv: Sequence[str]) -> int:
    """Entry point of the subprocess."""
    url, *files = argv
    print(json.dumps(ingest_files(url, files)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
