"""Reports grouped by the database count exactly what the engine counts clock by clock.

The oracle is the report engine fed one clock at a time with the clocks of a replay of
the events known at K (or of every event): any range, grouping, period kind, filters,
evaluation date and K, on both backends, must give the same rows, engagement totals
and référentiel versions used. As known now, whole months come from the report cells
the catch-ups kept, the rest from the rows: ranges and dates fall on month edges often.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from attrs import evolve
from hypothesis import example, given, settings
from hypothesis import strategies as st

from adapters.ingest import Ingestor
from adapters.sql_engine import engine_for
from adapters.synthetic import generate
from casetrack.application import DossierTracker
from casetrack.cli_constants import PERIOD_KINDS, REPORT_KEYS
from casetrack.reporting import ReportBuilder, ReportQuery, fold
from projections.comparison import compare
from projections.runner import ReadModels
from projections.source import StoredRows, event_store_rows, read_models_answer
from tests.conftest import drop_postgres_schema, new_postgres_schema, postgres_base_url
from tests.examples import scaled

YEAR_START = date(2025, 1, 1)
#: The store holds the first 30 weekly extracts of 2025 (to late July).
WEEKS = 30


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DossierTracker]:
    """Weekly extracts of a generated year, ingested and caught up week by week."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('cells') / 'store.sqlite'}"
    else:
        base = postgres_base_url()
        if base is None:
            pytest.skip("PostgreSQL tests need a server: set CASETRACK_TEST_POSTGRES_URL")
        url, schema = new_postgres_schema(base)
    files = generate(tmp_path_factory.mktemp("year"), year=2025, dossiers=500, seed=41)
    tracker = DossierTracker(url)
    ingestor, models = Ingestor(tracker), ReadModels(tracker)
    for piaf, topvir in list(zip(files.piaf, files.topvir, strict=True))[:WEEKS]:
        ingestor.ingest_piaf(piaf)
        ingestor.ingest_topvir(topvir)
        models.catch_up()
    yield tracker
    tracker.close()
    engine_for(url).dispose()
    if schema is not None:
        base = postgres_base_url()
        assert base is not None
        drop_postgres_schema(base, schema)


any_day = st.integers(min_value=-40, max_value=260).map(lambda n: YEAR_START + timedelta(days=n))
#: First and last days of months: a report of whole months reads the report cells.
month_edge = st.tuples(st.integers(min_value=-1, max_value=9), st.booleans()).map(
    lambda m: _month_edge(*m)
)
days = st.one_of(any_day, month_edge)


def _month_edge(months: int, last: bool) -> date:
    year, month = divmod(YEAR_START.month - 1 + months + int(last), 12)
    first = date(YEAR_START.year + year, month + 1, 1)
    return first - timedelta(days=1) if last else first


@st.composite
def queries(draw: st.DrawFn) -> ReportQuery:
    start = draw(days)
    end = draw(
        st.one_of(
            month_edge.filter(lambda d: d >= start),
            st.integers(0, 240).map(lambda n: start + timedelta(days=n)),
        )
    )
    keys = draw(st.lists(st.sampled_from(REPORT_KEYS), unique=True, min_size=1))
    return ReportQuery(
        start=start,
        end=end,
        as_of=draw(days),
        by=tuple(k for k in REPORT_KEYS if k in keys),
        period=draw(st.sampled_from(PERIOD_KINDS)),
        engagement=draw(st.sampled_from([None, None, 17, 18, 19])),
        section=draw(st.sampled_from([None, None, None, "PC", "02", "13"])),
        prestation=draw(st.sampled_from([None, None, "PL", "CSP"])),
    )


@settings(max_examples=scaled(1.5))
@given(queries(), st.one_of(st.none(), days))
# Evaluated before the range starts: the open clocks count on that earlier day, so the
# ones that ended between it and the range's first day count too.
@example(
    ReportQuery(
        start=date(2025, 1, 24), end=date(2025, 1, 24), as_of=date(2025, 1, 1), by=("engagement",)
    ),
    date(2025, 1, 24),
)
def test_grouped_reports_equal_the_engine_fed_clock_by_clock(
    store: DossierTracker, query: ReportQuery, known_at: date | None
) -> None:
    facts = store.all_facts(known_at)
    clocks = [(s, p, c) for _, s, p, c in event_store_rows(store, store.rule_set, facts)]
    grouped = StoredRows(
        store,
        known_at=known_at,
        engagement=query.engagement,
        prestation=query.prestation,
        applicable_only=True,
    )

    for keys in (None, ("engagement",)):
        expected = fold(ReportBuilder(query, keys=keys), clocks)
        found = fold(ReportBuilder(query, keys=keys), grouped)
        assert found.rows() == expected.rows()
        assert found.elapsed() == expected.elapsed()
        assert store.rule_set.versions_used(found.starts) == store.rule_set.versions_used(
            expected.starts
        )
    assert not grouped._loaded  # the figures never read the clocks one by one


def test_the_store_has_what_the_property_needs(store: DossierTracker) -> None:
    """Open, stopped, breached, invalid and late-known clocks are all there to compare."""
    now = [c for _, _, _, c in event_store_rows(store, store.rule_set, store.all_facts())]
    then = list(store.all_facts(date(2025, 3, 1)))
    assert {str(c.outcome) for c in now if c.outcome} >= {"met", "breached"}
    assert any(c.start is not None and c.stop is None for c in now)
    assert 0 < len(then) < len(list(store.all_facts()))


@settings(max_examples=scaled(0.5))
@given(queries(), days)
def test_a_comparison_from_the_versions_equals_the_replayed_one(
    store: DossierTracker, query: ReportQuery, known_at: date
) -> None:
    query = evolve(query, as_of=min(query.as_of, known_at))
    assert read_models_answer(store)  # they hold every event: the database answers

    from_rows = compare(store, query, known_at)
    replayed = compare(store, query, known_at, custom_rules=True)  # the event store's

    assert from_rows == replayed
