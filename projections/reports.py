"""Where report figures come from, and how they are written in each format."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from casetrack.application import DossierTracker
from casetrack.console import note, output_stream, say
from casetrack.errors import InputRefused
from casetrack.facts import Facts
from casetrack.output import write_rows
from casetrack.report_summary import Triple, engagement_totals, human_report
from casetrack.report_text import cell_text, write_blocks
from casetrack.report_words import (
    french_date,
    grouping_words,
    merged_note,
    placement_note,
    report_title,
    versions_words,
)
from casetrack.reporting import ReportBuilder, ReportQuery, ReportRow, build_report
from casetrack.rules import RuleSet
from projections.source import ClockRow, StoredRows, event_store_rows, read_clocks

__all__ = [
    "ClockList",
    "Triple",
    "clock_source",
    "clocks_of",
    "emit_report",
    "event_store_clocks",
    "french_value",
    "json_value",
    "machine_value",
    "report_rows",
]


class ClockList(list[Triple]):
    """(section, prestation, clock) triples, as the report engine folds them, with the
    dossier number of each beside them (`numbers`), for the HTML report's dossier lists."""

    def __init__(self, rows: Iterable[ClockRow] = ()) -> None:
        """Split (dossier, section, prestation, clock) rows into triples and numbers."""
        super().__init__()
        self.numbers: list[str] = []
        for number, section, prestation, clock in rows:
            self.append((section, prestation, clock))
            self.numbers.append(number)

    def numbered(self) -> Iterator[ClockRow]:
        """The (dossier, section, prestation, clock) rows again."""
        return self.numbered_rows()

    def numbered_rows(self) -> Iterator[ClockRow]:
        """`numbered`, for a list already filled."""
        for number, (section, prestation, clock) in zip(
            self.numbers, list.__iter__(self), strict=True
        ):
            yield number, section, prestation, clock


class StoredClocks(ClockList):
    """The triples of the read models' clock rows, split from them on first use; a report
    builder has them grouped by the database instead (`fold_into`)."""

    def __init__(self, rows: StoredRows) -> None:
        super().__init__()
        self.rows = rows
        self._split = False

    def _ready(self) -> StoredClocks:
        if not self._split:
            self._split = True
            for number, section, prestation, clock in self.rows:
                self.append((section, prestation, clock))
                self.numbers.append(number)
        return self

    def __iter__(self) -> Iterator[Triple]:
        return list.__iter__(self._ready())

    def __len__(self) -> int:
        return list.__len__(self._ready())

    def __getitem__(self, index: Any) -> Any:
        return list.__getitem__(self._ready(), index)

    def __bool__(self) -> bool:
        return len(self) > 0

    def numbered(self) -> Iterator[ClockRow]:
        """The (dossier, section, prestation, clock) rows again."""
        return self._ready().numbered_rows()

    def fold_into(self, builder: ReportBuilder) -> None:
        """Count the clocks into a report builder, grouped by the database."""
        self.rows.fold_into(builder)


def clock_source(
    tracker: DossierTracker, query: ReportQuery, known_at: date | None, *, custom_rules: bool
) -> tuple[ClockList, str]:
    """The clocks a report folds: read models when they can answer, else the event store.

    Never a catch-up or a rebuild: stderr says when the answer is not from current read
    models (projections.source).
    """
    found = read_clocks(
        tracker,
        known_at=known_at,
        custom_rules=custom_rules,
        engagement=query.engagement,
        prestation=query.prestation,
    )
    if found.note:
        note(found.note)
    if isinstance(found.rows, StoredRows):
        return StoredClocks(found.rows), found.origin
    return ClockList(found.rows), found.origin


def event_store_clocks(
    tracker: DossierTracker, rule_set: RuleSet, known_at: date | None
) -> ClockList:
    """Clocks of every dossier folded from the event store (only facts known at K)."""
    return clocks_of(tracker, rule_set, tracker.all_facts(known_at))


def clocks_of(tracker: DossierTracker, rule_set: RuleSet, all_facts: Iterable[Facts]) -> ClockList:
    """(section, prestation, clock) of every engagement of every dossier, numbers beside."""
    return ClockList(event_store_rows(tracker, rule_set, all_facts))


