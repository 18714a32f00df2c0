"""`casetrack dossier`: one dossier for a person, its history, each measure explained, and
the rows of it set aside at ingest.

The core knows nothing of the quarantine (an adapter keeps it): the adapters plug in a
handler that gives the view the dossier's quarantined rows, reasons already in French.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Final, TextIO

from attrs import frozen

from casetrack.application import DossierTracker
from casetrack.calendar import WorkingCalendar
from casetrack.clocks import terms_of
from casetrack.context import CommandContext
from casetrack.errors import InputRefused
from casetrack.facts import Facts
from casetrack.history import history_lines
from casetrack.known_facts import facts_known_at
from casetrack.measure_notes import (
    DATE_FIELDS,
    FACT_FIELDS,
    FIELD_WORDS,
    anomaly_note,
    clock_end,
    days_note,
    own_label,
)
from casetrack.measures import Measure, measure
from casetrack.output import write_table
from casetrack.report_words import (
    engagement_heading,
    engagement_title,
    french_date,
    limit_text,
    status_word,
    unit_of,
)
from casetrack.rules import Engagement, RuleSet


@frozen
class QuarantinedLine:
    """A row of the dossier set aside at ingest: where it is, why (in French), and the
    dossier field whose value was refused (e.g. `decided_on`; None when the row was
    refused for its shape or the column is not a known one)."""

    file: str
    line: int
    reason: str
    field: str | None = None


#: What gives a dossier's quarantined rows: (tracker, number, known_at) -> rows.
QuarantineSource = Callable[[DossierTracker, str, date | None], Sequence[QuarantinedLine]]

#: The subject of "… a été refusé(e)" for each field a row can hold.
REFUSED: Final = {
    **{field: f"la {words.label} a été refusée" for field, words in FIELD_WORDS.items()},
    "number": "le numéro de dossier a été refusé",
    "section": "la section a été refusée",
    "prestation": "la prestation a été refusée",
    "outcome": "le sens de la décision a été refusé",
    "state": "l'état a été refusé",
    "batch": "le lot a été refusé",
}
QUARANTINE_TITLE: Final = "Lignes mises en quarantaine"


def cmd_dossier(args: argparse.Namespace, ctx: CommandContext) -> int:
    """One dossier's history and its measures, explained (no quarantine: the core's own)."""
    return show_dossier(args, ctx, None)


def show_dossier(
    args: argparse.Namespace, ctx: CommandContext, quarantined: QuarantineSource | None
) -> int:
    """Write the dossier view of `args.number` to stdout, with its quarantined rows when
    `quarantined` gives them."""
    tracker = ctx.tracker()
    number, known_at = args.number, args.known_at
    events = tracker.history(number)
    lines = None if quarantined is None else list(quarantined(tracker, number, known_at))
    if not events and not lines:
        msg = f"dossier {number} is unknown: check the number, or ingest the extract that files it"
        raise InputRefused(msg)
    as_of = ctx.evaluation_date(tracker, args.as_of, known_at)
    facts = None
    if events and known_at is None:
        facts = tracker.facts(number)
    elif events and known_at is not None:
        facts = next(iter(facts_known_at(tracker, known_at, number, ctx.note)), None)
    write_dossier(
        sys.stdout,
        number,
        history_lines(events, french_date),
        facts,
        rule_set=tracker.rule_set,
        calendar=tracker.calendar,
        as_of=as_of,
        known_at=known_at,
        quarantined=lines,
    )
    return 0


def write_dossier(
    out: TextIO,
    number: str,
    history: Sequence[Sequence[str]],
    facts: Facts | None,
    *,
    rule_set: RuleSet,
    calendar: WorkingCalendar,
    as_of: date,
    known_at: date | None,
    quarantined: Sequence[QuarantinedLine] | None,
) -> None:
    """The dossier view: history, one block per engagement, then the quarantined rows."""
    out.write(f"Dossier {number}\n")
    if facts is not None:
        out.write(f"Section {facts.section}, prestation {facts.prestation}\n")
    statuses: dict[int, str] = {}
    if not history:
        out.write(
            "\nAucun fait enregistré : toutes les lignes de ce dossier sont en quarantaine.\n"
        )
    else:
        out.write("\nHistorique\n")
        write_table(history, ("Fait", "Valeur", "Connu le", "Remplace"), out)
        known = f" (faits connus au {french_date(known_at)})" if known_at else ""
        out.write(f"\nMesures au {french_date(as_of)}{known}\n")
        if facts is None:
            out.write("(dossier pas encore connu à cette date)\n")
        else:
            statuses = _write_measures(out, facts, rule_set, calendar, as_of, quarantined or ())
    if quarantined is not None:
        _write_quarantine(out, quarantined, rule_set, statuses)


def _write_measures(
    out: TextIO,
    facts: Facts,
    rule_set: RuleSet,
    calendar: WorkingCalendar,
    as_of: date,
    quarantined: Sequence[QuarantinedLine],
) -> dict[int, str]:
    """One block per engagement; return each engagement's status in words."""
    statuses = {}
    for engagement in rule_set.ordered:
        found = measure(facts, engagement, calendar, as_of)
        statuses[engagement.number] = _status(found)
        # The terms of the version in force on the clock's start date (the filing date
        # while it has not started), as the measure itself uses them.
        terms = terms_of(facts, engagement)
        heading = engagement_heading(terms)
        if rule_set.versions:
            heading = (
                f"{engagement_title(terms)} ({limit_text(terms)}, référentiel {terms.version})"
            )
        out.write(f"\n{heading}\n")
        block = _measure_lines(found, facts, terms, calendar, as_of)
        block += _warnings(terms, quarantined)
        out.writelines(f"  {line}\n" for line in block)
    return statuses


