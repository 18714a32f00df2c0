"""What a mapped field may hold: the character sets of dossier numbers and codes, and poison.

Reasons built here name the column and the kind of problem, never the value: a shifted
row can put a name, a NIR or an address in any mapped column (docs/mapping.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

from adapters.errors import RowError

#: Longest dossier number and code: PIAF's are a few characters (`2025-13-000042`);
#: longer values are damaged rows, and PostgreSQL cannot index values of kilobytes.
MAX_NUMBER: Final = 32
MAX_CODE: Final = 32
#: The character sets, as reasons and docs/mapping.md state them.
NUMBER_SET: Final = f"letters, digits, - _ / . ; at most {MAX_NUMBER}"
CODE_SET: Final = f"letters, digits, _ - . ; at most {MAX_CODE}"

# ASCII only: full-width or Arabic-Indic digits must not pass for the digits they look like.
# (A number starting with a digit skips the look-ahead for one: it runs on every row.)
_NUMBER: Final = re.compile(
    rf"[0-9][A-Za-z0-9_./-]{{0,{MAX_NUMBER - 1}}}"
    rf"|(?=[^0-9]*[0-9])[A-Za-z][A-Za-z0-9_./-]{{0,{MAX_NUMBER - 1}}}"
)
_CODE: Final = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{MAX_CODE - 1}}}")
#: C0 controls (NUL, tab, CR, LF…), DEL and C1 controls.
_CONTROL: Final = re.compile("[\x00-\x1f\x7f-\x9f]")
#: What a spreadsheet reads as the start of a formula (a leading tab or CR is a control).
_FORMULA: Final = frozenset("=+-@")

CONTROL_REASON: Final = "control character"
FORMULA_REASON: Final = "starts with =, +, -, @ or a tab (a spreadsheet formula)"


def is_number(text: str) -> bool:
    """Whether `text` is a dossier number: ASCII letters, digits, - _ / . with a digit."""
    return _NUMBER.fullmatch(text) is not None


def is_code(text: str) -> bool:
    """Whether `text` is a code: ASCII letters, digits, _ - . starting with a letter or digit."""
    return _CODE.fullmatch(text) is not None


def poison(fields: Sequence[str], columns: Sequence[str]) -> str:
    """Why a row's mapped fields must not be read ("" if they may): a control or a formula."""
    for value, column in zip(fields, columns, strict=True):
        kind = _poison_kind(value)
        if kind:
            return f"{column}: {kind}"
    return ""


def poisoned(value: str) -> bool:
    """Whether a value holds a control character or starts like a spreadsheet formula."""
    return bool(_poison_kind(value))


def _poison_kind(value: str) -> str:
    if _CONTROL.search(value):
        return CONTROL_REASON
    return FORMULA_REASON if value[:1] in _FORMULA else ""


def check_number(number: str, column: str) -> None:
    """Raise RowError for a missing dossier number or one outside the character set."""
    if not number:
        raise RowError(f"no dossier number ({column} is empty)")
    if not is_number(number):
        raise RowError(f"{column}: not a dossier number ({NUMBER_SET})")


def canonical(value: str, table: Mapping[str, str]) -> str:
    """The canonical code of a site code: its translation, else itself upper-cased.

    An untranslated value must be ASCII ("" otherwise): upper-casing can turn other
    letters into ASCII ones ("ſ" into "S", "ﬁ" into "FI"), a silent misreading.
    """
    key = value.upper()
    code = table.get(key)
    if code is not None:
        return code
    return key if value.isascii() else ""


class CodeColumn:
    """Reads one code column: translation, then the allowed codes or the character set.

    Accepted values are remembered (a column holds a handful of distinct codes), so a
    good row costs one dictionary look-up per code; refused values are never kept.
    """

    _LIMIT: Final = 10_000

    def __init__(self, table: Mapping[str, str], allowed: frozenset[str] | None) -> None:
        self._table = table
        self._allowed = allowed
        self._known: dict[str, str] = {}

    def read(self, value: str) -> str | None:
        """The canonical code of a non-empty value, or None if it is not an acceptable code."""
        code = self._known.get(value)
        if code is not None:
            return code
        code = canonical(value, self._table)
        acceptable = is_code(code) if self._allowed is None else code in self._allowed
        if not acceptable:
            return None
        if len(self._known) < self._LIMIT:
            self._known[value] = code
        return code
