"""Writing rows as CSV, JSON or an aligned text table, with the spec's column names."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, TextIO

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


def cell(value: Any) -> str:
    """Render one value as the spec writes it: ISO dates, empty for none."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


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
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        count = 0
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])
            count += 1
        return count
    if fmt == "json":
        items = [{c: _json_value(row.get(c)) for c in columns} for row in rows]
        json.dump(items, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return len(items)
    return write_table([[cell(r.get(c)) for c in columns] for r in rows], labels or columns, out)


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
