"""Ingestion's memory of each dossier's last row reads back what a naive model expects.

`RowStateStore` keeps, per dossier, the digest of the last applied row and the newest
extraction date that listed it; `states` answers for an extract of day D. PostgreSQL and
SQLite run different statements (arrays on one, IN lists and `executemany` on the other):
both must give the model's answer for any sequence of `remember` calls.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.rowstate import RowState, RowStateStore

DAY0 = date(2025, 1, 3)
_examples = itertools.count()

days = st.integers(min_value=0, max_value=6).map(lambda k: DAY0 + timedelta(weeks=k))
numbers = st.sampled_from(["1", "2", "3", "4", "5"])
digests = st.sampled_from(["a" * 32, "b" * 32, "c" * 32])
calls = st.lists(
    st.tuples(st.dictionaries(numbers, digests, min_size=1, max_size=5), days),
    min_size=1,
    max_size=6,
)


@pytest.fixture
def store(db_url: str) -> Iterator[RowStateStore]:
    rows = RowStateStore(db_url)
    try:
        yield rows
    finally:
        rows.engine.dispose()


def naive_states(
    history: list[tuple[dict[str, str], date]], asked: list[str], day: date
) -> dict[str, RowState]:
    """The last digest and the newest date each dossier was listed, read from `day`."""
    digest: dict[str, str] = {}
    newest: dict[str, date] = {}
    for remembered, seen_on in history:
        for number, value in remembered.items():
            digest[number] = value
            newest[number] = max(newest.get(number, seen_on), seen_on)
    return {
        n: RowState(digest[n], newest[n] if newest[n] > day else None, newest[n] >= day)
        for n in asked
        if n in digest
    }


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=calls, day=days)
def test_states_are_the_last_digest_and_the_newest_listing_on_each_backend(
    store: RowStateStore, history: list[tuple[dict[str, str], date]], day: date
) -> None:
    prefix = f"E{next(_examples)}-"  # one store for every example: each its own dossiers
    for remembered, seen_on in history:
        store.remember({prefix + n: d for n, d in remembered.items()}, seen_on)
    asked = ["1", "2", "3", "4", "5", "6"]
    found = store.states([prefix + n for n in asked], day)
    assert found == {prefix + n: s for n, s in naive_states(history, asked, day).items()}
