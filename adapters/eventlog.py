"""Event-log export for process-mining tools (PM4Py, Disco): one line per known fact."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Final, TextIO
from xml.sax.saxutils import quoteattr

from attrs import frozen

from casetrack.facts import Facts
from casetrack.output import write_csv as write_csv_rows
from casetrack.output import xml_text

COLUMNS: Final = ("case:concept:name", "concept:name", "time:timestamp", "section", "prestation")
#: Activities, in life-cycle order (ties on one day keep this order), with their labels.
ACTIVITIES: Final = (
    ("filed_on", "Dépôt"),
    ("first_info_on", "Première info"),
    ("second_info_on", "Deuxième info"),
    ("completed_on", "Dossier complet"),
    ("decided_on", "Décision"),
    ("notified_on", "Notification"),
    ("ordered_on", "Virement ordonné"),
    ("closed_on", "Classement sans suite"),
)


@frozen
class LogLine:
    """One fact of one dossier, as process-mining tools read it."""

    case: str
    activity: str
    day: date
    section: str
    prestation: str

    @property
    def timestamp(self) -> str:
        """Midnight of the day: PIAF records dates, not times."""
        return f"{self.day.isoformat()}T00:00:00"


def log_lines(all_facts: Iterable[Facts]) -> Iterator[LogLine]:
    """Every known fact of every dossier, by case and date."""
    for facts in all_facts:
        lines = []
        for order, (field, label) in enumerate(ACTIVITIES):
            day = getattr(facts, field)
            if day is None:
                continue
            decided = field == "decided_on" and facts.outcome
            lines.append((day, order, f"{label} {facts.outcome}" if decided else label))
        for day, _, label in sorted(lines):
            yield LogLine(facts.number, label, day, facts.section, facts.prestation)


def write_csv(lines: Iterable[LogLine], out: TextIO) -> int:
    """The log as CSV with the standard column names; returns the number of lines."""
    rows = ((ln.case, ln.activity, ln.timestamp, ln.section, ln.prestation) for ln in lines)
    return write_csv_rows(rows, COLUMNS, out)


def _attr(text: str) -> str:
    # quoteattr escapes markup, quotes, tabs and line ends; XML 1.0 cannot hold some
    # characters at all, even escaped, so they are replaced before quoting.
    return quoteattr(xml_text(text))


def write_xes(lines: Iterable[LogLine], out: TextIO) -> int:
    """The log as XES 1.0 (IEEE 1849): one trace per dossier."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        '<log xes.version="1.0" xes.features="nested-attributes" '
        'xmlns="http://www.xes-standard.org/">\n'
    )
    out.write(
        '  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
    )
    out.write(
        '  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
    )
    count, case = 0, None
    for line in lines:
        if line.case != case:
            if case is not None:
                out.write("  </trace>\n")
            case = line.case
            out.write(f'  <trace>\n    <string key="concept:name" value={_attr(case)}/>\n')
            out.write(f'    <string key="section" value={_attr(line.section)}/>\n')
            out.write(f'    <string key="prestation" value={_attr(line.prestation)}/>\n')
        out.write(
            f'    <event><string key="concept:name" value={_attr(line.activity)}/>'
            f'<date key="time:timestamp" value="{line.timestamp}.000+00:00"/></event>\n'
        )
        count += 1
    if case is not None:
        out.write("  </trace>\n")
    out.write("</log>\n")
    return count
