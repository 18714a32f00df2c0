"""XES and JSON stay well-formed whatever a dossier holds: markup, quotes, control characters.

The oracle for XES is XML 1.0's Char production, written out here:
`#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.eventlog import LogLine, write_xes
from casetrack.output import write_rows, xml_text

XES = "{http://www.xes-standard.org/}"
#: Every C0 control, markup, quotes, a lone surrogate and the two non-characters XML excludes.
HOSTILE = "".join(map(chr, range(0x20))) + "<&>\"'=HYPERLINK()\ud800\udfff\ufffe\uffff\x7f\x85é😀"


def is_xml_char(char: str) -> bool:
    """XML 1.0, production [2] Char."""
    code = ord(char)
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def expected_xml_value(text: str) -> str:
    """The text with every character XML cannot hold shown as U+FFFD."""
    return "".join(c if is_xml_char(c) else "\ufffd" for c in text)


def xes_of(*lines: LogLine) -> str:
    out = io.StringIO()
    write_xes(lines, out)
    return out.getvalue()


def trace_values(document: str) -> list[dict[str, str]]:
    """The string attributes of each trace, by key (the events' names under 'activities')."""
    traces = []
    root = ET.fromstring(document)  # noqa: S314 - our own export; parsing checks it is well formed
    for trace in root.iter(f"{XES}trace"):
        values = {s.get("key", ""): s.get("value", "") for s in trace.findall(f"{XES}string")}
        names = [e.find(f"{XES}string") for e in trace.iter(f"{XES}event")]
        values["activities"] = "|".join(n.get("value", "") for n in names if n is not None)
        traces.append(values)
    return traces


def test_control_characters_become_replacement_characters_in_xml() -> None:
    assert xml_text("A\x01B\x0bC\x0cD\x1fE\x00") == "A\ufffdB\ufffdC\ufffdD\ufffdE\ufffd"


def test_characters_xml_allows_are_kept() -> None:
    text = "\t\n\r \x7f\x85\ud7ff\ue000\ufffd😀"
    assert xml_text(text) == text


def test_xes_with_every_hostile_character_parses_and_keeps_what_xml_can_hold() -> None:
    document = xes_of(LogLine(HOSTILE, "Dépôt", date(2025, 1, 2), "S" + HOSTILE, "P" + HOSTILE))

    (trace,) = trace_values(document)

    assert trace["concept:name"] == expected_xml_value(HOSTILE)
    assert trace["section"] == expected_xml_value("S" + HOSTILE)
    assert trace["prestation"] == expected_xml_value("P" + HOSTILE)
    assert trace["activities"] == "Dépôt"


def test_xes_keeps_tabs_and_line_ends_inside_values() -> None:
    # An XML parser turns a literal tab or line end in an attribute into a space.
    (trace,) = trace_values(xes_of(LogLine("a\tb\r\nc", "x", date(2025, 1, 2), "05", "PL")))

    assert trace["concept:name"] == "a\tb\r\nc"


@given(st.lists(st.text(), min_size=1, max_size=3))
def test_any_dossier_numbers_give_a_well_formed_xes(numbers: list[str]) -> None:
    cases = list(dict.fromkeys(numbers))  # one trace per dossier, in order
    lines = [LogLine(n, "Dépôt", date(2025, 1, 2), "05", "PL") for n in cases]

    traces = trace_values(xes_of(*lines))

    assert [t["concept:name"] for t in traces] == [expected_xml_value(n) for n in cases]


@pytest.mark.parametrize("value", ["A\x01B", HOSTILE, '=HYPERLINK("http://x","clic")'])
def test_json_rows_round_trip_hostile_text(value: str) -> None:
    out = io.StringIO()

    write_rows([{"dossier": value, "elapsed": 3}], ("dossier", "elapsed"), out, "json")

    assert json.loads(out.getvalue()) == [{"dossier": value, "elapsed": 3}]
