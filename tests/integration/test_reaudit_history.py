"""A re-audit "as known at" a past week gives back the report made that week, to the digit.

A generated year is ingested week by week through the CLI (each date's PIAF extract, then
its TOPVIR file). Right after some weeks the report of the year is saved, evaluated at
that week's extraction date. Once everything is ingested, `casetrack reaudit --known-at`
that week must print the saved report again, and both must equal the naive computation
from the raw files dated on or before that week (`tests.naive_report`).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest

from adapters.synthetic import generate
from casetrack.cli import main
from tests.naive_report import (
    ENGAGEMENTS,
    FIGURES,
    Extracts,
    Facts,
    clock_dates,
    measure,
    parse_csv,
    report_table,
)

YEAR_START, YEAR_END = date(2025, 1, 1), date(2025, 12, 31)
REPORT_ARGS = ("--from", "2025-01-01", "--to", "2025-12-31")
BY = ("--by", "engagement,section,period")
#: Extraction weeks (0 = the first Friday) after which the week's report is saved.
SAVED_WEEKS = (4, 9, 15, 20, 26, 33, 41, 50)
#: The week whose re-audit is compared with everything known now.
COMPARED_WEEK = 20


class History(NamedTuple):
    """A store filled week by week, the reports saved on the way, and the naive reading."""

    url: str
    saved: dict[date, str]
    extracts: Extracts
    out: Path


def run(url: str, out: Path, *args: str) -> str:
    """Run one casetrack command writing to a file; return what it wrote."""
    target = out / f"output-{len(list(out.iterdir()))}.txt"
    code = main(["--db", url, "-q", *args, "--output", str(target)])
    assert code == 0, f"casetrack {' '.join(args)} exited with {code}"
    return target.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    """Ingest a year week by week, saving the report made right after each chosen week."""
    root = tmp_path_factory.mktemp("reaudit")
    files = generate(root / "files", year=2025, dossiers=800, seed=4242)
    url = f"sqlite:///{root / 'store.sqlite'}"
    out = root / "out"
    out.mkdir()
    extracts = Extracts(files.piaf, files.topvir)
    saved: dict[date, str] = {}
    for week, (extract, transfers) in enumerate(zip(files.piaf, files.topvir, strict=True)):
        for kind, path in (("piaf", extract), ("topvir", transfers)):
            code = main(["--db", url, "-q", "ingest", kind, str(path)])
            assert code == 0, f"casetrack ingest {kind} {path.name} exited with {code}"
        if week in SAVED_WEEKS:
            day = extracts.dates[week]
            args = ("report", *REPORT_ARGS, *BY, "--as-of", day.isoformat(), "--format", "csv")
            saved[day] = run(url, out, *args)
    return History(url, saved, extracts, out)


@pytest.mark.parametrize("week", SAVED_WEEKS)
def test_reaudit_known_at_a_week_prints_the_report_saved_that_week(
    history: History, week: int
) -> None:
    known_at = history.extracts.dates[week]

    again = run(
        history.url,
        history.out,
        "reaudit",
        *REPORT_ARGS,
        *BY,
        "--known-at",
        known_at.isoformat(),
        "--format",
        "csv",
    )

    assert history.saved[known_at].count("\n") > 1, "the saved report is empty"
    assert again == history.saved[known_at]


@pytest.mark.parametrize("week", [9, COMPARED_WEEK, 41])
def test_report_saved_that_week_equals_the_naive_report_known_at_that_week(
    history: History, week: int
) -> None:
    known_at = history.extracts.dates[week]
    expected = report_table(
        history.extracts.facts_at(known_at).values(),
        start=YEAR_START,
        end=YEAR_END,
        as_of=known_at,
        by=("engagement", "section", "period"),
    )

    actual = parse_csv(history.saved[known_at])

    assert actual[0] == expected[0]
    assert [r for r in expected if r not in actual] == []
    assert [r for r in actual if r not in expected] == []
    assert actual == expected


def status(facts: Facts | None, engagement: int, day: date) -> str | None:
    """The naive status at `day`, None when the dossier or its clock has not started."""
    if facts is None:
        return None
    found = measure(facts, engagement, day)
    return None if found is None else found.status


def late_stops(
    then: dict[str, Facts], now: dict[str, Facts], known_at: date
) -> set[tuple[str, int, str | None, str | None]]:
    """(dossier, engagement) whose stop happened by K but was entered in PIAF after K.

    At K the clock looked open; known now, it is met or breached.
    """
    found: set[tuple[str, int, str | None, str | None]] = set()
    for number, earlier in then.items():
        for engagement in ENGAGEMENTS:
            _, stop_now = clock_dates(now[number], engagement)
            _, stop_then = clock_dates(earlier, engagement)
            if stop_now is None or stop_now > known_at or stop_then == stop_now:
                continue
            before = status(earlier, engagement, known_at)
            after = status(now[number], engagement, YEAR_END)
            if before in ("pending", "overdue") and after in ("met", "breached"):
                found.add((number, engagement, before, after))
    return found


@pytest.fixture(scope="module")
def comparison(history: History) -> dict[str, list[dict[str, object]]]:
    """`reaudit --compare --format json` as known at the compared week."""
    known_at = history.extracts.dates[COMPARED_WEEK]
    text = run(
        history.url,
        history.out,
        "reaudit",
        *REPORT_ARGS,
        "--known-at",
        known_at.isoformat(),
        "--compare",
        "--format",
        "json",
    )
    result: dict[str, list[dict[str, object]]] = json.loads(text)
    return result


def test_reaudit_compare_lists_a_dossier_whose_stop_was_entered_late(
    history: History, comparison: dict[str, list[dict[str, object]]]
) -> None:
    known_at = history.extracts.dates[COMPARED_WEEK]
    late = late_stops(history.extracts.facts_at(known_at), history.extracts.facts_at(), known_at)
    assert late, "no late-entered stop in the data: choose another week or seed"

    listed = {
        (c["dossier"], c["engagement"], c["status_known_at"], c["status_now"])
        for c in comparison["changes"]
    }

    assert late <= listed


def test_reaudit_compare_changes_carry_the_naive_statuses(
    history: History, comparison: dict[str, list[dict[str, object]]]
) -> None:
    known_at = history.extracts.dates[COMPARED_WEEK]
    then, now = history.extracts.facts_at(known_at), history.extracts.facts_at()
    evaluated_now = min(YEAR_END, history.extracts.latest)

    wrong = [
        c
        for c in comparison["changes"]
        if (
            c["status_known_at"],
            c["status_now"],
        )
        != (
            status(then.get(str(c["dossier"])), int(str(c["engagement"])), known_at),
            status(now[str(c["dossier"])], int(str(c["engagement"])), evaluated_now),
        )
        or c["status_known_at"] == c["status_now"]
    ]

    assert comparison["changes"]
    assert wrong == []


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _figures(rows: list[dict[str, object]], side: str) -> list[list[str]]:
    """One side of the comparison's figures as report rows (engagement, section, figures).

    A group the other side alone has shows zero counts on this side: the report omits it.
    """
    table = []
    for row in rows:
        if not any(
            row[f"{f}_{side}"] for f in ("measured", "open_pending", "open_overdue", "invalid")
        ):
            continue
        cells = [str(row["engagement"]), str(row["section"])]
        for figure in FIGURES:
            value = row[f"{figure}_{side}"]
            cells.append(f"{value:.4f}" if isinstance(value, float) else _text(value))
        table.append(cells)
    return table


def test_reaudit_compare_figures_equal_the_naive_reports_then_and_now(
    history: History, comparison: dict[str, list[dict[str, object]]]
) -> None:
    known_at = history.extracts.dates[COMPARED_WEEK]
    by = ("engagement", "section")
    then = report_table(
        history.extracts.facts_at(known_at).values(),
        start=YEAR_START,
        end=YEAR_END,
        as_of=known_at,
        by=by,
    )
    now = report_table(
        history.extracts.facts_at().values(),
        start=YEAR_START,
        end=YEAR_END,
        as_of=history.extracts.latest,
        by=by,
    )

    assert _figures(comparison["figures"], "known_at") == then[1:]
    assert _figures(comparison["figures"], "now") == now[1:]
