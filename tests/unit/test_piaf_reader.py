"""The PIAF extract reader against the input contract (spec/piaf-extract.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from adapters.errors import FileRefused, RowError
from adapters.mapping import Mapping
from adapters.piaf_reader import PiafReader, RawRow
from casetrack.facts import Snapshot
from tests.examples import scaled
from tests.strategies_files import PERSONAL_MARK, PIAF_COLUMNS, piaf_files

HEADER = ";".join(PIAF_COLUMNS)
PERSONAL = {
    "NOM": "Clément",
    "PRENOM": "Anaïs",
    "NIR": "285057511234567",
    "ADRESSE": "12 rue de la Roquette",
    "MONTANT": "1234,56",
}
GOOD = {
    "NUM_DOSSIER": "2025000123",
    "SECTION": "11",
    "PRESTATION": "PLF",
    "DATE_DEPOT": "03/01/2025",
    "DATE_PREMIERE_INFO": "",
    "DATE_DEUXIEME_INFO": "10/01/2025",
    "DATE_DOSSIER_COMPLET": "20/01/2025",
    "DATE_DECISION": "05/02/2025",
    "SENS_DECISION": "ACCORD",
    "DATE_NOTIFICATION": "06/02/2025",
    "DATE_VIREMENT": "",
    "ETAT": "DECIDE",
    **PERSONAL,
}


def line(**changes: str) -> str:
    """A data line of HEADER: the GOOD row with some columns changed."""
    values = {**GOOD, **changes}
    return ";".join(values[column] for column in PIAF_COLUMNS)


def write(
    tmp_path: Path,
    text: str,
    name: str = "piaf_20250314.csv",
    encoding: str = "utf-8",
) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def extract(tmp_path: Path, *lines: str, **kwargs: str) -> PiafReader:
    return PiafReader(write(tmp_path, "\n".join([HEADER, *lines]) + "\n", **kwargs))


def only_row(reader: PiafReader) -> RawRow:
    rows = list(reader.raw_rows())
    assert len(rows) == 1
    return rows[0]


def convert_one(tmp_path: Path, **changes: str) -> Snapshot:
    reader = extract(tmp_path, line(**changes))
    return reader.convert(only_row(reader))


def row_error(tmp_path: Path, *lines: str) -> RowError:
    reader = extract(tmp_path, *lines)
    with pytest.raises(RowError) as caught:
        reader.convert(only_row(reader))
    return caught.value


def refusal(tmp_path: Path, text: str, name: str = "piaf_20250314.csv") -> str:
    with pytest.raises(FileRefused) as caught:
        PiafReader(write(tmp_path, text, name))
    return str(caught.value)


# Rows and snapshots


def test_well_formed_row_becomes_the_snapshot_it_states(tmp_path: Path) -> None:
    snapshot = convert_one(tmp_path)

    assert snapshot == Snapshot(
        section="11",
        prestation="PLF",
        filed_on=date(2025, 1, 3),
        second_info_on=date(2025, 1, 10),
        completed_on=date(2025, 1, 20),
        decided_on=date(2025, 2, 5),
        notified_on=date(2025, 2, 6),
        outcome="ACCORD",
    )


def test_raw_row_keeps_mapped_fields_in_canonical_order_and_drops_personal_ones(
    tmp_path: Path,
) -> None:
    reader = extract(tmp_path, line(SECTION=" 11 ", DATE_VIREMENT="07/02/2025"))

    raw = only_row(reader)

    assert raw == RawRow(
        line=2,
        number="2025000123",
        fields=(
            "2025000123", "11", "PLF", "03/01/2025", "", "10/01/2025", "20/01/2025",
            "05/02/2025", "ACCORD", "06/02/2025", "07/02/2025", "DECIDE",
        ),
    )  # fmt: skip


def test_absent_optional_columns_read_as_empty(tmp_path: Path) -> None:
    path = write(tmp_path, "PRESTATION;NUM_DOSSIER;DATE_DEPOT;SECTION\nPL;42;03/01/2025;5\n")
    reader = PiafReader(path)

    raw = only_row(reader)

    assert raw.fields == ("42", "5", "PL", "03/01/2025", *[""] * 8)
    assert reader.convert(raw) == Snapshot(section="05", prestation="PL", filed_on=date(2025, 1, 3))


def test_line_numbers_are_physical_lines_across_blank_lines_and_quoted_newlines(
    tmp_path: Path,
) -> None:
    reader = extract(
        tmp_path,
        "",
        line(NUM_DOSSIER="1", ADRESSE='"12 rue X\nbâtiment B"'),
        "   ",
        line(NUM_DOSSIER="2"),
    )

    assert [(raw.line, raw.number) for raw in reader.raw_rows()] == [(3, "1"), (6, "2")]


def test_quoted_fields_may_hold_semicolons_and_doubled_quotes(tmp_path: Path) -> None:
    reader = extract(
        tmp_path, line(NOM='"Dupont; dit ""le Grand"""', PRESTATION='"PL"', ETAT=' "PAYE" ')
    )

    raw = only_row(reader)

    assert raw.fields[2] == "PL"
    assert raw.fields[-1] == "PAYE"


