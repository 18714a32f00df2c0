"""Writing rows as CSV, JSON or an aligned text table, with the spec's column names.

Every CSV the tool writes goes through `write_csv`, which neutralises text cells a
spreadsheet would run as a formula (OWASP's CSV-injection guidance; docs/schema.md).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Final, TextIO

from casetrack.facts import Facts
from casetrack.measures import Measure

#: measures.md, "Per-dossier measures": a public interface, in this order.
MEASURE_COLUMNS = (
    "dossier",
    "section",
    "prestation",
    "engagement",
    "start",
    "stop",
    "due",
    "elapsed",
    "status",
)

#: Leading characters that make Excel or LibreOffice read a cell as a formula (OWASP), with
#: the full-width forms some spreadsheet versions also take for `=`, `+`, `-` and `@`.
FORMULA_STARTS: Final = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
#: Characters outside XML 1.0's Char production: invalid in a document even as `&#n;`.
_NOT_XML_CHAR: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def cell(value: Any) -> str:
    """Render one value as the spec writes it: ISO dates, empty for none."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def neutralised(text: str) -> str:
    """The text with a `'` before it when it starts like a formula, so a spreadsheet shows it."""
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


def csv_cell(value: Any) -> str:
    """One CSV cell: text neutralised, numbers and dates as the spec writes them."""
    if isinstance(value, str):
        return neutralised(value)
    return cell(value)


def xml_text(text: str) -> str:
    """The text with each character XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML_CHAR.sub("\ufffd", text)


def measure_row(facts: Facts, m: Measure) -> dict[str, Any]:
    """One row of `casetrack measures`, keyed by the spec's columns."""
    return {
        "dossier": facts.number,
        "section": facts.section,
        "prestation": facts.prestation,
        "engagement": m.engagement,
        "start": m.start,
        "stop": m.stop,
        "due": m.due,
        "elapsed": m.elapsed,
        "status": str(m.status),
    }


def write_rows(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    out: TextIO,
    fmt: str,
    labels: Sequence[str] | None = None,
) -> int:
    """Write rows as csv, json or table; return how many were written."""
    if fmt == "csv":
        return write_csv(([row.get(c) for c in columns] for row in rows), columns, out)
    if fmt == "json":
        items = [{c: _json_value(row.get(c)) for c in columns} for row in rows]
        json.dump(items, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return len(items)
    return write_table([[cell(r.get(c)) for c in columns] for r in rows], labels or columns, out)


def write_csv(rows: Iterable[Sequence[Any]], header: Sequence[str], out: TextIO) -> int:
    """Write a header line then rows as CSV, every cell through `csv_cell`; return the row count."""
    writer = csv.writer(_LineEnds(out), lineterminator="\r\n")
    writer.writerow([csv_cell(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    return count


class _LineEnds:
    """Turns the writer's CRLF row ends into the spec's LF.

    Python 3.11's writer quotes a cell only for the characters of its own line terminator:
    with an LF terminator, a lone CR in a cell would stay unquoted and split the row when
    read back. A CRLF terminator makes it quote both; each write is one whole row.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, line: str) -> int:
        """Write one row with an LF end."""
        return self.out.write(line.removesuffix("\r\n") + "\n")


def write_table(rows: Sequence[Sequence[str]], labels: Sequence[str], out: TextIO) -> int:
    """Write an aligned text table with a header line."""
    widths = [len(label) for label in labels]
    for row in rows:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    out.write("  ".join(lbl.ljust(w) for lbl, w in zip(labels, widths, strict=True)).rstrip())
    out.write("\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in rows:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")
    return len(rows)


def _json_value(value: Any) -> Any:
    # JSON keeps integers as numbers, dates as ISO strings, and none as null.
    if isinstance(value, date):
        return value.isoformat()
    return value
