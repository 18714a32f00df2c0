"""Files mixing UTF-8 and Windows-1252: each line decoded right, or its row quarantined.

docs/mapping.md ("Mixed encodings"): a file that is not UTF-8 as a whole but holds UTF-8
sequences is read line by line; a line mixing both encodings quarantines its row; a
value is never silently mis-decoded (`PRÉ` read as `PRÃ‰`).
"""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.decoding import LINE_BY_LINE
from adapters.errors import FileRefused, RowError
from adapters.mapping import Mapping
from adapters.piaf_reader import PiafReader
from casetrack.facts import Snapshot
from tests.examples import scaled

# On a failure, hypothesis imports libcst to suggest a patch, and libcst warns about
# mypy_extensions.TypedDict: without this, a failure shows as an INTERNALERROR instead.
HYPOTHESIS_PATCH_WARNING = "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"

HEADER = "NUM_DOSSIER;NOM;SECTION;PRESTATION;DATE_DEPOT;ETAT"
MAPPING = Mapping(prestation_codes={"PRÉ": "PRE", "ÉTÉ": "ETE"}, state_codes={"CLASSÉ": "CLASSE"})
MIXED = "mixed encodings within the line (UTF-8 and Windows-1252)"


def row(number: str, nom: str = "Dupont", prestation: str = "PL", etat: str = "") -> str:
    return f"{number};{nom};05;{prestation};02/01/2025;{etat}"


def write(tmp_path: Path, *lines: bytes, end: bytes = b"\r\n") -> Path:
    path = tmp_path / "piaf_20250314.csv"
    path.write_bytes(end.join(lines) + end)
    return path


def results(reader: PiafReader) -> dict[int, Snapshot | str]:
    """Each data row's snapshot, or its quarantine reason, by line."""
    found: dict[int, Snapshot | str] = {}
    for raw in reader.raw_rows():
        try:
            found[raw.line] = reader.convert(raw)
        except RowError as error:
            found[raw.line] = str(error)
    return found


def test_cp1252_file_with_utf8_lines_is_decoded_line_by_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER.encode(),
        row("1", "Clément", "PRÉ").encode("cp1252"),
        row("2", "Hélène", "pré", "classé").encode("utf-8"),
        row("3", "Zoé", "ÉTÉ", "CLASSÉ").encode("cp1252"),
        row("4", "Noël", "été").encode("utf-8"),
    )
    reader = PiafReader(path, MAPPING)

    found = results(reader)

    assert reader.encoding == LINE_BY_LINE
    assert [(s.prestation, s.closed) for s in found.values() if isinstance(s, Snapshot)] == [
        ("PRE", False),
        ("PRE", True),
        ("ETE", True),
        ("ETE", False),
    ]


def test_line_mixing_both_encodings_is_quarantined_and_keeps_its_number(tmp_path: Path) -> None:
    mixed = row("2", "Hélène").encode("utf-8").replace(b"05;PL", "05;PRÉ".encode("cp1252"))
    path = write(
        tmp_path, HEADER.encode(), row("1", "Clément").encode("cp1252"), mixed, row("3").encode()
    )
    reader = PiafReader(path, MAPPING)

    raws = list(reader.raw_rows())
    found = results(reader)

    assert (raws[1].number, raws[1].fields, raws[1].defect) == ("2", (), MIXED)
    assert found[3] == MIXED
    assert isinstance(found[2], Snapshot)
    assert isinstance(found[4], Snapshot)


def test_utf8_value_in_a_windows_1252_file_is_never_read_as_mojibake(tmp_path: Path) -> None:
    """Without the mapping, `PRÉ` is no code: quarantined whichever way, never `PRÃ‰`."""
    path = write(
        tmp_path,
        HEADER.encode(),
        row("1", "Clément").encode("cp1252"),
        row("2", prestation="PRÉ").encode("utf-8"),
    )
    reader = PiafReader(path)

    found = results(reader)

    assert found[3] == "PRESTATION: not a prestation code (letters, digits, _ - . ; at most 32)"
    assert not any("Ã" in repr(value) for value in found.values())
    assert not any("Ã" in repr(raw) for raw in reader.raw_rows())


def test_utf8_line_with_bytes_undefined_in_cp1252_is_read(tmp_path: Path) -> None:
    # "Á" is C3 81 in UTF-8, and 0x81 is undefined in Windows-1252.
    path = write(
        tmp_path,
        HEADER.encode(),
        row("1", "Clément").encode("cp1252"),
        row("2", "Ángel", "pré").encode("utf-8"),
    )

    found = results(PiafReader(path, MAPPING))

    assert found[3] == Snapshot(section="05", prestation="PRE", filed_on=date(2025, 1, 2))


