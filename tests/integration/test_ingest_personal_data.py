"""Personal columns never reach the store, the read models, the output or an error message
(spec/piaf-extract.md: NOM, PRENOM, NIR, ADRESSE, TELEPHONE, amounts "are never read").
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from tests.integration.ingest_helpers import (
    PIAF_HEADER,
    Run,
    cli,
    quarantine_rows,
    release_connections,
)
from tests.integration.store_scan import found_in, store_bytes

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


#: Personal values that a shift or a misplaced value can put into any column the reader reads.
SHIFTED_VALUES = {
    "NOM": "DUPONT",
    "PRENOM": "MARIE",
    "NIR": "285037512345642",
    "ADRESSE": "12 RUE DE LA PAIX",
    "TELEPHONE": "06 12 34 56 78",
}
GOOD_NUMBERS = ("G-1", "G-2")
SPEC_NUMBER = re.compile(r"(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9_./-]{0,31}", re.ASCII)
SPEC_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}", re.ASCII)
#: TOPVIR: personal columns around the three read ones.
TOPVIR_HEADER = ("BENEFICIAIRE", "NUM_DOSSIER", "IBAN", "DATE_ORDRE_VIREMENT", "LOT", "MONTANT")
TOPVIR_READ = ("NUM_DOSSIER", "DATE_ORDRE_VIREMENT", "LOT")
TOPVIR_ROW = {
    "BENEFICIAIRE": f"{NOM} {PRENOM}",
    "IBAN": "FR7630006000011234567890189",
    "DATE_ORDRE_VIREMENT": "20/01/2025",
    "LOT": "L1",
    "MONTANT": MONTANT,
}


def read_as_valid(column: str, value: str) -> bool:
    """Whether the spec reads `value` as a valid value of `column` (it cannot tell it apart)."""
    if column == "NUM_DOSSIER":
        return SPEC_NUMBER.fullmatch(value) is not None
    # An unknown prestation code is kept; a batch id is any code.
    return column in ("PRESTATION", "LOT") and SPEC_CODE.fullmatch(value) is not None


def shifted_file(
    path: Path, header: tuple[str, ...], read: Iterable[str], base: dict[str, str]
) -> dict[int, str]:
    """Write a file putting each personal value into each read column in turn; return the
    expected start of each row's quarantine reason, by line.

    Two ways: a stray `;` before the column (the row has one field too many and is read no
    further), and the value in the column of a row of the right shape (read, and refused by
    the column's rules). Left out, as the spec cannot tell them from real values: a value
    the column's character set accepts (a NIR as a number, a name as a prestation code),
    and in the first column when it is NUM_DOSSIER, a shifted value that is a valid number
    (a row of the wrong shape keeps a valid number found there).
    """
    lines = [";".join(header)]
    expected: dict[int, str] = {}
    width, number = len(header), header.index("NUM_DOSSIER")
    for column in read:
        at = header.index(column)
        for value in SHIFTED_VALUES.values():
            cells = [base.get(c, "") for c in header]
            cells[number] = f"S-{len(lines)}"
            if not (at == 0 and read_as_valid(column, value)):
                expected[len(lines) + 1] = f"{width + 1} fields where the header has {width}"
                lines.append(";".join([*cells[:at], value, *cells[at:]]))
            if not read_as_valid(column, value):
                cells[number] = f"S-{len(lines)}"
                cells[at] = value
                expected[len(lines) + 1] = f"{column}: "
                lines.append(";".join(cells))
    if "SECTION" in header:
        lines += [line(header, row(n)) for n in GOOD_NUMBERS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return expected


def test_personal_values_shifted_into_every_read_column_are_never_stored_or_shown(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        tmp_path / "piaf_20250124.csv": (HEADER_A, PIAF_HEADER, row("")),
        tmp_path / "piaf_20250131.csv": (HEADER_B, PIAF_HEADER, row("")),
        tmp_path / "topvir_20250131.csv": (TOPVIR_HEADER, TOPVIR_READ, TOPVIR_ROW),
    }
    expected = {path.name: shifted_file(path, *how) for path, how in files.items()}
    # 12 columns x 5 values, shifted (but a NIR into A's first column) and in place (but a
    # NIR as a number, names and a NIR as prestation codes); TOPVIR: 3 x 5, likewise.
    assert [len(reasons) for reasons in expected.values()] == [59 + 56, 60 + 56, 15 + 11]
    secrets = [*SHIFTED_VALUES.values(), "12 RUE", "34 56"]
    assert found_in(b"".join(path.read_bytes() for path in files), secrets)

    runs = [
        cli(capsys, "--db", db_url, "ingest", path.name.split("_")[0], str(path)) for path in files
    ]
    year = ("report", "--from", "2025-01-01", "--to", "2025-12-31", "--format")
    measures = cli(capsys, "--db", db_url, "measures", "--format", "csv")
    runs.append(measures)
    for argv in (
        ("quarantine", "--format", "csv"),
        ("quarantine",),
        ("measures", "--format", "json"),
        (*year, "csv"),
        (*year, "json"),
        (*year, "html", "--output", str(tmp_path / "report.html")),
        ("export", "eventlog", "--format", "csv"),
        ("export", "eventlog", "--format", "xes"),
        ("worklist", "--overdue"),
    ):
        runs.append(cli(capsys, "--db", db_url, *argv))

    assert [run.err[-300:] for run in runs if run.code] == []
    assert {r["dossier"] for r in csv.DictReader(io.StringIO(measures.out))} == set(GOOD_NUMBERS)
    for name, reasons in expected.items():
        found = {line: reason for file, line, _, reason in quarantine_rows(db_url) if file == name}
        assert set(found) == set(reasons)
        assert [n for n, r in found.items() if not r.startswith(reasons[n])] == []
    printed = "".join(run.out + run.err for run in runs).encode()
    assert found_in(printed + (tmp_path / "report.html").read_bytes(), secrets) == []
    assert found_in(store_bytes(db_url), secrets) == []
