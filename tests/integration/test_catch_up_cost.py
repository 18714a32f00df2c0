"""The weekly catch-up costs what changed, not what exists (issue 12, item 7).

A store stands at mid-year, when many clocks are open; one dossier changes in a PIAF
extract a week later, and the read models catch up. The rows that catch-up reads and
writes in the read-model tables are counted with SQLAlchemy's cursor events and by
wrapping its fetches. They must stay within what changed: the changed dossier's rows,
plus the clocks whose status changes between the two evaluation dates, found here by
evaluating every clock on every day of the week with the naive reference of measures.md.
A second store holds the same year plus thousands of dossiers settled long ago: the
counts must not move. On SQLite, EXPLAIN QUERY PLAN shows no statement of the catch-up
scans `measure`, `dossier` or `report_cell` whole; the report cells the catch-up
writes are those of the changed dossier's old and new clocks.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from attrs import define, field
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import cursor as sa_cursor

from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from adapters.synthetic import GeneratedFiles, generate
from casetrack.application import DossierTracker
from casetrack.facts import Facts
from projections.runner import ReadModels
from tests.conftest import drop_postgres_schema, new_postgres_schema, postgres_base_url
from tests.naive import naive_measure

YEAR = 2025
#: Weekly dates ingested before the change: the store then stands at the end of June.
WEEKS = 26
ENGAGEMENTS = (17, 18, 19)
#: Dossiers of an earlier year, all settled long before: they add size, never change.
OLD_YEAR, OLD_DOSSIERS = 2023, 3_000
#: Rows of `projection_tracking` a catch-up may read and write: one row, a few times.
TRACKING_ROWS = 4
EXTRACT_HEADER = (
    "NUM_DOSSIER;SECTION;PRESTATION;DATE_DEPOT;DATE_PREMIERE_INFO;DATE_DEUXIEME_INFO;"
    "DATE_DOSSIER_COMPLET;DATE_DECISION;SENS_DECISION;DATE_NOTIFICATION;DATE_VIREMENT;ETAT"
)
#: The table a statement reads or writes (SQLAlchemy and the runner write plain names).
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)
_FULL_SCAN = re.compile(r"\bSCAN (?:TABLE )?(measure|dossier|report_cell)\b")
#: Report cells one clock adds to: its stop, and two changes each of pending and overdue.
CELLS_PER_CLOCK = 5


@define
class Tally:
    """Rows read (fetched) and written (rowcount) per read-model table, and the statements."""

    read: Counter[str] = field(factory=Counter)
    written: Counter[str] = field(factory=Counter)
    statements: list[tuple[str, Any, bool]] = field(factory=list)


Counting = Callable[[Engine], AbstractContextManager[Tally]]


def table_of(statement: str) -> str:
    """The table a statement reads or writes, or "" (PRAGMA, BEGIN, ...)."""
    found = _TABLE.search(statement)
    return found[1].lower() if found else ""


@pytest.fixture
def count_rows(monkeypatch: pytest.MonkeyPatch) -> Counting:
    """`with count_rows(engine) as tally:` counts the rows the engine's statements fetch
    and change inside the block."""
    tallies: dict[int, Tally] = {}

    def counting(fetch: Callable[..., Any]) -> Callable[..., Any]:
        one = fetch.__name__ == "fetchone"

        def counted(self: Any, result: Any, *args: Any, **kwargs: Any) -> Any:
            rows = fetch(self, result, *args, **kwargs)
            context = result.context
            tally = tallies.get(id(context.root_connection.engine)) if context else None
            if tally is not None:
                fetched = (rows is not None) if one else len(rows)
                tally.read[table_of(context.statement)] += fetched
            return rows

        return counted

    # Every fetch of a SQLAlchemy result goes through its cursor's fetch strategy.
    for strategy in (
        sa_cursor.CursorFetchStrategy,
        sa_cursor.BufferedRowCursorFetchStrategy,
        sa_cursor.FullyBufferedCursorFetchStrategy,
    ):
        for name in ("fetchone", "fetchmany", "fetchall"):
            monkeypatch.setattr(strategy, name, counting(getattr(strategy, name)))

    @contextmanager
    def counted(engine: Engine) -> Iterator[Tally]:
        tally = tallies[id(engine)] = Tally()

        def executed(
            _conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any, many: bool
        ) -> None:
            tally.statements.append((statement, parameters, many))
            if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                # sqlite3 and psycopg both sum an executemany's rows into rowcount.
                tally.written[table_of(statement)] += max(cursor.rowcount, 0)

        event.listen(engine, "after_cursor_execute", executed)
        try:
            yield tally
        finally:
            event.remove(engine, "after_cursor_execute", executed)
            del tallies[id(engine)]

    return counted


# -- the stores --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[GeneratedFiles, GeneratedFiles]:
    """The year's weekly files (2,000 dossiers) and the full extract of an earlier year."""
    root = tmp_path_factory.mktemp("catch-up-cost")
    year = generate(root / "year", year=YEAR, dossiers=2_000, seed=12)
    old = generate(root / "old", year=OLD_YEAR, dossiers=OLD_DOSSIERS, seed=7, full_extract=True)
    return year, old


