"""Every worked example of docs/measures.md, checked against casetrack and the naive oracles.

The examples are read from the markdown itself, so the page and the code cannot drift:
each `### Example N: title` section holds tables whose column names say what they are
(dossier facts, `as_of`, expected results), and fenced blocks (a calendar file, a command
line, the CSV or JSON it prints). Expected values are the doc's text; actual values come
from casetrack and, independently, from tests/naive.py and tests/naive_report.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from casetrack.application import open_dossier
from casetrack.calendar import WorkingCalendar
from casetrack.cli import build_parser
from casetrack.clocks import clock_of
from casetrack.dossier import replay
from casetrack.facts import Facts, Snapshot
from casetrack.measures import Measure, measure, measure_all
from casetrack.output import MEASURE_COLUMNS, measure_row, write_rows
from casetrack.reporting import FIGURES, KEYS, ReportQuery, build_report, rate_of
from casetrack.rules import RuleSet, default_rule_set, parse_rule_set
from projections.commands import build_query
from projections.reports import json_value, machine_value
from tests import naive, naive_report

DOC = Path(__file__).resolve().parents[2] / "docs" / "measures.md"

#: Dossier facts, named as the `dossier` read model names them (docs/schema.md).
FACT_COLUMNS = (
    "section",
    "prestation",
    "filed_on",
    "first_info_on",
    "second_info_on",
    "completed_on",
    "decided_on",
    "outcome",
    "notified_on",
    "ordered_on",
    "closed_on",
)
#: What the doc says a dossier is when a table has no column for it.
DEFAULT_SECTION = "05"
DEFAULT_PRESTATION = "PL"
CONTROL_COLUMNS = ("engagement", "as_of", "roll_due_forward")
RESULT_COLUMNS = ("start", "stop", "due", "elapsed", "status", "at_risk")
NOT_STARTED = "not started"
#: The doc's `known_at` value for "no --known-at": every fact ingested.
EVERYTHING = "everything"
EXTRACT_COLUMNS = ("extracted_on", "number", *FACT_COLUMNS[:-1], "state")

_EXAMPLE_HEADING = re.compile(r"^### Example (\d+): (.+)$")
_HEADING = re.compile(r"^#{1,6} ")
_FENCE = re.compile(r"^```(\w*)\s*$")


# -- reading the markdown ------------------------------------------------------------


Row = dict[str, str]


class Table(NamedTuple):
    """A markdown table: its header and its rows (cell text, stripped)."""

    header: tuple[str, ...]
    rows: list[Row]


class Block(NamedTuple):
    """A fenced code block: its language tag and text."""

    lang: str
    text: str


class Example(NamedTuple):
    """One `### Example N: title` section of the doc."""

    number: int
    title: str
    tables: list[Table]
    blocks: list[Block]

    def table_with(self, column: str) -> Table | None:
        """The first table whose header holds `column`."""
        return next((t for t in self.tables if column in t.header), None)

    def block(self, lang: str) -> Block | None:
        """The first fenced block with this language tag."""
        return next((b for b in self.blocks if b.lang == lang), None)

    def command(self, name: str) -> list[str] | None:
        """The arguments of the `casetrack NAME ...` line of a ```sh block, if any."""
        for block in self.blocks:
            if block.lang == "sh":
                words = shlex.split(block.text)
                if words[:2] == ["casetrack", name]:
                    return words[1:]
        return None


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _parse_body(lines: list[str]) -> tuple[list[Table], list[Block]]:
    tables: list[Table] = []
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence:
            end = lines.index("```", i + 1)
            blocks.append(Block(fence[1], "\n".join(lines[i + 1 : end]) + "\n"))
            i = end + 1
        elif lines[i].startswith("|"):
            end = i
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            header = tuple(_cells(lines[i]))
            rows = []
            for line in lines[i + 2 : end]:
                cells = _cells(line)
                assert len(cells) == len(header), f"table row {line!r} has the wrong width"
                rows.append(dict(zip(header, cells, strict=True)))
            tables.append(Table(header, rows))
            i = end
        else:
            i += 1
    return tables, blocks


