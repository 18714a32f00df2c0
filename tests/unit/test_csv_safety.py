"""CSV cells a spreadsheet opens as text: the formula-start rule of docs/schema.md, and one writer.

The dangerous leading characters are written out here from OWASP's CSV-injection guidance
(`=`, `+`, `-`, `@`, tab, carriage return) and their full-width forms, not read from the code.
"""

from __future__ import annotations

import ast
import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casetrack.output import csv_cell, neutralised, write_csv, write_rows

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
ROOT = Path(__file__).resolve().parents[2]
#: Modules allowed their own csv.writer, and why.
OWN_WRITERS = {
    # `casetrack generate` writes PIAF-format input files: values exactly as PIAF writes
    # them, synthetic and never read from a store.
    "adapters/synthetic/files.py",
    "casetrack/output.py",
}


def read_back(text: str) -> list[list[str]]:
    """Rows as a CSV reader (and a spreadsheet's import) splits them."""
    return list(csv.reader(io.StringIO(text, newline="")))


def written(rows: list[list[Any]], header: tuple[str, ...] = ("a", "b")) -> str:
    out = io.StringIO(newline="")
    write_csv(rows, header, out)
    return out.getvalue()


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://x","clic")',
        "+33 1 44 00 00 00",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "=",
    ],
)
def test_text_starting_like_a_formula_gets_a_quote_before_it(text: str) -> None:
    assert neutralised(text) == "'" + text


@pytest.mark.parametrize("text", ["\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(A1)"])
def test_full_width_formula_starts_get_a_quote_too(text: str) -> None:
    assert neutralised(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2025-01-02",
        "2025-13-000042",
        "PL",
        "05",
        "O'BRIEN",
        "'=already quoted",
        "a=b",
        "1-2",
        "x@y",
        "Dépôt",
        "\u2212" + "12",  # the minus sign is not the hyphen-minus a formula starts with
    ],
)
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert neutralised(text) == text


def test_negative_looking_text_is_prefixed_but_a_negative_number_is_not() -> None:
    assert csv_cell("-12") == "'-12"
    assert csv_cell(-12) == "-12"
    assert csv_cell(-1.5) == "-1.5"
    assert csv_cell(Decimal("-0.5")) == "-0.5"


def test_dates_and_none_are_written_as_the_spec_says() -> None:
    assert csv_cell(date(2025, 1, 2)) == "2025-01-02"
    assert csv_cell(None) == ""


def test_csv_rows_keep_integers_and_prefix_text() -> None:
    text = written([["=1+1", 7], ["-3", -3]])

    assert read_back(text) == [["a", "b"], ["'=1+1", "7"], ["'-3", "-3"]]


def test_cells_with_line_ends_are_quoted_and_rows_end_with_lf() -> None:
    text = written([["two\nlines", "carriage\rreturn"], ["crlf\r\nin", "x"]])

    assert text == 'a,b\n"two\nlines","carriage\rreturn"\n"crlf\r\nin",x\n'
    assert read_back(text)[1:] == [["two\nlines", "carriage\rreturn"], ["crlf\r\nin", "x"]]


def test_separators_and_quotes_stay_inside_their_cell() -> None:
    text = written([['a,b;"c"', "=1;2"]])

    assert read_back(text)[1] == ['a,b;"c"', "'=1;2"]


def test_csv_through_write_rows_is_neutralised() -> None:
    out = io.StringIO(newline="")

    write_rows([{"dossier": "@x", "elapsed": 3}], ("dossier", "elapsed"), out, "csv")

    assert read_back(out.getvalue()) == [["dossier", "elapsed"], ["'@x", "3"]]


cells = st.text() | st.tuples(st.sampled_from(FORMULA_STARTS), st.text()).map("".join)


@given(st.lists(st.lists(cells, min_size=2, max_size=2), max_size=5))
def test_no_cell_read_back_starts_like_a_formula(rows: list[list[str]]) -> None:
    back = read_back(written([list(r) for r in rows]))[1:]

    assert len(back) == len(rows)
    for original_row, back_row in zip(rows, back, strict=True):
        for original, shown in zip(original_row, back_row, strict=True):
            assert not shown.startswith(FORMULA_STARTS)
            dangerous = original.startswith(FORMULA_STARTS)
            assert shown == ("'" + original if dangerous else original)


def csv_writer_calls(path: Path) -> list[int]:
    """Lines where a module creates a csv writer itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {"writer", "DictWriter"}
    return [
        node.lineno
        for node in ast.walk(tree)
        if (
            isinstance(node, ast.Attribute)
            and node.attr in names
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        )
        or (
            isinstance(node, ast.ImportFrom)
            and node.module == "csv"
            and any(alias.name in names for alias in node.names)
        )
    ]


def test_every_csv_the_tool_writes_goes_through_the_one_writer() -> None:
    found = {
        str(path.relative_to(ROOT)): lines
        for package in ("casetrack", "adapters", "projections")
        for path in sorted((ROOT / package).rglob("*.py"))
        if (lines := csv_writer_calls(path))
    }

    assert set(found) <= OWN_WRITERS, f"csv writers outside casetrack/output.py: {found}"
