"""Where report figures come from, and how they are written in each format."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from attrs import evolve

from casetrack.application import DossierTracker
from casetrack.clocks import Clock, clock_of
from casetrack.console import note, output_stream, say
from casetrack.errors import InputRefused
from casetrack.facts import Facts, sector_of
from casetrack.output import write_rows
from casetrack.reporting import LABELS, ReportQuery, ReportRow, build_report
from casetrack.rules import RuleSet
from projections.source import read_clocks

Triple = tuple[str, str, Clock]


def clock_source(
    tracker: DossierTracker, query: ReportQuery, known_at: date | None, *, custom_rules: bool
) -> tuple[list[Triple], str]:
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
    return [(section, prestation, clock) for _, section, prestation, clock in found.rows], (
        found.origin
    )


def event_store_clocks(
    tracker: DossierTracker, rule_set: RuleSet, known_at: date | None
) -> list[Triple]:
    """Clocks of every dossier folded from the event store (only facts known at K)."""
    return clocks_of(tracker, rule_set, tracker.all_facts(known_at))


def clocks_of(
    tracker: DossierTracker, rule_set: RuleSet, all_facts: Iterable[Facts]
) -> list[Triple]:
    """(section, prestation, clock) of every engagement of every dossier."""
    return [
        (facts.section, facts.prestation, clock_of(facts, engagement, tracker.calendar))
        for facts in all_facts
        for engagement in rule_set.ordered
    ]


def report_rows(
    tracker: DossierTracker, query: ReportQuery, known_at: date | None, *, custom_rules: bool
) -> tuple[list[ReportRow], list[Triple], str]:
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
    """Value as the French table shows it."""
    if value is None:
        return ""
    if column == "rate":
        return f"{value * 100:.2f} %".replace(".", ",")
    return str(value)


def emit_report(
    args: argparse.Namespace,
    tracker: DossierTracker,
    query: ReportQuery,
    rows: Sequence[ReportRow],
    triples: Sequence[Triple],
    source: str,
) -> None:
    """Write a report in the format asked."""
    columns = query.columns
    fmt = args.format
    if fmt in ("csv", "json"):
        with output_stream(args.output) as out:
            if fmt == "json":
                items = [{c: json_value(c, r.as_dict()[c]) for c in columns} for r in rows]
                json.dump(items, out, ensure_ascii=False, indent=1)
                out.write("\n")
            else:
                dicts = ({c: machine_value(c, r.as_dict()[c]) for c in columns} for r in rows)
                write_rows(dicts, columns, out, "csv")
        return
    if fmt == "table":
        table = ({c: french_value(c, r.as_dict()[c]) for c in columns} for r in rows)
        with output_stream(args.output) as out:
            out.write(
                f"Rapport du {query.start} au {query.end}, évalué au {query.as_of} ({source})\n"
            )
            if not rows:
                out.write("Aucune mesure sur la période.\n")
                return
            write_rows(table, columns, out, "table", labels=[LABELS[c] for c in columns])
        return
    if not args.output:
        msg = f"--format {fmt} writes a file: give --output PATH"
        raise InputRefused(msg)
    path = Path(args.output)
    # `report --known-at` and `reaudit` say which facts they used; a plain report has none.
    known_at: date | None = getattr(args, "known_at", None)
    # Renderers load only when their format is asked: openpyxl alone adds ~0.2 s to every command.
    if fmt == "xlsx":
        from projections.render_xlsx import write_xlsx  # noqa: PLC0415

        write_xlsx(path, query, rows, tracker.rule_set, known_at=known_at)
    else:
        from projections.render_html import HtmlReport, write_html  # noqa: PLC0415

        by_sector = evolve(query, by=("engagement", "section"))
        write_html(
            path,
            HtmlReport(
                title="Engagements QualiPARIS 17, 18 et 19",
                query=query,
                rows=rows,
                sector_rows=build_report(by_sector, triples),
                elapsed=elapsed_by_engagement(query, triples),
                rule_set=tracker.rule_set,
                known_at=known_at,
            ),
        )
    if not args.quiet:
        say(f"report written to {path}")


def elapsed_by_engagement(query: ReportQuery, triples: Sequence[Triple]) -> dict[int, list[int]]:
    """Elapsed values of the measured clocks the report counts, per engagement."""
    found: dict[int, list[int]] = {}
    for section, prestation, clock in triples:
        if query.engagement is not None and clock.engagement != query.engagement:
            continue
        if query.prestation is not None and prestation != query.prestation:
            continue
        if (
            query.section is not None
            and query.section != section
            and (clock.stop is None or sector_of(section, clock.stop) != query.section)
        ):
            continue
        stop = clock.stop
        if stop is None or not query.start <= stop <= query.end:
            continue
        if clock.state_at(query.as_of) in ("met", "breached") and clock.elapsed is not None:
            found.setdefault(clock.engagement, []).append(clock.elapsed)
    return found
