"""`casetrack dossier` and `casetrack quarantine` as an auditor reads them, from hand-written
PIAF extracts ingested through the command line.

Dossier A was complete on 20 February 2025; from the next week on, every extract gives
it a decision dated 31/02/2025, so each of its rows is quarantined and its engagement 17
stays open, late on 28 March: the view must show those rows beside that measure. B has
no first info and no notification date (fallbacks), C a notification before completion
(an anomaly), D is known only through quarantined rows. Expected text is written from
docs/measures.md and docs/reports.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cli_runs import Job, casetrack, csv_records, in_process
from tests.integration.ingest_helpers import piaf_row, write_piaf

A, B, C, D = (f"2025-05-00000{n}" for n in range(1, 5))
WEEKS = ("20250307", "20250314", "20250321", "20250328")
DAY_31 = "DATE_DECISION: impossible date (no such day in that month)"
DAY_31_FR = "DATE_DECISION : date impossible (ce jour n'existe pas dans ce mois)"
NO_FILING = "missing filing date (DATE_DEPOT is empty)"
NO_FILING_FR = "date de dépôt manquante (DATE_DEPOT est vide)"


def rows(week: int) -> list[dict[str, str]]:
    """The rows of the extract of week `week` (0 to 3)."""
    a = {
        "DATE_DEPOT": "03/02/2025",
        "DATE_PREMIERE_INFO": "05/02/2025",
        "DATE_DEUXIEME_INFO": "10/02/2025",
        "DATE_DOSSIER_COMPLET": "20/02/2025",
    }
    if week > 0:
        a |= {"DATE_DECISION": "31/02/2025", "SENS_DECISION": "ACCORD"}
    b = {
        "DATE_DEPOT": "03/02/2025",
        "DATE_DEUXIEME_INFO": "06/02/2025",
        "DATE_DOSSIER_COMPLET": "10/02/2025",
        "DATE_DECISION": "21/02/2025",
        "SENS_DECISION": "ACCORD",
    }
    c = {
        "DATE_DEPOT": "03/02/2025",
        "DATE_PREMIERE_INFO": "04/02/2025",
        "DATE_DEUXIEME_INFO": "05/02/2025",
        "DATE_DOSSIER_COMPLET": "03/03/2025",
        "DATE_DECISION": "27/02/2025",
        "SENS_DECISION": "ACCORD",
        "DATE_NOTIFICATION": "28/02/2025",
    }
    return [
        piaf_row(A, **a),
        piaf_row(B, **b),
        piaf_row(C, **c),
        piaf_row(D, DATE_DEPOT=""),
        # A dossier filed each week: no two extracts are the same file.
        piaf_row(f"2025-05-0001{week:02d}", DATE_DEPOT="03/03/2025"),
    ]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store of the four weekly extracts, ingested with `casetrack ingest`."""
    folder = tmp_path_factory.mktemp("dossier-view")
    paths = [write_piaf(folder / f"piaf_{day}.csv", rows(n)) for n, day in enumerate(WEEKS)]
    url = f"sqlite:///{folder / 'store.sqlite'}"
    done = in_process("--db", url, "-q", "ingest", "piaf", *map(str, paths))
    assert done.code == 0, done.err
    return url


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


def test_the_rows_refusing_a_decision_date_stand_beside_the_late_measure(
    store: str, tmp_path: Path
) -> None:
    done = casetrack(Job(["--db", store, "dossier", A], tmp_path))

    assert done.code == 0, done.err
    out = done.out
    assert out.startswith(f"Dossier {A}\nSection 05, prestation PL\n")
    assert "\nMesures au 28/03/2025\n" in out
    warning = (
        "Attention : la date de décision a été refusée dans 3 lignes mises en quarantaine "
        "(voir plus bas) : cette mesure peut être fausse."
    )
    # Complete on 20 February: due on 7 March, 36 days on 28 March (docs/measures.md).
    assert block(out, 17) == [
        "Statut : en retard",
        "Début : 20/02/2025 (date de dossier complet)",
        "Fin : aucune au 28/03/2025 (délai ouvert)",
        "Échéance : 07/03/2025",
        "Délai (j. calendaires) : 36",
        "Jours comptés : jours calendaires du 20/02/2025 exclu au 28/03/2025 inclus : chaque "
        "jour compte, week-ends, jours fériés et fermetures compris.",
        warning,
    ]
    assert warning not in block(out, 19)
    quarantine = out[out.index("Lignes mises en quarantaine\n") :].splitlines()
    assert quarantine[1].split() == ["Fichier", "Ligne", "Motif"]
    assert quarantine[3:6] == [f"piaf_{day}.csv  2      {DAY_31_FR}" for day in WEEKS[1:]]
    assert quarantine[-1] == (
        "La date de décision a été refusée dans 3 lignes mises en quarantaine : les "
        "engagements 17 (en retard) et 18 (non démarré) en dépendent, leurs mesures peuvent "
        "être fausses."
    )


