"""Hypothesis strategies for PIAF and TOPVIR text files, well formed or damaged."""

from __future__ import annotations

from hypothesis import strategies as st

#: A PIAF header with every default column and personal columns interleaved.
PIAF_COLUMNS = (
    "NUM_DOSSIER",
    "NOM",
    "PRENOM",
    "NIR",
    "SECTION",
    "PRESTATION",
    "DATE_DEPOT",
    "DATE_PREMIERE_INFO",
    "DATE_DEUXIEME_INFO",
    "DATE_DOSSIER_COMPLET",
    "DATE_DECISION",
    "SENS_DECISION",
    "DATE_NOTIFICATION",
    "DATE_VIREMENT",
    "ETAT",
    "ADRESSE",
    "MONTANT",
)
PIAF_HEADER = ";".join(PIAF_COLUMNS)

#: A personal value that matches no harmless pattern: it must never appear in a message.
PERSONAL_MARK = "Zoé Marqueur-Personnel"

_CONTROL = "".join(chr(c) for c in (*range(32), 127, 0x85)) + "\u2028\ufeff"

valid_dates = st.dates().map(lambda d: f"{d.day:02d}/{d.month:02d}/{d.year:04d}")
iso_dates = st.dates().map(lambda d: d.isoformat())
date_times = st.builds(
    lambda d, h, m: f"{d} {h:02d}:{m:02d}", valid_dates, st.integers(0, 23), st.integers(0, 59)
)
wrong_dates = st.sampled_from(
    ["31/02/2025", "00/00/0000", "14/3/2025", "2025/03/14", "14-03-2025", "14/03/25", "demain"]
) | st.text(alphabet="0123456789/-: ", max_size=25)
huge_fields = st.sampled_from('x;"é0 ').map(lambda c: c * 10_000)
control_text = st.text(alphabet=_CONTROL + 'ab;"', max_size=12)
stray_quotes = st.sampled_from(['"', 'ab"c', '"ab', '"a;b', 'a""b', '"a"b"', '""'])
garbage = st.text(max_size=30)

any_date = st.one_of(
    st.just(""), valid_dates, iso_dates, date_times, wrong_dates, huge_fields, stray_quotes
)
any_code = st.one_of(
    st.sampled_from(["", "01", "5", "PC", "pc", "21", "PL", "ACCORD", "rejet", "CLASSE", "X"]),
    control_text,
    stray_quotes,
    huge_fields,
)
personal = st.one_of(
    st.just(PERSONAL_MARK), st.just(f'"{PERSONAL_MARK}; bis"'), st.just(f"{PERSONAL_MARK};x")
)


@st.composite
def piaf_lines(draw: st.DrawFn) -> str:
    """One data line, possibly damaged: truncated, with stray quotes, bad values or extra ';'."""
    values: list[str] = []
    for column in PIAF_COLUMNS:
        if column.startswith("DATE"):
            values.append(draw(any_date))
        elif column in {"NOM", "PRENOM", "ADRESSE"}:
            values.append(draw(personal))
        elif column == "NUM_DOSSIER":
            values.append(draw(st.one_of(st.just(""), st.integers(1, 10**9).map(str), garbage)))
        else:
            values.append(draw(st.one_of(any_code, garbage)))
    line = ";".join(values)
    damage = draw(st.sampled_from(["none", "truncate", "extra", "control"]))
    if damage == "truncate":
        line = line[: draw(st.integers(0, len(line)))]
    elif damage == "extra":
        line += ";" + draw(garbage)
    elif damage == "control":
        cut = draw(st.integers(0, len(line)))
        line = line[:cut] + draw(control_text) + line[cut:]
    return line


def piaf_files() -> st.SearchStrategy[str]:
    """The text of a PIAF file: the header, damaged lines, and maybe blank lines and a footer."""
    body = st.lists(st.one_of(piaf_lines(), st.just("")), min_size=1, max_size=8)
    footer = st.sampled_from(["", "Nombre de lignes : 8\n"])
    ending = st.sampled_from(["\n", "\r\n"])
    return st.builds(
        lambda lines, end, tail: PIAF_HEADER + end + end.join(lines) + end + tail,
        body,
        ending,
        footer,
    )
