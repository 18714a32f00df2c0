"""How `casetrack latency` runs: one read of the notification log, the three parts, output.

Imported when the command runs (casetrack.lazy); its parser is projections.latency_cli.
"""

from __future__ import annotations

import argparse
from typing import Final

from casetrack.application import DossierTracker
from casetrack.context import CommandContext
from casetrack.errors import InputRefused
from casetrack.eventstore import is_dossier_topic
from casetrack.progress import Progress
from projections.latency import LatencyAudit, delay_rows, delays
from projections.latency_fold import DossierTrail, LatencyFolder
from projections.latency_output import write_latency
from projections.latency_stops import backdated, late_known

#: Progress is counted in batches: a call per event would cost a year's read a second.
_BATCH: Final = 4096


def cmd_latency(args: argparse.Namespace, ctx: CommandContext) -> int:
    """The data-latency audit of --from..--to, from the event store (never written)."""
    check_arguments(args)
    tracker = ctx.tracker()
    trails = read_trails(tracker, ctx.progress("latency: events read", unit="events"))
    as_of = tracker.default_as_of()
    rule_set, calendar = tracker.rule_set, tracker.calendar
    start, end = args.start, args.end
    audit = LatencyAudit(
        start=start,
        end=end,
        as_of=as_of,
        keys=args.by,
        rule_set=rule_set.id,
        delays=tuple(delay_rows(delays(trails, start, end), args.by)),
        late_known=tuple(
            late_known(trails, rule_set, calendar, start, end, as_of) if as_of else ()
        ),
        backdated=tuple(backdated(trails, rule_set, calendar, start, end)),
    )
    write_latency(args, audit)
    return 0


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse, before the store is opened, options that cannot all be honoured."""
    if args.end < args.start:
        msg = f"--to {args.end} is before --from {args.start}: swap them"
        raise InputRefused(msg)
    if args.part is not None and args.format != "csv":
        msg = (
            f"--part chooses the one table a CSV holds; --format {args.format} holds all "
            "three parts: drop --part, or add --format csv"
        )
        raise InputRefused(msg)
    if args.format in ("xlsx", "html") and not args.output:
        msg = f"--format {args.format} writes a file: give --output PATH"
        raise InputRefused(msg)


def read_trails(tracker: DossierTracker, progress: Progress) -> list[DossierTrail]:
    """Every dossier's trail, from one pass over the notification log."""
    folder = LatencyFolder(tracker.rule_set.ordered)
    event_state = tracker.mapper.event_state
    count = 0
    for notification in tracker.iter_notifications():
        topic = notification.topic
        if is_dossier_topic(topic):
            cls, payload = event_state(topic, notification.state)
            folder.apply(notification.originator_id, cls.__name__, payload)
        count += 1
        if count == _BATCH:
            progress.advance(count)
            count = 0
    progress.advance(count)
    progress.finish()
    return list(folder.dossiers())