def test_known_at_shows_only_the_rows_of_the_extracts_known_then(store: str) -> None:
    done = in_process("--db", store, "dossier", A, "--known-at", "2025-03-14")

    assert done.code == 0, done.err
    assert f"piaf_{WEEKS[1]}.csv" in done.out
    assert f"piaf_{WEEKS[2]}.csv" not in done.out
    assert "\nMesures au 14/03/2025 (faits connus au 14/03/2025)\n" in done.out


def test_the_facts_standing_in_for_missing_ones_are_marked(store: str) -> None:
    out = in_process("--db", store, "dossier", B).out

    assert block(out, 19)[1] == "Début : 03/02/2025 (date de dépôt, faute de date de première info)"
    assert block(out, 17)[:3] == [
        "Statut : respecté",
        "Début : 10/02/2025 (date de dossier complet)",
        "Fin : 21/02/2025 (date de décision, faute de date de notification)",
    ]
    assert "Lignes mises en quarantaine : aucune" in out


def test_an_anomaly_is_explained(store: str) -> None:
    out = in_process("--db", store, "dossier", C).out

    assert block(out, 17)[0] == "Statut : anomalie"
    assert (
        "Anomalie : décision notifiée le 28/02/2025, avant le dossier complet du 03/03/2025 : "
        "la fin précède le début, le délai n'est pas mesuré et ne compte dans aucun taux."
    ) in block(out, 17)


def test_a_dossier_known_only_by_quarantined_rows_shows_them(store: str) -> None:
    done = in_process("--db", store, "dossier", D)

    assert done.code == 0, done.err
    assert "Aucun fait enregistré : toutes les lignes de ce dossier sont en quarantaine." in (
        done.out
    )
    assert [line for line in done.out.splitlines() if NO_FILING_FR in line] == [
        f"piaf_{day}.csv  5      {NO_FILING_FR}" for day in WEEKS
    ]


def test_the_quarantine_table_is_in_french_and_its_csv_as_stored(store: str) -> None:
    table = in_process("--db", store, "quarantine").out
    csv_text = in_process("--db", store, "quarantine", "--format", "csv").out

    assert table.splitlines()[0].split() == ["Fichier", "Ligne", "Dossier", "Motif"]
    assert f"piaf_{WEEKS[1]}.csv  2      {A}  {DAY_31_FR}" in table
    assert DAY_31 not in table
    assert {(r["dossier"], r["reason"]) for r in csv_records(csv_text)} == {
        (A, DAY_31),
        (D, NO_FILING),
    }


def test_working_days_list_the_holidays_and_closures_skipped(tmp_path: Path) -> None:
    # May 2025: holidays on the 1st, 8th and 29th; the calendar closes the city on Friday
    # 2 May and section 13 on Friday 9 May.
    extract = piaf_row(
        "2025-13-000001",
        SECTION="13",
        DATE_DEPOT="28/04/2025",
        DATE_PREMIERE_INFO="30/04/2025",
        DATE_DEUXIEME_INFO="30/05/2025",
    )
    path = write_piaf(tmp_path / "piaf_20250606.csv", [extract])
    calendar = tmp_path / "fermetures.toml"
    calendar.write_text('closures = [2025-05-02]\n[sections]\n"13" = [2025-05-09]\n')
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert in_process("--db", url, "-q", "ingest", "piaf", str(path)).code == 0

    done = casetrack(
        Job(["--db", url, "--calendar", str(calendar), "dossier", "2025-13-000001"], tmp_path)
    )

    assert done.code == 0, done.err
    # 22 weekdays after 30 April up to 30 May, less 3 holidays and 2 closures.
    assert block(done.out, 19)[4:] == [
        "Délai (j. ouvrés) : 17",
        "Jours comptés : jours ouvrés du 30/04/2025 exclu au 30/05/2025 inclus, sans les "
        "samedis et dimanches ni ces jours :",
        "  01/05/2025 jour férié",
        "  02/05/2025 fermeture (toute la ville)",
        "  08/05/2025 jour férié",
        "  09/05/2025 fermeture (section 13)",
        "  29/05/2025 jour férié",
    ]
