"""How the core's `measures` command runs, from the event store alone.

Imported when it runs (casetrack.lazy); its parser is in casetrack.commands, and `dossier`'s
handler is in casetrack.dossier_view.
"""

from __future__ import annotations

import argparse

from casetrack.context import CommandContext
from casetrack.known_facts import facts_known_at
from casetrack.measures import measure_all
from casetrack.output import MEASURE_COLUMNS, measure_row, write_rows


def cmd_measures(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Per-dossier measures from the event store, in docs/measures.md's columns."""
    tracker = ctx.tracker()
    as_of = ctx.evaluation_date(tracker, args.as_of, args.known_at)
    known = (
        tracker.all_facts()
        if args.known_at is None
        else facts_known_at(tracker, args.known_at, note=ctx.note)
    )
    rows = (
        measure_row(facts, m)
        for facts in known
        for m in measure_all(facts, tracker.rule_set, tracker.calendar, as_of)
    )
    with ctx.output(args.output) as out:
        write_rows(rows, MEASURE_COLUMNS, out, args.format)
    return 0
