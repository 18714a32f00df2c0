"""A Windows-1252 extract holding some UTF-8 lines, through the real CLI on both backends:
each row is stored with the values it means, or quarantined when one line mixes both
encodings; nothing mis-decoded (`PRÃ‰`) ever reaches the store or an output.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.ingest_helpers import Run, cli, quarantine_rows, release_connections
from tests.integration.store_scan import found_in, store_bytes

MAPPING = """
[headers]
filed_on = "Date de dépôt"
state = "État"

[prestation_codes]
"PRÉ" = "PRE"
"ÉTÉ" = "ETE"

[state_codes]
"CLASSÉ" = "CLASSE"
"""
HEADER = "NUM_DOSSIER;NOM;SECTION;PRESTATION;Date de dépôt;État"
NAME = "piaf_20250110.csv"
#: Mis-decoded forms (UTF-8 read as Windows-1252) that must never be found.
MOJIBAKE = ["PRÃ‰", "CLASSÃ‰", "ÃTÃ", "Ã©", "Ã¨", "Ã«"]


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


def row(number: str, nom: str, prestation: str, state: str = "") -> str:
    return f"{number};{nom};05;{prestation};02/01/2025;{state}"


def run_ok(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    run = cli(capsys, *argv)
    assert run.code == 0, (argv, run.err[-500:])
    return run


def test_mixed_file_rows_are_stored_decoded_right_or_quarantined(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "site.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    mixed_line = row("M-4", "Noël", "X").encode().replace(b"X", "PRÉ".encode("cp1252"))
    lines = [
        HEADER.encode("cp1252"),
        row("W-1", "Clément", "pré", "classé").encode("cp1252"),
        row("U-2", "Hélène", "PRÉ", "CLASSÉ").encode("utf-8"),
        row("U-3", "Zoé", "été").encode("utf-8"),
        mixed_line,
        row("W-5", "Anaïs", "ÉTÉ").encode("cp1252"),
    ]
    path = tmp_path / NAME
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")

    runs = [
        run_ok(capsys, "--db", db_url, "-q", "ingest", "piaf", "--mapping", str(mapping), str(path))
    ]
    measures = run_ok(capsys, "--db", db_url, "measures", "--format", "csv")
    runs += [
        measures,
        run_ok(capsys, "--db", db_url, "quarantine", "--format", "csv"),
        run_ok(capsys, "--db", db_url, "export", "eventlog", "--format", "csv"),
        run_ok(capsys, "--db", db_url, "dossier", "U-2"),
    ]

    stored = {(r["dossier"], r["prestation"]) for r in csv.DictReader(io.StringIO(measures.out))}
    assert stored == {("W-1", "PRE"), ("U-2", "PRE"), ("U-3", "ETE"), ("W-5", "ETE")}
    assert quarantine_rows(db_url) == [
        (NAME, 5, "M-4", "mixed encodings within the line (UTF-8 and Windows-1252)")
    ]
    assert "Classement sans suite" in runs[-1].out  # CLASSÉ in UTF-8 closes the dossier
    for run in runs:
        assert found_in((run.out + run.err).encode(), MOJIBAKE, cp1252=False) == []
    assert found_in(store_bytes(db_url), MOJIBAKE, cp1252=False) == []
