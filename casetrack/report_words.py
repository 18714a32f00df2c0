"""French words and numbers of the human reports (terminal, xlsx, HTML), written once.

The machine outputs (CSV, JSON) never use these: their columns and values are the
public interface of docs/measures.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from casetrack.reporting import LABELS, ReportQuery
from casetrack.rules import Engagement, RuleSet, Version
from casetrack.status import Status

#: Short units of the delay columns, e.g. "Médiane (j. ouvrés)".
UNIT_SHORT: Final = {"working_days": "j. ouvrés", "calendar_days": "j. calendaires"}
#: Figures counted in the engagement's unit.
DELAY_COLUMNS: Final = frozenset({"median", "p90", "max"})
TOTAL: Final = "Total"
PERIOD_NAMES: Final = {"month": "mois", "quarter": "trimestre", "year": "année"}
#: The statuses of docs/measures.md as every human output writes them (CSV and JSON keep
#: the English codes). A clock that has not started has no status: NOT_STARTED.
STATUS_WORDS: Final[dict[str, str]] = {
    Status.MET: "respecté",
    Status.BREACHED: "dépassé",
    Status.PENDING: "en cours",
    Status.OVERDUE: "en retard",
    Status.NOT_APPLICABLE: "non applicable",
    Status.INVALID: "anomalie",
}
NOT_STARTED: Final = "non démarré"
_TENTH: Final = Decimal("0.1")


def status_word(status: str | None) -> str:
    """A status in French: 'met' -> 'respecté'; None (no clock started) -> 'non démarré'."""
    return NOT_STARTED if status is None else STATUS_WORDS[status]


def french_percent(rate: Decimal) -> str:
    """A report rate as French text with one decimal, rounded half up: 0.9375 -> '93,8 %'.

    The rate is the report's own (four places), so every human output shows the figure
    the CSV gives, only shorter.
    """
    value = (rate * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)
    return f"{value:f}".replace(".", ",") + " %"


def french_date(day: date) -> str:
    """A date as French text: 14/03/2025."""
    return day.strftime("%d/%m/%Y")


def report_title(query: ReportQuery, known_at: date | None) -> str:
    """'Rapport du 01/01/2025 au 31/12/2025, évalué au 06/03/2026[, faits connus au …]'."""
    title = (
        f"Rapport du {french_date(query.start)} au {french_date(query.end)}, "
        f"évalué au {french_date(query.as_of)}"
    )
    if known_at is not None:
        title += f", faits connus au {french_date(known_at)}"
    return title


def unit_of(engagement: Engagement) -> str:
    """The engagement's unit in parentheses, as the delay columns show it."""
    return f"({UNIT_SHORT[engagement.unit]})"


def column_label(column: str, engagement: Engagement | None) -> str:
    """A column's French label, with the unit for the delays: 'Médiane (j. ouvrés)'."""
    if column in DELAY_COLUMNS and engagement is not None:
        return f"{LABELS[column]} {unit_of(engagement)}"
    return LABELS[column]


def engagement_title(engagement: Engagement) -> str:
    """'Engagement 19 — pièces manquantes listées sous 7 jours ouvrés'."""
    label = engagement.label
    return f"Engagement {engagement.number} — {label[:1].lower()}{label[1:]}"


def limit_text(engagement: Engagement) -> str:
    """'limite : 7 jours ouvrés', from the rule set (a what-if limit shows as such).

    When the référentiel's versions set different limits, each with the clocks it
    measures: 'limite : 7 jours ouvrés pour les délais démarrés avant le 01/01/2024, 5 jours
    ouvrés pour les délais démarrés à partir du 01/01/2024'.
    """
    if len({terms.limit for terms in engagement.terms}) == 1:
        return f"limite : {engagement.limit} {engagement.unit_label}"
    days = [effective_from for effective_from, _ in engagement.versions]
    limits = [
        f"{terms.limit} {terms.unit_label} pour les {started_words(days, n)}"
        for n, (_, terms) in enumerate(engagement.versions)
    ]
    return "limite : " + ", ".join(limits)


def started_words(days: Sequence[date], index: int) -> str:
    """The clocks the version at `index` measures, by start date, from the versions' days.

    The first version also measures the clocks started before it took effect.
    """
    following = days[index + 1] if index + 1 < len(days) else None
    if following is None:
        if index == 0:
            return "tous les délais"
        return f"délais démarrés à partir du {french_date(days[index])}"
    if index == 0:
        return f"délais démarrés avant le {french_date(following)}"
    last = following - timedelta(days=1)
    return f"délais démarrés du {french_date(days[index])} au {french_date(last)}"


def versions_words(rule_set: RuleSet, used: Sequence[Version]) -> str:
    """The référentiel versions that measured a report's clocks, for its 'Référentiel' line.

    'CASVP-2014-05' for a single version; otherwise each version used with the clocks it
    measures: 'CASVP-2014-05 (délais démarrés avant le 01/01/2024), CASVP-2024-01 (délais
    démarrés à partir du 01/01/2024)'.
    """
    if not rule_set.versions:
        return rule_set.id
    every = rule_set.all_versions
    if not used:
        return f"aucun délai compté (versions : {', '.join(v.id for v in every)})"
    days = [v.effective_from for v in every]
    return ", ".join(f"{v.id} ({started_words(days, every.index(v))})" for v in used)


def engagement_heading(engagement: Engagement) -> str:
    """The title and the limit on one line."""
    return f"{engagement_title(engagement)} ({limit_text(engagement)})"


def grouping_words(query: ReportQuery) -> str:
    """The grouping keys in French words, with the period's length."""
    found = ", ".join(LABELS[k].lower() for k in ("engagement", *_others(query)))
    if "period" in query.by:
        found += f" (par {PERIOD_NAMES[query.period]})"
    return found


def _others(query: ReportQuery) -> list[str]:
    return [k for k in ("section", "prestation", "period") if k in query.by]


def placement_note(query: ReportQuery, day: str) -> str:
    """One line: where a measure lands, what the open columns count, how totals add up.

    `day` is the evaluation date as the output writes dates.
    """
    where = "de la période" if "period" in query.by else "de la plage"
    note = (
        f"Une mesure arrêtée compte dans la période de sa date d'arrêt ; « En cours » et "
        f"« En retard » comptent les délais encore ouverts le dernier jour {where} (le {day} "
        "si c'est plus tôt), dans la limite ou déjà au-delà."
    )
    if "period" in query.by:
        note += " Total : les délais ouverts y sont additionnés période par période."
    return note


def merged_note(asked: tuple[str, ...]) -> str | None:
    """Why the human outputs show engagements apart when `--by` leaves them out."""
    if "engagement" in asked:
        return None
    return (
        "Les engagements restent séparés (unités et limites différentes) ; --by sans "
        "engagement ne regroupe que les sorties CSV et JSON."
    )