def sections(text: str) -> Iterator[tuple[str, list[str]]]:
    """(heading line, body lines) of every heading, fences respected."""
    heading = ""
    body: list[str] = []
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        if not fenced and _HEADING.match(line):
            yield heading, body
            heading, body = line, []
        else:
            body.append(line)
    yield heading, body


def read_examples(text: str) -> list[Example]:
    """Every worked example of the doc, in order."""
    found = []
    for heading, body in sections(text):
        match = _EXAMPLE_HEADING.match(heading)
        if match:
            tables, blocks = _parse_body(body)
            found.append(Example(int(match[1]), match[2], tables, blocks))
    return found


EXAMPLES = read_examples(DOC.read_text(encoding="utf-8"))


def kind_of(example: Example) -> str | None:
    """Which check reads this example; None when no check would read it."""
    if example.table_with("extracted_on") and example.table_with("known_at"):
        return "known_at"
    if example.command("report") and example.table_with("number"):
        return "report"
    if example.command("measures") and example.table_with("number"):
        return "measures_output"
    if example.table_with("as_of") and example.table_with("status"):
        return "measure"
    if example.table_with("rate") and example.table_with("measured"):
        return "rate"
    return None


def examples_of(kind: str) -> list[Example]:
    return [e for e in EXAMPLES if kind_of(e) == kind]


def example_id(example: Example) -> str:
    return f"example-{example.number}"


# -- turning cells into values -------------------------------------------------------


def optional_date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def fact_values(row: Mapping[str, str]) -> dict[str, Any]:
    """Keyword arguments of a Facts (casetrack's or naive_report's) for a table row."""
    values: dict[str, Any] = {
        "section": row.get("section") or DEFAULT_SECTION,
        "prestation": row.get("prestation") or DEFAULT_PRESTATION,
        "outcome": row.get("outcome") or None,
    }
    for name in FACT_COLUMNS:
        if name.endswith("_on"):
            values[name] = optional_date(row.get(name, ""))
    assert values["filed_on"] is not None, "every example dossier needs a filed_on"
    return values


def shown(value: object) -> str:
    """A result as the doc writes it: ISO dates, empty for none."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def casetrack_result(found: Measure | None) -> dict[str, str]:
    if found is None:
        return dict.fromkeys(RESULT_COLUMNS, "") | {"status": NOT_STARTED, "at_risk": "no"}
    return {
        "start": shown(found.start),
        "stop": shown(found.stop),
        "due": shown(found.due),
        "elapsed": shown(found.elapsed),
        "status": str(found.status),
        "at_risk": shown(found.at_risk),
    }


def naive_result(found: naive.NaiveMeasure | naive_report.Measure | None) -> dict[str, str]:
    if found is None:
        return dict.fromkeys(RESULT_COLUMNS, "") | {"status": NOT_STARTED, "at_risk": "no"}
    result = {
        "start": shown(found.start),
        "stop": shown(found.stop),
        "due": shown(found.due),
        "elapsed": shown(found.elapsed),
        "status": found.status,
    }
    if isinstance(found, naive.NaiveMeasure):
        result["at_risk"] = shown(found.at_risk)
    return result


def expected_results(row: Mapping[str, str]) -> dict[str, str]:
    return {column: row[column] for column in RESULT_COLUMNS if column in row}


def rule_set(roll_due_forward: bool) -> RuleSet:
    """CASVP-2014-05, or its what-if variant with roll_due_forward = true."""
    if not roll_due_forward:
        return default_rule_set()
    text = resources.files("casetrack.rules").joinpath("casvp-2014-05.toml").read_text("utf-8")
    data = tomllib.loads(text)
    data["roll_due_forward"] = True
    return parse_rule_set(data, source="what-if roll_due_forward")


def flag(text: str) -> bool:
    assert text in ("", "true", "false"), f"roll_due_forward must be true or false, not {text!r}"
    return text == "true"


# -- the examples are all there, and all read ----------------------------------------


def test_doc_examples_are_numbered_in_order_and_each_is_checked() -> None:
    numbers = [e.number for e in EXAMPLES]

    assert numbers == list(range(1, len(EXAMPLES) + 1))
    assert len(EXAMPLES) >= 13
    unread = [e.title for e in EXAMPLES if kind_of(e) is None]
    assert unread == [], f"examples no test reads: {unread}"


def test_doc_examples_cover_every_kind_of_check() -> None:
    kinds = {kind_of(e) for e in EXAMPLES}

    assert kinds == {"measure", "known_at", "report", "measures_output", "rate"}


def test_doc_never_points_outside_the_repository() -> None:
    text = DOC.read_text(encoding="utf-8")

    assert "../shared" not in text
    assert "spec/" not in text


# -- per-dossier measure tables ------------------------------------------------------


def measure_cases() -> Iterator[Any]:
    for example in examples_of("measure"):
        for table in example.tables:
            if "as_of" not in table.header:
                continue
            for index, row in enumerate(table.rows, start=1):
                yield pytest.param(example, row, id=f"{example_id(example)}-row-{index}")


def calendars(example: Example, tmp_path: Path) -> tuple[WorkingCalendar, dict[str, Any]]:
    """The example's calendar file (or none), for casetrack and as naive keyword arguments."""
    block = example.block("toml")
    if block is None:
        return WorkingCalendar(), {}
    path = tmp_path / "calendar.toml"
    path.write_text(block.text, encoding="utf-8")
    data = tomllib.loads(block.text)
    closures = {
        "closures": list(data.get("closures", [])),
        "section_closures": dict(data.get("sections", {})),
    }
    return WorkingCalendar.from_toml(path), closures


