"""The terminal report: one table per engagement, units under the delay columns, a total row."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TextIO

from casetrack.report_summary import Block
from casetrack.report_words import DELAY_COLUMNS, TOTAL, engagement_heading, french_percent, unit_of
from casetrack.reporting import FIGURES, LABELS, ReportRow

EMPTY = "Aucune mesure sur la période."


def cell_text(column: str, value: object) -> str:
    """A cell as the French outputs write it: rates as '93,8 %', none as empty."""
    if value is None:
        return ""
    if column == "rate" and isinstance(value, Decimal):
        return french_percent(value)
    return str(value)


def write_blocks(blocks: Sequence[Block], out: TextIO) -> None:
    """Each engagement's heading, then its table (or a line saying it has no measure)."""
    for block in blocks:
        out.write(f"\n{engagement_heading(block.engagement)}\n")
        if block.total is None:
            out.write(EMPTY + "\n")
            continue
        _write_block(block, out)


def _write_block(block: Block, out: TextIO) -> None:
    keys = block.keys or ("",)  # no key left: the total alone, under an unnamed column
    first = [LABELS.get(k, "") for k in keys] + [LABELS[f] for f in FIGURES]
    units = [""] * len(keys) + [
        unit_of(block.engagement) if f in DELAY_COLUMNS else "" for f in FIGURES
    ]
    body = [_cells(keys, row) for row in block.rows] if block.keys else []
    assert block.total is not None
    total = _cells(keys, block.total)
    total[0] = TOTAL
    widths = [max(len(line[i]) for line in [first, units, *body, total]) for i in range(len(first))]
    numbers = [False] * len(keys) + [True] * len(FIGURES)
    rule = "  ".join("-" * w for w in widths)
    lines = [_line(first, widths, numbers)]
    if any(units):
        lines.append(_line(units, widths, numbers))
    lines.append(rule)
    lines += [_line(cells, widths, numbers) for cells in body]
    if body:
        lines.append(rule)
    lines.append(_line(total, widths, numbers))
    out.write("\n".join(lines) + "\n")


def _cells(keys: Sequence[str], row: ReportRow) -> list[str]:
    values = row.as_dict()
    return [cell_text(k, values.get(k)) for k in keys] + [cell_text(f, values[f]) for f in FIGURES]


def _line(cells: Sequence[str], widths: Sequence[int], numbers: Sequence[bool]) -> str:
    parts = [
        c.rjust(w) if right else c.ljust(w)
        for c, w, right in zip(cells, widths, numbers, strict=True)
    ]
    return "  ".join(parts).rstrip()