def report_rows(
    tracker: DossierTracker, query: ReportQuery, known_at: date | None, *, custom_rules: bool
) -> tuple[list[ReportRow], ClockList, str]:
    """Report rows, the clocks they come from, and a word on the source."""
    triples, source = clock_source(tracker, query, known_at, custom_rules=custom_rules)
    return build_report(query, triples), triples, source


def machine_value(column: str, value: Any) -> Any:
    """Value as the CSV interface spells it (rate with four places)."""
    if column == "rate" and isinstance(value, Decimal):
        return f"{value:.4f}"
    return value


def json_value(column: str, value: Any) -> Any:
    """Value as the JSON interface gives it: numbers as numbers, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def french_value(column: str, value: Any) -> str:
    """Value as the French tables show it (rates as '93,8 %')."""
    return cell_text(column, value)


def emit_report(
    args: argparse.Namespace,
    tracker: DossierTracker,
    query: ReportQuery,
    rows: Sequence[ReportRow],
    triples: ClockList,
    source: str,
) -> None:
    """Write a report in the format asked.

    CSV and JSON write the rows as asked. The human formats never merge engagements (units
    and limits differ): when `--by` leaves the engagement out, they regroup by it too.
    """
    fmt = args.format
    if fmt in ("csv", "json"):
        _write_machine(args.output, fmt, query, rows)
        if tracker.rule_set.versions:
            # The columns are a fixed interface: the versions used go to stderr.
            note(versions_note(tracker.rule_set, engagement_totals(query, triples).starts))
        return
    if fmt != "table" and not args.output:
        msg = f"--format {fmt} writes a file: give --output PATH"
        raise InputRefused(msg)
    # `report --known-at` and `reaudit` say which facts they used; a plain report has none.
    known_at: date | None = getattr(args, "known_at", None)
    report = human_report(query, rows, triples, tracker.rule_set, known_at)
    merged = merged_note(query.by)
    if merged:
        note(merged)
    if fmt == "table":
        with output_stream(args.output) as out:
            out.write(f"{report_title(query, known_at)}\n")
            if not source.startswith("read models"):
                out.write("Calculé depuis l'historique des événements\n")
            out.write(f"Regroupement : {grouping_words(report.query)}\n")
            out.write(f"Référentiel : {versions_words(report.rule_set, report.versions_used)}\n")
            write_blocks(report.blocks, out)
            out.write(f"\n{placement_note(report.query, french_date(query.as_of))}\n")
        return
    path = Path(args.output)
    # Renderers load only when their format is asked: openpyxl alone adds ~0.2 s to every command.
    if fmt == "xlsx":
        from projections.render_xlsx import write_xlsx  # noqa: PLC0415

        write_xlsx(path, report, triples)
    else:
        from projections.render_html import html_page, write_html  # noqa: PLC0415

        details = getattr(args, "details", True)
        page = html_page(report, triples.numbered(), tracker.calendar, details=details)
        write_html(path, page)
    if not args.quiet:
        say(f"report written to {path}")


def versions_note(rule_set: RuleSet, starts: Iterable[date]) -> str:
    """The rule-set versions that measured a CSV or JSON report, with their codes."""
    every = rule_set.all_versions
    used = rule_set.versions_used(starts)
    if not used:
        return f"rule set {rule_set.id}: no clock counted, so no version used"
    spans = []
    for version in used:
        index = every.index(version)
        following = every[index + 1].effective_from if index + 1 < len(every) else None
        if index == 0:
            span = "all clocks" if following is None else f"clocks started before {following}"
        elif following is None:
            span = f"clocks started on or after {version.effective_from}"
        else:
            span = f"clocks started from {version.effective_from} to before {following}"
        spans.append(f"{version.id} ({span})")
    return f"rule set {rule_set.id}, versions used: {', '.join(spans)}"


def _write_machine(
    output: str | None, fmt: str, query: ReportQuery, rows: Sequence[ReportRow]
) -> None:
    columns = query.columns
    with output_stream(output) as out:
        if fmt == "json":
            items = [{c: json_value(c, r.as_dict()[c]) for c in columns} for r in rows]
            json.dump(items, out, ensure_ascii=False, indent=1)
            out.write("\n")
        else:
            dicts = ({c: machine_value(c, r.as_dict()[c]) for c in columns} for r in rows)
            write_rows(dicts, columns, out, "csv")
