"""The dossier view's explanations: the facts behind each clock, anomalies, days counted.

Expected text is written from docs/measures.md and a hand-written calendar (May 2025:
holidays on Thursday 1, Thursday 8 and Thursday 29, Ascension), never from the code.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from itertools import product

import pytest

from casetrack.calendar import WorkingCalendar
from casetrack.dossier_view import QuarantinedLine, write_dossier
from casetrack.facts import Facts
from casetrack.measure_notes import FACT_FIELDS
from casetrack.rules import default_rule_set

MAY_2025_HOLIDAYS = (date(2025, 5, 1), date(2025, 5, 8), date(2025, 5, 29))
PLAIN = WorkingCalendar()
#: Friday 2 May closed city-wide, Friday 9 May in section 13 only.
CLOSURES = WorkingCalendar(closures=[date(2025, 5, 2)], section_closures={"13": [date(2025, 5, 9)]})
REASON = "DATE_DECISION : date impossible (ce jour n'existe pas dans ce mois)"


def dossier(**facts: object) -> Facts:
    values: dict[str, object] = {
        "number": "2025-05-000001",
        "section": "05",
        "prestation": "PL",
        "filed_on": date(2025, 4, 28),
    }
    values.update(facts)
    return Facts(**values)  # type: ignore[arg-type]


def view(
    facts: Facts,
    as_of: date,
    calendar: WorkingCalendar = PLAIN,
    quarantined: list[QuarantinedLine] | None = None,
) -> str:
    out = io.StringIO()
    write_dossier(
        out,
        facts.number,
        [("Dépôt", "2025-04-28 section 05 PL", "2025-04-30", "")],
        facts,
        rule_set=default_rule_set(),
        calendar=calendar,
        as_of=as_of,
        known_at=None,
        quarantined=quarantined,
    )
    return out.getvalue()


def block(text: str, engagement: int) -> list[str]:
    """The lines under one engagement's heading, without their indent."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(f"Engagement {engagement} "))
    found = []
    for line in lines[first + 1 :]:
        if not line.startswith("  "):
            break
        found.append(line[2:])
    return found


def working_days(start: date, stop: date, closed: tuple[date, ...] = ()) -> int:
    """Weekdays after `start` up to `stop`, without the hand-written holidays and `closed`."""
    days = (start + timedelta(days=n) for n in range(1, (stop - start).days + 1))
    return sum(d.weekday() < 5 and d not in (*MAY_2025_HOLIDAYS, *closed) for d in days)


def test_a_working_day_clock_lists_the_holidays_it_skipped() -> None:
    facts = dossier(first_info_on=date(2025, 4, 30), second_info_on=date(2025, 5, 30))

    lines = block(view(facts, date(2025, 6, 30)), 19)

    assert working_days(date(2025, 4, 30), date(2025, 5, 30)) == 19
    assert lines == [
        "Statut : dépassé",
        "Début : 30/04/2025 (date de première info)",
        "Fin : 30/05/2025 (date de deuxième info)",
        "Échéance : 13/05/2025",
        "Délai (j. ouvrés) : 19",
        "Jours comptés : jours ouvrés du 30/04/2025 exclu au 30/05/2025 inclus, sans les "
        "samedis et dimanches ni ces jours :",
        "  01/05/2025 jour férié",
        "  08/05/2025 jour férié",
        "  29/05/2025 jour férié",
    ]


def test_an_open_working_day_clock_counts_up_to_the_evaluation_date() -> None:
    facts = dossier(first_info_on=date(2025, 5, 7))

    lines = block(view(facts, date(2025, 5, 12)), 19)

    assert working_days(date(2025, 5, 7), date(2025, 5, 12)) == 2  # Friday 9, Monday 12
    assert lines == [
        "Statut : en cours",
        "Début : 07/05/2025 (date de première info)",
        "Fin : aucune au 12/05/2025 (délai ouvert)",
        "Échéance : 19/05/2025",
        "Délai (j. ouvrés) : 2",
        "Jours comptés : jours ouvrés du 07/05/2025 exclu au 12/05/2025 inclus, sans les "
        "samedis et dimanches ni ces jours :",
        "  08/05/2025 jour férié",
    ]


