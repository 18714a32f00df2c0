"""Personal columns never reach the store, the read models, the output or an error message
(spec/piaf-extract.md: NOM, PRENOM, NIR, ADRESSE, TELEPHONE, amounts "are never read").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import psycopg
import pytest

from casetrack.persistence import parse_url
from tests.conftest import postgres_base_url
from tests.integration.ingest_helpers import Run, cli, quarantine_rows, release_connections

NOM, PRENOM = "Zéphyrine", "Quasimodo-Testeur"
NIR, NIR_SPACED = "2850375123456", "2 85 03 75 123 456"
ADRESSE, TELEPHONE, MONTANT = "17 impasse Introuvable", "06 11 22 33 44", "98765,43"
#: Every value, and distinctive parts of them, that must never be found.
SECRETS = (
    NOM,
    PRENOM,
    NIR,
    NIR_SPACED,
    ADRESSE,
    TELEPHONE,
    MONTANT,
    "phyrine",
    "Quasimodo",
    "Introuvable",
    "98765",
    "11 22 33",
)

#: Header A: the dossier number first, personal columns interleaved (as PIAF exports).
HEADER_A = (
    "NUM_DOSSIER", "NOM", "PRENOM", "NIR", "SECTION", "PRESTATION", "DATE_DEPOT", "ADRESSE",
    "DATE_PREMIERE_INFO", "DATE_DEUXIEME_INFO", "DATE_DOSSIER_COMPLET", "TELEPHONE",
    "DATE_DECISION", "SENS_DECISION", "DATE_NOTIFICATION", "MONTANT", "DATE_VIREMENT", "ETAT",
)  # fmt: skip
#: Header B: personal columns before the dossier number, so a shift moves them into it.
HEADER_B = (
    "NOM", "PRENOM", "ADRESSE", "NIR", "NUM_DOSSIER", "SECTION", "PRESTATION", "DATE_DEPOT",
    "DATE_PREMIERE_INFO", "DATE_DEUXIEME_INFO", "DATE_DOSSIER_COMPLET", "DATE_DECISION",
    "SENS_DECISION", "DATE_NOTIFICATION", "DATE_VIREMENT", "ETAT", "TELEPHONE", "MONTANT",
)  # fmt: skip
#: Stands for the field written unquoted, while the line is rendered.
PLACEHOLDER = "@@raw@@"
#: Where the shifted rows are (file, line), and their dossier; P3, P4, Q3 have bad dates.
SHIFTED = {("piaf_20250124.csv", 3): "P2", ("piaf_20250124.csv", 6): "P5",
           ("piaf_20250131.csv", 3): "Q2"}  # fmt: skip


@pytest.fixture(autouse=True)
def _release_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    release_connections(request)


def person(**changes: str) -> dict[str, str]:
    """The personal columns of a row."""
    values = {
        "NOM": NOM,
        "PRENOM": PRENOM,
        "NIR": NIR,
        "ADRESSE": ADRESSE,
        "TELEPHONE": TELEPHONE,
        "MONTANT": MONTANT,
    }
    return {**values, **changes}


def row(number: str, **values: str) -> dict[str, str]:
    """A decided dossier's row with personal values."""
    base = {
        "NUM_DOSSIER": number,
        "SECTION": "11",
        "PRESTATION": "PLF",
        "DATE_DEPOT": "03/01/2025",
        "DATE_PREMIERE_INFO": "06/01/2025",
        "DATE_DOSSIER_COMPLET": "14/01/2025",
        "DATE_DECISION": "20/01/2025",
        "SENS_DECISION": "ACCORD",
        "ETAT": "DECIDE",
    }
    return {**base, **person(), **values}


