"""TOPVIR reader: weekly transfer orders, one per line, checked like a PIAF extract."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Final

from attrs import frozen

from adapters.dates import read_date
from adapters.errors import RowError
from adapters.fieldrules import CODE_SET, check_number, is_code, poison
from adapters.mapping import DEFAULT_MAPPING, TOPVIR_FIELDS, Mapping
from adapters.textfile import RawRow, TextFile

__all__ = ["REQUIRED", "RawRow", "TopvirReader", "TransferOrder"]

#: Canonical fields whose column must be in the header; LOT may be absent (no batch).
REQUIRED: Final = frozenset({"number", "ordered_on"})


@frozen
class TransferOrder:
    """One TOPVIR line: a transfer ordered for a dossier on a day, in a batch."""

    number: str
    ordered_on: date
    batch: str | None = None


class TopvirReader:
    """A TOPVIR file, checked when opened (FileRefused); its rows are read lazily."""

    def __init__(
        self,
        path: Path,
        mapping: Mapping = DEFAULT_MAPPING,
        extracted_on: date | None = None,
        encoding: str | None = None,
    ) -> None:
        headers = mapping.topvir_headers
        self._file = TextFile(path, TOPVIR_FIELDS, headers, REQUIRED, extracted_on, encoding)
        self.path: Path = path
        self.extracted_on: date = self._file.extracted_on
        self.encoding: str = self._file.encoding
        self._names = headers
        self._columns = tuple(headers[field] for field in TOPVIR_FIELDS)

    def raw_rows(self) -> Iterator[RawRow]:
        """Stream the data rows of the file, in order."""
        return self._file.rows()

    def convert(self, raw: RawRow) -> TransferOrder:
        """Return the transfer order of the row; raise RowError if it cannot be read."""
        if raw.defect:
            raise RowError(raw.defect)
        if len(raw.fields) != len(TOPVIR_FIELDS):
            raise RowError(f"expected {len(TOPVIR_FIELDS)} mapped fields, found {len(raw.fields)}")
        try:
            return self._order(raw.fields)
        except RowError:
            # Accepted values are ASCII numbers, dates and batch ids: only a refused row can
            # hold poison, and its reason then says so.
            problem = poison(raw.fields, self._columns)
            if not problem:
                raise
        raise RowError(problem)  # outside `except`: chains no exception holding a value

    def _order(self, fields: tuple[str, ...]) -> TransferOrder:
        number, ordered, batch = fields
        check_number(number, self._names["number"])
        if batch and not is_code(batch):
            raise RowError(f"{self._names['batch']}: not a batch id ({CODE_SET})")
        ordered_on = read_date(ordered, self._names["ordered_on"])
        if ordered_on is None:
            raise RowError(f"no transfer order date ({self._names['ordered_on']} is empty)")
        return TransferOrder(number=number, ordered_on=ordered_on, batch=batch or None)