@pytest.mark.parametrize(("example", "row"), list(measure_cases()))
def test_measure_example_row_matches_casetrack_and_the_naive_oracle(
    example: Example, row: Row, tmp_path: Path
) -> None:
    unknown = set(row) - {*FACT_COLUMNS, *CONTROL_COLUMNS, *RESULT_COLUMNS}
    assert not unknown, f"columns no test reads: {sorted(unknown)}"
    facts = Facts(number="2024-05-000001", **fact_values(row))
    engagement = int(row["engagement"])
    as_of = date.fromisoformat(row["as_of"])
    roll = flag(row.get("roll_due_forward", ""))
    calendar, closures = calendars(example, tmp_path)
    expected = expected_results(row)

    ours = measure(facts, rule_set(roll).engagement(engagement), calendar, as_of)
    oracle = naive.naive_measure(facts, engagement, as_of, roll_due_forward=roll, **closures)

    assert {c: casetrack_result(ours)[c] for c in expected} == expected
    assert {c: naive_result(oracle)[c] for c in expected} == expected


# -- facts as known at a date --------------------------------------------------------


def snapshot(row: Mapping[str, str]) -> Snapshot:
    values = fact_values(row)
    del values["closed_on"]
    return Snapshot(**values, closed=row["state"] == "CLASSE")


def write_piaf_extract(folder: Path, day: date, rows: list[Row]) -> Path:
    """A `;` PIAF extract named with its extraction date, as naive_report reads it."""
    path = folder / f"piaf_{day:%Y%m%d}.csv"
    headers = list(naive_report.PIAF_COLUMNS)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(naive_report.PIAF_COLUMNS[h], "") for h in headers])
    return path


def known_at_cases() -> Iterator[Any]:
    for example in examples_of("known_at"):
        table = example.table_with("known_at")
        assert table is not None
        for index, row in enumerate(table.rows, start=1):
            yield pytest.param(example, row, id=f"{example_id(example)}-row-{index}")