@pytest.mark.parametrize(
    ("section", "skipped"),
    [
        (
            "13",
            [
                "01/05/2025 jour férié",
                "02/05/2025 fermeture (toute la ville)",
                "08/05/2025 jour férié",
                "09/05/2025 fermeture (section 13)",
            ],
        ),
        (
            "05",
            [
                "01/05/2025 jour férié",
                "02/05/2025 fermeture (toute la ville)",
                "08/05/2025 jour férié",
            ],
        ),
    ],
)
def test_closure_days_are_listed_with_their_scope(section: str, skipped: list[str]) -> None:
    facts = dossier(
        section=section, first_info_on=date(2025, 4, 30), second_info_on=date(2025, 5, 12)
    )

    lines = block(view(facts, date(2025, 6, 30), CLOSURES), 19)

    closed = (date(2025, 5, 2), date(2025, 5, 9)) if section == "13" else (date(2025, 5, 2),)
    assert f"Délai (j. ouvrés) : {working_days(date(2025, 4, 30), date(2025, 5, 12), closed)}" in (
        lines
    )
    assert lines[-len(skipped) :] == [f"  {day}" for day in skipped]


def test_a_stretch_without_holiday_says_so() -> None:
    facts = dossier(first_info_on=date(2025, 6, 10), second_info_on=date(2025, 6, 13))

    lines = block(view(facts, date(2025, 6, 30)), 19)

    assert lines[-1] == (
        "Jours comptés : jours ouvrés du 10/06/2025 exclu au 13/06/2025 inclus, sans les "
        "samedis et dimanches ; aucun jour férié ni fermeture entre les deux."
    )


def test_a_calendar_day_clock_says_every_day_counts() -> None:
    facts = dossier(
        completed_on=date(2025, 4, 30),
        decided_on=date(2025, 5, 12),
        outcome="ACCORD",
        notified_on=date(2025, 5, 14),
    )

    lines = block(view(facts, date(2025, 6, 30), CLOSURES), 17)

    assert lines == [
        "Statut : respecté",
        "Début : 30/04/2025 (date de dossier complet)",
        "Fin : 14/05/2025 (date de notification)",
        "Échéance : 15/05/2025",
        "Délai (j. calendaires) : 14",
        "Jours comptés : jours calendaires du 30/04/2025 exclu au 14/05/2025 inclus : chaque "
        "jour compte, week-ends, jours fériés et fermetures compris.",
    ]


def test_the_decision_date_standing_in_for_the_notification_is_marked() -> None:
    facts = dossier(completed_on=date(2025, 2, 27), decided_on=date(2025, 3, 14), outcome="ACCORD")

    lines = block(view(facts, date(2025, 3, 31)), 17)

    assert "Fin : 14/03/2025 (date de décision, faute de date de notification)" in lines


def test_the_notification_date_standing_in_for_the_decision_is_marked() -> None:
    facts = dossier(outcome="ACCORD", notified_on=date(2025, 3, 14))

    lines = block(view(facts, date(2025, 3, 20)), 18)

    assert lines[:3] == [
        "Statut : en cours",
        "Début : 14/03/2025 (date de notification, faute de date de décision)",
        "Fin : aucune au 20/03/2025 (délai ouvert)",
    ]


def test_the_filing_date_standing_in_for_the_first_info_is_marked() -> None:
    facts = dossier(filed_on=date(2025, 6, 2), second_info_on=date(2025, 6, 5))

    lines = block(view(facts, date(2025, 6, 30)), 19)

    assert lines[1] == "Début : 02/06/2025 (date de dépôt, faute de date de première info)"


def test_an_anomaly_says_which_fact_came_before_which() -> None:
    facts = dossier(
        completed_on=date(2025, 3, 14),
        decided_on=date(2025, 3, 7),
        outcome="ACCORD",
        notified_on=date(2025, 3, 10),
    )

    lines = block(view(facts, date(2025, 3, 31)), 17)

    assert lines == [
        "Statut : anomalie",
        "Début : 14/03/2025 (date de dossier complet)",
        "Fin : 10/03/2025 (date de notification)",
        "Échéance : 29/03/2025",
        "Anomalie : décision notifiée le 10/03/2025, avant le dossier complet du 14/03/2025 : "
        "la fin précède le début, le délai n'est pas mesuré et ne compte dans aucun taux.",
    ]


