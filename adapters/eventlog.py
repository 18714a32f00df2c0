"""The event log's file formats, CSV and XES, with one naming and one timestamp convention.

docs/eventlog.md is the reference: case attributes are `case:…` columns in CSV and trace
attributes in XES (which process-mining tools read back as the same `case:…` names), and
every date is written as midnight in Paris with its UTC offset, in both formats.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from functools import lru_cache
from typing import Final, TextIO
from xml.sax.saxutils import quoteattr

from attrs import frozen

from casetrack.facts import PARIS
from casetrack.output import write_csv as write_csv_rows
from casetrack.output import xml_text

#: CSV columns: the case id, the event's own attributes, then the case attributes.
COLUMNS: Final = (
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "dated_by",
    "known_on",
    "fact",
    "change",
    "source",
    "case:section",
    "case:prestation",
)

#: `change` of an event: a value given where none stood, one replacing another, one emptied.
RECORDED: Final = "recorded"
CORRECTED: Final = "corrected"
CLEARED: Final = "cleared"

#: `dated_by` of an event: what its `time:timestamp` is. PIAF gives no closure date and an
#: emptied date has none: those events are dated by the extraction date (their `known_on`).
BUSINESS_DATE: Final = "business_date"
EXTRACTION_DATE: Final = "extraction_date"


@lru_cache(maxsize=4096)
def timestamp(day: date) -> str:
    """Midnight of a business date in Paris, ISO 8601 with its offset: `2025-03-14T00:00:00+01:00`.

    PIAF records dates, not times, and they are Paris dates: converted back to Paris time
    the timestamp gives the same day, while midnight UTC would fall on the day before in
    Paris. Midnight exists on every day in Paris (the clocks change at 2 or 3 a.m.).
    """
    return datetime.combine(day, time(), PARIS).isoformat()


@frozen
class LogLine:
    """One event of one dossier, as process-mining tools read it.

    `fact`, `change`, `dated_by`, `known_on` and `source` are empty or None only for lines
    made by hand (tests of the writers); the export always fills them.
    """

    case: str
    activity: str
    day: date
    section: str
    prestation: str
    fact: str = ""
    change: str = ""
    dated_by: str = ""
    known_on: date | None = None
    source: str = ""

    @property
    def timestamp(self) -> str:
        """`time:timestamp`: the business date at midnight in Paris."""
        return timestamp(self.day)

    @property
    def known_timestamp(self) -> str:
        """`known_on` under the same convention, empty when not given."""
        return "" if self.known_on is None else timestamp(self.known_on)


def write_csv(lines: Iterable[LogLine], out: TextIO) -> int:
    """The log as CSV with the documented columns; returns the number of events."""
    rows = (
        (
            ln.case,
            ln.activity,
            ln.timestamp,
            ln.dated_by,
            ln.known_timestamp,
            ln.fact,
            ln.change,
            ln.source,
            ln.section,
            ln.prestation,
        )
        for ln in lines
    )
    return write_csv_rows(rows, COLUMNS, out)


def _attr(text: str) -> str:
    # quoteattr escapes markup, quotes, tabs and line ends; XML 1.0 cannot hold some
    # characters at all, even escaped, so they are replaced before quoting.
    return quoteattr(xml_text(text))


_HEAD: Final = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<log xes.version="1.0" xes.features="nested-attributes" '
    'xmlns="http://www.xes-standard.org/">\n'
    '  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
    '  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
    '  <classifier name="Activity" keys="concept:name"/>\n'
)


def _event(line: LogLine) -> str:
    parts = [
        f'<string key="concept:name" value={_attr(line.activity)}/>',
        f'<date key="time:timestamp" value="{line.timestamp}"/>',
    ]
    if line.dated_by:
        parts.append(f'<string key="dated_by" value={_attr(line.dated_by)}/>')
    if line.known_on is not None:
        parts.append(f'<date key="known_on" value="{line.known_timestamp}"/>')
    # Empty attributes are left out, as XES does for a value a trace or event does not have.
    parts += [
        f'<string key="{key}" value={_attr(value)}/>'
        for key, value in (("fact", line.fact), ("change", line.change), ("source", line.source))
        if value
    ]
    return f"    <event>{''.join(parts)}</event>\n"


def write_xes(lines: Iterable[LogLine], out: TextIO) -> int:
    """The log as XES 1.0 (IEEE 1849): one trace per dossier; returns the number of events.

    Case attributes are trace attributes, keyed without `case:` as XES wants them; PM4Py
    and other tools name them `case:concept:name`, `case:section`, ... as the CSV does.
    """
    out.write(_HEAD)
    count, case = 0, None
    for line in lines:
        if line.case != case:
            if case is not None:
                out.write("  </trace>\n")
            case = line.case
            out.write(f'  <trace>\n    <string key="concept:name" value={_attr(case)}/>\n')
            out.write(f'    <string key="section" value={_attr(line.section)}/>\n')
            out.write(f'    <string key="prestation" value={_attr(line.prestation)}/>\n')
        out.write(_event(line))
        count += 1
    if case is not None:
        out.write("  </trace>\n")
    out.write("</log>\n")
    return count
