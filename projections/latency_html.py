"""`casetrack latency` as one self-contained HTML page: a section per part, no script."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Final

from projections.latency import LatencyAudit
from projections.latency_output import DELAY_NOTE, NUMBERS, Part, grouping, parts, title
from projections.render_html import CSS, definition_list, french_date
from projections.render_html_compare import COMPARE_CSS

TITLE: Final = "Latence des données PIAF"
_NUM: Final = ' class="num"'
#: A breach turned into "met" stands out, as the comparison page marks what moved.
_FLAGGED: Final = "breach_to_met"


def write_latency_html(path: Path, audit: LatencyAudit) -> None:
    """Write the audit as one UTF-8 HTML file."""
    path.write_text(render_latency_html(audit), encoding="utf-8")


def render_latency_html(audit: LatencyAudit) -> str:
    """The HTML text of the audit."""
    sections = "".join(_section(part) for part in parts(audit))
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(TITLE)}</title>\n<style>{CSS}{COMPARE_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n<header><h1>{escape(title(audit))}</h1>{_metadata(audit)}</header>\n"
        f"{sections}</main>\n</body>\n</html>\n"
    )


def _metadata(audit: LatencyAudit) -> str:
    facts = [
        ("Période", f"du {french_date(audit.start)} au {french_date(audit.end)}"),
        ("Regroupement des délais", grouping(audit)),
        ("Référentiel", audit.rule_set),
    ]
    if audit.as_of is not None:
        facts.insert(1, ("Mesures évaluées au", french_date(audit.as_of)))
    return definition_list(facts)


def _section(part: Part) -> str:
    heading = f'<section id="{part.key}"><h2>{escape(part.heading)}</h2>\n'
    note = ""
    if part.key == "delays":
        note = f'<p class="note">{escape(DELAY_NOTE)}</p>\n'
    if not part.records:
        return f'{heading}<p class="empty">{escape(part.empty)}</p>\n{note}</section>\n'
    head = "".join(
        f"<th{_NUM if c in NUMBERS else ''}>{escape(label)}</th>"
        for c, label in zip(part.columns, part.labels, strict=True)
    )
    rows = []
    for record, cells in zip(part.records, part.french_rows(), strict=True):
        flagged = bool(record.get(_FLAGGED))
        tds = "".join(
            f"<td{_classes(c in NUMBERS, flagged)}>{escape(text)}</td>"
            for c, text in zip(part.columns, cells, strict=True)
        )
        rows.append(f"<tr>{tds}</tr>")
    body = "\n".join(rows)
    return (
        f'{heading}<table class="{part.key}">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>\n{note}</section>\n"
    )


def _classes(number: bool, flagged: bool) -> str:
    names = [name for name, on in (("num", number), ("moved", flagged)) if on]
    return f' class="{" ".join(names)}"' if names else ""
