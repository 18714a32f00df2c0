"""`restatements` written as a French table, CSV (lines, and `--totals`) or JSON (both lists).

Values stay typed (dates, Decimal rates, None) until here; CSV and JSON keep codes and ISO
dates, the table is written for the auditor who signs it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import date
from typing import Final, TextIO

from casetrack.console import output_stream, say
from casetrack.output import write_rows
from casetrack.output import write_table as write_text_table
from casetrack.report_words import TOTAL, engagement_heading, french_date, french_percent
from casetrack.reporting import LABELS
from casetrack.rules import RuleSet
from projections.cli_constants import RESTATEMENT_COLUMNS, RESTATEMENT_TOTAL_COLUMNS
from projections.comparison import STATUS_LABELS
from projections.reports import json_value, machine_value
from projections.restatement_diff import RestatementLine, Restatements, TotalLine

#: French names of the facts, as the dossier view's history calls them.
FACT_LABELS: Final = {
    "section": "Section",
    "prestation": "Prestation",
    "filed_on": "Dépôt",
    "first_info_on": "Première info",
    "second_info_on": "Deuxième info",
    "completed_on": "Dossier complet",
    "decided_on": "Décision",
    "notified_on": "Notification",
    "outcome": "Sens de la décision",
    "ordered_on": "Virement",
    "closed_on": "Classement sans suite",
}
#: Headers of the lines table, in RESTATEMENT_COLUMNS order.
LINE_LABELS: Final = (
    "Dossier",
    "Section",
    "Prestation",
    "Engagement",
    "Statut (K1)",
    "Statut (K2)",
    "Délai (K1)",
    "Délai (K2)",
    "Fait",
    "Avant",
    "Après",
    "Connu le",
)
#: The status shown on a side that did not know the dossier at all.
UNKNOWN_DOSSIER: Final = "dossier inconnu"
#: The measure's own columns: written on the first line of each measure only.
_MEASURE_WIDTH: Final = 8
#: Headers of the totals table of an engagement.
TOTAL_LABELS: Final = (
    LABELS["section"],
    "Retraitées",
    "Mesurés (K1)",
    "Respectés (K1)",
    "Taux (K1)",
    "Mesurés (K2)",
    "Respectés (K2)",
    "Taux (K2)",
)


def write_restatements(
    args: argparse.Namespace,
    found: Restatements,
    lines: Sequence[RestatementLine],
    rule_set: RuleSet,
) -> None:
    """Write the restatements in `--format`, then the totals to `--totals` if given."""
    fmt = args.format
    with output_stream(args.output) as out:
        if fmt == "json":
            write_json(found, lines, out)
        elif fmt == "csv":
            write_lines_csv(lines, out)
        else:
            write_table(found, lines, rule_set, out)
    if args.totals:
        with output_stream(args.totals) as out:
            write_totals_csv(found.totals, out)
        if not args.quiet:
            say(f"{len(found.totals):,} total lines written to {args.totals}")
    elif fmt == "csv" and not args.quiet:
        # One CSV holds one table: say where the other one is.
        say(
            f"{len(found.measures):,} measures restated; this CSV holds their lines only: add "
            "--totals FILE to write the totals per engagement and sector"
        )


def write_lines_csv(lines: Sequence[RestatementLine], out: TextIO) -> None:
    """The lines as CSV, RESTATEMENT_COLUMNS in order."""
    write_rows((line.record() for line in lines), RESTATEMENT_COLUMNS, out, "csv")


def write_totals_csv(totals: Sequence[TotalLine], out: TextIO) -> None:
    """The totals as CSV (rates with four places; the engagement's total: empty section)."""
    rows = (
        {c: machine_value(_figure(c), v) for c, v in total.record().items()} for total in totals
    )
    write_rows(rows, RESTATEMENT_TOTAL_COLUMNS, out, "csv")


def write_json(found: Restatements, lines: Sequence[RestatementLine], out: TextIO) -> None:
    """{"restatements": [...], "totals": [...]}: codes, numbers as numbers, ISO dates."""
    document = {
        "restatements": [{c: json_value(c, v) for c, v in line.record().items()} for line in lines],
        "totals": [{c: json_value(c, v) for c, v in t.record().items()} for t in found.totals],
    }
    json.dump(document, out, ensure_ascii=False, indent=1)
    out.write("\n")


def title(found: Restatements) -> str:
    """The French title line."""
    window = found.window
    return (
        f"Retraitements du {french_date(window.start)} au {french_date(window.end)} : faits "
        f"connus au {french_date(found.known_at)} (K1) comparés aux faits connus au "
        f"{french_date(found.now)} (K2), les deux évalués au {french_date(window.as_of)}"
    )


def write_table(
    found: Restatements, lines: Sequence[RestatementLine], rule_set: RuleSet, out: TextIO
) -> None:
    """Per engagement, its totals by sector; then every restated measure with its causes."""
    out.write(title(found) + "\n")
    if not found.totals:
        out.write("\nAucune mesure sur la période.\n")
    for engagement in rule_set.ordered:
        totals = [t for t in found.totals if t.engagement == engagement.number]
        if not totals:
            continue
        out.write(f"\n{engagement_heading(engagement)}\n")
        write_text_table([_total_cells(t) for t in totals], TOTAL_LABELS, out)
    count, dossiers = len(found.measures), len(found.dossiers)
    out.write(f"\nMesures retraitées : {count} ({dossiers} dossier{'s' if dossiers > 1 else ''})\n")
    if lines:
        write_text_table(_line_cells(lines), LINE_LABELS, out)
    out.write(
        "\nUne mesure est retraitée quand son statut ou son délai au "
        f"{french_date(found.window.day)} diffère entre les deux dates de connaissance ; "
        "chaque ligne donne un fait de son dossier qui a changé et la date d'extraction "
        "qui l'a fait connaître.\n"
    )


def _total_cells(total: TotalLine) -> list[str]:
    b, a = total.before, total.after
    return [
        TOTAL if total.section is None else total.section,
        str(total.restated),
        str(b.measured),
        str(b.met),
        french_percent(b.rate) if b.rate is not None else "",
        str(a.measured),
        str(a.met),
        french_percent(a.rate) if a.rate is not None else "",
    ]


def _line_cells(lines: Sequence[RestatementLine]) -> list[list[str]]:
    rows = []
    previous = None
    for line in lines:
        record = line.record()
        cells = [_french(c, v) for c, v in record.items()]
        # An empty status means "not started", unless the dossier itself was not yet known.
        for index, known in ((4, line.measure.known_before), (5, line.measure.known_after)):
            if not known:
                cells[index] = UNKNOWN_DOSSIER
        if line.measure is previous:
            # The same measure again, for another fact: its columns once are enough.
            cells[:_MEASURE_WIDTH] = [""] * _MEASURE_WIDTH
        previous = line.measure
        rows.append(cells)
    return rows


def _french(column: str, value: object) -> str:
    if column in ("status_before", "status_after"):
        return STATUS_LABELS[value if isinstance(value, str) else None]
    if column == "fact":
        return FACT_LABELS.get(str(value), "") if value is not None else ""
    if value is None:
        return ""
    if isinstance(value, date):
        return french_date(value)
    return str(value)


def _figure(column: str) -> str:
    # machine_value spells a column by its figure: both rates are rates.
    return "rate" if column.startswith("rate_") else column