@pytest.fixture
def second_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty store on the same backend as `db_url`."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.sqlite'}"
        return
    base = postgres_base_url()
    assert base is not None  # db_url is PostgreSQL only when a server is configured
    url, schema = new_postgres_schema(base)
    try:
        yield url
    finally:
        engine_for(url).dispose()
        drop_postgres_schema(base, schema)


@define
class Cost:
    """What the catch-up after a one-dossier change did, and what changed."""

    tally: Tally
    #: Clocks, other than the changed dossier's, whose status is not the same every day
    #: from the previous evaluation date to the new one (naive reference).
    changing: int
    #: Rows of `measure` in the store.
    measures: int


def measure_cost(
    url: str, year: GeneratedFiles, old: GeneratedFiles | None, scratch: Path, count: Counting
) -> Cost:
    """Build the store, change one dossier a week later, and count its catch-up."""
    tracker = DossierTracker(url)
    try:
        ingestor, models = Ingestor(tracker), ReadModels(tracker)
        if old is not None:
            assert old.full is not None
            ingestor.ingest_piaf(old.full)
        for piaf, topvir in list(zip(year.piaf, year.topvir, strict=True))[:WEEKS]:
            ingestor.ingest_piaf(piaf)
            ingestor.ingest_topvir(topvir)
        models.catch_up()
        previous = tracker.default_as_of()
        assert previous is not None
        new = previous + timedelta(days=7)
        changed = changeable(tracker.all_facts(), previous)
        ingestor.ingest_piaf(second_info_extract(scratch, changed, new))

        with count(models.engine) as tally:
            result = models.catch_up()

        assert result.dossiers == 1
        assert tracker.default_as_of() == new
        facts = list(tracker.all_facts())
        changing = 0
        for f in facts:
            if f.number != changed.number:
                changing += sum(status_moves(f, e, previous, new) for e in ENGAGEMENTS)
        check_statuses(url, facts, new)
        if url.startswith("sqlite"):
            check_no_full_scan(url, tally)
        return Cost(tally, changing, count_measures(url))
    finally:
        tracker.close()
        engine_for(url).dispose()


def changeable(facts: Iterator[Facts], before: date) -> Facts:
    """An open dossier with a first info and nothing later: its second info can come."""
    for f in facts:
        later = (f.second_info_on, f.completed_on, f.decided_on, f.notified_on, f.ordered_on)
        started = f.first_info_on is not None and f.first_info_on < before
        open_ = all(d is None for d in (*later, f.closed_on))
        if f.number.startswith(f"{YEAR}-") and started and open_:
            return f
    msg = "no open dossier to change"
    raise AssertionError(msg)


def piaf_date(day: date | None) -> str:
    """A date as PIAF writes it (JJ/MM/AAAA), or empty."""
    return "" if day is None else f"{day:%d/%m/%Y}"


def second_info_extract(directory: Path, f: Facts, day: date) -> Path:
    """A one-row PIAF extract of `day`: the dossier as it stands, with its second info on `day`."""
    assert f.first_info_on is not None
    values = (f.number, f.section, f.prestation, piaf_date(f.filed_on), piaf_date(f.first_info_on))
    line = ";".join((*values, piaf_date(day), "", "", "", "", "", "EN_COURS"))
    path = directory / f"piaf_{day:%Y%m%d}.csv"
    path.write_bytes(f"{EXTRACT_HEADER}\r\n{line}\r\nNombre de lignes : 1\r\n".encode("cp1252"))
    return path


def naive_status(f: Facts, engagement: int, day: date) -> str | None:
    """The status measures.md gives a clock on a day (None: not started)."""
    found = naive_measure(f, engagement, day)
    return None if found is None else found.status


def status_moves(f: Facts, engagement: int, first: date, last: date) -> bool:
    """Whether the clock's status is not the same on every day from `first` to `last`."""
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return len({naive_status(f, engagement, day) for day in days}) > 1


