"""PIAF extract reader: checks the file, streams its raw rows and converts them to Snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping as Table
from datetime import date
from pathlib import Path
from typing import Final

from adapters.errors import RowError
from adapters.mapping import CLOSED, DEFAULT_MAPPING, PIAF_FIELDS, STATES, Mapping
from adapters.textfile import MAX_CODE, RawRow, TextFile, check_number, read_date, shown
from casetrack.facts import OUTCOMES, SECTIONS, Snapshot

__all__ = ["REQUIRED", "PiafReader", "RawRow"]

#: Canonical fields whose column must be in the header; the others may be absent (always empty).
REQUIRED: Final = frozenset({"number", "section", "prestation", "filed_on"})
_DIGITS: Final = frozenset("123456789")
_OUTCOME: Final = "a decision (expected ACCORD or REJET, or empty)"
_STATE: Final = "a state (expected EN_COURS, DECIDE, PAYE or CLASSE, or empty)"


class PiafReader:
    """A PIAF extract, checked when opened (FileRefused); its rows are read lazily."""

    def __init__(
        self,
        path: Path,
        mapping: Mapping = DEFAULT_MAPPING,
        extracted_on: date | None = None,
        encoding: str | None = None,
    ) -> None:
        self._file = TextFile(path, PIAF_FIELDS, mapping.headers, REQUIRED, extracted_on, encoding)
        self.path: Path = path
        self.extracted_on: date = self._file.extracted_on
        self.encoding: str = self._file.encoding
        self._mapping = mapping
        self._names = mapping.headers

    def raw_rows(self) -> Iterator[RawRow]:
        """Stream the data rows of the file, in order."""
        return self._file.rows()

    def convert(self, raw: RawRow) -> Snapshot:
        """Return what the row states about its dossier; raise RowError if it cannot be read."""
        if raw.defect:
            raise RowError(raw.defect)
        if len(raw.fields) != len(PIAF_FIELDS):
            raise RowError(f"expected {len(PIAF_FIELDS)} mapped fields, found {len(raw.fields)}")
        (number, section, prestation, filed, first_info, second_info, completed, decided,
         outcome, notified, ordered, state) = raw.fields  # fmt: skip
        names, mapping = self._names, self._mapping
        check_number(number, names["number"])
        section_code = self._section(section)
        prestation_code = prestation.upper()
        prestation_code = mapping.prestation_codes.get(prestation_code, prestation_code)
        if not prestation_code:
            raise RowError(f"empty prestation ({names['prestation']} is empty)")
        if len(prestation_code) > MAX_CODE:
            msg = f"prestation code of {len(prestation_code):,} characters (at most {MAX_CODE})"
            raise RowError(msg)
        if not filed:
            raise RowError(f"missing filing date ({names['filed_on']} is empty)")
        snapshot = Snapshot(
            section=section_code,
            prestation=prestation_code,
            filed_on=_date(filed, names["filed_on"]),
            first_info_on=read_date(first_info, names["first_info_on"]),
            second_info_on=read_date(second_info, names["second_info_on"]),
            completed_on=read_date(completed, names["completed_on"]),
            decided_on=read_date(decided, names["decided_on"]),
            notified_on=read_date(notified, names["notified_on"]),
            outcome=_code(outcome, mapping.outcome_codes, OUTCOMES, names["outcome"], _OUTCOME),
            ordered_on=read_date(ordered, names["ordered_on"]),
            closed=_code(state, mapping.state_codes, STATES, names["state"], _STATE) == CLOSED,
        )
        if snapshot.outcome is None and (snapshot.decided_on or snapshot.notified_on):
            dated = names["decided_on"] if snapshot.decided_on else names["notified_on"]
            raise RowError(
                f"a decision date without a decision: {dated} is set, {names['outcome']} is empty"
            )
        return snapshot

    def _section(self, value: str) -> str:
        code = value.upper()
        code = self._mapping.section_codes.get(code, code)
        if len(code) == 1 and code in _DIGITS:
            code = "0" + code
        if code in SECTIONS:
            return code
        if not value:
            raise RowError(f"no section code ({self._names['section']} is empty)")
        column = self._names["section"]
        raise RowError(f"{column}: unknown section code {shown(value)} (expected 01 to 20 or PC)")


def _date(text: str, column: str) -> date:
    found = read_date(text, column)
    if found is None:  # pragma: no cover - callers check emptiness first
        raise RowError(f"{column} is empty")
    return found


def _code(
    value: str, table: Table[str, str], allowed: frozenset[str], column: str, what: str
) -> str | None:
    """Translate and check a code column; None when empty."""
    if not value:
        return None
    code = value.upper()
    code = table.get(code, code)
    if code not in allowed:
        raise RowError(f"{column}: {shown(value)} is not {what}")
    return code
