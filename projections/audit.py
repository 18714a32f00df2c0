"""Re-audit of a past period "as known at" a date, and reproducible audit samples."""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from attrs import evolve, frozen

from casetrack.application import DossierTracker
from casetrack.cli import iso_date, open_tracker, output_stream
from casetrack.clocks import clock_of
from casetrack.errors import InputRefused
from casetrack.facts import Facts, sector_of
from casetrack.history import one_line
from casetrack.output import write_rows
from casetrack.reporting import FIGURES, LABELS, ReportQuery, ReportRow, build_report
from casetrack.rules import load_rule_set
from projections.commands import build_query, report_options
from projections.reports import (
    Triple,
    clocks_of,
    emit_report,
    event_store_clocks,
    french_value,
    json_value,
    machine_value,
)

COMPARE_KEYS = ("engagement", "section")
CHANGE_COLUMNS = (
    "dossier",
    "section",
    "prestation",
    "engagement",
    "status_known_at",
    "status_now",
    "stop_known_at",
    "stop_now",
)
SAMPLE_COLUMNS = ("stratum", "dossier", "section", "prestation", "measures", "history")


@frozen
class StatusChange:
    """A dossier whose status in the period differs between what was known at K and now."""

    dossier: str
    section: str
    prestation: str
    engagement: int
    status_known_at: str
    status_now: str
    stop_known_at: date | None
    stop_now: date | None


def register(commands: Any) -> None:
    """Add `reaudit` and `sample` to the `casetrack` parser."""
    p = commands.add_parser("reaudit", help="a past period's report as known at a date")
    report_options(p)
    p.add_argument("--known-at", type=iso_date, required=True, help="facts known at this date")
    p.add_argument("--as-of", type=iso_date, help="evaluation date (default: --known-at)")
    p.add_argument(
        "--compare",
        action="store_true",
        help="set the figures known at K beside those known now; list changes",
    )
    p.set_defaults(handler=cmd_reaudit)

    p = commands.add_parser("sample", help="a reproducible stratified audit sample")
    p.add_argument("--from", dest="start", type=iso_date, required=True)
    p.add_argument("--to", dest="end", type=iso_date, required=True)
    p.add_argument("--per-section", type=int, required=True, help="dossiers per sector")
    p.add_argument("--seed", required=True, help="any text or number; same seed, same sample")
    p.add_argument("--engagement", type=int, choices=(17, 18, 19))
    p.add_argument("--as-of", type=iso_date)
    p.add_argument("--format", choices=("table", "csv"), default="csv")
    p.add_argument("--output")
    p.set_defaults(handler=cmd_sample)


def _tracker(args: argparse.Namespace) -> DossierTracker:
    tracker = open_tracker(args)
    if args.rules:
        tracker.rule_set = load_rule_set(Path(args.rules))
    return tracker


def cmd_reaudit(args: argparse.Namespace) -> int:
    """Report with facts known at K, computed from the event store only."""
    tracker = _tracker(args)
    known_at: date = args.known_at
    as_of = args.as_of or known_at
    query = build_query(args, as_of)
    if not args.compare:
        then = event_store_clocks(tracker, tracker.rule_set, known_at)
        rows = build_report(query, then)
        emit_report(args, tracker, query, rows, then, f"event store, known at {known_at}")
        return 0
    now_as_of = tracker.default_as_of() or as_of
    # One read of the event store folds both sides: facts known at K, and known now.
    then_facts, now_facts = tracker.all_facts_at(known_at, None)
    then = clocks_of(tracker, tracker.rule_set, then_facts)
    now = clocks_of(tracker, tracker.rule_set, now_facts)
    compare = evolve(query, by=COMPARE_KEYS)
    before = build_report(compare, then)
    after = build_report(evolve(compare, as_of=now_as_of), now)
    changes = status_changes(
        tracker, compare, known_at, now_as_of, then_facts, now_facts, then, now
    )
    write_comparison(args, known_at, now_as_of, before, after, changes)
    return 0


def status_changes(
    tracker: DossierTracker,
    query: ReportQuery,
    known_at: date,
    now_as_of: date,
    then_facts: list[Facts],
    now_facts: list[Facts],
    then: list[Triple],
    now: list[Triple],
) -> list[StatusChange]:
    """Dossiers whose status at the period's end differs between known-at-K and now.

    `then` and `now` are the clocks of `then_facts` and `now_facts`, engagement by
    engagement in rule-set order, as `clocks_of` lists them.
    """
    width = len(tracker.rule_set.ordered)
    earlier_index = {f.number: i for i, f in enumerate(then_facts)}
    changes = []
    for position, facts in enumerate(now_facts):
        earlier = earlier_index.get(facts.number)
        for offset, engagement in enumerate(tracker.rule_set.ordered):
            if query.engagement is not None and engagement.number != query.engagement:
                continue
            now_clock = now[position * width + offset][2]
            then_clock = then[earlier * width + offset][2] if earlier is not None else None
            then_status = (
                then_clock.state_at(min(query.end, known_at)) if then_clock else None
            ) or "-"
            now_status = now_clock.state_at(min(query.end, now_as_of)) or "-"
            if then_status == now_status or not _in_period(query, then_clock, now_clock):
                continue
            changes.append(
                StatusChange(
                    facts.number,
                    facts.section,
                    facts.prestation,
                    engagement.number,
                    then_status,
                    now_status,
                    then_clock.stop if then_clock else None,
                    now_clock.stop,
                )
            )
    return changes


