"""The `report_cell` SQL examples of docs/schema.md run and give the replay's counts.

The expected counts come from the clocks of a replay of every event, counted one by one
with `Clock.state_at`: the cells the catch-ups kept week by week, the documented
queries, and the replay must agree.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from adapters.synthetic import GeneratedFiles, generate
from casetrack.application import DossierTracker
from projections.runner import ReadModels
from projections.source import event_store_rows

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"
JUNE_END = date(2025, 6, 30)


def documented_queries() -> list[str]:
    """The two statements of the SQL block after the `report_cell` section's title."""
    doc = SCHEMA_DOC.read_text(encoding="utf-8")
    after = doc[doc.index("## `report_cell`") :]
    found = re.search(r"```sql\n(.*?)```", after, re.DOTALL)
    assert found is not None
    return [s.strip() for s in found.group(1).split(";") if "SELECT" in s]


@pytest.fixture(scope="module")
def half_year(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    return generate(tmp_path_factory.mktemp("half"), year=2025, dossiers=400, seed=29)


def test_the_documented_cell_queries_give_the_replays_counts(
    db_url: str, half_year: GeneratedFiles
) -> None:
    tracker = DossierTracker(db_url)
    ingestor, models = Ingestor(tracker), ReadModels(tracker)
    for piaf, topvir in list(zip(half_year.piaf, half_year.topvir, strict=True))[:40]:
        ingestor.ingest_piaf(piaf)
        ingestor.ingest_topvir(topvir)
        models.catch_up()  # the cells as the weekly catch-ups keep them
    stopped: Counter[str] = Counter()
    open_at_june_end: Counter[tuple[str, str]] = Counter()
    for _, section, _, clock in event_store_rows(tracker, tracker.rule_set, tracker.all_facts()):
        if not clock.applicable or clock.start is None:
            continue
        stop = clock.stop
        if (
            clock.engagement == 19
            and stop is not None
            and stop.year == 2025
            and clock.excluded_from is None
            and clock.start <= stop
        ):
            stopped[str(clock.outcome)] += 1
        state = clock.state_at(JUNE_END)
        if clock.engagement == 17 and state is not None and str(state) in ("pending", "overdue"):
            open_at_june_end[(section, "P" if str(state) == "pending" else "O")] += 1

    by_outcome, by_section = documented_queries()
    with engine_for(db_url).connect() as conn:
        found_stopped = dict(conn.execute(text(by_outcome)).all())
        found_open = {(s, k): n for s, k, n in conn.execute(text(by_section)).all() if n}

    assert sum(stopped.values()) > 50
    assert {"met", "breached"} <= set(stopped)
    assert found_stopped == dict(stopped)
    assert len(open_at_june_end) > 5
    assert found_open == dict(open_at_june_end)
    tracker.close()
