"""Malformed PIAF files: every data row is either ingested (its dossier's facts say what it
says) or quarantined with a reason, never both, never neither; only whole-file problems
raise, and then as FileRefused with nothing written.

The expectation is a naive reading of the same bytes (naive_rules.read_extract), written
from the spec and docs/mapping.md: the csv module splits the records, the rules read them
(character sets, control characters, formulas, lines mixing encodings).
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from adapters.errors import FileRefused
from adapters.ingest import Ingestor
from casetrack.application import DossierTracker
from tests.integration.ingest_helpers import (
    FACT_FIELDS,
    PIAF_HEADER,
    REQUIRED,
    NaiveFile,
    facts_view,
    quarantine_rows,
    raw_events,
)
from tests.integration.naive_rules import decode, read_extract, refused_header
from tests.strategies_files import (
    PERSONAL_MARK,
    control_text,
    date_times,
    huge_fields,
    iso_dates,
    stray_quotes,
    valid_dates,
    wrong_dates,
)

KNOWN_ON = date(2025, 3, 14)
FILE_NAME = "piaf_20250314.csv"
PERSONAL = ("NOM", "PRENOM", "ADRESSE")
HEADER = (
    "NUM_DOSSIER", "NOM", "SECTION", "PRESTATION", "DATE_DEPOT", "PRENOM", "DATE_PREMIERE_INFO",
    "DATE_DEUXIEME_INFO", "DATE_DOSSIER_COMPLET", "DATE_DECISION", "SENS_DECISION",
    "DATE_NOTIFICATION", "ADRESSE", "DATE_VIREMENT", "ETAT",
)  # fmt: skip
assert set(PIAF_HEADER) <= set(HEADER)

# A row starts readable, then at most one thing is wrong with it.
good_dates = st.one_of(st.just(""), valid_dates, iso_dates, date_times)
good = {
    "NUM_DOSSIER": st.sampled_from(["1001", "1002", "1003", "1004", "1005", "1006", "2025-05-7"]),
    "SECTION": st.sampled_from(["01", "5", "PC", "pc", "20"]),
    "PRESTATION": st.sampled_from(["PL", "CSP", "PLFM", "AUTRE", "plf", " PL "]),
    "DATE_DEPOT": st.one_of(valid_dates, iso_dates, date_times),
    "SENS_DECISION": st.sampled_from(["", "ACCORD", "rejet"]),
    "ETAT": st.sampled_from(["", "EN_COURS", "DECIDE", "classe", "PAYE"]),
}
bad = {
    "NUM_DOSSIER": st.one_of(
        st.just(""),
        control_text,
        st.text('é0 ;"\t', max_size=6),
        st.sampled_from(["-1001", "=1001", "@1", "+1", "_1001", "１００１", "1" * 33, "ABC"]),
    ),
    "SECTION": st.one_of(st.sampled_from(["21", "X", "", "00", "=5", "ſ", "５"]), control_text),
    "PRESTATION": st.one_of(
        st.just(""),
        control_text,
        st.sampled_from(['=HYPERLINK("x")', "@SUM(1)", "+PL", "-PL", "P L", "PRÉ", "P" * 33]),
    ),
    "SENS_DECISION": st.sampled_from(["OUI", "ACCORDE", '"']),
    "ETAT": st.sampled_from(["FINI", "CLOS", "É", "claſſe", "+PAYE"]),
}
bad_dates = st.one_of(
    wrong_dates, control_text, stray_quotes, st.sampled_from(["-1", "=TODAY()", "01/02/2025\t"])
)
personal = st.sampled_from(
    [PERSONAL_MARK, "Zoé", "Lefèvre", 'résidence "Les Lilas"', "12 rue X; bât. B", "Œuvre"]
)
DAMAGES = (
    "none", "none", "none", "value", "value", "truncate", "extra", "control", "stray", "huge",
    "shift", "undecided",
)  # fmt: skip


def good_value(draw: st.DrawFn, column: str) -> str:
    if column in good:
        return draw(good[column])
    if column in PERSONAL:
        return draw(personal)
    return draw(good_dates)


def bad_value(draw: st.DrawFn, column: str) -> str:
    if column in bad:
        return draw(bad[column])
    if column in PERSONAL:
        return draw(st.one_of(control_text, stray_quotes))  # still readable: not read at all
    return draw(bad_dates)


def render(values: list[str], raw: int | None = None) -> str:
    """A `;` line, quoted where needed, except the field `raw` which is written as is."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="").writerow(
        ["\x00raw\x00" if i == raw else v for i, v in enumerate(values)]
    )
    return out.getvalue() if raw is None else out.getvalue().replace("\x00raw\x00", values[raw])


@st.composite
def data_lines(draw: st.DrawFn) -> str:
    """One data line, readable or damaged in one way."""
    values = {column: good_value(draw, column) for column in HEADER}
    decided = values["DATE_DECISION"] or values["DATE_NOTIFICATION"]
    if decided and not values["SENS_DECISION"]:
        values["SENS_DECISION"] = "ACCORD"
    damage = draw(st.sampled_from(DAMAGES))
    if damage == "value":
        column = draw(st.sampled_from(HEADER))
        values[column] = bad_value(draw, column)
    elif damage == "undecided":  # a decision date without SENS_DECISION
        values["DATE_DECISION"] = draw(valid_dates)
        values["SENS_DECISION"] = ""
    cells = [values[column] for column in HEADER]
    if damage == "huge":
        at = draw(st.integers(0, len(HEADER) - 1))
        cells[at] = draw(huge_fields)
        return render(cells, raw=at)
    if damage == "shift":  # an unquoted ';' in the address
        at = HEADER.index("ADRESSE")
        cells[at] = "17 impasse Introuvable; bât. Z"
        return render(cells, raw=at)
    line = render(cells)
    cut = draw(st.integers(0, len(line)))
    if damage == "truncate":
        return line[:cut]
    if damage == "extra":
        return line + ";" + draw(st.text("ab;é", max_size=8))
    if damage == "control":
        return line[:cut] + draw(control_text) + line[cut:]
    if damage == "stray":
        return line[:cut] + draw(stray_quotes) + line[cut:]
    return line


