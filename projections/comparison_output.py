"""`reaudit --compare` written in each format: table, csv, json, html, xlsx, and `--changes`.

Values stay typed (Decimal rates, dates, ints) until here; each format spells them its own
way, from the figure a column holds, never by reading a value another format already wrote.
"""

from __future__ import annotations

import argparse
import json
from operator import attrgetter
from pathlib import Path
from typing import Any, Final, TextIO

from casetrack.console import output_stream, say
from casetrack.errors import InputRefused
from casetrack.output import write_rows
from casetrack.output import write_table as write_text_table
from casetrack.reporting import FIGURES, LABELS
from casetrack.rules import RuleSet
from projections.comparison import (
    CHANGE_COLUMNS,
    CHANGE_LABELS,
    FIGURE_COLUMNS,
    STATUS_LABELS,
    Comparison,
)
from projections.reports import french_value, json_value, machine_value

_STATUSES: Final = frozenset({"status_known_at", "status_now"})


def write_comparison(args: argparse.Namespace, comparison: Comparison, rule_set: RuleSet) -> None:
    """Write the comparison in `--format`, then the changed measures to `--changes` if given."""
    fmt = args.format
    if fmt in ("xlsx", "html"):
        _write_file(args, comparison, rule_set)
    else:
        with output_stream(args.output) as out:
            if fmt == "json":
                write_json(comparison, out)
            elif fmt == "csv":
                write_figures_csv(comparison, out)
            else:
                write_tables(comparison, out)
    if args.changes:
        with output_stream(args.changes) as out:
            write_changes_csv(comparison, out)
        if not args.quiet:
            say(f"{len(comparison.changes):,} changed measures written to {args.changes}")
    elif fmt == "csv" and not args.quiet:
        # One CSV holds one table: say where the other one is.
        say(
            f"{len(comparison.changes):,} measures changed status; this CSV holds the figures "
            "only: add --changes FILE to write the changed measures"
        )


def check_paths(args: argparse.Namespace) -> None:
    """Refuse, before any work, options that cannot all be honoured."""
    if args.changes and not args.compare:
        msg = "--changes lists what --compare finds: add --compare"
        raise InputRefused(msg)
    if args.format in ("xlsx", "html") and not args.output:
        msg = f"--format {args.format} writes a file: give --output PATH"
        raise InputRefused(msg)
    if args.changes and args.output and Path(args.changes).resolve() == Path(args.output).resolve():
        msg = "--changes and --output name the same file: give two paths"
        raise InputRefused(msg)


def write_json(comparison: Comparison, out: TextIO) -> None:
    """{"figures": [...], "changes": [...]}: numbers as numbers, dates as ISO text."""
    figures = [
        {c: json_value(c, v) for c, v in row.record(comparison.keys).items()}
        for row in comparison.rows
    ]
    # A year's changes are some 170,000 objects: one line each, through the C encoder
    # (an indented dump goes through the pure-Python one, three times slower), which
    # asks `json_value` only for the values JSON has no type for (the dates).
    encode = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
    head = json.dumps({"figures": figures}, ensure_ascii=False, indent=1)
    out.write(head[:-2] + ',\n "changes": [')
    values = attrgetter(*CHANGE_COLUMNS)
    for i, change in enumerate(comparison.changes):
        record = dict(zip(CHANGE_COLUMNS, values(change), strict=True))
        out.write(("\n  " if i == 0 else ",\n  ") + encode(record))
    out.write("\n ]\n}\n" if comparison.changes else "]\n}\n")


def _json_default(value: object) -> object:
    found = json_value("", value)
    if found is value:
        msg = f"{type(value).__name__} is not JSON serialisable"
        raise TypeError(msg)
    return found


def write_figures_csv(comparison: Comparison, out: TextIO) -> None:
    """The side-by-side figures as CSV (the report's spelling: rate with four places)."""
    rows = []
    for row in comparison.rows:
        record: dict[str, Any] = {k: getattr(row.known_at, k) for k in comparison.keys}
        for column, figure, side in FIGURE_COLUMNS:
            record[column] = machine_value(figure, getattr(row.side(side), figure))
        rows.append(record)
    write_rows(rows, comparison.columns, out, "csv")


def write_changes_csv(comparison: Comparison, out: TextIO) -> None:
    """The changed measures as CSV, CHANGE_COLUMNS in order."""
    write_rows((c.record() for c in comparison.changes), CHANGE_COLUMNS, out, "csv")


def french_change(column: str, value: object) -> str:
    """A cell of the changed measures as the French outputs write it."""
    if column in _STATUSES:
        return STATUS_LABELS[value if isinstance(value, str) else None]
    return french_value(column, value)


def title(comparison: Comparison) -> str:
    """The French title line of the comparison."""
    query = comparison.query
    return (
        f"Réaudit du {query.start} au {query.end} : faits connus au {comparison.known_at} "
        f"(K, évalués au {query.as_of}) comparés aux faits connus au {comparison.now_as_of}"
    )


def changes_heading(comparison: Comparison) -> str:
    """The French heading of the changed measures."""
    count = len(comparison.changes)
    return (
        f"Dossiers dont le statut a changé : {comparison.changed_dossiers} "
        f"({count} mesure{'s' if count > 1 else ''})"
    )


def write_tables(comparison: Comparison, out: TextIO) -> None:
    """Two French tables: the figures (K → maintenant where they differ), the changed measures."""
    out.write(title(comparison) + "\n")
    keys = comparison.keys
    out.write("\nChiffres (« K → maintenant » là où ils diffèrent)\n")
    if comparison.rows:
        table = [
            [french_value(k, getattr(row.known_at, k)) for k in keys]
            + [_moved(f, getattr(row.known_at, f), getattr(row.now, f)) for f in FIGURES]
            for row in comparison.rows
        ]
        write_text_table(table, [LABELS[c] for c in (*keys, *FIGURES)], out)
    else:
        out.write("Aucune mesure sur la période.\n")
    out.write(f"\n{changes_heading(comparison)}\n")
    if not comparison.changes:
        return
    changes = [
        [french_change(c, v) for c, v in change.record().items()] for change in comparison.changes
    ]
    write_text_table(changes, [CHANGE_LABELS[c] for c in CHANGE_COLUMNS], out)


def _moved(figure: str, before: object, after: object) -> str:
    # All ten figures fit a terminal when each shows once, or as "K → maintenant" if it moved.
    if before == after:
        return french_value(figure, before)
    return f"{french_value(figure, before) or '–'} → {french_value(figure, after) or '–'}"


def _write_file(args: argparse.Namespace, comparison: Comparison, rule_set: RuleSet) -> None:
    path = Path(args.output)
    # Renderers load only when their format is asked: openpyxl alone adds ~0.2 s to a command.
    if args.format == "xlsx":
        from projections.render_xlsx_compare import write_comparison_xlsx  # noqa: PLC0415

        write_comparison_xlsx(path, comparison, rule_set)
    else:
        from projections.render_html_compare import write_comparison_html  # noqa: PLC0415

        write_comparison_html(path, comparison, rule_set)
    if not args.quiet:
        say(f"re-audit written to {path}")