def check_statuses(url: str, facts: list[Facts], day: date) -> None:
    """Every status of `measure` is the naive status at the new evaluation date."""
    with engine_for(url).connect() as conn:
        stored = {
            (row.dossier, row.engagement): row.status
            for row in conn.execute(text("SELECT dossier, engagement, status FROM measure"))
        }
    expected = {(f.number, e): naive_status(f, e, day) for f in facts for e in ENGAGEMENTS}
    assert stored == expected


def count_measures(url: str) -> int:
    """Rows of `measure`."""
    with engine_for(url).connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM measure")).scalar_one())


def check_no_full_scan(url: str, tally: Tally) -> None:
    """No statement of the catch-up reads `measure` or `dossier` whole (SQLite's plans)."""
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        for statement, parameters, many in tally.statements:
            if table_of(statement) not in {"measure", "dossier", "report_cell"}:
                continue
            if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
                continue
            bound = parameters[0] if many else parameters
            values = [v.isoformat() if isinstance(v, date) else v for v in bound]
            plan = conn.execute(f"EXPLAIN QUERY PLAN {statement}", values).fetchall()
            details = " / ".join(str(step[-1]) for step in plan)
            assert not _FULL_SCAN.search(details), f"{statement}\n  plan: {details}"


# -- the test ----------------------------------------------------------------------------


def test_a_one_dossier_change_costs_its_rows_and_the_statuses_that_move_at_any_size(
    db_url: str,
    second_url: str,
    files: tuple[GeneratedFiles, GeneratedFiles],
    tmp_path: Path,
    count_rows: Counting,
) -> None:
    year, old = files
    small = measure_cost(db_url, year, None, tmp_path, count_rows)
    large = measure_cost(second_url, year, old, tmp_path, count_rows)

    for cost in (small, large):
        read, written = cost.tally.read, cost.tally.written
        assert cost.changing >= 10  # a week of mid-year: the status refresh has work
        assert read["dossier"] <= 1  # the changed dossier's facts
        assert written["dossier"] <= 2  # its row replaced
        assert read["measure"] <= cost.changing + len(ENGAGEMENTS)
        assert written["measure"] <= cost.changing + 2 * len(ENGAGEMENTS)
        assert read["projection_tracking"] <= TRACKING_ROWS
        assert written["projection_tracking"] <= TRACKING_ROWS
        # The old clocks' cells and the new ones', each upserted, then deleted if zero.
        assert read["report_cell"] == 0
        assert written["report_cell"] <= 2 * 2 * CELLS_PER_CLOCK * len(ENGAGEMENTS)
    assert large.measures > 3 * small.measures
    assert large.changing == small.changing
    assert (large.tally.read, large.tally.written) == (small.tally.read, small.tally.written)


def test_read_models_of_schema_2_without_the_change_dates_are_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite"
    tracker = DossierTracker(f"sqlite:///{path}")
    try:
        extract = tmp_path / "piaf_20250307.csv"
        line = "2025-05-000001;05;PL;03/03/2025;04/03/2025;;;;;;;EN_COURS"
        extract.write_bytes(f"{EXTRACT_HEADER}\r\n{line}\r\nNombre de lignes : 1\r\n".encode())
        Ingestor(tracker).ingest_piaf(extract)
        with sqlite3.connect(path) as old:  # the tables as schema 2 made them, empty
            old.execute(
                "CREATE TABLE projection_tracking (name TEXT PRIMARY KEY, position INTEGER, "
                "schema_version INTEGER, status_as_of DATE, fingerprint TEXT)"
            )
            old.execute(
                "CREATE TABLE measure (dossier TEXT, engagement INTEGER, status TEXT, "
                "PRIMARY KEY (dossier, engagement))"
            )
            old.execute("INSERT INTO projection_tracking VALUES ('casetrack_read_models', 9, 2, "
                        "'2025-03-07', '')")  # fmt: skip
        models = ReadModels(tracker)

        result = models.catch_up()

        assert result.rebuilt
        assert models.is_current()
        with sqlite3.connect(path) as new:
            rows = new.execute(
                "SELECT engagement, status, status_changes_on FROM measure ORDER BY engagement"
            ).fetchall()
        # Engagement 19 started on the first info, Tuesday 4 March: due after 7 working
        # days (Thursday 13 March), overdue from Friday 14 March; 17 and 18 not started.
        assert rows == [(17, None, None), (18, None, None), (19, "pending", "2025-03-14")]
    finally:
        tracker.close()
