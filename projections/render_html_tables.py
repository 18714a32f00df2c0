"""The report's HTML tables: sectors with their late dossiers, the rows asked, the totals.

A sector row opens (`<details>`, no script) on the list of its breached and overdue
dossiers: numbers, dates and delays only, never a name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Final

from casetrack.report_summary import Block, LateMeasure
from casetrack.report_text import cell_text
from casetrack.report_words import (
    DELAY_COLUMNS,
    STATUS_WORDS,
    TOTAL,
    french_date,
    french_percent,
    unit_of,
)
from casetrack.reporting import FIGURES, LABELS, ReportRow
from casetrack.rules import Engagement
from casetrack.status import Status

_NUM: Final = ' class="num"'
LATE_COLUMNS: Final = ("Dossier", "Prestation", "Début", "Échéance", "Arrêt", "Délai", "Statut")


def _cells(row: ReportRow, columns: Sequence[str]) -> str:
    values = row.as_dict()
    return "".join(
        f"<td{_NUM if c in FIGURES else ''}>{escape(cell_text(c, values[c]))}</td>" for c in columns
    )


def _head(keys: Sequence[str], engagement: Engagement) -> str:
    cells = "".join(f"<th>{escape(LABELS.get(k, ''))}</th>" for k in keys) + "".join(
        f"<th{_NUM}>{_label(LABELS[f], engagement if f in DELAY_COLUMNS else None)}</th>"
        for f in FIGURES
    )
    return f"<thead><tr>{cells}</tr></thead>"


def _label(label: str, engagement: Engagement | None) -> str:
    """A column label, with the unit under it for a delay: 'Médiane (j. ouvrés)'."""
    if engagement is None:
        return escape(label)
    return f'{escape(label)} <span class="unit">{escape(unit_of(engagement))}</span>'


def _total(total: ReportRow, keys: Sequence[str]) -> str:
    blanks = "<td></td>" * (len(keys) - 1)
    return f'<tbody class="total"><tr><th>{TOTAL}</th>{blanks}{_cells(total, FIGURES)}</tr></tbody>'


def overall_block(total: ReportRow | None, day: str) -> str:
    """The engagement's rate over all its measured delays, in large type."""
    if total is None or total.rate is None:
        what = "aucun délai mesuré sur la période"
        if total is not None and (total.open_pending or total.open_overdue):
            what += f" ; au {day} : {_open_words(total)}"
        return f'<div class="overall"><span class="what">{escape(what)}</span></div>'
    what = (
        f"taux de respect sur l’ensemble de la période : {total.met} délais respectés "
        f"sur {total.measured} mesurés ({total.breached} dépassés) ; "
        f"au {day} : {_open_words(total)}"
    )
    return (
        f'<div class="overall"><span class="rate">{escape(french_percent(total.rate))}</span>'
        f'<span class="what">{escape(what)}</span></div>'
    )


def _open_words(total: ReportRow) -> str:
    return f"{total.open_pending} en cours dans la limite, {total.open_overdue} en retard"


def sector_table(
    engagement: Engagement,
    rows: Sequence[ReportRow],
    total: ReportRow | None,
    late: Mapping[str, Sequence[LateMeasure]] | None,
) -> str:
    """Sectors in the rows' order, each followed by its dossier list (`late`), then the total.

    `late` is None when the lists are left out (`--no-details`).
    """
    columns = ("section", *FIGURES)
    width = len(columns)
    bodies = []
    for row in rows:
        sector = escape(row.section or "")
        listed = "" if late is None else _late_row(engagement, late.get(row.section or ""), width)
        bodies.append(
            f'<tbody class="sector" data-sector="{sector}"><tr>{_cells(row, columns)}</tr>'
            f"{listed}</tbody>"
        )
    if total is not None:
        bodies.append(_total(total, ("section",)))
    return (
        f'<table class="sectors">{_head(("section",), engagement)}\n'
        + "\n".join(bodies)
        + "\n</table>"
    )


def _late_row(engagement: Engagement, measures: Sequence[LateMeasure] | None, width: int) -> str:
    if not measures:
        return ""
    breached = sum(1 for m in measures if m.status == Status.BREACHED)
    overdue = len(measures) - breached
    counts = []
    if breached:
        counts.append(f"{breached} {STATUS_WORDS['breached']}{'s' if breached > 1 else ''}")
    if overdue:
        counts.append(f"{overdue} {STATUS_WORDS['overdue']}")  # "en retard" has no plural
    summary = f"Dossiers : {', '.join(counts)}"
    head = "".join(
        f"<th{_NUM}>{_label(name, engagement)}</th>" if name == "Délai" else f"<th>{name}</th>"
        for name in LATE_COLUMNS
    )
    body = "".join(
        f'<tr data-status="{m.status}"><td>{escape(m.dossier)}</td><td>{escape(m.prestation)}</td>'
        f"<td>{french_date(m.start)}</td><td>{french_date(m.due)}</td>"
        f"<td>{french_date(m.stop) if m.stop is not None else ''}</td>"
        f'<td class="num">{m.elapsed}</td><td>{STATUS_WORDS[m.status]}</td></tr>'
        for m in measures
    )
    return (
        f'<tr class="late"><td colspan="{width}"><details><summary>{escape(summary)}</summary>'
        f'<table class="late"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        "</details></td></tr>"
    )


def detail_table(block: Block) -> str:
    """An engagement's rows as `--by` asked (engagement aside), then its total row."""
    keys = block.keys
    rows = block.rows if keys else ()  # no key left: the total alone
    body = "\n".join(f"<tr>{_cells(row, (*keys, *FIGURES))}</tr>" for row in rows)
    total = _total(block.total, keys or ("",)) if block.total is not None else ""
    head = _head(keys or ("",), block.engagement)
    return f'<table class="report">{head}\n<tbody>\n{body}\n</tbody>\n{total}\n</table>'
