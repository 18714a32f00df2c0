"""`casetrack latency` on the generated year against a naive count from the event log export.

The oracle reads `export eventlog` twice: the facts in force give each fact's value now,
`--history` every value each fact held with the extraction that reported it. The first
report of the value in force is the earliest `known_on` among the history lines holding
it; the delays are grouped and ranked here with plain lists (nearest rank written as "the
smallest value with at least p of the values at or below it").
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from tests.integration.cli_runs import Store, csv_records, in_process

YEAR = ("--from", "2025-01-01", "--to", "2025-12-31")
#: docs/eventlog.md's fact keys, and docs/schema.md's column for each measured delay.
COLUMNS = {
    "filed": "filed_on",
    "first_info": "first_info_on",
    "second_info": "second_info_on",
    "completed": "completed_on",
    "decided": "decided_on",
    "notified": "notified_on",
    "ordered": "ordered_on",
}
PARIS_CENTRE = {"01", "02", "03", "04"}


def run(store: Store, *argv: str) -> str:
    done = in_process("--db", store.url, "-q", *argv)
    assert done.code == 0, done.err
    return done.out


def day(timestamp: str) -> date:
    """The Paris date of the log's midnight-in-Paris timestamps."""
    return date.fromisoformat(timestamp[:10])


def naive_rank(values: list[int], tenths: int) -> int:
    return min(v for v in values if 10 * sum(x <= v for x in values) >= tenths * len(values))


@pytest.fixture(scope="module")
def naive_delays(cli_store: Store) -> list[tuple[str, str, str, int]]:
    """(fact column, sector, month, days) of every fact of 2025 in force now."""
    now = csv_records(run(cli_store, "export", "eventlog", "--format", "csv"))
    history = csv_records(run(cli_store, "export", "eventlog", "--history", "--format", "csv"))
    reports: dict[tuple[str, str, date], list[date]] = defaultdict(list)
    for line in history:
        if line["change"] != "cleared":
            key = (line["case:concept:name"], line["fact"], day(line["time:timestamp"]))
            reports[key].append(day(line["known_on"]))
    found = []
    for line in now:
        fact = line["fact"]
        if fact not in COLUMNS:
            continue  # the closure is dated by its extraction
        value = day(line["time:timestamp"])
        if not date(2025, 1, 1) <= value <= date(2025, 12, 31):
            continue
        first = min(reports[line["case:concept:name"], fact, value])
        section = line["case:section"]
        sector = "PC" if section in PARIS_CENTRE and value >= date(2020, 7, 11) else section
        found.append((COLUMNS[fact], sector, value.isoformat()[:7], (first - value).days))
    assert len(found) > 1000
    return found


@pytest.mark.parametrize("keys", ["fact", "fact,sector,month", "sector", "month"])
def test_the_delays_of_the_year_are_the_naive_count(
    cli_store: Store, naive_delays: list[tuple[str, str, str, int]], keys: str
) -> None:
    kept = keys.split(",")
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for fact, sector, month, days in naive_delays:
        named = {"fact": fact, "sector": sector, "month": month}
        groups[tuple(named[k] for k in kept)].append(days)
    expected = {
        key: (len(v), naive_rank(v, 5), naive_rank(v, 9), max(v)) for key, v in groups.items()
    }

    rows = csv_records(run(cli_store, "latency", *YEAR, "--by", keys, "--format", "csv"))

    assert {
        tuple(r[k] for k in kept): (int(r["count"]), int(r["median"]), int(r["p90"]), int(r["max"]))
        for r in rows
    } == expected
    assert len(rows) == len(expected)