def _status(found: Measure | None) -> str:
    if found is None:
        return status_word(None)
    return status_word(found.status) + (" (à risque)" if found.at_risk else "")


def _measure_lines(
    found: Measure | None,
    facts: Facts,
    engagement: Engagement,
    calendar: WorkingCalendar,
    as_of: date,
) -> list[str]:
    """Status, start and stop with the facts they came from, due, delay, days counted."""
    start = clock_end(facts, engagement.start)
    if found is None:
        if start is None:
            why = f"aucune {own_label(engagement.start)} connue"
        else:
            why = f"début le {french_date(start.day)}, après le {french_date(as_of)}"
        return [f"Statut : {status_word(None)} ({why})"]
    lines = [f"Statut : {_status(found)}"]
    if found.start is None or start is None:
        return lines  # not applicable: nothing measured
    lines.append(f"Début : {french_date(found.start)} ({start.source()})")
    stop = clock_end(facts, engagement.stop) if found.stop is not None else None
    if stop is None:
        lines.append(f"Fin : aucune au {french_date(as_of)} (délai ouvert)")
    else:
        lines.append(f"Fin : {french_date(stop.day)} ({stop.source()})")
    if found.due is not None:
        lines.append(f"Échéance : {french_date(found.due)}")
    if found.elapsed is not None:
        lines.append(f"Délai {unit_of(engagement)} : {found.elapsed}")
    problem = None if stop is None else anomaly_note(start, stop)
    if problem is not None:
        lines.append(f"Anomalie : {problem}")
    days = days_note(found, engagement, calendar, facts.section, as_of)
    if days:
        lines.append(f"Jours comptés : {days[0]}")
        lines += [f"  {day}" for day in days[1:]]
    return lines


def depends_on(engagement: Engagement, field: str | None) -> bool:
    """Whether a refused value of `field` can change the engagement's measure: a date it
    reads, or anything else (a code, the section, an unreadable row) for every engagement."""
    if field not in DATE_FIELDS:
        return True
    names = (*engagement.start, *engagement.stop, *engagement.not_applicable_without_stop_once)
    return any(field in FACT_FIELDS[name] for name in names)


def _by_field(quarantined: Sequence[QuarantinedLine]) -> dict[str | None, int]:
    counts: dict[str | None, int] = {}
    for row in quarantined:
        counts[row.field] = counts.get(row.field, 0) + 1
    return counts


def _rows(count: int) -> str:
    return f"{count} ligne mise" if count == 1 else f"{count} lignes mises"


def _refused(field: str | None, count: int) -> str:
    """'la date de décision a été refusée dans 5 lignes mises en quarantaine'."""
    if field is None or field not in REFUSED:
        unread = "n'a pas pu être lue" if count == 1 else "n'ont pas pu être lues"
        return f"{_rows(count)} en quarantaine {unread}"
    return f"{REFUSED[field]} dans {_rows(count)} en quarantaine"


def _warnings(engagement: Engagement, quarantined: Sequence[QuarantinedLine]) -> list[str]:
    return [
        f"Attention : {_refused(field, count)} (voir plus bas) : cette mesure peut être fausse."
        for field, count in _by_field(quarantined).items()
        if depends_on(engagement, field)
    ]


def _write_quarantine(
    out: TextIO,
    quarantined: Sequence[QuarantinedLine],
    rule_set: RuleSet,
    statuses: dict[int, str],
) -> None:
    if not quarantined:
        out.write(f"\n{QUARANTINE_TITLE} : aucune\n")
        return
    out.write(f"\n{QUARANTINE_TITLE}\n")
    rows = [(row.file, str(row.line), row.reason) for row in quarantined]
    write_table(rows, ("Fichier", "Ligne", "Motif"), out)
    out.write(
        "Ces lignes n'ont pas été lues : rien de ce qu'elles disent du dossier n'est "
        "enregistré, et aucune mesure ci-dessus n'en tient compte.\n"
    )
    if not statuses:
        return  # nothing measured that they could change
    for field, count in _by_field(quarantined).items():
        concerned = [
            f"{e.number} ({statuses[e.number]})" for e in rule_set.ordered if depends_on(e, field)
        ]
        if len(concerned) == 1:
            which = f"l'engagement {concerned[0]} en dépend, sa mesure peut être fausse"
        else:
            listed = f"{', '.join(concerned[:-1])} et {concerned[-1]}"
            which = f"les engagements {listed} en dépendent, leurs mesures peuvent être fausses"
        out.write(f"{_capital(_refused(field, count))} : {which}.\n")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
