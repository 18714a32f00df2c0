"""Reading a `;`-separated extract: header, extraction date and raw rows.

Nothing here keeps or echoes the value of a column the mapping does not name: those
values only pass through the csv module's row list on their way to being dropped.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Final

from attrs import frozen

from adapters.dates import valid_date
from adapters.decoding import detect_encoding, text_lines
from adapters.errors import FileRefused
from adapters.fieldrules import is_number
from adapters.mapping import normalize_header

_FIX_HEADER: Final = "fix the export or map the header in a mapping file (--mapping)"
_NAME_DATE: Final = re.compile(r"_(\d{4})(\d{2})(\d{2})(?!\d)", re.ASCII)
_DATA_LIKE: Final = re.compile(r"[\d\s/:.,+-]*\d[\d\s/:.,+-]*|.*@.*")
_DELIMITERS: Final = ((",", "','"), ("\t", "a tab"), ("|", "'|'"))
_MIXED: Final = "mixed encodings within the line (UTF-8 and Windows-1252)"


@frozen
class RawRow:
    """One row as read: its first physical line, dossier number and mapped fields, stripped.

    `number` is the dossier number only when it passes the number check, else "" (it is
    stored as the quarantine's dossier and groups rows). `fields` is empty when the row
    cannot be split as the header says; `defect` tells why.
    """

    line: int
    number: str
    fields: tuple[str, ...]
    defect: str = ""


class _Extract(csv.excel):
    """The spec's dialect: `;`, fields optionally quoted with `"` (doubled inside)."""

    delimiter = ";"
    skipinitialspace = True  # so that a quote after a space still opens a quoted field


class TextFile:
    """A checked `;`-separated file: its encoding, extraction date and mapped columns."""

    def __init__(
        self,
        path: Path,
        fields: Sequence[str],
        headers: Mapping[str, str],
        required: Collection[str],
        extracted_on: date | None,
        encoding: str | None,
    ) -> None:
        self.path = path
        try:
            size = path.stat().st_size
        except OSError as error:
            raise FileRefused(f"{path.name}: cannot be opened ({error.strerror})") from None
        if size == 0:
            raise FileRefused(f"{path.name}: the file is empty; check the export")
        self.extracted_on = extracted_on or _date_in_name(path)
        self.encoding = detect_encoding(path, encoding)
        header, self._header_end = self._header()
        indexes = _locate(path.name, header, [headers[f] for f in fields], required, fields)
        self._width = len(header)
        self._pad = None in indexes
        self._getter = itemgetter(*[self._width if i is None else i for i in indexes])

    def _header(self) -> tuple[list[str], int]:
        mixed: set[int] = set()
        with text_lines(self.path, self.encoding, mixed) as lines:
            reader = csv.reader(lines, _Extract)
            try:
                for row in reader:
                    if row and (len(row) > 1 or row[0].strip()):
                        if mixed:
                            raise FileRefused(
                                f"{self.path.name}: the header line mixes UTF-8 and "
                                "Windows-1252; re-export the file in one encoding"
                            )
                        return row, reader.line_num
                    mixed.clear()  # a blank line before the header
            except csv.Error:
                pass
            else:
                raise FileRefused(f"{self.path.name}: the file is empty (no header line)")
        raise FileRefused(f"{self.path.name}: the header line cannot be read; {_FIX_HEADER}")

    def rows(self) -> Iterator[RawRow]:
        """Stream the data rows (memory flat), skipping blank lines and a trailing footer."""
        width, getter, pad = self._width, self._getter, self._pad
        mixed: set[int] = set()  # lines that mix encodings (only when read line by line)
        with text_lines(self.path, self.encoding, mixed) as lines:
            reader = csv.reader(lines, _Extract)
            for _ in reader:
                if reader.line_num >= self._header_end:
                    break
            mixed.clear()
            last = reader.line_num
            footer: list[int] = []  # lines without ';': a footer only if nothing follows
            while True:
                try:
                    for row in reader:
                        first, last = last + 1, reader.line_num
                        if len(row) == width and first == last and not mixed:
                            if footer:
                                yield from self._not_footer(footer)
                            if pad:
                                row.append("")
                            # Only spaces are stripped: a tab or another control character
                            # at an end stays, so that the row is quarantined for it.
                            fields = tuple([value.strip(" ") for value in getter(row)])
                            number = fields[0]
                            yield RawRow(first, number if is_number(number) else "", fields)
                            continue
                        odd_encoding = bool(mixed)
                        mixed.clear()
                        if not row or (len(row) == 1 and not row[0].strip()):
                            continue
                        if len(row) == 1 and ";" not in row[0] and first == last:
                            footer.append(first)
                        else:
                            yield from self._not_footer(footer)
                            yield self._odd(row, first, last, odd_encoding)
                    return
                except csv.Error:
                    first, last = last + 1, reader.line_num
                    mixed.clear()
                    yield from self._not_footer(footer)
                    reason = "the row cannot be split into fields (a field over 131,072 characters)"
                    yield RawRow(first, "", (), f"{reason}{_span(first, last)}")

    def _not_footer(self, lines: list[int]) -> Iterator[RawRow]:
        reason = f"{_count(1, self._width)} (a line without ';')"
        yield from (RawRow(line, "", (), reason) for line in lines)
        lines.clear()

    def _odd(self, row: list[str], first: int, last: int, mixed: bool) -> RawRow:
        """Read a row that mixes encodings, spans several lines or has the wrong field count."""
        found, width = len(row), self._width
        if found == width:
            if self._pad:
                row.append("")
            fields = tuple([value.strip(" ") for value in self._getter(row)])
        else:
            fields = ()
        # With the wrong count no column can be trusted, the first one included: a line
        # broken before a NIR would put it first. The file and line locate the row.
        number = fields[0] if fields else ""
        if not is_number(number):
            number = ""
        if mixed:
            return RawRow(first, number, (), f"{_MIXED}{_span(first, last)}")
        if found != width:
            return RawRow(first, number, (), f"{_count(found, width)}{_span(first, last)}")
        if any(part.count(";") >= width - 1 for value in row for part in value.splitlines()[1:]):
            reason = f"a quote opened on line {first} closes on line {last}"
            return RawRow(first, number, (), f"{reason}: the lines between became one field")
        return RawRow(first, number, fields)


def _count(found: int, width: int) -> str:
    return f"{found} field{'' if found == 1 else 's'} where the header has {width}"


def _span(first: int, last: int) -> str:
    return (
        f"; the row spans lines {first} to {last}: a quote may be missing" if last > first else ""
    )


def date_in_name(path: Path) -> date | None:
    """The extraction date a file name gives (`_AAAAMMJJ`), or None."""
    try:
        return _date_in_name(path)
    except FileRefused:
        return None


def _date_in_name(path: Path) -> date:
    candidates = (valid_date(*map(int, m.groups())) for m in _NAME_DATE.finditer(path.name))
    found = {day for day in candidates if day is not None}
    if len(found) == 1:
        return found.pop()
    problem = "several dates" if found else "no _AAAAMMJJ date"
    raise FileRefused(
        f"{path.name}: no extraction date: the file name has {problem}; "
        "give it with --extracted-on AAAA-MM-JJ"
    )


def _locate(
    name: str,
    header: list[str],
    wanted: list[str],
    required: Collection[str],
    fields: Sequence[str],
) -> list[int | None]:
    """Return the index in `header` of each wanted column (None if absent), or refuse the file."""
    if len(header) == 1:
        for char, label in _DELIMITERS:
            if char in header[0]:
                raise FileRefused(
                    f"{name}: wrong delimiter: the header is separated by {label}, not ';'; "
                    "export the file with ';' as the separator"
                )
        raise FileRefused(f"{name}: the header line has no ';'; {_FIX_HEADER}")
    index: dict[str, int] = {}
    for i, column in enumerate(header):
        key = normalize_header(column)
        if key and index.setdefault(key, i) != i:
            what = "a column" if _looks_like_data(header) else f"the column {column.strip()[:40]!r}"
            raise FileRefused(f"{name}: {what} appears twice in the header; {_FIX_HEADER}")
    found = [index.get(normalize_header(column)) for column in wanted]
    missing = [
        c for c, f, i in zip(wanted, fields, found, strict=True) if f in required and i is None
    ]
    if missing:
        columns = f"{', '.join(missing)} column{'s' if len(missing) > 1 else ''}"
        raise FileRefused(f"{name}: no {columns} in the header ({_found(header)}); {_FIX_HEADER}")
    return found


def _looks_like_data(header: list[str]) -> bool:
    return any(_DATA_LIKE.fullmatch(column.strip()) for column in header if column.strip())


def _found(header: list[str]) -> str:
    if _looks_like_data(header):
        return "the first line looks like data, not a header"
    names = [column.strip()[:40] for column in header if column.strip()][:40]
    return "found: " + ", ".join(names)
