"""Catching up at any points of a history gives the rows a rebuild gives."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

import projections.runner
from adapters.sql_engine import engine_for
from casetrack.application import DossierTracker
from casetrack.facts import Snapshot
from projections.runner import ReadModels
from tests.examples import scaled

FIRST_EXTRACT = date(2025, 1, 3)
NUMBERS = ("N-1", "N-2", "N-3", "N-4")
ORDERED_TABLES = {
    "dossier": "number",
    "measure": "dossier, engagement",
    "dossier_version": "number, known_from",
    "measure_version": "dossier, engagement, known_from",
    "report_cell": "kind, engagement, section, prestation, version, month, outcome, elapsed",
}

#: Days around the extracts, so that clocks start, stop and fall due between catch-ups.
near = st.integers(min_value=-25, max_value=45).map(lambda n: FIRST_EXTRACT + timedelta(days=n))
#: Mostly unknown, so that many clocks stay open from one catch-up to the next.
maybe_near = st.one_of(st.none(), st.none(), near)


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    """A PIAF row of a dossier, dates near the extracts and possibly out of order."""
    decided, notified = draw(maybe_near), draw(maybe_near)
    decision = decided is not None or notified is not None
    return Snapshot(
        section=draw(st.sampled_from(["02", "05", "PC"])),
        prestation=draw(st.sampled_from(["PL", "CSP", "AUTRE"])),
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


#: What one extract says: PIAF rows of some dossiers, or TOPVIR transfer orders.
records = st.one_of(
    st.tuples(st.just("piaf"), st.sampled_from(NUMBERS), snapshots()),
    st.tuples(st.just("topvir"), st.sampled_from(NUMBERS), near),
)
#: Weekly extracts (some saying nothing new), each followed (True) or not by a catch-up.
histories = st.lists(
    st.tuples(st.lists(records, max_size=2), st.booleans()), min_size=3, max_size=8
)


def model_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the read-model tables (SELECT *), in key order."""
    with engine_for(url).connect() as conn:
        return {
            table: [
                tuple(row) for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY {key}"))
            ]
            for table, key in ORDERED_TABLES.items()
        }


def record_extract(tracker: DossierTracker, week: int, extract: list[tuple[Any, ...]]) -> None:
    """Record one week's facts and note the extract in the ledger (the default as-of)."""
    known_on = FIRST_EXTRACT + timedelta(weeks=week)
    for kind, number, value in extract:
        if kind == "piaf":
            snapshot: Snapshot = value
            tracker.record(number, snapshot, known_on)
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


def piaf(number: str, **days: int) -> tuple[str, str, Snapshot]:
    """A PIAF record of a PL dossier filed before the first extract, dates in days from it."""
    dates = {name: FIRST_EXTRACT + timedelta(days=n) for name, n in days.items()}
    return ("piaf", number, Snapshot(section="05", prestation="PL", **dates))


@settings(max_examples=scaled(0.75))
@given(histories, st.integers(min_value=1, max_value=6))
# An untouched open clock falls overdue between two catch-ups (19 is due 7 working days on).
@example([([piaf("N-1", filed_on=-3, first_info_on=-2)], True), ([], True), ([], True)], 50)
# A clock starts between two catch-ups (a first info dated ahead of the extract).
@example([([piaf("N-1", filed_on=-3, first_info_on=4)], True), ([], True)], 50)
# 19 is not applicable (complete, no second info yet), then a second info dated ahead stops it.
@example([([piaf("N-1", filed_on=-9, completed_on=-2, second_info_on=3)], True), ([], True)], 50)
# A first info, then a second info, each caught up: 17's clock (completion to notice) is
# unchanged through three versions, and the third catch-up must continue the run its row
# began two versions before.
@example(
    [
        ([piaf("N-1", filed_on=-9, completed_on=-6, decided_on=-3, notified_on=-2)], True),
        ([piaf("N-1", filed_on=-9, first_info_on=-8, completed_on=-6, decided_on=-3,
               notified_on=-2)], True),
        ([piaf("N-1", filed_on=-9, first_info_on=-8, second_info_on=-7, completed_on=-6,
               decided_on=-3, notified_on=-2)], True),
    ],
    50,
)  # fmt: skip
# Pages of one event: the transfer order of the second week is refolded alone, on top of
# the version its PIAF row began; 18's clock, unchanged since the first week, changes on
# that same date, so its old run must end there.
@example(
    [
        ([piaf("N-1", filed_on=-9, completed_on=-6, decided_on=-3, notified_on=-2)], True),
        ([piaf("N-1", filed_on=-9, first_info_on=-8, completed_on=-6, decided_on=-3,
               notified_on=-2), ("topvir", "N-1", FIRST_EXTRACT + timedelta(days=5))], True),
    ],
    1,
)  # fmt: skip
def test_catch_ups_at_any_points_give_the_rows_of_a_rebuild(
    tmp_path_factory: pytest.TempPathFactory,
    history: list[tuple[list[tuple[Any, ...]], bool]],
    page: int,
) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('models') / 'store.sqlite'}"
    tracker = DossierTracker(url)
    models = ReadModels(tracker)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(projections.runner, "PAGE", page)  # pages split dossiers' events
        for week, (extract, catch_up) in enumerate(history):
            record_extract(tracker, week, extract)
            if catch_up:
                models.catch_up()
        models.catch_up()
        caught_up = model_rows(url)

        models.rebuild()

    assert model_rows(url) == caught_up
    tracker.close()
    engine_for(url).dispose()