def test_trailing_footer_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    reader = extract(tmp_path, line(), "", "Nombre de lignes : 1", "", "")

    assert len(list(reader.raw_rows())) == 1


def test_line_without_semicolon_followed_by_data_is_a_damaged_row(tmp_path: Path) -> None:
    reader = extract(tmp_path, line(NUM_DOSSIER="1"), "Dupont Jean", line(NUM_DOSSIER="2"))

    rows = list(reader.raw_rows())

    assert [raw.line for raw in rows] == [2, 3, 4]
    with pytest.raises(RowError, match=r"^1 field where the header has 17 \(a line without ';'\)$"):
        reader.convert(rows[1])


def test_crlf_line_endings_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\r\n{line()}\r\n{line(NUM_DOSSIER='7')}\r\n")

    rows = list(PiafReader(path).raw_rows())

    assert [(raw.line, raw.number) for raw in rows] == [(2, "2025000123"), (3, "7")]


def test_raw_rows_can_be_read_twice(tmp_path: Path) -> None:
    reader = extract(tmp_path, line(), line(NUM_DOSSIER="9"))

    assert list(reader.raw_rows()) == list(reader.raw_rows())


# Dates


@pytest.mark.parametrize(
    "text", ["14/03/2025", "14/03/2025 10:30", "14/03/2025 10:30:15", "2025-03-14", " 14/03/2025 "]
)
def test_accepted_date_forms_give_the_day(tmp_path: Path, text: str) -> None:
    assert convert_one(tmp_path, DATE_DEPOT=text).filed_on == date(2025, 3, 14)


DATE_FORMS = "(expected JJ/MM/AAAA, JJ/MM/AAAA HH:MM[:SS] or AAAA-MM-JJ)"


@pytest.mark.parametrize(
    "text",
    [
        "14/3/2025",
        "14-03-2025",
        "2025/03/14",
        "14/03/25",
        "14/03/2025T10:30",
        "2025-03-14 10:30",
        "١٤/٠٣/٢٠٢٥",
        "１４/０３/２０２５",
        "14/03/2_25",
        "demain",
    ],
)
def test_unparseable_date_is_a_row_error_naming_the_column(tmp_path: Path, text: str) -> None:
    error = row_error(tmp_path, line(DATE_DOSSIER_COMPLET=text))

    assert str(error) == f"DATE_DOSSIER_COMPLET: not a date {DATE_FORMS}"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("31/02/2025", "impossible date (no such day in that month)"),
        ("29/02/2025", "impossible date (no such day in that month)"),
        ("00/01/2025", "impossible date (no such day in that month)"),
        ("2025-04-31", "impossible date (no such day in that month)"),
        ("01/13/2025", "impossible date (no such month: expected 01 to 12)"),
        ("2025-13-01", "impossible date (no such month: expected 01 to 12)"),
        ("01/01/0000", "impossible date (year 0000)"),
        ("14/03/2025 25:00", "impossible time (expected 00:00 to 23:59, seconds 00 to 59)"),
        ("14/03/2025 10:60:00", "impossible time (expected 00:00 to 23:59, seconds 00 to 59)"),
    ],
)
def test_date_shaped_but_impossible_is_a_row_error_saying_why(
    tmp_path: Path, text: str, kind: str
) -> None:
    error = row_error(tmp_path, line(DATE_DECISION=text))

    assert str(error) == f"DATE_DECISION: {kind}"