@pytest.mark.parametrize(("example", "row"), list(known_at_cases()))
def test_known_at_example_row_matches_casetrack_and_the_naive_oracle(
    example: Example, row: Row, tmp_path: Path
) -> None:
    extracts = example.table_with("extracted_on")
    assert extracts is not None
    assert set(extracts.header) <= set(EXTRACT_COLUMNS)
    [number] = {r["number"] for r in extracts.rows}
    by_day = sorted(extracts.rows, key=lambda r: r["extracted_on"])
    known_at = None if row["known_at"] == EVERYTHING else date.fromisoformat(row["known_at"])
    as_of = date.fromisoformat(row["as_of"])
    engagement = int(row["engagement"])
    expected = expected_results(row)

    first = by_day[0]
    dossier = open_dossier(number, snapshot(first), date.fromisoformat(first["extracted_on"]))
    for later in by_day[1:]:
        dossier.record(snapshot(later), date.fromisoformat(later["extracted_on"]))
    replayed = replay(dossier.collect_events(), known_at)
    assert replayed is not None
    ours = measure(
        replayed.facts, default_rule_set().engagement(engagement), WorkingCalendar(), as_of
    )
    files = [
        write_piaf_extract(tmp_path, date.fromisoformat(r["extracted_on"]), [r]) for r in by_day
    ]
    naive_facts = naive_report.Extracts(files, []).facts_at(known_at)[number]
    oracle = naive_report.measure(naive_facts, engagement, as_of)

    assert {c: casetrack_result(ours)[c] for c in expected} == expected
    assert {c: naive_result(oracle)[c] for c in expected} == expected


def test_closure_is_dated_by_the_first_extract_that_reports_it() -> None:
    [example] = examples_of("known_at")
    extracts = example.table_with("extracted_on")
    assert extracts is not None
    by_day = sorted(extracts.rows, key=lambda r: r["extracted_on"])
    first_classe = next(r["extracted_on"] for r in by_day if r["state"] == "CLASSE")
    dossier = open_dossier(
        by_day[0]["number"], snapshot(by_day[0]), date.fromisoformat(by_day[0]["extracted_on"])
    )

    for later in by_day[1:]:
        dossier.record(snapshot(later), date.fromisoformat(later["extracted_on"]))

    assert shown(dossier.facts.closed_on) == first_classe


# -- reports -------------------------------------------------------------------------


def dossiers(example: Example) -> list[Row]:
    table = example.table_with("number")
    assert table is not None
    unknown = set(table.header) - {"number", *FACT_COLUMNS}
    assert not unknown, f"columns no test reads: {sorted(unknown)}"
    return table.rows


def report_query(example: Example) -> tuple[ReportQuery, str]:
    """The ReportQuery of the example's command line, read by casetrack's own parser."""
    words = example.command("report")
    assert words is not None
    args = build_parser().parse_args(words)
    assert args.as_of is not None, "a report example states its --as-of"
    assert args.format in ("csv", "json")
    return build_query(args, args.as_of, default_rule_set()), args.format


def casetrack_report(query: ReportQuery, rows: list[Row]) -> list[dict[str, Any]]:
    rules = default_rule_set()
    calendar = WorkingCalendar()
    triples = [
        (facts.section, facts.prestation, clock_of(facts, engagement, calendar))
        for facts in (Facts(number=r["number"], **fact_values(r)) for r in rows)
        for engagement in rules.ordered
    ]
    return [row.as_dict() for row in build_report(query, triples)]


def naive_report_lines(query: ReportQuery, rows: list[Row]) -> list[list[str]]:
    return naive_report.report_table(
        [naive_report.Facts(number=r["number"], **fact_values(r)) for r in rows],
        start=query.start,
        end=query.end,
        as_of=query.as_of,
        by=query.by,
        period=query.period,
        engagement=query.engagement,
        section=query.section,
        prestation=query.prestation,
    )


def doc_json_as_text(item: Mapping[str, Any]) -> list[str]:
    """A JSON report row as the CSV interface spells it (rate with four places)."""
    cells = []
    for column, value in item.items():
        if value is None:
            cells.append("")
        elif column == "rate":
            cells.append(f"{value:.4f}")
        else:
            cells.append(str(value))
    return cells


