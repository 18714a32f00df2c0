"""`casetrack restatements` lists exactly what a naive reading of docs/measures.md restates.

Any weekly history of PIAF rows and TOPVIR orders is recorded; the command runs through the
command line (in this process, JSON). The expectation is built independently: each dossier
replayed on its own as known at K1 and at K2 (`casetrack.dossier.replay`, not the bulk fold
the command uses), measured by tests/naive.py on min(D2, E), and the period rule, the
restated test, the facts that differ and the date of each change spelled out here.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from casetrack.application import DossierTracker
from casetrack.dossier import known_on_of, replay
from casetrack.facts import Facts, Snapshot
from tests.examples import scaled
from tests.integration.cli_runs import in_process
from tests.naive import naive_measure

FIRST_EXTRACT = date(2025, 1, 3)
NUMBERS = ("N-1", "N-2", "N-3")
ENGAGEMENTS = (17, 18, 19)
FACTS = (
    "section",
    "prestation",
    "filed_on",
    "first_info_on",
    "second_info_on",
    "completed_on",
    "decided_on",
    "notified_on",
    "outcome",
    "ordered_on",
    "closed_on",
)

near = st.integers(min_value=-25, max_value=45).map(lambda n: FIRST_EXTRACT + timedelta(days=n))
maybe_near = st.one_of(st.none(), st.none(), near)


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    """A PIAF row, dates near the extracts, possibly out of order or corrected later."""
    decided, notified = draw(maybe_near), draw(maybe_near)
    decision = decided is not None or notified is not None
    return Snapshot(
        section=draw(st.sampled_from(["05", "06"])),
        prestation=draw(st.sampled_from(["PL", "PL", "AUTRE"])),
        filed_on=draw(near),
        first_info_on=draw(maybe_near),
        second_info_on=draw(maybe_near),
        completed_on=draw(maybe_near),
        decided_on=decided,
        notified_on=notified,
        outcome=draw(st.sampled_from(["ACCORD", "REJET"])) if decision else None,
        ordered_on=draw(maybe_near),
        closed=draw(st.sampled_from([False, False, False, True])),
    )


records = st.one_of(
    st.tuples(st.just("piaf"), st.sampled_from(NUMBERS), snapshots()),
    st.tuples(st.just("topvir"), st.sampled_from(NUMBERS), near),
)
#: Weekly extracts, each with a few records, so that most histories correct something.
histories = st.lists(st.lists(records, min_size=1, max_size=4), min_size=2, max_size=6)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[list[tuple[Any, ...]]], dict[str, Any]]:
    """A history, and a question on it: D1 <= D2, E >= D1, K1 an extract's date, K2 a later
    one or the default (None, the latest)."""
    history = draw(histories)
    # Periods around the first weeks, K1 before the last extract: where restatements are.
    start = FIRST_EXTRACT + timedelta(days=draw(st.integers(-25, 20)))
    first = draw(st.integers(0, max(0, len(history) - 2)))
    second = draw(st.one_of(st.none(), st.integers(first, len(history) - 1)))
    return history, {
        "start": start,
        "end": start + timedelta(days=draw(st.integers(0, 60))),
        "as_of": start + timedelta(days=draw(st.integers(0, 60))),
        "known_at": FIRST_EXTRACT + timedelta(weeks=first),
        "now": None if second is None else FIRST_EXTRACT + timedelta(weeks=second),
    }


def record(tracker: DossierTracker, history: list[list[tuple[Any, ...]]]) -> None:
    """Record each week's rows and note its extract in the ledger (the default K2)."""
    for week, extract in enumerate(history):
        known_on = FIRST_EXTRACT + timedelta(weeks=week)
        for kind, number, value in extract:
            if kind == "piaf":
                tracker.record(number, value, known_on)
            elif tracker.dossier(number) is not None:
                tracker.record_transfer(number, value, f"LOT-{week}", known_on)
        ledger = tracker.ledger()
        ledger.file_ingested(
            kind="piaf",
            name=f"piaf_{known_on:%Y%m%d}.csv",
            sha256=f"{week:064x}",
            extracted_on=known_on,
            rows=len(extract),
            quarantined=0,
        )
        tracker.save(ledger)


def side(facts: Facts | None, engagement: int, q: dict[str, Any]) -> tuple[Any, ...]:
    """(status, elapsed, in the period?) of one measure on one side, naively: in the period
    when open on min(D2, E), or stopped with its stop date in D1..D2."""
    found = naive_measure(facts, engagement, min(q["end"], q["as_of"])) if facts else None
    if found is None:
        return None, None, False
    stopped = found.status in ("met", "breached", "invalid")
    inside = found.stop is not None and q["start"] <= found.stop <= q["end"]
    return (
        found.status,
        found.elapsed,
        found.status in ("pending", "overdue") or (stopped and inside),
    )


