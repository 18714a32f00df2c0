"""Reading a `;`-separated extract: encoding, header, extraction date, raw rows and dates.

Nothing here keeps or echoes the value of a column the mapping does not name: those
values only pass through the csv module's row list on their way to being dropped.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Final

from attrs import frozen

from adapters.errors import FileRefused, RowError
from adapters.mapping import normalize_header

_CHUNK: Final = 1 << 20
_FIX_HEADER: Final = "fix the export or map the header in a mapping file (--mapping)"
_FIX_ENCODING: Final = "re-export the file as UTF-8, or give its encoding (--encoding)"
_NAME_DATE: Final = re.compile(r"_(\d{4})(\d{2})(\d{2})(?!\d)", re.ASCII)
_DATE_TIME: Final = re.compile(r"(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d)(?::(\d\d))?", re.ASCII)
_ISO_DATE: Final = re.compile(r"(\d{4})-(\d\d)-(\d\d)", re.ASCII)
_DATE_FORMS: Final = "expected JJ/MM/AAAA, JJ/MM/AAAA HH:MM[:SS] or AAAA-MM-JJ"
# Values shown in messages: only what cannot be a name, a NIR, a phone number or an amount.
_HARMLESS_DATE: Final = re.compile(r"\d{1,4}[/-]\d{1,2}[/-]\d{1,4}(?: [\d:]{1,8})?", re.ASCII)
_HARMLESS_CODE: Final = re.compile(r"\w{1,12}", re.ASCII)
_NUMBER_LIKE: Final = re.compile(r"(?=[\w/-]{1,30}$)[A-Za-z_/-]*\d[\w/-]*", re.ASCII)
_DATA_LIKE: Final = re.compile(r"[\d\s/:.,+-]*\d[\d\s/:.,+-]*|.*@.*")
_DELIMITERS: Final = ((",", "','"), ("\t", "a tab"), ("|", "'|'"))


#: Longest dossier number and code kept: PIAF's are a few characters; longer ones are
#: damaged rows, and PostgreSQL cannot index values of several kilobytes.
MAX_NUMBER: Final = 64
MAX_CODE: Final = 32


def check_number(number: str, column: str) -> None:
    """Raise RowError for a missing or implausibly long dossier number."""
    if not number:
        raise RowError(f"no dossier number ({column} is empty)")
    if len(number) > MAX_NUMBER:
        msg = f"dossier number of {len(number):,} characters in {column} (at most {MAX_NUMBER})"
        raise RowError(msg)


@frozen
class RawRow:
    """One row as read: its first physical line, dossier number and mapped fields, stripped.

    `fields` is empty when the row cannot be split as the header says; `defect` tells why.
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
        number = indexes[0]
        self._number = 0 if number is None else number

    def _header(self) -> tuple[list[str], int]:
        with self.path.open(encoding=self.encoding, newline="") as stream:
            reader = csv.reader(stream, _Extract)
            try:
                for row in reader:
                    if row and (len(row) > 1 or row[0].strip()):
                        return row, reader.line_num
            except csv.Error:
                pass
            else:
                raise FileRefused(f"{self.path.name}: the file is empty (no header line)")
        raise FileRefused(f"{self.path.name}: the header line cannot be read; {_FIX_HEADER}")

    def rows(self) -> Iterator[RawRow]:
        """Stream the data rows (memory flat), skipping blank lines and a trailing footer."""
        width, getter, pad = self._width, self._getter, self._pad
        with self.path.open(encoding=self.encoding, newline="") as stream:
            reader = csv.reader(stream, _Extract)
            for _ in reader:
                if reader.line_num >= self._header_end:
                    break
            last = reader.line_num
            footer: list[int] = []  # lines without ';': a footer only if nothing follows
            while True:
                try:
                    for row in reader:
                        first, last = last + 1, reader.line_num
                        if len(row) == width and first == last:
                            if footer:
                                yield from self._not_footer(footer)
                            if pad:
                                row.append("")
                            fields = tuple([value.strip() for value in getter(row)])
                            yield RawRow(first, fields[0], fields)
                        elif not row or (len(row) == 1 and not row[0].strip()):
                            continue
                        elif len(row) == 1 and ";" not in row[0] and first == last:
                            footer.append(first)
                        else:
                            yield from self._not_footer(footer)
                            yield self._odd(row, first, last)
                    return
                except csv.Error:
                    first, last = last + 1, reader.line_num
                    yield from self._not_footer(footer)
                    reason = "the row cannot be split into fields (a field over 131,072 characters)"
                    yield RawRow(first, "", (), f"{reason}{_span(first, last)}")

    def _not_footer(self, lines: list[int]) -> Iterator[RawRow]:
        reason = f"expected {self._width} fields, found 1 (a line without ';')"
        yield from (RawRow(line, "", (), reason) for line in lines)
        lines.clear()

    def _odd(self, row: list[str], first: int, last: int) -> RawRow:
        """Read a row that spans several lines or has the wrong number of fields."""
        found, width = len(row), self._width
        # Only the first column is where the header says whatever the shift; elsewhere a
        # stray ';' may have moved a NIR or a phone number into NUM_DOSSIER's place.
        number = row[0].strip() if self._number == 0 and found else ""
        if not _NUMBER_LIKE.fullmatch(number):
            number = ""
        if found != width:
            return RawRow(
                first, number, (), f"expected {width} fields, found {found}{_span(first, last)}"
            )
        if any(part.count(";") >= width - 1 for value in row for part in value.splitlines()[1:]):
            reason = f"a quote opened on line {first} closes on line {last}"
            return RawRow(first, number, (), f"{reason}: the lines between became one field")
        if self._pad:
            row.append("")
        fields = tuple([value.strip() for value in self._getter(row)])
        return RawRow(first, fields[0], fields)


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
    candidates = (_valid_date(*map(int, m.groups())) for m in _NAME_DATE.finditer(path.name))
    found = {day for day in candidates if day is not None}
    if len(found) == 1:
        return found.pop()
    problem = "several dates" if found else "no _AAAAMMJJ date"
    raise FileRefused(
        f"{path.name}: no extraction date: the file name has {problem}; "
        "give it with --extracted-on AAAA-MM-JJ"
    )


