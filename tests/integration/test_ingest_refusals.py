"""Files that cannot be read at all are refused whole: exit code 2, a message naming the file
and the problem, and nothing written (spec/piaf-extract.md, "What ingestion must guarantee").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.ingest_helpers import (
    PIAF_HEADER,
    cli,
    piaf_row,
    quarantine_rows,
    raw_events,
    release_connections,
    write_piaf,
    write_rows,
)

#: Rows of a readable extract: some dossiers, one row of them quarantined.
GOOD_ROWS = [
    piaf_row("D1", DATE_PREMIERE_INFO="06/01/2025"),
    piaf_row("D2", DATE_DEPOT="31/02/2025"),
    piaf_row("D3", DATE_DOSSIER_COMPLET="20/01/2025"),
]


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


def many_rows(count: int) -> list[dict[str, str]]:
    """Readable new dossiers, every 100th row quarantined (an unknown section)."""
    return [
        piaf_row(f"B{i:06d}", SECTION="99" if i % 100 == 0 else f"{1 + i % 20:02d}")
        for i in range(count)
    ]


def comma_separated(tmp_path: Path) -> Path:
    path = tmp_path / "piaf_20250131.csv"
    lines = [",".join(PIAF_HEADER)] + [",".join(row.values()) for row in many_rows(50)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")
    return path


def without_filing_date(tmp_path: Path) -> Path:
    header = [h for h in PIAF_HEADER if h != "DATE_DEPOT"]
    return write_rows(tmp_path / "piaf_20250131.csv", header, many_rows(50))


def bad_bytes_after_valid_rows(tmp_path: Path) -> Path:
    path = write_piaf(tmp_path / "piaf_20250131.csv", many_rows(200), footer=False)
    with path.open("ab") as stream:
        stream.write(b"B999999;05;PL;03/01/2025;;;;;;;;\x81\x8d\r\n")
    return path


def bad_bytes_at_the_end_of_a_large_file(tmp_path: Path) -> Path:
    # Over 1 MiB of valid rows (more than one chunk of the decoders), an 'é' that only
    # Windows-1252 decodes, then two bytes that neither UTF-8 nor Windows-1252 decode.
    path = write_piaf(tmp_path / "piaf_20250131.csv", many_rows(40_000), footer=False)
    assert path.stat().st_size > 1 << 20
    with path.open("ab") as stream:
        stream.write("Nombre de lignes : 40000 é ".encode("cp1252") + b"\x81\x8d\r\n")
    return path


def no_extraction_date(tmp_path: Path) -> Path:
    return write_piaf(tmp_path / "piaf_export_janvier.csv", many_rows(50))


Maker = Callable[[Path], Path]


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (comma_separated, "delimiter"),
        (without_filing_date, "DATE_DEPOT"),
        (bad_bytes_after_valid_rows, "undecodable"),
        (bad_bytes_at_the_end_of_a_large_file, "undecodable"),
        (no_extraction_date, "extraction date"),
    ],
    ids=["comma", "no-DATE_DEPOT", "bad-bytes", "bad-bytes-at-end-of-large-file", "no-date"],
)
def test_an_unreadable_piaf_file_is_refused_whole_and_writes_nothing(
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Maker,
    problem: str,
) -> None:
    good = write_piaf(tmp_path / "piaf_20250124.csv", GOOD_ROWS)
    assert cli(capsys, "--db", db_url, "-q", "ingest", "piaf", str(good)).code == 0
    events, quarantined = raw_events(db_url), quarantine_rows(db_url)
    assert len(quarantined) == 1
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = make(bad_dir)

    run = cli(capsys, "--db", db_url, "ingest", "piaf", str(bad))

    assert run.code == 2
    assert bad.name in run.err
    assert problem in run.err
    assert "Traceback" not in run.err
    assert raw_events(db_url) == events
    assert quarantine_rows(db_url) == quarantined


def test_an_unreadable_topvir_file_is_refused_whole_and_writes_nothing(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_piaf(tmp_path / "piaf_20250124.csv", GOOD_ROWS)
    assert cli(capsys, "--db", db_url, "-q", "ingest", "piaf", str(good)).code == 0
    events = raw_events(db_url)
    topvir = tmp_path / "topvir_20250131.csv"
    lines = ["NUM_DOSSIER;DATE_ORDRE_VIREMENT;LOT", "D1;20/01/2025;L1", "D9;20/01/2025;L1"]
    topvir.write_bytes(("\r\n".join(lines) + "\r\n").encode() + b"D3;21/01/2025;\x8d\x81\r\n")

    run = cli(capsys, "--db", db_url, "ingest", "topvir", str(topvir))

    assert run.code == 2
    assert topvir.name in run.err
    assert "undecodable" in run.err
    assert raw_events(db_url) == events
    assert len(quarantine_rows(db_url)) == 1  # only the PIAF row of the first file


def test_an_older_extract_is_refused_with_exit_code_2_and_writes_nothing(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_piaf(tmp_path / "piaf_20250124.csv", GOOD_ROWS)
    assert cli(capsys, "--db", db_url, "-q", "ingest", "piaf", str(good)).code == 0
    events, quarantined = raw_events(db_url), quarantine_rows(db_url)
    older = write_piaf(tmp_path / "piaf_20250117.csv", many_rows(20))

    run = cli(capsys, "--db", db_url, "ingest", "piaf", str(older))

    assert run.code == 2
    assert older.name in run.err
    assert raw_events(db_url) == events
    assert quarantine_rows(db_url) == quarantined
