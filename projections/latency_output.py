"""`casetrack latency` written in each format: its three parts, their French words, and the
table, CSV and JSON writers (xlsx and HTML: projections.latency_xlsx, latency_html).

Values stay typed (dates, ints, status codes, booleans) until here: CSV and JSON keep the
codes, the French outputs spell them with the words of every other report.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any, Final, TextIO

from attrs import frozen

from casetrack.console import output_stream, say
from casetrack.measure_notes import FIELD_WORDS
from casetrack.output import write_rows, write_table
from casetrack.report_words import UNIT_SHORT, french_date, status_word
from projections.cli_constants import LATENCY_PARTS
from projections.latency import DELAY_FIGURES, LatencyAudit
from projections.latency_stops import BACKDATED_COLUMNS, LATE_KNOWN_COLUMNS

#: French column labels of the three parts.
LABELS: Final = {
    "fact": "Fait",
    "sector": "Secteur",
    "month": "Mois",
    "count": "Nombre",
    "median": f"Médiane ({UNIT_SHORT['calendar_days']})",
    "p90": f"P90 ({UNIT_SHORT['calendar_days']})",
    "max": f"Max ({UNIT_SHORT['calendar_days']})",
    "dossier": "Dossier",
    "section": "Section",
    "prestation": "Prestation",
    "engagement": "Engagement",
    "start": "Début",
    "stop": "Arrêt",
    "due": "Échéance",
    "stop_fact": "Fait d'arrêt",
    "stop_known_on": "Arrêt connu le",
    "days_after_due": "Jours après l'échéance",
    "status": "Statut",
    "stop_before": "Arrêt avant",
    "stop_after": "Arrêt corrigé",
    "known_on": "Corrigé le",
    "status_before": "Statut avant",
    "status_after": "Statut après",
    "breach_to_met": "Dépassé devenu respecté",
}
_FACTS: Final = frozenset({"fact", "stop_fact"})
_STATUSES: Final = frozenset({"status", "status_before", "status_after"})
#: Columns holding numbers: right-aligned in the HTML page.
NUMBERS: Final = frozenset({*DELAY_FIGURES, "days_after_due"})
DELAY_NOTE: Final = (
    "Délai : jours calendaires de la date du fait à la première extraction qui a signalé sa "
    "valeur actuelle (une valeur corrigée compte depuis l'extraction qui a signalé la "
    "nouvelle valeur). Médiane et P90 au rang le plus proche : la ⌈p × n⌉-ième plus petite "
    "valeur, p = 0,5 ou 0,9. Date de classement exclue : c'est la date d'extraction elle-même."
)


@frozen
class Part:
    """One part of the audit: its JSON key, French heading, columns and rows as codes."""

    key: str
    heading: str
    empty: str
    columns: tuple[str, ...]
    records: tuple[dict[str, Any], ...]

    @property
    def labels(self) -> list[str]:
        """The French labels of its columns."""
        return [LABELS[c] for c in self.columns]

    def french_rows(self) -> list[list[str]]:
        """Its rows as the French outputs write them."""
        return [[french_cell(c, r[c]) for c in self.columns] for r in self.records]


def parts(audit: LatencyAudit) -> tuple[Part, Part, Part]:
    """The delays, the stops known after the due date, the stops backdated after it."""
    keys = audit.keys
    flagged = sum(1 for b in audit.backdated if b.breach_to_met)
    return (
        Part(
            "delays",
            "Délais de remontée des faits datés de la période",
            "Aucun fait daté sur la période.",
            (*keys, *DELAY_FIGURES),
            tuple(row.record(keys) for row in audit.delays),
        ),
        Part(
            "late_known",
            f"Arrêts connus après l'échéance : {_count(len(audit.late_known), 'mesure')}",
            "Aucune mesure arrêtée sur la période dont l'arrêt a été connu après l'échéance.",
            LATE_KNOWN_COLUMNS,
            tuple(m.record() for m in audit.late_known),
        ),
        Part(
            "backdated",
            "Dates d'arrêt corrigées à une date antérieure après l'échéance : "
            f"{_count(len(audit.backdated), 'correction')}, dont "
            f"{_count(flagged, 'dépassement')} devenu{'s' if flagged > 1 else ''} respecté"
            f"{'s' if flagged > 1 else ''}",
            "Aucune date d'arrêt corrigée à une date antérieure après l'échéance.",
            BACKDATED_COLUMNS,
            tuple(b.record() for b in audit.backdated),
        ),
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n > 1 else ''}"


def french_cell(column: str, value: Any) -> str:
    """A cell as the French outputs write it: words for codes, JJ/MM/AAAA dates."""
    if column in _STATUSES:
        return status_word(value)
    if value is None:
        return ""
    if column in _FACTS:
        label = FIELD_WORDS[value].label
        return label[:1].upper() + label[1:]
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, date):
        return french_date(value)
    return str(value)


def title(audit: LatencyAudit) -> str:
    """'Latence des données du 01/01/2025 au 31/12/2025, mesures évaluées au …'."""
    text = f"Latence des données du {french_date(audit.start)} au {french_date(audit.end)}"
    if audit.as_of is not None:
        text += f", mesures évaluées au {french_date(audit.as_of)}"
    return text


def grouping(audit: LatencyAudit) -> str:
    """The delays' grouping keys in French words."""
    return ", ".join(LABELS[k].lower() for k in audit.keys)


def write_latency(args: argparse.Namespace, audit: LatencyAudit) -> None:
    """Write the audit in `--format` (CSV: the `--part` table)."""
    fmt = args.format
    if fmt in ("xlsx", "html"):
        _write_file(args, audit)
        return
    with output_stream(args.output) as out:
        if fmt == "csv":
            part = dict(zip(LATENCY_PARTS, parts(audit), strict=True))[args.part or "delays"]
            write_rows((_csv_record(r) for r in part.records), part.columns, out, "csv")
        elif fmt == "json":
            write_json(audit, out)
        else:
            write_text(audit, out)


def _csv_record(record: dict[str, Any]) -> dict[str, Any]:
    # Booleans as JSON writes them: `true`, `false`.
    return {c: (str(v).lower() if isinstance(v, bool) else v) for c, v in record.items()}


def write_json(audit: LatencyAudit, out: TextIO) -> None:
    """{"delays": [...], "late_known": [...], "backdated": [...]}: codes, ISO dates."""
    found = {
        part.key: [
            {c: v.isoformat() if isinstance(v, date) else v for c, v in r.items()}
            for r in part.records
        ]
        for part in parts(audit)
    }
    json.dump(found, out, ensure_ascii=False, indent=1)
    out.write("\n")


def write_text(audit: LatencyAudit, out: TextIO) -> None:
    """The three parts as French tables under a title."""
    out.write(f"{title(audit)}\nRegroupement des délais : {grouping(audit)}\n")
    for part in parts(audit):
        out.write(f"\n{part.heading}\n")
        if part.records:
            write_table(part.french_rows(), part.labels, out)
        else:
            out.write(f"{part.empty}\n")
        if part.key == "delays":
            out.write(f"{DELAY_NOTE}\n")


def _write_file(args: argparse.Namespace, audit: LatencyAudit) -> None:
    path = Path(args.output)
    # Renderers load only when their format is asked: openpyxl alone adds ~0.2 s to a command.
    if args.format == "xlsx":
        from projections.latency_xlsx import write_latency_xlsx  # noqa: PLC0415

        write_latency_xlsx(path, audit)
    else:
        from projections.latency_html import write_latency_html  # noqa: PLC0415

        write_latency_html(path, audit)
    if not args.quiet:
        say(f"latency audit written to {path}")
