"""Poison values in mapped columns: character sets, control characters, spreadsheet formulas.

The rules and the reasons' wording are those of docs/mapping.md ("What a mapped field may
hold"); the expected values below are written from it, never read back from the code.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.errors import RowError
from adapters.fieldrules import is_code, is_number
from adapters.mapping import Mapping
from adapters.piaf_reader import PiafReader, RawRow
from adapters.topvir_reader import TopvirReader, TransferOrder
from casetrack.facts import Snapshot
from tests.examples import scaled
from tests.strategies_files import PERSONAL_MARK

# On a failure, hypothesis imports libcst to suggest a patch, and libcst warns about
# mypy_extensions.TypedDict: without this, a failure shows as an INTERNALERROR instead.
HYPOTHESIS_PATCH_WARNING = "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"

MAPPED = (
    "NUM_DOSSIER", "SECTION", "PRESTATION", "DATE_DEPOT", "DATE_PREMIERE_INFO",
    "DATE_DEUXIEME_INFO", "DATE_DOSSIER_COMPLET", "DATE_DECISION", "SENS_DECISION",
    "DATE_NOTIFICATION", "DATE_VIREMENT", "ETAT",
)  # fmt: skip
COLUMNS = ("NOM", *MAPPED, "NIR")
GOOD = {
    "NOM": "Dupont",
    "NUM_DOSSIER": "2025-13-000042",
    "SECTION": "11",
    "PRESTATION": "PLF",
    "DATE_DEPOT": "03/01/2025",
    "DATE_PREMIERE_INFO": "06/01/2025",
    "DATE_DEUXIEME_INFO": "",
    "DATE_DOSSIER_COMPLET": "20/01/2025",
    "DATE_DECISION": "05/02/2025",
    "SENS_DECISION": "ACCORD",
    "DATE_NOTIFICATION": "06/02/2025",
    "DATE_VIREMENT": "",
    "ETAT": "DECIDE",
    "NIR": "285057511234567",
}
NUMBER_REASON = "NUM_DOSSIER: not a dossier number (letters, digits, - _ / . ; at most 32)"
STATE_REASON = "ETAT: not a state (expected EN_COURS, DECIDE, PAYE or CLASSE, or empty)"
CONTROL = "control character"
FORMULA = "starts with =, +, -, @ or a tab (a spreadsheet formula)"
#: The spec's character sets, written here independently of the code.
SPEC_NUMBER = re.compile(r"(?=.*[0-9])[A-Za-z0-9][A-Za-z0-9_./-]{0,31}", re.ASCII | re.DOTALL)
SPEC_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}", re.ASCII)


def quoted(value: str) -> str:
    """A field as PIAF quotes it: inside double quotes, quotes doubled."""
    return '"' + value.replace('"', '""') + '"'


def line(**changes: str) -> str:
    values = {**GOOD, **changes}
    return ";".join(quoted(values[c]) for c in COLUMNS)


def reader_of(tmp_path: Path, *lines: str, mapping: Mapping | None = None) -> PiafReader:
    path = tmp_path / "piaf_20250314.csv"
    path.write_bytes(("\r\n".join([";".join(COLUMNS), *lines]) + "\r\n").encode())
    return PiafReader(path) if mapping is None else PiafReader(path, mapping)


def outcome(tmp_path: Path, mapping: Mapping | None = None, **changes: str) -> Snapshot | str:
    """The snapshot of a GOOD row with some columns changed, or its quarantine reason."""
    reader = reader_of(tmp_path, line(**changes), mapping=mapping)
    (raw,) = reader.raw_rows()
    try:
        return reader.convert(raw)
    except RowError as error:
        return str(error)


def only_raw(tmp_path: Path, **changes: str) -> RawRow:
    (raw,) = reader_of(tmp_path, line(**changes)).raw_rows()
    return raw


# Dossier numbers


@pytest.mark.parametrize(
    "number", ["2025-13-000042", "2025000123", "a1", "X-1/2.3_4", "1", "9" * 32, "D2025"]
)
def test_number_in_the_character_set_is_kept(tmp_path: Path, number: str) -> None:
    assert only_raw(tmp_path, NUM_DOSSIER=number).number == number
    assert isinstance(outcome(tmp_path, NUM_DOSSIER=number), Snapshot)


@pytest.mark.parametrize(
    "number",
    [
        "２０２５-13-000042",  # full-width digits
        "٢٠٢٥000123",  # Arabic-Indic digits
        "2025 13 000042",
        "DOSSIER",  # no digit
        "_2025",
        "/2025",
        ".2025",
        "9" * 33,
        "x'); DROP TABLE measure; --",
        "Ω-ü-😀",
        "2025;13",
        "Zoé-1",
    ],
)
def test_number_outside_the_character_set_is_quarantined_and_never_kept(
    tmp_path: Path, number: str
) -> None:
    raw = only_raw(tmp_path, NUM_DOSSIER=number)

    assert raw.number == ""
    assert outcome(tmp_path, NUM_DOSSIER=number) == NUMBER_REASON


def test_empty_number_says_the_column_is_empty(tmp_path: Path) -> None:
    assert outcome(tmp_path, NUM_DOSSIER="") == "no dossier number (NUM_DOSSIER is empty)"


def test_a_row_with_the_wrong_field_count_keeps_no_number(tmp_path: Path) -> None:
    # A line broken before a NIR would put the NIR first: no column of such a row is kept.
    header = ";".join(MAPPED)
    rows = ["2025-1;11;PL;03/01/2025;;;;;;;;;extra", "185057800608436 DUPONT;11;PL;x;;;;;;;;;x"]
    path = tmp_path / "piaf_20250314.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    raws = list(PiafReader(path).raw_rows())

    assert [(r.number, r.fields, r.defect) for r in raws] == [
        ("", (), "13 fields where the header has 12"),
        ("", (), "13 fields where the header has 12"),
    ]


# Control characters and formulas


CONTROLS = ["\x00", "\t", "\r", "\n", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f"]


@pytest.mark.parametrize("column", MAPPED)
@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_control_character_in_any_mapped_column_quarantines_the_row(
    tmp_path: Path, column: str, char: str
) -> None:
    value = GOOD[column] or "01/02/2025"
    middle = len(value) // 2

    assert outcome(tmp_path, **{column: value[:middle] + char + value[middle:]}) == (
        f"{column}: {CONTROL}"
    )
    assert outcome(tmp_path, **{column: value + char}) == f"{column}: {CONTROL}"


@pytest.mark.parametrize("char", ["\x00", "\x1f"])
def test_control_character_in_the_number_is_never_kept_as_the_number(
    tmp_path: Path, char: str
) -> None:
    assert only_raw(tmp_path, NUM_DOSSIER=f"2025{char}13").number == ""


def test_line_break_inside_a_quoted_prestation_quarantines_the_row(tmp_path: Path) -> None:
    reader = reader_of(tmp_path, line(PRESTATION="P\r\nL"), line(NUM_DOSSIER="2025-2"))

    rows = list(reader.raw_rows())

    assert [raw.line for raw in rows] == [2, 4]
    with pytest.raises(RowError, match=f"^PRESTATION: {re.escape(CONTROL)}$"):
        reader.convert(rows[0])
    assert isinstance(reader.convert(rows[1]), Snapshot)


FORMULAS = ['=HYPERLINK("http://x","clic")', "@SUM(1+1)", "+1", "-1", "=1+1", "-2025-13"]


@pytest.mark.parametrize("column", MAPPED)
@pytest.mark.parametrize("value", FORMULAS)
def test_formula_like_value_in_any_mapped_column_quarantines_the_row(
    tmp_path: Path, column: str, value: str
) -> None:
    assert outcome(tmp_path, **{column: value}) == f"{column}: {FORMULA}"


def test_leading_tab_before_a_formula_is_a_control_character(tmp_path: Path) -> None:
    assert outcome(tmp_path, PRESTATION="\t=1+1") == f"PRESTATION: {CONTROL}"


def test_surrounding_spaces_are_still_ignored(tmp_path: Path) -> None:
    snapshot = outcome(tmp_path, PRESTATION="  plf ", DATE_DEPOT=" 03/01/2025  ")

    assert isinstance(snapshot, Snapshot)
    assert (snapshot.prestation, snapshot.filed_on) == ("PLF", date(2025, 1, 3))


def test_poison_in_unmapped_columns_is_never_read(tmp_path: Path) -> None:
    snapshot = outcome(tmp_path, NOM='=HYPERLINK("http://x")', NIR="\x00\t\x85-1")

    assert isinstance(snapshot, Snapshot)


def test_first_poisoned_column_gives_the_reason_before_any_other_problem(tmp_path: Path) -> None:
    reason = outcome(tmp_path, SECTION="99", DATE_DECISION="=1", ETAT="\x00")

    assert reason == f"DATE_DECISION: {FORMULA}"


# Codes


@pytest.mark.parametrize(
    ("value", "kept"),
    [("plfm", "PLFM"), ("AIDE_NOEL", "AIDE_NOEL"), ("aide.noel-2", "AIDE.NOEL-2")],
)
def test_unknown_well_formed_prestation_code_is_kept_upper_cased(
    tmp_path: Path, value: str, kept: str
) -> None:
    snapshot = outcome(tmp_path, PRESTATION=value)

    assert isinstance(snapshot, Snapshot)
    assert snapshot.prestation == kept


@pytest.mark.parametrize(
    "value", ["PL F", "PRÉ", "_PL", ".PL", "P" * 33, "ＰＬ", "ﬁ", "Zoé Marqueur", "PL/F"]
)
def test_prestation_outside_the_character_set_is_quarantined(tmp_path: Path, value: str) -> None:
    assert outcome(tmp_path, PRESTATION=value) == (
        "PRESTATION: not a prestation code (letters, digits, _ - . ; at most 32)"
    )


@pytest.mark.parametrize("value", ["0", "00", "21", "Paris 11", "１１", "pç", "P C"])
def test_section_outside_the_list_is_quarantined_without_its_value(
    tmp_path: Path, value: str
) -> None:
    assert outcome(tmp_path, SECTION=value) == (
        "SECTION: not a section code (expected 01 to 20 or PC)"
    )


def test_letters_that_upper_case_into_ascii_are_not_a_code(tmp_path: Path) -> None:
    # "ſ".upper() == "S" and "ı".upper() == "I": read untranslated, they would pass.
    assert outcome(tmp_path, ETAT="claſſe") == STATE_REASON
    assert outcome(tmp_path, ETAT="decıde") == STATE_REASON


def test_site_codes_with_accents_are_translated_before_the_check(tmp_path: Path) -> None:
    mapping = Mapping(
        prestation_codes={"PRÉ": "PRE"}, state_codes={"CLASSÉ": "CLASSE"},
        outcome_codes={"FAVORABLE": "ACCORD"},
    )  # fmt: skip

    snapshot = outcome(
        tmp_path, mapping, PRESTATION="pré", ETAT="Classé", SENS_DECISION="favorable"
    )

    assert isinstance(snapshot, Snapshot)
    assert (snapshot.prestation, snapshot.closed, snapshot.outcome) == ("PRE", True, "ACCORD")


# Reasons never echo a value


@pytest.mark.filterwarnings(HYPOTHESIS_PATCH_WARNING)
@settings(max_examples=scaled(5), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    column=st.sampled_from(MAPPED),
    before=st.text(max_size=6),
    after=st.text(max_size=6),
)
def test_a_value_in_any_mapped_column_never_shows_in_the_reason_or_the_number(
    tmp_path_factory: pytest.TempPathFactory, column: str, before: str, after: str
) -> None:
    value = f"{before}{PERSONAL_MARK}{after}"
    folder = tmp_path_factory.mktemp("echo")
    path = folder / "piaf_20250314.csv"
    path.write_bytes((";".join(COLUMNS) + "\n" + line(**{column: value}) + "\n").encode())
    reader = PiafReader(path)

    for raw in reader.raw_rows():
        assert raw.number == "" or SPEC_NUMBER.fullmatch(raw.number)
        try:
            reader.convert(raw)
        except RowError as error:
            assert "Marqueur" not in str(error)
            assert (error.__cause__, error.__context__) == (None, None)
        else:
            pytest.fail("a personal value in a mapped column must quarantine the row")


@pytest.mark.filterwarnings(HYPOTHESIS_PATCH_WARNING)
@settings(max_examples=scaled(5), deadline=None)
@given(text=st.text(max_size=40))
def test_any_number_is_kept_exactly_when_the_spec_character_set_says(text: str) -> None:
    assert is_number(text) == bool(SPEC_NUMBER.fullmatch(text))


@pytest.mark.filterwarnings(HYPOTHESIS_PATCH_WARNING)
@settings(max_examples=scaled(5), deadline=None)
@given(text=st.text(max_size=40))
def test_any_code_is_a_code_exactly_when_the_spec_character_set_says(text: str) -> None:
    assert is_code(text) == bool(SPEC_CODE.fullmatch(text))


# TOPVIR


def topvir_reader(tmp_path: Path, *lines: str) -> TopvirReader:
    path = tmp_path / "topvir_20250317.csv"
    text = "\n".join(["NUM_DOSSIER;IBAN;DATE_ORDRE_VIREMENT;LOT", *lines]) + "\n"
    path.write_text(text, encoding="utf-8")
    return TopvirReader(path)


def topvir_outcomes(reader: TopvirReader) -> list[TransferOrder | str]:
    found: list[TransferOrder | str] = []
    for raw in reader.raw_rows():
        try:
            found.append(reader.convert(raw))
        except RowError as error:
            found.append(str(error))
    return found


def test_topvir_rows_follow_the_same_rules(tmp_path: Path) -> None:
    reader = topvir_reader(
        tmp_path,
        "2025-1;FR76;14/03/2025;L-12.a",
        "２０２５;FR76;14/03/2025;L1",
        "2025-3;FR76;14/03/2025;=L1",
        '2025-4;FR76;"14/03/2025\x00";L1',
        "2025-5;FR76;14/03/2025;LOT 5",
        "2025-6;FR76;14/03/2025;" + "L" * 33,
        "2025-7;=HYPERLINK();14/03/2025;L1",
    )

    assert topvir_outcomes(reader) == [
        TransferOrder("2025-1", date(2025, 3, 14), "L-12.a"),
        NUMBER_REASON,
        f"LOT: {FORMULA}",
        f"DATE_ORDRE_VIREMENT: {CONTROL}",
        "LOT: not a batch id (letters, digits, _ - . ; at most 32)",
        "LOT: not a batch id (letters, digits, _ - . ; at most 32)",
        TransferOrder("2025-7", date(2025, 3, 14), "L1"),  # IBAN is never read
    ]