def _in_period(query: ReportQuery, *clocks: Any) -> bool:
    for clock in clocks:
        if clock is None or clock.start is None:
            continue
        if clock.stop is not None and query.start <= clock.stop <= query.end:
            return True
        if clock.start <= query.end and (clock.stop is None or clock.stop > query.start):
            return True
    return False


def write_comparison(
    args: argparse.Namespace,
    known_at: date,
    now_as_of: date,
    before: Sequence[ReportRow],
    after: Sequence[ReportRow],
    changes: Sequence[StatusChange],
) -> None:
    """The side-by-side figures and the list of changed dossiers."""
    as_json = args.format == "json"
    keyed: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(dict)
    for side, rows in (("known_at", before), ("now", after)):
        for row in rows:
            key = (row.engagement, row.section)
            for figure in FIGURES:
                value = getattr(row, figure)
                keyed[key][f"{figure}_{side}"] = (
                    json_value(figure, value) if as_json else machine_value(figure, value)
                )
    columns = [*COMPARE_KEYS] + [f"{f}_{s}" for s in ("known_at", "now") for f in FIGURES]
    figures = [{"engagement": k[0], "section": k[1], **v} for k, v in sorted(keyed.items())]
    change_rows = [{c: getattr(ch, c) for c in CHANGE_COLUMNS} for ch in changes]
    with output_stream(args.output) as out:
        if args.format == "json":
            changes_json = [{k: json_value(k, v) for k, v in c.items()} for c in change_rows]
            json.dump({"figures": figures, "changes": changes_json}, out, indent=1)
            out.write("\n")
        elif args.format == "csv":
            write_rows(figures, columns, out, "csv")
        else:
            out.write(f"Réaudit : connu au {known_at} comparé à connu au {now_as_of}\n")
            short = ("measured", "met", "breached", "rate", "invalid")
            cols = [*COMPARE_KEYS] + [f"{f}_{s}" for f in short for s in ("known_at", "now")]
            labels = [LABELS[c] for c in COMPARE_KEYS] + [
                f"{LABELS[f]} ({'K' if s == 'known_at' else 'maintenant'})"
                for f in short
                for s in ("known_at", "now")
            ]
            table = (
                {c: french_value(c.rsplit("_", 1)[0] if "rate" in c else c, r.get(c)) for c in cols}
                for r in figures
            )
            write_rows(table, cols, out, "table", labels=labels)
            out.write(f"\nDossiers dont le statut a changé : {len(changes)}\n")
            write_rows(change_rows, CHANGE_COLUMNS, out, "table")


def sample_key(seed: str, number: str) -> str:
    """A draw order that depends only on the seed and the dossier number (any machine)."""
    return hashlib.sha256(f"{seed}\x1f{number}".encode()).hexdigest()


def cmd_sample(args: argparse.Namespace) -> int:
    """Stratified random sample of measured dossiers, reproducible from its seed."""
    if args.per_section < 1:
        msg = "--per-section must be at least 1"
        raise InputRefused(msg)
    tracker = open_tracker(args)
    as_of = args.as_of or tracker.default_as_of()
    if as_of is None:
        msg = "nothing ingested yet: give --as-of AAAA-MM-JJ"
        raise InputRefused(msg)
    strata: dict[str, list[tuple[str, Facts, str]]] = defaultdict(list)
    for facts in tracker.all_facts(None):
        summary, stratum = _measured(tracker, facts, args, as_of)
        if stratum is not None:
            strata[stratum].append((sample_key(args.seed, facts.number), facts, summary))
    rows = []
    for stratum in sorted(strata):
        for _, facts, summary in sorted(strata[stratum], key=lambda t: t[0])[: args.per_section]:
            rows.append(
                {
                    "stratum": stratum,
                    "dossier": facts.number,
                    "section": facts.section,
                    "prestation": facts.prestation,
                    "measures": summary,
                    "history": one_line(tracker.history(facts.number)),
                }
            )
    with output_stream(args.output) as out:
        write_rows(rows, SAMPLE_COLUMNS, out, args.format)
    return 0


def _measured(
    tracker: DossierTracker, facts: Facts, args: argparse.Namespace, as_of: date
) -> tuple[str, str | None]:
    """A dossier's measures in one line, and its stratum if it was measured in the range."""
    parts, stratum = [], None
    for engagement in tracker.rule_set.ordered:
        clock = clock_of(facts, engagement, tracker.calendar)
        state = clock.state_at(as_of)
        if state is None:
            continue
        text = f"{engagement.number}:{state}"
        if clock.elapsed is not None and state in ("met", "breached"):
            text += f" {clock.elapsed}"
        parts.append(text)
        wanted = args.engagement is None or args.engagement == engagement.number
        stop = clock.stop
        if (
            wanted
            and state in ("met", "breached")
            and stop is not None
            and args.start <= stop <= args.end
        ):
            stratum = sector_of(facts.section, stop)
    return "; ".join(parts), stratum