def line(header: Iterable[str], values: dict[str, str], *, raw: str = "") -> str:
    """A `;` line, quoted where needed except the column `raw` (a `;` in it shifts the row)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="")
    writer.writerow([PLACEHOLDER if c == raw else values.get(c, "") for c in header])
    return out.getvalue().replace(PLACEHOLDER, values.get(raw, ""))


def files(tmp_path: Path) -> list[Path]:
    """Two extracts full of personal values, one cp1252 (header A), one UTF-8 (header B)."""
    shifted = person(ADRESSE=f"{ADRESSE}; bât. Z")
    a = [
        row("P1"),
        line(HEADER_A, row("P2", **shifted), raw="ADRESSE"),  # one field too many
        row("P3", DATE_DEPOT="31/02/2025"),
        row("P4", DATE_DOSSIER_COMPLET="2025-13-01", NIR=NIR_SPACED),
        # an unquoted ';' and a missing last field: the right count, values shifted
        line(HEADER_A, row("P5", **shifted), raw="ADRESSE").rsplit(";", 1)[0],
        row("P6", NIR=NIR_SPACED),
    ]
    b = [
        row("Q1", DATE_DEUXIEME_INFO="10/01/2025"),
        line(HEADER_B, row("Q2", **shifted), raw="ADRESSE"),  # NIR lands in NUM_DOSSIER
        row("Q3", DATE_NOTIFICATION="32/01/2025"),
        row("Q4", NOM=f"{NOM} {PRENOM}"),
    ]
    paths = []
    for name, header, rows, encoding in (
        ("piaf_20250124.csv", HEADER_A, a, "cp1252"),
        ("piaf_20250131.csv", HEADER_B, b, "utf-8"),
    ):
        lines = [";".join(header)]
        lines += [r if isinstance(r, str) else line(header, r) for r in rows]
        path = tmp_path / name
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
        paths.append(path)
    return paths


def needles() -> list[bytes]:
    """Every secret as UTF-8, cp1252, JSON-escaped, and hex (PostgreSQL shows bytea in hex)."""
    found: set[bytes] = set()
    for secret in SECRETS:
        for form in (secret.encode(), secret.encode("cp1252"), json.dumps(secret)[1:-1].encode()):
            found.update({form, form.hex().encode()})
    return sorted(found)


def leaks(blob: bytes) -> list[bytes]:
    """The secrets found in some bytes."""
    return [needle for needle in needles() if needle in blob]


def run_everything(
    db_url: str, extracts: list[Path], capsys: pytest.CaptureFixture[str]
) -> list[Run]:
    """Ingest the files and run every reading command; return what each printed."""
    runs = [cli(capsys, "--db", db_url, "ingest", "piaf", str(path)) for path in extracts]
    runs += [
        cli(capsys, "--db", db_url, "measures", "--format", "csv"),
        cli(capsys, "--db", db_url, "measures", "--format", "json"),
        cli(capsys, "--db", db_url, "quarantine", "--format", "csv"),
        cli(capsys, "--db", db_url, "quarantine"),
    ]
    for number in ("P1", "P2", "P3", "P5", "Q1", "Q2", "Q4"):
        runs.append(cli(capsys, "--db", db_url, "dossier", number))
    return runs


def store_bytes(db_url: str) -> bytes:
    """Every byte the store holds: the SQLite files, or a text dump of the PostgreSQL schema."""
    db = parse_url(db_url)
    if db.backend == "sqlite":
        assert db.path is not None
        parts = [Path(f"{db.path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]
        return b"".join(p.read_bytes() for p in parts if p.exists())
    base = postgres_base_url()
    assert base is not None
    dump: list[str] = []
    dsn = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (db.schema,),
        ).fetchall()
        assert tables
        for (table,) in tables:
            rows = conn.execute(f'SELECT t::text FROM "{db.schema}"."{table}" t').fetchall()
            dump += [text for (text,) in rows]
    return "\n".join(dump).encode()


def test_personal_values_never_reach_the_store_the_output_or_a_message(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extracts = files(tmp_path)
    assert len(leaks(b"".join(p.read_bytes() for p in extracts))) > len(SECRETS)

    runs = run_everything(db_url, extracts, capsys)

    assert runs[0].code == runs[1].code == 0
    assert [r.code for r in runs[2:6]] == [0, 0, 0, 0]
    for run in runs:
        assert leaks(run.out.encode()) == []
        assert leaks(run.err.encode()) == []
    assert leaks(store_bytes(db_url)) == []


def test_shifted_rows_are_quarantined_never_under_a_personal_value(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in files(tmp_path):
        assert cli(capsys, "--db", db_url, "-q", "ingest", "piaf", str(path)).code == 0

    quarantined = {(file, line): dossier for file, line, dossier, _ in quarantine_rows(db_url)}

    # a shifted row is set aside (never dropped), under its number or none, never a NIR
    for where, number in SHIFTED.items():
        assert where in quarantined
        assert quarantined[where] in (number, "")
    assert {(file, line) for file, line in quarantined} == {
        *SHIFTED,
        ("piaf_20250124.csv", 4),  # P3
        ("piaf_20250124.csv", 5),  # P4
        ("piaf_20250131.csv", 4),  # Q3
    }