def test_line_undecodable_in_both_encodings_refuses_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER.encode(),
        row("1", "Hélène").encode("utf-8"),
        row("2", "Clément").encode("cp1252") + b"\x81",
    )
    offset = len(HEADER) + 2 + len(row("1", "Hélène").encode()) + 2 + len(row("2", "Clément"))

    with pytest.raises(FileRefused, match=f"undecodable bytes: .*byte 0x81 at offset {offset}"):
        PiafReader(path)


def test_header_mixing_encodings_refuses_the_file(tmp_path: Path) -> None:
    header = (
        b"NUM_DOSSIER;" + "Préstation;".encode() + "SECTION;PRESTATION;DATE_DÉPÔT".encode("cp1252")
    )
    path = write(tmp_path, header, row("1", "Zoé").encode())

    with pytest.raises(FileRefused, match="the header line mixes UTF-8 and Windows-1252"):
        PiafReader(path)


def test_windows_1252_file_with_a_utf8_bom_is_read_line_by_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        codecs.BOM_UTF8 + "NUM_DOSSIER;NOM;SECTION;PRESTATION;DATE_DÉPÔT;ÉTAT".encode("cp1252"),
        row("1", "Clément").encode("cp1252"),
    )
    reader = PiafReader(path)

    assert results(reader) == {
        2: Snapshot(section="05", prestation="PL", filed_on=date(2025, 1, 2))
    }


def test_plain_windows_1252_file_keeps_the_fast_path(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER.encode(), row("1", "Clément", "PRÉ").encode("cp1252"))
    reader = PiafReader(path, MAPPING)

    assert reader.encoding == "cp1252"
    assert results(reader)[2] == Snapshot(section="05", prestation="PRE", filed_on=date(2025, 1, 2))


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_line_numbers_are_physical_lines_when_read_line_by_line(tmp_path: Path, end: bytes) -> None:
    path = write(
        tmp_path,
        HEADER.encode(),
        row("1", "Clément").encode("cp1252"),
        b"",
        row("2", '"Hélène' + end.decode() + 'Martin"').encode("utf-8"),
        row("3", "Zoé").encode("utf-8"),
        end=end,
    )
    reader = PiafReader(path)

    assert [(raw.line, raw.number) for raw in reader.raw_rows()] == [(2, "1"), (4, "2"), (6, "3")]


# Only letters at or above 0xC0 in Windows-1252: a cp1252 line of them can hold no UTF-8
# sequence (which needs a byte from 0x80 to 0xBF), so every whole line decodes one way.
LETTERS = "éèàçùâêîôûëïüÉÈÀÇÙÂÊÎÔÛ"
names = st.text(alphabet=LETTERS + "abcXYZ -'", min_size=1, max_size=12).map(str.strip).filter(bool)
encodings = st.sampled_from(["utf-8", "cp1252", "mixed"])


@pytest.mark.filterwarnings(HYPOTHESIS_PATCH_WARNING)
@settings(max_examples=scaled(2), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.tuples(names, encodings, st.booleans()), min_size=1, max_size=8))
def test_every_row_of_a_mixed_file_is_decoded_right_or_quarantined(
    tmp_path_factory: pytest.TempPathFactory, lines: list[tuple[str, str, bool]]
) -> None:
    body: list[bytes] = []
    expected: dict[int, Snapshot | str] = {}
    for index, (nom, encoding, closed) in enumerate(lines, start=1):
        text = row(str(index), nom, "pré", "classé" if closed else "")
        if encoding == "mixed":  # the name in UTF-8, the codes in Windows-1252
            head, tail = text.split(";05;")
            data = head.encode() + b";05;" + tail.encode("cp1252")
        else:
            data = text.encode(encoding)
        body.append(data)
        mixes = encoding == "mixed" and not nom.isascii()
        expected[index + 1] = (
            MIXED
            if mixes
            else Snapshot(section="05", prestation="PRE", filed_on=date(2025, 1, 2), closed=closed)
        )
    path = write(tmp_path_factory.mktemp("mixed"), HEADER.encode(), *body)
    reader = PiafReader(path, MAPPING)

    assert results(reader) == expected
    assert not any("Ã" in repr(raw) for raw in reader.raw_rows())
