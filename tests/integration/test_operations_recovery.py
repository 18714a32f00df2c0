"""docs/operations.md's recovery steps, run as written: the shell blocks of its section
"Reruns and interruptions" are read from the file and run in a folder laid out as they say
(`incoming/`), with `casetrack` being this interpreter's entry point.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.synthetic import GeneratedFiles, generate
from tests.integration.fault_helpers import job_environment
from tests.integration.ingest_helpers import event_multiset

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
SECTION = "## Reruns and interruptions"


def recovery_blocks() -> list[list[str]]:
    """The shell blocks of the section, each as its command lines."""
    text = OPERATIONS.read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    return [[line.strip() for line in block.splitlines() if line.strip()] for block in blocks]


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    return generate(tmp_path_factory.mktemp("ops"), year=2025, dossiers=3000, seed=4242)


def shell(folder: Path, store: Path, line: str) -> subprocess.CompletedProcess[str]:
    """Run one documented line with bash, `casetrack` being this interpreter's entry point."""
    define = f'casetrack() {{ {shlex.quote(sys.executable)} -m casetrack "$@"; }}'
    return subprocess.run(
        ["bash", "-c", f"{define}\n{line}"],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**job_environment(), "CASETRACK_DB": f"sqlite:///{store}"},
        check=False,
    )


def dossier_events(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=0.05) as conn:
            query = "SELECT count(*) FROM stored_events WHERE topic LIKE 'casetrack.dossier:%'"
            return int(conn.execute(query).fetchone()[0])
    except sqlite3.Error:
        return 0


def test_the_documented_recovery_steps_bring_the_store_to_an_undisturbed_run(
    year: GeneratedFiles, tmp_path: Path
) -> None:
    nightly, rerun, refused = recovery_blocks()[:3]
    assert nightly[0] == rerun[0] == refused[-1] == "casetrack ingest piaf incoming/piaf_*.csv"
    # the files the steps name: 2025-01-03, -10, -17, -24 (the one to move aside is -10)
    by_name = {p.name: p for p in year.piaf}
    days = ("20250103", "20250110", "20250117", "20250124")
    aside = by_name[f"piaf_{days[1]}.csv"]
    assert f"mv incoming/{aside.name} incoming/refused/" in refused
    folder = tmp_path / "site"
    (folder / "incoming").mkdir(parents=True)
    for day in (days[0], days[2], days[3]):
        shutil.copy(by_name[f"piaf_{day}.csv"], folder / "incoming")
    store = folder / "casvp.sqlite"

    # The nightly job is killed once its first batch has committed (observed, not timed).
    command = f"{shlex.quote(sys.executable)} -m casetrack ingest piaf incoming/piaf_*.csv"
    job = subprocess.Popen(
        ["bash", "-c", command],
        cwd=folder,
        env={**job_environment(), "CASETRACK_DB": f"sqlite:///{store}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    while job.poll() is None and not dossier_events(store):
        time.sleep(0.005)
    os.killpg(job.pid, 9)
    job.wait()
    assert dossier_events(store) > 0

    # Step 1: run the same command again.
    done = shell(folder, store, rerun[0])
    assert done.returncode == 0, done.stderr

    # An older extract, never ingested, lands in the folder: the job refuses it by name.
    shutil.copy(aside, folder / "incoming")
    before = event_multiset(f"sqlite:///{store}")
    done = shell(folder, store, nightly[0])
    assert done.returncode == 2
    assert aside.name in done.stderr
    assert event_multiset(f"sqlite:///{store}") == before

    # Step 2: move it aside as shown, run the same command again.
    for line in refused:
        done = shell(folder, store, line)
        assert done.returncode == 0, (line, done.stderr)
    assert (folder / "incoming" / "refused" / aside.name).exists()

    reference = tmp_path / "reference.sqlite"
    files = [str(by_name[f"piaf_{day}.csv"]) for day in (days[0], days[2], days[3])]
    clean = shell(folder, reference, "casetrack ingest piaf " + " ".join(files))
    assert clean.returncode == 0, clean.stderr
    assert event_multiset(f"sqlite:///{store}") == event_multiset(f"sqlite:///{reference}")
