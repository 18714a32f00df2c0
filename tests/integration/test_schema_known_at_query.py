"""The "as known at K" SQL example of docs/schema.md runs and gives casetrack's answer.

The example reads `measure_version` with the status rules written out in SQL; the
expected rows come from a replay of the events known at K and `Clock.state_at`, so
the documented query, the version rows and the replay must all agree.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from adapters.synthetic import GeneratedFiles, generate
from casetrack.application import DossierTracker
from casetrack.facts import sector_of
from projections.runner import ReadModels
from projections.source import event_store_rows

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"
KNOWN_AT, AS_OF = date(2025, 4, 4), date(2025, 3, 31)
PERIOD = (date(2025, 3, 1), date(2025, 3, 31))


def documented_query() -> str:
    """The SQL block that follows the "as known at K" paragraph."""
    doc = SCHEMA_DOC.read_text(encoding="utf-8")
    after = doc[doc.index("Engagement 17 as known at K") :]
    found = re.search(r"```sql\n(.*?)```", after, re.DOTALL)
    assert found is not None
    return found.group(1)


@pytest.fixture(scope="module")
def spring(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    return generate(tmp_path_factory.mktemp("spring"), year=2025, dossiers=300, seed=23)


def test_the_documented_known_at_query_gives_the_replays_measures(
    db_url: str, spring: GeneratedFiles
) -> None:
    tracker = DossierTracker(db_url)
    ingestor = Ingestor(tracker)
    # Weeks after K too: what is known now differs from what was known at K.
    for piaf, topvir in list(zip(spring.piaf, spring.topvir, strict=True))[:22]:
        ingestor.ingest_piaf(piaf)
        ingestor.ingest_topvir(topvir)
    ReadModels(tracker).catch_up()
    expected = []
    for number, section, _, clock in event_store_rows(
        tracker, tracker.rule_set, tracker.all_facts(KNOWN_AT)
    ):
        stopped_in = clock.stop is not None and PERIOD[0] <= clock.stop <= PERIOD[1]
        open_on = (
            clock.start is not None
            and clock.start <= AS_OF
            and (clock.stop is None or clock.stop > AS_OF)
        )
        if clock.engagement == 17 and (stopped_in or open_on):
            anchor = clock.stop or clock.start
            assert anchor is not None
            state = clock.state_at(AS_OF)
            expected.append(
                (
                    number,
                    sector_of(section, anchor),
                    clock.start,
                    clock.stop,
                    clock.due,
                    clock.elapsed,
                    None if clock.outcome is None else str(clock.outcome),
                    None if state is None else str(state),
                )
            )

    with engine_for(db_url).connect() as conn:
        rows = conn.execute(text(documented_query())).all()

    found = [
        (r[0], r[1], *(date.fromisoformat(v) if isinstance(v, str) else v for v in r[2:5]), *r[5:])
        for r in rows
    ]
    assert len(expected) > 20
    assert {row[-1] for row in expected} >= {"met", "pending"}
    assert found == expected
