"""The worklist's words: its CSV columns, the at-risk rule, and the table a person reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Final, TextIO

from casetrack.measures import AT_RISK_DAYS
from casetrack.output import write_table
from casetrack.report_words import UNIT_SHORT, french_date, status_word, unit_of
from casetrack.rules import RuleSet
from projections.queries import WorkItem

#: The CSV columns, a public interface (docs/reports.md, "Worklist"): the first eight as
#: they always were, then the delay split by meaning and its unit, added at the end so
#: that scripts reading the columns by position keep working.
CSV_COLUMNS: Final = (
    "dossier",
    "section",
    "prestation",
    "engagement",
    "start",
    "due",
    "days",
    "status",
    "days_late",
    "days_left",
    "unit",
)
#: How the title names each list: "Dossiers en retard au 06/03/2026".
KIND_WORDS: Final = {
    "overdue": "en retard",
    "at_risk": "à risque",
    "breached": "au délai dépassé",
}
_UNITS_EN: Final = {"working_days": "working days", "calendar_days": "calendar days"}
_UNITS_FR: Final = {"working_days": "jours ouvrés", "calendar_days": "jours calendaires"}
_ENGAGEMENTS_FR: Final = {False: "l'engagement", True: "les engagements"}


def at_risk_help(rule_set: RuleSet) -> str:
    """The --at-risk help: the threshold casetrack applies, with each engagement's unit."""
    units = ", ".join(
        f"{_UNITS_EN[unit]} for {_numbers(numbers, 'and')}" for unit, numbers in _units(rule_set)
    )
    return (
        f"open measures at risk: pending (not yet late) with {AT_RISK_DAYS} days or less "
        f"left before the due date, counted in the engagement's unit ({units}); "
        "overdue ones are late, not at risk"
    )


def at_risk_words(rule_set: RuleSet) -> str:
    """The line under the at-risk title that says what "à risque" means."""
    units = ", ".join(
        f"{_UNITS_FR[unit]} pour {_ENGAGEMENTS_FR[len(numbers) > 1]} {_numbers(numbers, 'et')}"
        for unit, numbers in _units(rule_set)
    )
    return (
        f"À risque : délai en cours, {AT_RISK_DAYS} jours ou moins avant l'échéance "
        f"(comptés en {units})."
    )


def write_worklist_table(
    items: Sequence[WorkItem],
    kind: str,
    as_of: date,
    *,
    rule_set: RuleSet,
    section: str | None,
    engagement: int | None,
    out: TextIO,
    known_at: date | None = None,
) -> None:
    """The title (or the sentence saying the list is empty), then the French table."""
    where = _filters(section, engagement)
    if known_at is not None:
        where += f", faits connus au {french_date(known_at)}"
    words = KIND_WORDS[kind]
    day = french_date(as_of)
    if not items:
        out.write(f"Aucun dossier {words} au {day}{where}.\n")
        return
    out.write(f"Dossiers {words} au {day}{where} — {_count(items)}\n")
    if kind == "at_risk":
        out.write(at_risk_words(rule_set) + "\n")
    out.write("\n")
    # "Retard" is days past the due date, "Jours restants" days before it: never one
    # ambiguous "Jours". The unit follows the engagement (calendar days for 17 and 18,
    # working days for 19): when --engagement fixes it, the header carries it once
    # ("Retard (j. ouvrés)"); a list mixing engagements gets a "Unité" column beside the
    # number, as a header cannot hold two units and a bare number would mislead.
    delay = "Jours restants" if kind == "at_risk" else "Retard"
    labels = ["Dossier", "Section", "Prestation", "Engagement", "Début", "Échéance"]
    if engagement is not None:
        labels.append(f"{delay} {unit_of(rule_set.engagement(engagement))}")
    else:
        labels += [delay, "Unité"]
    labels.append("Statut")
    rows = [_cells(item, with_unit=engagement is None) for item in items]
    write_table(rows, labels, out)


def _cells(item: WorkItem, *, with_unit: bool) -> list[str]:
    cells = [
        item.dossier,
        item.section,
        item.prestation,
        str(item.engagement),
        french_date(item.start),
        french_date(item.due),
        str(item.days),
    ]
    if with_unit:
        cells.append(UNIT_SHORT[item.unit])
    cells.append(status_word(item.status))
    return cells


def _count(items: Sequence[WorkItem]) -> str:
    """'12 dossiers', or '12 délais, 11 dossiers' when a dossier is late on two engagements."""
    dossiers = len({i.dossier for i in items})
    counted = f"{dossiers} dossier{'s' if dossiers > 1 else ''}"
    if dossiers == len(items):
        return counted
    return f"{len(items)} délais, {counted}"


def _filters(section: str | None, engagement: int | None) -> str:
    parts = []
    if section is not None:
        parts.append(f"section {section}")
    if engagement is not None:
        parts.append(f"engagement {engagement}")
    return f" ({', '.join(parts)})" if parts else ""


def _units(rule_set: RuleSet) -> list[tuple[str, list[int]]]:
    """Each unit of the rule set with its engagements, in engagement order."""
    found: dict[str, list[int]] = {}
    for e in rule_set.ordered:
        found.setdefault(e.unit, []).append(e.number)
    return list(found.items())


def _numbers(numbers: Sequence[int], conjunction: str) -> str:
    """'19', '17 and 18', '17, 18 and 19'."""
    texts = [str(n) for n in numbers]
    if len(texts) == 1:
        return texts[0]
    return f"{', '.join(texts[:-1])} {conjunction} {texts[-1]}"
