"""The audit sample's cells: codes for its CSV, French words and dates for its table."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Final, TextIO

from attrs import frozen

from casetrack.history import history_lines
from casetrack.output import write_table
from casetrack.report_words import UNIT_SHORT, french_date, status_word
from casetrack.rules import Engagement
from casetrack.status import Status

#: The CSV columns, a public interface (docs/reports.md, "Sample").
SAMPLE_COLUMNS: Final = ("stratum", "dossier", "section", "prestation", "measures", "history")
#: The table's headers: the stratum is the sector of the stop date (Paris Centre mapping),
#: the section the code PIAF gives.
SAMPLE_LABELS: Final = ("Secteur", "Dossier", "Section", "Prestation", "Mesures", "Historique")
#: An ISO date standing alone in a history value (not inside a batch label such as
#: VIR20250620-02).
_TIMED: Final = frozenset({Status.MET, Status.BREACHED})


@frozen
class Part:
    """One engagement's state in a sampled dossier, with its elapsed time when stopped."""

    engagement: Engagement
    state: str
    elapsed: int | None


def measures_codes(parts: Sequence[Part]) -> str:
    """The CSV cell: '17:met 10; 18:pending; 19:not_applicable'."""
    return "; ".join(
        f"{p.engagement.number}:{p.state}"
        + (f" {p.elapsed}" if p.elapsed is not None and p.state in _TIMED else "")
        for p in parts
    )


def measures_words(parts: Sequence[Part]) -> str:
    """The table cell: '17 : respecté, 10 j. calendaires ; 18 : en cours'."""
    return " ; ".join(
        f"{p.engagement.number} : {status_word(p.state)}"
        + (
            f", {p.elapsed} {UNIT_SHORT[p.engagement.unit]}"
            if p.elapsed is not None and p.state in _TIMED
            else ""
        )
        for p in parts
    )


def history_words(events: Iterable[Any]) -> str:
    """The history on one line with French dates: 'Dépôt 28/10/2024 … (connu le 31/10/2024)'.

    The CSV keeps casetrack.history.one_line, ISO dates and all.
    """
    return " ; ".join(
        f"{label} {value} (connu le {known})"
        for label, value, known, _ in history_lines(events, french_date)
    )


def sample_title(args: argparse.Namespace, as_of: date, rows: Sequence[dict[str, str]]) -> str:
    """What the table is, enough to draw it again; or the sentence saying it is empty."""
    span = f"du {french_date(args.start)} au {french_date(args.end)}"
    which = "" if args.engagement is None else f" de l'engagement {args.engagement}"
    day = french_date(as_of)
    known_at = getattr(args, "known_at", None)
    if known_at is not None:
        day += f", faits connus au {french_date(known_at)}"
    if not rows:
        return (
            f"Aucun dossier n'a de délai{which} mesuré {span} (évalué au {day}) : "
            "échantillon vide.\n"
        )
    count = len(rows)
    return (
        f"Échantillon d'audit : dossiers ayant un délai{which} mesuré {span}, évalué au {day} "
        f"— {count} dossier{'s' if count > 1 else ''}, {args.per_section} au plus par "
        f"secteur, graine {args.seed}\n\n"
    )


def write_sample_table(
    args: argparse.Namespace, as_of: date, rows: Sequence[dict[str, str]], out: TextIO
) -> None:
    """The title, then the rows under French headers (their cells already in words)."""
    out.write(sample_title(args, as_of, rows))
    if rows:
        write_table([[r[c] for c in SAMPLE_COLUMNS] for r in rows], SAMPLE_LABELS, out)
