"""The notification log read raw (records.log_pages) holds what the recorder's own read does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from attrs import evolve

from adapters.sql_engine import engine_for
from casetrack.application import DossierTracker
from casetrack.eventstore import FactsFolder
from casetrack.eventstore.records import log_pages
from casetrack.facts import Snapshot

KNOWN = date(2025, 3, 14)


@pytest.fixture
def tracker(db_url: str) -> Iterator[DossierTracker]:
    """A store of 40 dossiers, a third of them corrected once."""
    app = DossierTracker(db_url)
    for i in range(40):
        filed = Snapshot(section="05", prestation="PL", filed_on=date(2025, 1, 2 + i % 20))
        app.record(f"N{i:03d}", filed, KNOWN)
        if i % 3 == 0:
            app.record(f"N{i:03d}", evolve(filed, section="06"), KNOWN)  # a correction
    try:
        yield app
    finally:
        app.close()
        engine_for(db_url).dispose()


def as_recorded(row: Any) -> tuple[int, UUID, int, str, bytes]:
    """A raw row with its stream id read as the recorder reads it."""
    ident = row[1] if isinstance(row[1], UUID) else UUID(row[1])
    return row[0], ident, row[2], row[3], bytes(row[4])


def test_raw_pages_hold_the_recorders_notifications_in_order(tracker: DossierTracker) -> None:
    last = tracker.recorder.max_notification_id() or 0
    expected = [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state)
        for n in tracker.recorder.select_notifications(1, 1_000)
    ]

    pages = list(log_pages(tracker.recorder, 1, last, size=7))

    assert len(expected) == last > 50
    assert [as_recorded(row) for page in pages for row in page] == expected
    assert all(len(page) <= 7 for page in pages)


def test_raw_pages_stop_and_start_where_asked(tracker: DossierTracker) -> None:
    ids = [n.id for n in tracker.recorder.select_notifications(1, 1_000)]

    found = [
        row[0] for page in log_pages(tracker.recorder, ids[5], ids[20], size=4) for row in page
    ]

    assert found == ids[5:21]


def test_a_fold_of_raw_pages_equals_a_fold_of_notifications(tracker: DossierTracker) -> None:
    raw, notified = FactsFolder(tracker.mapper), FactsFolder(tracker.mapper)
    last = tracker.recorder.max_notification_id() or 0
    for page in log_pages(tracker.recorder, 1, last, size=9):
        raw.apply_rows(page)
    for n in tracker.recorder.select_notifications(1, 1_000):
        notified.apply_stored(n)

    assert list(raw.results()) == list(notified.results())