def test_empty_date_means_not_known(tmp_path: Path) -> None:
    snapshot = convert_one(tmp_path, DATE_DEUXIEME_INFO="", DATE_DOSSIER_COMPLET=" ")

    assert (snapshot.second_info_on, snapshot.completed_on) == (None, None)


def test_missing_filing_date_is_a_row_error(tmp_path: Path) -> None:
    error = row_error(tmp_path, line(DATE_DEPOT=""))

    assert "missing filing date" in str(error)
    assert "DATE_DEPOT" in str(error)


# Codes


@pytest.mark.parametrize(
    ("text", "section"), [("5", "05"), ("05", "05"), ("20", "20"), ("pc", "PC")]
)
def test_section_codes_are_read_as_canonical_codes(tmp_path: Path, text: str, section: str) -> None:
    assert convert_one(tmp_path, SECTION=text).section == section


@pytest.mark.parametrize("text", ["21", "0", "00", "1e", "Paris", "", "005"])
def test_unknown_section_code_is_a_row_error(tmp_path: Path, text: str) -> None:
    error = row_error(tmp_path, line(SECTION=text))

    assert "section code" in str(error)


def test_section_codes_are_translated_by_the_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n{line(SECTION='centre')}\n")
    reader = PiafReader(path, Mapping(section_codes={"CENTRE": "PC"}))

    assert reader.convert(only_row(reader)).section == "PC"


def test_prestation_is_upper_cased_and_unknown_codes_are_kept(tmp_path: Path) -> None:
    assert convert_one(tmp_path, PRESTATION="plfm").prestation == "PLFM"
    assert convert_one(tmp_path, PRESTATION="AIDE_NOEL").prestation == "AIDE_NOEL"


def test_empty_prestation_is_a_row_error(tmp_path: Path) -> None:
    assert "empty prestation" in str(row_error(tmp_path, line(PRESTATION="  ")))


def test_prestation_codes_are_translated_by_the_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n{line(PRESTATION='pl-f')}\n")
    reader = PiafReader(path, Mapping(prestation_codes={"PL-F": "PLF"}))

    assert reader.convert(only_row(reader)).prestation == "PLF"


@pytest.mark.parametrize(("text", "outcome"), [("ACCORD", "ACCORD"), ("rejet", "REJET")])
def test_decision_outcome_is_read_without_regard_to_case(
    tmp_path: Path, text: str, outcome: str
) -> None:
    assert convert_one(tmp_path, SENS_DECISION=text).outcome == outcome


def test_outcome_outside_the_list_is_a_row_error(tmp_path: Path) -> None:
    error = row_error(tmp_path, line(SENS_DECISION="PARTIEL"))

    assert str(error) == "SENS_DECISION: not a decision (expected ACCORD or REJET, or empty)"


def test_decision_date_without_outcome_is_a_row_error(tmp_path: Path) -> None:
    error = row_error(tmp_path, line(SENS_DECISION=""))

    assert "DATE_DECISION is set" in str(error)


def test_notification_date_standing_in_for_the_decision_needs_an_outcome(tmp_path: Path) -> None:
    error = row_error(tmp_path, line(DATE_DECISION="", SENS_DECISION=""))

    assert "DATE_NOTIFICATION is set" in str(error)


def test_outcome_without_decision_date_is_kept(tmp_path: Path) -> None:
    snapshot = convert_one(tmp_path, DATE_DECISION="", DATE_NOTIFICATION="")

    assert (snapshot.decided_on, snapshot.outcome) == (None, "ACCORD")


@pytest.mark.parametrize(
    ("state", "closed"),
    [("CLASSE", True), ("classe", True), ("EN_COURS", False), ("PAYE", False), ("", False)],
)
def test_only_state_classe_closes_the_dossier(tmp_path: Path, state: str, closed: bool) -> None:
    assert convert_one(tmp_path, ETAT=state).closed is closed


