"""The TOPVIR reader: weekly transfer orders, read with the PIAF file rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters.errors import FileRefused, RowError
from adapters.mapping import Mapping
from adapters.topvir_reader import TopvirReader, TransferOrder

HEADER = "NUM_DOSSIER;BENEFICIAIRE;IBAN;MONTANT;DATE_ORDRE_VIREMENT;LOT"
PERSONAL = ("Anaïs Clément", "FR7630006000011234567890189", "1234,56")


def write(tmp_path: Path, text: str, name: str = "topvir_20250317.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def topvir(tmp_path: Path, *lines: str) -> TopvirReader:
    return TopvirReader(write(tmp_path, "\n".join([HEADER, *lines]) + "\n"))


def order_line(number: str = "2025000123", ordered: str = "14/03/2025", batch: str = "L12") -> str:
    return ";".join([number, *PERSONAL, ordered, batch])


def converted(reader: TopvirReader) -> list[TransferOrder | str]:
    results: list[TransferOrder | str] = []
    for raw in reader.raw_rows():
        try:
            results.append(reader.convert(raw))
        except RowError as error:
            results.append(str(error))
    return results


def test_line_becomes_a_transfer_order(tmp_path: Path) -> None:
    reader = topvir(tmp_path, order_line())

    assert converted(reader) == [TransferOrder("2025000123", date(2025, 3, 14), "L12")]


def test_file_date_comes_from_the_name_or_the_argument(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n")

    assert TopvirReader(path).extracted_on == date(2025, 3, 17)
    assert TopvirReader(path, extracted_on=date(2025, 3, 18)).extracted_on == date(2025, 3, 18)


def test_empty_batch_is_no_batch(tmp_path: Path) -> None:
    reader = topvir(tmp_path, order_line(batch=" "))

    assert converted(reader) == [TransferOrder("2025000123", date(2025, 3, 14), None)]


def test_batch_column_may_be_absent(tmp_path: Path) -> None:
    reader = TopvirReader(write(tmp_path, "DATE_ORDRE_VIREMENT;NUM_DOSSIER\n2025-03-14;7\n"))

    assert converted(reader) == [TransferOrder("7", date(2025, 3, 14), None)]


@pytest.mark.parametrize("missing", ["NUM_DOSSIER", "DATE_ORDRE_VIREMENT"])
def test_file_without_a_required_header_is_refused(tmp_path: Path, missing: str) -> None:
    header = ";".join(column for column in HEADER.split(";") if column != missing)

    with pytest.raises(FileRefused, match=f"no {missing} column in the header"):
        TopvirReader(write(tmp_path, header + "\n"))


def test_wrong_delimiter_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="wrong delimiter"):
        TopvirReader(write(tmp_path, HEADER.replace(";", ",") + "\n"))


def test_file_without_date_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="no extraction date"):
        TopvirReader(write(tmp_path, HEADER + "\n", name="topvir.csv"))


def test_row_errors_name_the_problem(tmp_path: Path) -> None:
    reader = topvir(
        tmp_path,
        order_line(number=""),
        order_line(ordered=""),
        order_line(ordered="32/03/2025"),
        order_line() + ";extra",
        "Total : 4",
    )

    assert converted(reader) == [
        "no dossier number (NUM_DOSSIER is empty)",
        "no transfer order date (DATE_ORDRE_VIREMENT is empty)",
        "DATE_ORDRE_VIREMENT: impossible date (no such day in that month)",
        "7 fields where the header has 6",
    ]


def test_personal_columns_never_reach_orders_or_errors(tmp_path: Path) -> None:
    reader = topvir(tmp_path, order_line(), order_line(ordered="x"), order_line(number=""))

    produced = repr(list(reader.raw_rows())) + repr(converted(reader))

    assert not any(value in produced for value in PERSONAL)


def test_headers_are_renamed_by_the_mapping(tmp_path: Path) -> None:
    mapping = Mapping(topvir_headers={"ordered_on": "Date ordre", "batch": "N° lot"})
    path = write(tmp_path, "num_dossier;date ORDRE;n° lot\n9;14/03/2025 08:00;B1\n")

    assert converted(TopvirReader(path, mapping)) == [TransferOrder("9", date(2025, 3, 14), "B1")]
