"""PIAF extract reader: checks the file, streams its raw rows and converts them to Snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Final

from adapters.dates import read_date
from adapters.errors import RowError
from adapters.fieldrules import CODE_SET, CodeColumn, check_number, poison
from adapters.mapping import CLOSED, DEFAULT_MAPPING, PIAF_FIELDS, STATES, Mapping
from adapters.textfile import RawRow, TextFile
from casetrack.facts import OUTCOMES, SECTIONS, Snapshot

__all__ = ["REQUIRED", "PiafReader", "RawRow"]

#: Canonical fields whose column must be in the header; the others may be absent (always empty).
REQUIRED: Final = frozenset({"number", "section", "prestation", "filed_on"})
#: A one-digit section code is read as its two-digit code, as if the mapping said so.
_ONE_DIGIT: Final = {str(n): f"0{n}" for n in range(1, 10)}
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
        self._names = mapping.headers
        self._columns = tuple(mapping.headers[field] for field in PIAF_FIELDS)
        self._sections = CodeColumn({**_ONE_DIGIT, **mapping.section_codes}, SECTIONS)
        self._prestations = CodeColumn(mapping.prestation_codes, None)
        self._outcomes = CodeColumn(mapping.outcome_codes, OUTCOMES)
        self._states = CodeColumn(mapping.state_codes, STATES)

    def raw_rows(self) -> Iterator[RawRow]:
        """Stream the data rows of the file, in order."""
        return self._file.rows()

    def convert(self, raw: RawRow) -> Snapshot:
        """Return what the row states about its dossier; raise RowError if it cannot be read."""
        if raw.defect:
            raise RowError(raw.defect)
        if len(raw.fields) != len(PIAF_FIELDS):
            raise RowError(f"expected {len(PIAF_FIELDS)} mapped fields, found {len(raw.fields)}")
        try:
            return self._snapshot(raw.fields)
        except RowError:
            # Every field read must pass a check that refuses controls and formulas (ASCII
            # numbers, codes, dates; site codes are mapping keys, checked on loading), so
            # only a refused row can hold poison: looking for it there costs good rows
            # nothing. A new field must keep that true.
            problem = poison(raw.fields, self._columns)
            if not problem:
                raise
        raise RowError(problem)  # outside `except`: chains no exception holding a value

    def _snapshot(self, fields: tuple[str, ...]) -> Snapshot:
        (number, section, prestation, filed, first_info, second_info, completed, decided,
         outcome, notified, ordered, state) = fields  # fmt: skip
        names = self._names
        check_number(number, names["number"])
        section_code = self._sections.read(section)
        if section_code is None:
            if not section:
                raise RowError(f"no section code ({names['section']} is empty)")
            raise RowError(f"{names['section']}: not a section code (expected 01 to 20 or PC)")
        if not prestation:
            raise RowError(f"empty prestation ({names['prestation']} is empty)")
        prestation_code = self._prestations.read(prestation)
        if prestation_code is None:
            raise RowError(f"{names['prestation']}: not a prestation code ({CODE_SET})")
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
            outcome=_code(outcome, self._outcomes, names["outcome"], _OUTCOME),
            ordered_on=read_date(ordered, names["ordered_on"]),
            closed=_code(state, self._states, names["state"], _STATE) == CLOSED,
        )
        if snapshot.outcome is None and (snapshot.decided_on or snapshot.notified_on):
            dated = names["decided_on"] if snapshot.decided_on else names["notified_on"]
            raise RowError(
                f"a decision date without a decision: {dated} is set, {names['outcome']} is empty"
            )
        return snapshot


def _date(text: str, column: str) -> date:
    found = read_date(text, column)
    if found is None:  # pragma: no cover - callers check emptiness first
        raise RowError(f"{column} is empty")
    return found


def _code(value: str, codes: CodeColumn, column: str, what: str) -> str | None:
    """Translate and check a code column; None when empty."""
    if not value:
        return None
    code = codes.read(value)
    if code is None:
        raise RowError(f"{column}: not {what}")
    return code