def naive_known_on(events: list[Any], known_at: date | None, fact: str) -> str:
    """The known_on of the last event (known at K2) after which the fact took a new value,
    found by replaying ever longer prefixes of the dossier's history."""
    found, previous = "", None
    for end in range(1, len(events) + 1):
        dossier = replay(events[:end], known_at)
        value = getattr(dossier.facts, fact) if dossier is not None else None
        if value != previous:
            found = known_on_of(events[end - 1]).isoformat()
        previous = value
    return found


def expected(
    tracker: DossierTracker, q: dict[str, Any]
) -> tuple[list[tuple[Any, ...]], Counter[int]]:
    """The lines (dossier, engagement, statuses, elapsed, fact, old, new, known_on), naively,
    and the number of restated measures per engagement."""
    lines: list[tuple[Any, ...]] = []
    totals: Counter[int] = Counter()
    for number in NUMBERS:
        events = tracker.history(number)
        # Two replays of the dossier's own stream, one per date of knowledge.
        then, now = replay(events, q["known_at"]), replay(events, q["now"])
        if now is None:
            continue
        before, after = (then.facts if then else None), now.facts
        old = {f: getattr(before, f) if before else None for f in FACTS}
        changed = [f for f in FACTS if old[f] != getattr(after, f)]
        for engagement in ENGAGEMENTS:
            b, a = side(before, engagement, q), side(after, engagement, q)
            if b[:2] == a[:2] or not (b[2] or a[2]):
                continue
            totals[engagement] += 1
            for fact in changed:
                new, when = getattr(after, fact), naive_known_on(events, q["now"], fact)
                values = (*b[:2], *a[:2], fact, _text(old[fact]), _text(new), when)
                lines.append((number, engagement, *values))
    return lines, totals


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def command(url: str, q: dict[str, Any]) -> dict[str, Any]:
    """`casetrack restatements ... --format json` through the command line."""
    argv = ["--db", url, "-q", "restatements", "--format", "json"]
    for option, key in (("--from", "start"), ("--to", "end"), ("--as-of", "as_of")):
        argv += [option, q[key].isoformat()]
    argv += ["--known-at", q["known_at"].isoformat()]
    if q["now"] is not None:
        argv += ["--now", q["now"].isoformat()]
    done = in_process(*argv)
    assert done.code == 0, done.err
    found: dict[str, Any] = json.loads(done.out)
    return found


LATE_NOTIFICATION = Snapshot(
    "05",
    "PL",
    FIRST_EXTRACT,
    completed_on=FIRST_EXTRACT,
    decided_on=FIRST_EXTRACT + timedelta(days=2),
    notified_on=FIRST_EXTRACT + timedelta(days=2),
    outcome="ACCORD",
)
EARLY = Snapshot("05", "PL", FIRST_EXTRACT, completed_on=FIRST_EXTRACT)


@settings(max_examples=scaled(1.5))
@given(cases())
# A notification known a week late stops inside the period a 17 that was open at K1.
@example(
    (
        [[("piaf", "N-1", EARLY)], [("piaf", "N-1", LATE_NOTIFICATION)]],
        {
            "start": FIRST_EXTRACT,
            "end": FIRST_EXTRACT + timedelta(days=5),
            "as_of": FIRST_EXTRACT + timedelta(days=5),
            "known_at": FIRST_EXTRACT,
            "now": None,
        },
    )
)
def test_the_restated_measures_are_those_a_naive_reading_finds(
    tmp_path_factory: pytest.TempPathFactory,
    case: tuple[list[list[tuple[Any, ...]]], dict[str, Any]],
) -> None:
    history, q = case
    url = f"sqlite:///{tmp_path_factory.mktemp('restated') / 'store.sqlite'}"
    tracker = DossierTracker(url)
    try:
        record(tracker, history)
        lines, totals = expected(tracker, q)
    finally:
        tracker.close()

    event("something restated" if lines else "nothing restated")
    found = command(url, q)

    keys = ("dossier", "engagement", "status_before", "elapsed_before", "status_after")
    keys += ("elapsed_after", "fact", "old", "new", "known_on")
    assert [tuple(i[k] for k in keys) for i in found["restatements"]] == lines
    restated = {t["engagement"]: t["restated"] for t in found["totals"] if t["section"] is None}
    assert {e: n for e, n in restated.items() if n} == dict(totals)
