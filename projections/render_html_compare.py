"""`reaudit --compare` as one self-contained HTML page: the figures side by side, the changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Final

from casetrack.report_words import french_percent, versions_words
from casetrack.reporting import FIGURES, LABELS
from casetrack.rules import RuleSet
from projections.comparison import (
    CHANGE_COLUMNS,
    CHANGE_LABELS,
    SIDE_LABELS,
    SIDES,
    STATUS_LABELS,
    Comparison,
)
from projections.comparison_output import changes_heading
from projections.render_html import CSS, definition_list, filters, french_date, grouping

TITLE: Final = "Réaudit des engagements QualiPARIS 17, 18 et 19"
#: A figure that moved between K and now stands out; the page's other colours are kept.
COMPARE_CSS: Final = """
td.moved { font-weight: 700; background: #fdf2d0 !important; }
th.side { font-weight: 400; color: var(--muted); }
p.note { color: var(--muted); margin: 4px 0 0; }
table.comparison thead th { position: static; }
table.comparison thead { position: sticky; top: 0; z-index: 1; }
"""
_NUMBERS: Final = frozenset({*FIGURES, "elapsed_known_at", "elapsed_now"})
_STATUSES: Final = frozenset({"status_known_at", "status_now"})
_NUM: Final = ' class="num"'


def write_comparison_html(path: Path, comparison: Comparison, rule_set: RuleSet) -> None:
    """Write the comparison as one self-contained UTF-8 HTML file."""
    path.write_text(render_comparison_html(comparison, rule_set), encoding="utf-8")


def render_comparison_html(comparison: Comparison, rule_set: RuleSet) -> str:
    """The HTML text of the comparison."""
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(TITLE)}</title>\n<style>{CSS}{COMPARE_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n<header><h1>{escape(TITLE)}</h1>"
        f"{_metadata(comparison, rule_set)}</header>\n"
        '<section id="chiffres"><h2>Chiffres connus au K et connus maintenant</h2>\n'
        f"{_figures(comparison)}</section>\n"
        f'<section id="changements"><h2>{escape(changes_heading(comparison))}</h2>\n'
        f"{_changes(comparison)}</section>\n</main>\n</body>\n</html>\n"
    )


def _metadata(comparison: Comparison, rule_set: RuleSet) -> str:
    query, every = comparison.query, rule_set.all_versions
    return definition_list(
        [
            ("Période", f"du {french_date(query.start)} au {french_date(query.end)}"),
            ("K : faits connus au", french_date(comparison.known_at)),
            ("K : situation au", french_date(query.as_of)),
            ("Maintenant : faits connus au", french_date(comparison.now_as_of)),
            # Every version of the file, with the start dates it measures (a one-version
            # rule set: its id), since both sides may count clocks of any of them.
            ("Référentiel", f"{versions_words(rule_set, every)} — {rule_set.title}"),
            ("Regroupement", grouping(query)),
            ("Filtres", filters(query)),
        ]
    )


def _text(column: str, value: object) -> str:
    if column in _STATUSES:
        return STATUS_LABELS[value if isinstance(value, str) else None]
    if value is None:
        return ""
    if column == "rate" and isinstance(value, Decimal):
        return french_percent(value)
    if isinstance(value, date):
        return french_date(value)
    return str(value)


def _cell(column: str, value: object, *, moved: bool = False) -> str:
    classes = [name for name, on in (("num", column in _NUMBERS), ("moved", moved)) if on]
    attribute = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attribute}>{escape(_text(column, value))}</td>"


def _figures(comparison: Comparison) -> str:
    """Keys, then each figure over two columns: known at K, known now."""
    if not comparison.rows:
        return '<p class="empty">Aucune mesure sur la période</p>\n'
    keys = comparison.keys
    top = "".join(f'<th rowspan="2">{escape(LABELS[k])}</th>' for k in keys) + "".join(
        f'<th colspan="2" class="num">{escape(LABELS[f])}</th>' for f in FIGURES
    )
    sides = "".join(f'<th class="num side">{SIDE_LABELS[s]}</th>' for _ in FIGURES for s in SIDES)
    body = []
    for row in comparison.rows:
        cells = [_cell(k, getattr(row.known_at, k)) for k in keys]
        for figure in FIGURES:
            before, after = getattr(row.known_at, figure), getattr(row.now, figure)
            cells += [_cell(figure, v, moved=before != after) for v in (before, after)]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="comparison">\n<thead><tr>{top}</tr>\n<tr>{sides}</tr></thead>\n'
        "<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n"
        '<p class="note">En gras : les chiffres qui diffèrent entre K et maintenant.</p>\n'
    )


def _changes(comparison: Comparison) -> str:
    if not comparison.changes:
        return '<p class="empty">Aucun dossier n’a changé de statut</p>\n'
    head = "".join(
        f"<th{_NUM if c in _NUMBERS else ''}>{escape(CHANGE_LABELS[c])}</th>"
        for c in CHANGE_COLUMNS
    )
    body = "\n".join(
        "<tr>" + "".join(_cell(c, v) for c, v in change.record().items()) + "</tr>"
        for change in comparison.changes
    )
    return (
        f'<table class="changes">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>\n"
    )
