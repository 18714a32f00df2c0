"""The status rules in SQL (`projections.comparison_rows`) are `Clock.state_at`'s.

`reaudit --compare` has the database evaluate both sides' statuses. Every clock of a
store is evaluated on each of its own dates (start, stop, due, overdue, exclusion,
unmeasured, closure), the day before and the day after, where a status changes or does
not: in SQL on one side, by `Clock.state_at` on the other.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from adapters.synthetic import generate
from casetrack.application import DossierTracker
from projections import comparison_rows
from projections.runner import ReadModels
from projections.source import event_store_rows


def test_the_sql_status_is_the_clocks_state_on_each_of_its_dates(
    db_url: str, tmp_path: Path
) -> None:
    files = generate(tmp_path / "files", year=2025, dossiers=250, seed=31)
    tracker = DossierTracker(db_url)
    ingestor = Ingestor(tracker)
    for piaf, topvir in list(zip(files.piaf, files.topvir, strict=True))[:36]:
        ingestor.ingest_piaf(piaf)
        ingestor.ingest_topvir(topvir)
    ReadModels(tracker).catch_up()
    expected: dict[tuple[str, int, date], str | None] = {}
    for number, _, _, clock in event_store_rows(tracker, tracker.rule_set, tracker.all_facts()):
        own = (
            clock.start, clock.stop, clock.due, clock.overdue_from,
            clock.excluded_from, clock.unmeasured_from, clock.closed_on,
        )  # fmt: skip
        for day in {d + timedelta(days=n) for d in own if d is not None for n in (-1, 0, 1)}:
            state = clock.state_at(day)
            expected[(number, clock.engagement, day)] = None if state is None else str(state)
    sqlite = db_url.startswith("sqlite")
    status = comparison_rows._STATUS.format(t="m", d="p.day")
    with engine_for(db_url).begin() as conn:
        conn.execute(
            text("CREATE TEMPORARY TABLE probe (dossier VARCHAR, engagement INTEGER, day DATE)")
        )
        conn.execute(
            text("INSERT INTO probe VALUES (:d, :e, :day)"),
            [{"d": d, "e": e, "day": day.isoformat() if sqlite else day} for d, e, day in expected],
        )
        rows = conn.execute(
            text(
                f"SELECT p.dossier, p.engagement, p.day, {status} FROM probe p "
                "JOIN measure m ON m.dossier = p.dossier AND m.engagement = p.engagement"
            )
        ).all()
    found = {
        (d, e, date.fromisoformat(day) if isinstance(day, str) else day): s for d, e, day, s in rows
    }

    assert len(expected) > 2_000
    assert set(expected.values()) >= {
        None,
        "pending",
        "overdue",
        "met",
        "breached",
        "not_applicable",
    }
    assert found == expected
    tracker.close()