def test_state_outside_the_list_is_a_row_error(tmp_path: Path) -> None:
    error = row_error(tmp_path, line(ETAT="ANNULE"))

    assert str(error) == "ETAT: not a state (expected EN_COURS, DECIDE, PAYE or CLASSE, or empty)"


def test_state_codes_are_translated_by_the_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n{line(ETAT='Classé')}\n")
    reader = PiafReader(path, Mapping(state_codes={"CLASSÉ": "CLASSE"}))

    assert reader.convert(only_row(reader)).closed is True


def test_row_without_dossier_number_is_a_row_error(tmp_path: Path) -> None:
    assert "no dossier number" in str(row_error(tmp_path, line(NUM_DOSSIER=" ")))


def test_row_with_wrong_field_count_keeps_no_fields_and_is_a_row_error(tmp_path: Path) -> None:
    # No column of a shifted row can be trusted, its first one included: no number is kept.
    reader = extract(tmp_path, line() + ";extra")

    raw = only_row(reader)

    assert (raw.line, raw.number, raw.fields) == (2, "", ())
    with pytest.raises(RowError, match=r"^18 fields where the header has 17$"):
        reader.convert(raw)


def test_unclosed_quote_that_swallows_rows_is_a_row_error_spanning_them(tmp_path: Path) -> None:
    reader = extract(
        tmp_path,
        line(NUM_DOSSIER="1", MONTANT='"12'),
        line(NUM_DOSSIER="2"),
        line(NUM_DOSSIER="3", MONTANT='4"'),
        line(NUM_DOSSIER="4"),
    )

    rows = list(reader.raw_rows())

    assert [raw.line for raw in rows] == [2, 5]
    with pytest.raises(RowError, match="a quote opened on line 2 closes on line 4"):
        reader.convert(rows[0])
    assert reader.convert(rows[1]).section == "11"


def test_field_over_the_csv_limit_is_a_row_error_and_reading_goes_on(tmp_path: Path) -> None:
    reader = extract(tmp_path, line(NUM_DOSSIER="1", ADRESSE="x" * 200_000), line(NUM_DOSSIER="2"))

    rows = list(reader.raw_rows())

    assert [raw.line for raw in rows] == [2, 3]
    with pytest.raises(RowError, match="cannot be split into fields"):
        reader.convert(rows[0])
    assert rows[1].number == "2"


# Extraction date


def test_extraction_date_is_read_from_the_file_name(tmp_path: Path) -> None:
    reader = extract(tmp_path, line(), name="piaf_20250314.csv")

    assert reader.extracted_on == date(2025, 3, 14)


def test_extraction_date_argument_wins_over_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n", name="piaf_20250314.csv")

    assert PiafReader(path, extracted_on=date(2025, 3, 17)).extracted_on == date(2025, 3, 17)


