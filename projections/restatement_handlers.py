"""How `restatements` runs: the event store read once for both dates of knowledge, then the
histories of the restated dossiers alone for the date of each change.

Imported when the command runs (casetrack.lazy); its parser is in projections.restatements,
the diff itself in projections.restatement_diff (pure, fed here from the event store).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from casetrack.context import CommandContext
from casetrack.dossier import Dossier, effects, known_on_of
from casetrack.errors import InputRefused
from projections.restatement_diff import Window, lines, pairs_of, restatements
from projections.restatement_output import write_restatements


def cmd_restatements(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Measures restated between the facts known at K1 and at K2, with their causes."""
    _check_paths(args)
    known_at: date = args.known_at
    if args.now is not None and args.now < known_at:
        msg = f"--known-at {known_at} is after --now {args.now}: K1 must come first; swap them"
        raise InputRefused(msg)
    # Checked before the store is read: a wrong range is refused at once.
    window = Window(args.start, args.end, args.as_of or known_at)
    tracker = ctx.tracker()
    now: date | None = args.now or tracker.default_as_of()
    if now is None:
        msg = "nothing ingested yet: there is nothing to compare"
        raise InputRefused(msg)
    if now < known_at:
        msg = (
            f"--known-at {known_at} is after the latest extract ingested ({now}): nothing "
            "became known after it; give an earlier --known-at"
        )
        raise InputRefused(msg)
    # One read of the event store folds both sides (without --now: everything known).
    before, after = tracker.all_facts_at(known_at, args.now)
    rule_set, calendar = tracker.rule_set, tracker.calendar
    pairs = pairs_of(before, after, rule_set, calendar)
    found = restatements(pairs, rule_set, calendar, window, known_at=known_at, now=now)
    # Only the restated dossiers' histories are read, for the date each change was known.
    dates = {n: value_known_on(tracker.history(n), args.now) for n in found.dossiers}
    write_restatements(args, found, lines(found.measures, dates), rule_set)
    return 0


def value_known_on(events: Iterable[object], known_at: date | None) -> dict[str, date]:
    """For each fact, the `known_on` of the event that gave it its value known at `known_at`.

    The events are folded as `casetrack.dossier.fold` does (recording order, those known
    after `known_at` skipped); an event that sets a fact to the value it already holds does
    not move its date, so the date is the extract that first reported the value in force.
    """
    values: dict[str, object] = {}
    since: dict[str, date] = {}
    for event in events:
        if not isinstance(event, Dossier.Event):
            continue
        known_on = known_on_of(event)
        if known_at is not None and known_on > known_at:
            continue
        for fact, value in effects(type(event).__name__, **vars(event)).items():
            if fact not in values or values[fact] != value:
                values[fact] = value
                since[fact] = known_on
    return since


def _check_paths(args: argparse.Namespace) -> None:
    # Refused before any work: the second CSV would overwrite the first.
    if args.totals and args.output and Path(args.totals).resolve() == Path(args.output).resolve():
        msg = "--totals and --output name the same file: give two paths"
        raise InputRefused(msg)
