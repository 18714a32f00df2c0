"""The version tables answer "as known at K" exactly as a replay of the events known by K.

Extracts come in any order of extraction date (an older one ingested after a newer one,
the same date twice), catch-ups at any points, pages splitting dossiers' events; for any
K, the rows of `dossier_version` and `measure_version` known at K give the facts and the
clocks a replay of only the events known on or before K gives, after the catch-ups and
after a rebuild.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import projections.runner
from adapters.sql_engine import engine_for
from casetrack.application import DossierTracker
from casetrack.dossier import replay
from casetrack.facts import Snapshot
from projections import queries
from projections.runner import ReadModels
from projections.source import event_store_rows
from tests.examples import scaled
from tests.property.test_read_model_properties import FIRST_EXTRACT, piaf, records

#: Extracts, each with its week (any order, repeats allowed) and whether a catch-up follows.
histories = st.lists(
    st.tuples(st.integers(min_value=0, max_value=6), st.lists(records, max_size=2), st.booleans()),
    min_size=1,
    max_size=7,
)
#: Dates asked: before the first extract, on extraction dates, and between them.
known_ats = st.lists(
    st.integers(min_value=-3, max_value=48).map(lambda n: FIRST_EXTRACT + timedelta(days=n)),
    min_size=1,
    max_size=4,
)


def record_extract(tracker: DossierTracker, week: int, extract: list[tuple[Any, ...]]) -> None:
    """Record one extract's facts, known on the extraction date of `week`."""
    known_on = FIRST_EXTRACT + timedelta(weeks=week)
    for kind, number, value in extract:
        if kind == "piaf":
            snapshot: Snapshot = value
            tracker.record(number, snapshot, known_on)
        elif tracker.dossier(number) is not None:
            tracker.record_transfer(number, value, f"LOT-{week}", known_on)


def assert_rows_answer_as_the_replay(tracker: DossierTracker, url: str, days: list[date]) -> None:
    rule_set = tracker.rule_set
    for known_at in days:
        replayed = list(tracker.all_facts(known_at))
        assert queries.facts_known_at(url, known_at) == replayed, known_at
        # The aggregate's own replay, stream by stream, agrees with the bulk fold above.
        for facts in replayed:
            dossier = replay(tracker.history(facts.number), known_at)
            assert dossier is not None and dossier.facts == facts
        expected = list(event_store_rows(tracker, rule_set, replayed))
        found = list(queries.clocks(url, known_at=known_at, applicable_only=False))
        assert found == expected, known_at


@settings(max_examples=scaled(0.75))
@given(histories, known_ats, st.integers(min_value=1, max_value=6))
# An older extract ingested after a newer one: the dossier's versions are not a prefix.
@example(
    [
        (2, [piaf("N-1", filed_on=-9, completed_on=10)], True),
        (1, [piaf("N-1", filed_on=-9, completed_on=3, notified_on=6)], True),
    ],
    [FIRST_EXTRACT + timedelta(days=n) for n in (6, 7, 13, 14, 20)],
    50,
)
# A dossier known only from a later week, then reported again the same week.
@example(
    [
        (3, [piaf("N-2", filed_on=-3, first_info_on=-2)], False),
        (3, [piaf("N-2", filed_on=-3, first_info_on=-2, second_info_on=20)], True),
    ],
    [FIRST_EXTRACT + timedelta(days=n) for n in (20, 21, 22)],
    1,
)
def test_rows_known_at_any_date_are_those_of_the_replay(
    tmp_path_factory: pytest.TempPathFactory,
    history: list[tuple[int, list[tuple[Any, ...]], bool]],
    days: list[date],
    page: int,
) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('versions') / 'store.sqlite'}"
    tracker = DossierTracker(url)
    models = ReadModels(tracker)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(projections.runner, "PAGE", page)  # pages split dossiers' events
        for week, extract, catch_up in history:
            record_extract(tracker, week, extract)
            if catch_up:
                models.catch_up()
        models.catch_up()
        assert_rows_answer_as_the_replay(tracker, url, days)

        models.rebuild()
        assert_rows_answer_as_the_replay(tracker, url, days)
    tracker.close()
    engine_for(url).dispose()
