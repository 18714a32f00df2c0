"""Optional encryption at rest of event payloads, with the key from the environment."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from eventsourcing.cryptography import AESCipher

from casetrack.application import DossierTracker
from casetrack.cli import main
from casetrack.facts import Snapshot

SNAPSHOT = Snapshot(
    section="13", prestation="PL", filed_on=date(2025, 3, 3), first_info_on=date(2025, 3, 4)
)


def test_encrypted_payloads_read_back_and_are_not_plain_json(tmp_path: Path) -> None:
    key = AESCipher.create_key(32)
    url = f"sqlite:///{tmp_path / 'secret.sqlite'}"
    tracker = DossierTracker(url, cipher_key=key)
    tracker.record("N-SECRET", SNAPSHOT, date(2025, 3, 7))
    states = [
        row[0]
        for row in sqlite3.connect(tmp_path / "secret.sqlite").execute(
            "SELECT state FROM stored_events"
        )
    ]
    assert states and all(b"known_on" not in s and b"2025-03-04" not in s for s in states)
    assert DossierTracker(url, cipher_key=key).facts("N-SECRET") == tracker.facts("N-SECRET")
    folded = list(DossierTracker(url, cipher_key=key).all_facts())
    assert [f.first_info_on for f in folded] == [date(2025, 3, 4)]


def test_without_the_key_encrypted_events_cannot_be_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'secret.sqlite'}"
    DossierTracker(url, cipher_key=AESCipher.create_key(32)).record(
        "N-1", SNAPSHOT, date(2025, 3, 7)
    )
    with pytest.raises(Exception, match=r"(?i)decrypt|tag|json|utf"):
        DossierTracker(url, cipher_key=AESCipher.create_key(32)).facts("N-1")


def test_cli_takes_the_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CASETRACK_CIPHER_KEY", AESCipher.create_key(16))
    extract = tmp_path / "piaf_20250307.csv"
    extract.write_text(
        "NUM_DOSSIER;SECTION;PRESTATION;DATE_DEPOT;DATE_PREMIERE_INFO\n"
        "E-1;13;PL;03/03/2025;04/03/2025\n",
        encoding="utf-8",
    )
    db = tmp_path / "cli.sqlite"
    assert main(["--db", f"sqlite:///{db}", "-q", "ingest", "piaf", str(extract)]) == 0
    assert main(["--db", f"sqlite:///{db}", "measures", "--format", "csv"]) == 0
    assert "E-1,13,PL,19,2025-03-04,,2025-03-13,3,pending" in capsys.readouterr().out
    states = [r[0] for r in sqlite3.connect(db).execute("SELECT state FROM stored_events")]
    assert all(b"2025-03-04" not in s for s in states)