def test_a_clock_not_started_says_what_it_waits_for() -> None:
    text = view(dossier(first_info_on=date(2025, 5, 7)), date(2025, 5, 12))

    assert block(text, 17) == ["Statut : non démarré (aucune date de dossier complet connue)"]
    assert block(text, 18) == ["Statut : non démarré (aucune date de décision connue)"]


def test_a_pending_clock_near_its_due_date_is_at_risk() -> None:
    facts = dossier(completed_on=date(2025, 3, 3))

    lines = block(view(facts, date(2025, 3, 16)), 17)  # due 18 March: 2 days left

    assert lines[0] == "Statut : en cours (à risque)"


def test_a_refused_decision_date_warns_the_measures_that_read_it() -> None:
    facts = dossier(first_info_on=date(2025, 2, 3), completed_on=date(2025, 2, 20))
    rows = [QuarantinedLine(f"piaf_2025031{n}.csv", 7, REASON, "decided_on") for n in (0, 7)]

    text = view(facts, date(2025, 3, 31), quarantined=rows)

    warning = (
        "Attention : la date de décision a été refusée dans 2 lignes mises en quarantaine "
        "(voir plus bas) : cette mesure peut être fausse."
    )
    assert block(text, 17) == [
        "Statut : en retard",
        "Début : 20/02/2025 (date de dossier complet)",
        "Fin : aucune au 31/03/2025 (délai ouvert)",
        "Échéance : 07/03/2025",
        "Délai (j. calendaires) : 39",
        "Jours comptés : jours calendaires du 20/02/2025 exclu au 31/03/2025 inclus : chaque "
        "jour compte, week-ends, jours fériés et fermetures compris.",
        warning,
    ]
    assert block(text, 18)[-1] == warning
    assert warning not in block(text, 19)
    assert text.endswith(
        "Lignes mises en quarantaine\n"
        "Fichier            Ligne  Motif\n"
        f"-----------------  -----  {'-' * len(REASON)}\n"
        f"piaf_20250310.csv  7      {REASON}\n"
        f"piaf_20250317.csv  7      {REASON}\n"
        "Ces lignes n'ont pas été lues : rien de ce qu'elles disent du dossier n'est "
        "enregistré, et aucune mesure ci-dessus n'en tient compte.\n"
        "La date de décision a été refusée dans 2 lignes mises en quarantaine : les "
        "engagements 17 (en retard) et 18 (non démarré) en dépendent, leurs mesures peuvent "
        "être fausses.\n"
    )


def test_a_row_refused_for_its_shape_warns_every_measure() -> None:
    facts = dossier(first_info_on=date(2025, 2, 3), completed_on=date(2025, 2, 20))
    rows = [QuarantinedLine("piaf_20250310.csv", 9, "3 champs alors que l'en-tête en a 12")]

    text = view(facts, date(2025, 3, 31), quarantined=rows)

    warning = (
        "Attention : 1 ligne mise en quarantaine n'a pas pu être lue (voir plus bas) : "
        "cette mesure peut être fausse."
    )
    assert all(block(text, n)[-1] == warning for n in (17, 18, 19))


def test_no_quarantined_row_is_said_and_no_source_says_nothing() -> None:
    facts = dossier(first_info_on=date(2025, 2, 3))

    assert view(facts, date(2025, 3, 31), quarantined=[]).endswith(
        "Lignes mises en quarantaine : aucune\n"
    )
    assert "quarantaine" not in view(facts, date(2025, 3, 31))


@pytest.mark.parametrize("fact", sorted(FACT_FIELDS))
def test_the_fields_a_fact_reads_are_those_facts_fall_back_on(fact: str) -> None:
    # Each field of the fact set or empty, in every combination: the first set one is the
    # fact's date, as docs/measures.md's fallbacks say.
    fields = FACT_FIELDS[fact]
    for present in product((False, True), repeat=len(fields)):
        days = {f: date(2025, 1, 1 + i) for i, f in enumerate(fields) if present[i]}
        facts = dossier(**days)
        expected = next((days[f] for f in fields if f in days), None)
        if fact == "filed":
            expected = facts.filed_on
        assert facts.fact_date(fact) == expected