def detect_encoding(path: Path, encoding: str | None) -> str:
    """Return the file's encoding: `encoding` if it decodes the file, else UTF-8 or cp1252."""
    with path.open("rb") as stream:
        bom = stream.read(3) == codecs.BOM_UTF8
    if encoding is not None:
        name = _codec_name(encoding)
        if name is None:
            raise FileRefused(f"{path.name}: unknown encoding {encoding!r}; {_FIX_ENCODING}")
        name = "utf-8-sig" if bom and name == "utf-8" else name
        error = _undecodable(path, name)
        if error:
            raise FileRefused(
                f"{path.name}: undecodable bytes: not {name} ({error}); {_FIX_ENCODING}"
            )
        return name
    utf8 = _undecodable(path, "utf-8")
    if not utf8:
        return "utf-8-sig" if bom else "utf-8"
    cp1252 = _undecodable(path, "cp1252")
    if not cp1252:
        return "cp1252"
    raise FileRefused(
        f"{path.name}: undecodable bytes: neither UTF-8 ({utf8}) nor Windows-1252 ({cp1252}); "
        + _FIX_ENCODING
    )


def _codec_name(encoding: str) -> str | None:
    try:
        "".encode(encoding)  # also refuses codecs that are not text encodings
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def _undecodable(path: Path, encoding: str) -> str:
    """Describe the first byte `encoding` cannot decode ("" if none), reading in chunks."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return f"byte 0x{chunk[error.start]:02X} at offset {offset + error.start}"
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "an incomplete character at the end of the file"
    return ""


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


# Memo of date texts already parsed: a year of extracts has a few thousand distinct dates.
# Only valid dates are kept, so it never holds anything else a field contained.
_KNOWN_DATES: Final[dict[str, date]] = {}
_KNOWN_DATES_MAX: Final = 100_000


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_date(text: str, column: str) -> date | None:
    """Parse a stripped date field (None when empty); raise RowError naming the column."""
    if not text:
        return None
    found = _KNOWN_DATES.get(text)
    if found is not None:
        return found
    if len(text) == 10 and text[2] == "/" and text[5] == "/":
        day, month, year = text[:2], text[3:5], text[6:]
        if text.isascii() and day.isdigit() and month.isdigit() and year.isdigit():
            found = _valid_date(int(year), int(month), int(day))
    elif match := _DATE_TIME.fullmatch(text):
        day, month, year, hour, minute, second = match.groups("00")
        if int(hour) < 24 and int(minute) < 60 and int(second) < 60:
            found = _valid_date(int(year), int(month), int(day))
    elif match := _ISO_DATE.fullmatch(text):
        found = _valid_date(*map(int, match.groups()))
    if found is None:
        raise RowError(f"{column}: {shown(text, _HARMLESS_DATE)} is not a date ({_DATE_FORMS})")
    if len(_KNOWN_DATES) < _KNOWN_DATES_MAX:
        _KNOWN_DATES[text] = found
    return found


def shown(value: str, harmless: re.Pattern[str] = _HARMLESS_CODE) -> str:
    """Quote `value` for a message if it is harmless, else only describe its length."""
    if harmless.fullmatch(value):
        return repr(value)
    return f"a {len(value)}-character value"