def test_extraction_date_argument_serves_a_file_name_without_date(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n", name="export.csv")

    assert PiafReader(path, extracted_on=date(2025, 3, 17)).extracted_on == date(2025, 3, 17)


@pytest.mark.parametrize(
    "name", ["export.csv", "piaf_2025031.csv", "piaf_20251399.csv", "a_20250314_20250315.csv"]
)
def test_file_without_an_extraction_date_is_refused(tmp_path: Path, name: str) -> None:
    message = refusal(tmp_path, f"{HEADER}\n", name=name)

    assert message.startswith(f"{name}: no extraction date")
    assert "--extracted-on" in message


# Encodings


def test_utf8_with_bom_is_detected_and_the_bom_is_not_part_of_the_header(tmp_path: Path) -> None:
    reader = extract(tmp_path, line(), encoding="utf-8-sig")

    assert reader.encoding == "utf-8-sig"
    assert only_row(reader).number == "2025000123"


def test_utf8_without_bom_is_detected(tmp_path: Path) -> None:
    assert extract(tmp_path, line()).encoding == "utf-8"


def test_windows_1252_is_detected_and_accented_lower_case_header_matches(tmp_path: Path) -> None:
    header = HEADER.replace("DATE_DEPOT", "date_dépôt").replace("ETAT", " État ")
    path = write(tmp_path, f"{header}\n{line(NOM='Clément', ETAT='classe')}\n", encoding="cp1252")
    reader = PiafReader(path)

    snapshot = reader.convert(only_row(reader))

    assert reader.encoding == "cp1252"
    assert (snapshot.filed_on, snapshot.closed) == (date(2025, 1, 3), True)


def test_utf8_character_across_a_read_chunk_boundary_is_still_utf8(tmp_path: Path) -> None:
    start = f"{HEADER}\n{line()}\nNombre : "
    padding = "x" * ((1 << 20) - 1 - len(start.encode()))
    text = f"{start}{padding}é\n"
    assert text.encode()[(1 << 20) - 1 : (1 << 20) + 1] == "é".encode()  # split by a 1 MiB read

    assert PiafReader(write(tmp_path, text)).encoding == "utf-8"


def test_bytes_undefined_in_utf8_and_windows_1252_refuse_the_file(tmp_path: Path) -> None:
    path = tmp_path / "piaf_20250314.csv"
    path.write_bytes(f"{HEADER}\n{line(NOM='Clément')}\n".encode("cp1252") + b"\x81\n")

    with pytest.raises(FileRefused, match=r"undecodable bytes.*0x81") as caught:
        PiafReader(path)
    assert "Clément" not in repr(caught.value)


def test_explicit_encoding_overrides_detection(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n{line(NOM='Clément')}\n", encoding="latin-1")

    assert PiafReader(path, encoding="latin-1").encoding == "iso8859-1"


def test_explicit_encoding_that_cannot_decode_the_file_refuses_it(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n{line(NOM='Clément')}\n", encoding="cp1252")

    with pytest.raises(FileRefused, match="undecodable bytes: not utf-8"):
        PiafReader(path, encoding="utf-8")


@pytest.mark.parametrize("encoding", ["klingon", "rot13"])
def test_unknown_or_non_text_encoding_is_refused(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, f"{HEADER}\n")

    with pytest.raises(FileRefused, match="unknown encoding"):
        PiafReader(path, encoding=encoding)


# File refusals


@pytest.mark.parametrize(("separator", "named"), [(",", "','"), ("\t", "a tab")])
def test_header_with_another_delimiter_is_refused_as_wrong_delimiter(
    tmp_path: Path, separator: str, named: str
) -> None:
    message = refusal(tmp_path, HEADER.replace(";", separator) + "\n")

    assert message.startswith(
        f"piaf_20250314.csv: wrong delimiter: the header is separated by {named}"
    )


def test_header_without_semicolon_is_refused(tmp_path: Path) -> None:
    assert "the header line has no ';'" in refusal(tmp_path, "NUM_DOSSIER\n1\n")


@pytest.mark.parametrize("missing", ["NUM_DOSSIER", "SECTION", "PRESTATION", "DATE_DEPOT"])
def test_file_without_a_required_header_is_refused_naming_it(tmp_path: Path, missing: str) -> None:
    header = ";".join(column for column in PIAF_COLUMNS if column != missing)

    message = refusal(tmp_path, header + "\n")

    assert message.startswith(f"piaf_20250314.csv: no {missing} column in the header (found: ")
    assert message.endswith("(--mapping)")


def test_header_matching_ignores_case_accents_and_spaces(tmp_path: Path) -> None:
    header = " num_dossier ;Section;Prestation; Date_Dépôt "

    reader = PiafReader(write(tmp_path, f"{header}\n42;PC;PL;03/01/2025\n"))

    assert only_row(reader).fields[:4] == ("42", "PC", "PL", "03/01/2025")


def test_duplicate_header_names_are_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, HEADER + ";Section\n")

    assert "'Section' appears twice in the header" in message


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_file_is_refused(tmp_path: Path, text: str) -> None:
    assert "the file is empty" in refusal(tmp_path, text)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="cannot be opened"):
        PiafReader(tmp_path / "piaf_20250314.csv")


def test_file_without_header_does_not_echo_its_first_row(tmp_path: Path) -> None:
    message = refusal(tmp_path, line() + "\n")

    assert "looks like data" in message
    assert not any(value in message for value in GOOD.values() if value)


def test_header_renamed_by_the_mapping_is_found(tmp_path: Path) -> None:
    header = HEADER.replace("NUM_DOSSIER", "N° dossier")
    mapping = Mapping(headers={"number": "n° DOSSIER"})

    reader = PiafReader(write(tmp_path, f"{header}\n{line()}\n"), mapping)

    assert only_row(reader).number == "2025000123"


# Personal data


def everything_read(reader: PiafReader) -> list[str]:
    """repr() of every row, snapshot and error the reader produces, with errors' causes."""
    produced: list[str] = []
    for raw in reader.raw_rows():
        produced.append(repr(raw))
        try:
            produced.append(repr(reader.convert(raw)))
        except RowError as error:
            produced += [repr(error), str(error), repr(error.__cause__), repr(error.__context__)]
    return produced


def test_personal_columns_never_reach_rows_snapshots_or_errors(tmp_path: Path) -> None:
    long_name = "Marie-Clémentine de La Tour d'Auvergne"
    reader = extract(
        tmp_path,
        line(),
        line(NUM_DOSSIER=""),
        line(SECTION="99"),
        line(PRESTATION=""),
        line(DATE_DEPOT=""),
        line(DATE_DECISION="32/01/2025"),
        line(SENS_DECISION=""),
        line(ETAT="PERDU"),
        line(NOM=f"{long_name};Jean"),
        line(ADRESSE='"12 rue X'),
        line(NOM=long_name),
        "Nombre de lignes : 11",
    )

    produced = " ".join(everything_read(reader))

    for value in [*PERSONAL.values(), long_name, "Jean", "12 rue X"]:
        assert value not in produced


def test_shifted_row_gives_a_row_error_without_personal_values(tmp_path: Path) -> None:
    personal = {"NOM": "DUPONT;Jean-Marie", "PRENOM": "Édouard", "NIR": "185057800608436"}
    reader = extract(tmp_path, line(**personal))

    raw = only_row(reader)
    with pytest.raises(RowError) as caught:
        reader.convert(raw)

    shown = repr(raw) + repr(caught.value) + str(caught.value)
    assert not any(part in shown for part in ["DUPONT", "Jean-Marie", "Édouard", "185057800608436"])


def test_value_shifted_into_a_date_column_is_described_not_quoted(tmp_path: Path) -> None:
    header = "NUM_DOSSIER;SECTION;PRESTATION;DATE_DEPOT;NOM"
    text = f"{header}\n1;01;PL;Jean Dupont de la Rue;x\n2;01;PL;185057800608436;y\n"
    reader = PiafReader(write(tmp_path, text))

    messages = []
    for raw in reader.raw_rows():
        with pytest.raises(RowError) as caught:
            reader.convert(raw)
        messages.append(str(caught.value))

    assert messages == [f"DATE_DEPOT: not a date {DATE_FORMS}"] * 2


def test_wrong_date_is_never_quoted_in_the_reason(tmp_path: Path) -> None:
    error = row_error(tmp_path, line(DATE_DEPOT="31/02/2025"))

    assert str(error) == "DATE_DEPOT: impossible date (no such day in that month)"
    assert "31" not in str(error)


def test_row_errors_chain_no_exception_holding_the_value(tmp_path: Path) -> None:
    error = row_error(tmp_path, line(DATE_DEPOT="Dupont"))

    assert (error.__cause__, error.__context__) == (None, None)


@settings(max_examples=scaled(4), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=piaf_files())
def test_every_generated_row_gives_a_snapshot_or_a_row_error(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("generated") / "piaf_20250314.csv"
    path.write_text(text, encoding="utf-8", newline="")
    reader = PiafReader(path)

    for raw in reader.raw_rows():
        try:
            result: object = reader.convert(raw)
        except RowError as error:
            result = error
            assert PERSONAL_MARK not in str(error)
        assert isinstance(result, Snapshot | RowError)