def encode_line(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


@st.composite
def malformed_files(draw: st.DrawFn) -> bytes:
    """The bytes of a PIAF extract with damaged lines, in UTF-8, cp1252 or a mix of both."""
    header = [
        draw(st.sampled_from([name, name.lower(), f" {name} ", name.title()])) for name in HEADER
    ]
    lines = draw(st.lists(st.one_of(data_lines(), st.just("")), min_size=1, max_size=6))
    for _ in range(draw(st.integers(0, 2))):  # identical repeats
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(lines)))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    mode = draw(st.sampled_from(["utf-8", "cp1252", "mixed"]))
    chunks = [codecs.BOM_UTF8 if draw(st.booleans()) and mode == "utf-8" else b""]
    chunks.append(";".join(header).encode() + end.encode())
    for line in lines:
        encoding = draw(st.sampled_from(["utf-8", "cp1252", "split"])) if mode == "mixed" else mode
        if encoding == "split":  # one line in both: UTF-8 up to a point, Windows-1252 after
            cut = draw(st.integers(0, len(line)))
            data = line[:cut].encode() + encode_line(line[cut:], "cp1252")
        else:
            data = encode_line(line, encoding)
        chunks.append(data + end.encode())
    if draw(st.booleans()):
        chunks.append(f"Nombre de lignes : {len(lines)}{end}".encode())
    if draw(st.sampled_from(range(10))) == 9:  # bytes that neither encoding decodes
        at = draw(st.integers(2, len(chunks)))
        chunks.insert(at, b"\x81\x8d" + end.encode())
    return b"".join(chunks)


def refusal(data: bytes) -> str:
    """Why the spec refuses these bytes as a whole ("" when it does not)."""
    decoded = decode(data)
    if decoded is None:
        return "undecodable"
    return refused_header(decoded, REQUIRED)


@dataclass(frozen=True)
class Verdict:
    """How one data row came out of the ingestion."""

    line: int
    quarantined: bool
    ingested: bool
    expected_quarantined: bool | None  # None when the naive reading cannot tell


def verdicts(expected: NaiveFile, tracker: DossierTracker) -> list[Verdict]:
    """Each data row's outcome, against the naive reading."""
    quarantined = {line for _, line, _, _ in quarantine_rows(tracker.database.url)}
    stored = {f.number: facts_view(f) for f in tracker.all_facts()}
    multiline = {r.number for r in expected.rows if r.record.first != r.record.last}
    found = []
    for row in expected.rows:
        ingested = row.facts is not None and stored.get(row.number) == _view(row.facts)
        clear = row.record.first == row.record.last and row.number not in multiline
        expectation = (row.facts is None or row.number in expected.conflicts) if clear else None
        found.append(
            Verdict(row.record.first, row.record.first in quarantined, ingested, expectation)
        )
    return found


def _view(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: facts[k] for k in FACT_FIELDS}


# On a failure, hypothesis imports libcst to suggest a patch, and libcst 1.0 warns about
# mypy_extensions.TypedDict: without this, a failure shows as an INTERNALERROR instead.
@pytest.mark.filterwarnings("ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning")
@given(data=malformed_files())
def test_every_row_of_a_malformed_file_is_ingested_or_quarantined(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    folder = tmp_path_factory.mktemp("malformed")
    path = folder / FILE_NAME
    path.write_bytes(data)
    url = f"sqlite:///{folder / 'store.sqlite'}"
    tracker = DossierTracker(url)
    try:
        ingestor = Ingestor(tracker)
        refused = refusal(data)
        event(f"refused: {refused.split(' ')[0] or 'no'}")
        if refused:
            with pytest.raises(FileRefused):
                ingestor.ingest_piaf(path)
            assert raw_events(url) == []
            assert quarantine_rows(url) == []
            return

        ingestor.ingest_piaf(path)

        decoded = decode(data)
        assert decoded is not None
        expected = read_extract(decoded, KNOWN_ON)
        event(f"a line mixing encodings: {bool(decoded.mixed)}")
        outcomes = verdicts(expected, tracker)
        event(f"some rows ingested: {any(v.ingested for v in outcomes)}")
        event(f"some rows quarantined: {any(v.quarantined for v in outcomes)}")
        event(f"a row over several lines: {any(v.expected_quarantined is None for v in outcomes)}")
        assert [v for v in outcomes if v.quarantined == v.ingested] == []
        assert [v for v in outcomes if v.expected_quarantined not in (None, v.quarantined)] == []
        rows = {v.line for v in outcomes}
        assert [q for q in quarantine_rows(url) if q[1] not in rows or not q[3].strip()] == []
        accepted = {r.number for r in expected.rows if r.facts is not None}
        assert {f.number for f in tracker.all_facts()} <= accepted
    finally:
        tracker.close()