@pytest.mark.parametrize("example", examples_of("report"), ids=example_id)
def test_report_example_matches_casetrack_and_the_naive_oracle(example: Example) -> None:
    query, fmt = report_query(example)
    rows = dossiers(example)
    columns = query.columns

    ours = casetrack_report(query, rows)
    oracle = naive_report_lines(query, rows)

    block = example.block(fmt)
    assert block is not None, f"the example shows its --format {fmt} output"
    if fmt == "csv":
        out = io.StringIO()
        write_rows(
            ({c: machine_value(c, r[c]) for c in columns} for r in ours), columns, out, "csv"
        )
        assert out.getvalue() == block.text
        assert oracle == list(csv.reader(io.StringIO(block.text)))
    else:
        expected = json.loads(block.text)
        assert [{c: json_value(c, r[c]) for c in columns} for r in ours] == expected
        assert oracle == [list(columns)] + [doc_json_as_text(item) for item in expected]


# -- `casetrack measures` output -----------------------------------------------------


@pytest.mark.parametrize("example", examples_of("measures_output"), ids=example_id)
def test_measures_output_example_matches_casetrack_and_the_naive_oracle(
    example: Example,
) -> None:
    words = example.command("measures")
    assert words is not None
    args = build_parser().parse_args(words)
    assert args.as_of is not None and args.format == "csv"
    rows = sorted(dossiers(example), key=lambda r: r["number"])
    block = example.block("csv")
    assert block is not None
    rules = default_rule_set()
    calendar = WorkingCalendar()

    out = io.StringIO()
    write_rows(
        (
            measure_row(facts, m)
            for facts in (Facts(number=r["number"], **fact_values(r)) for r in rows)
            for m in measure_all(facts, rules, calendar, args.as_of)
        ),
        MEASURE_COLUMNS,
        out,
        "csv",
    )
    oracle = naive_report.measure_table(
        {r["number"]: naive_report.Facts(number=r["number"], **fact_values(r)) for r in rows},
        args.as_of,
    )

    assert out.getvalue() == block.text
    assert oracle == list(csv.reader(io.StringIO(block.text)))


# -- rates ---------------------------------------------------------------------------


def half_up_four_places(met: int, measured: int) -> str:
    """met / measured rounded half up to 4 places, by exact fractions."""
    if measured == 0:
        return ""
    tenths_of_thousandths = int(Fraction(met, measured) * 10_000 + Fraction(1, 2))
    whole, rest = divmod(tenths_of_thousandths, 10_000)
    return f"{whole}.{rest:04d}"


def rate_cases() -> Iterator[Any]:
    for example in examples_of("rate"):
        table = example.table_with("rate")
        assert table is not None
        for row in table.rows:
            yield pytest.param(row, id=f"{example_id(example)}-{row['met']}-of-{row['measured']}")


@pytest.mark.parametrize("row", list(rate_cases()))
def test_rate_example_is_rounded_half_up_to_four_places(row: Row) -> None:
    met, measured = int(row["met"]), int(row["measured"])

    ours = rate_of(met, measured)

    assert ("" if ours is None else machine_value("rate", ours)) == row["rate"]
    assert half_up_four_places(met, measured) == row["rate"]


# -- the machine-readable column lists -----------------------------------------------


def test_doc_column_lists_are_the_ones_casetrack_and_the_oracle_write() -> None:
    text = DOC.read_text(encoding="utf-8")
    part = text.split("\n## Machine-readable output\n", 1)[1].split("\n## ", 1)[0]
    _, blocks = _parse_body(part.splitlines())
    headers = [b.text.strip() for b in blocks if b.lang == "text"]

    assert headers == [
        ",".join(MEASURE_COLUMNS),
        ",".join((*KEYS, *FIGURES)),
    ]
    assert headers == [
        ",".join(naive_report.MEASURE_COLUMNS),
        ",".join((*naive_report.KEYS, *naive_report.FIGURES)),
    ]


def github_anchor(heading: str) -> str:
    """The fragment GitHub gives a heading: lower case, punctuation dropped, spaces to `-`."""
    text = heading.lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_doc_links_to_its_own_sections_resolve() -> None:
    text = DOC.read_text(encoding="utf-8")
    anchors = {github_anchor(h) for h, _ in sections(text) if h}

    links = set(re.findall(r"\]\(#([^)]+)\)", text))

    assert links
    assert links <= anchors, f"links to no heading: {sorted(links - anchors)}"
