"""A first load larger than one insert's worth of events completes, on both backends.

On PostgreSQL a single pipelined insert of ~25,000 events used to wait forever (client
and server each waiting on the other); the test runs in a subprocess with a timeout so
that such a hang fails instead of stalling the suite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from adapters.synthetic import generate
from casetrack.application import DossierTracker


def test_a_full_extract_of_several_thousand_new_dossiers_loads(db_url: str, tmp_path: Path) -> None:
    files = generate(tmp_path / "data", year=2025, dossiers=6500, seed=11, full_extract=True)
    assert files.full is not None
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "casetrack.cli",
            "--db",
            db_url,
            "-q",
            "ingest",
            "piaf",
            "--no-project",
            str(files.full),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    tracker = DossierTracker(db_url)
    try:
        filed = [n for n in tracker.iter_notifications() if n.topic.endswith(".Filed")]
        rows = files.full.read_text(encoding="cp1252").splitlines()
        # Header and footer aside, every row of the full extract files one dossier,
        # unless quarantined.
        quarantined = subprocess.run(
            [
                sys.executable,
                "-m",
                "casetrack.cli",
                "--db",
                db_url,
                "quarantine",
                "--format",
                "csv",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.splitlines()[1:]
        assert len(filed) + len(quarantined) == len(rows) - 2
        assert len(filed) > 6000
    finally:
        tracker.close()
