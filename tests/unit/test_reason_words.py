"""Quarantine reasons in French: every reason the readers and the ingest can write has one.

Each kind of bad row is produced through the real readers and the real ingest, and its
reason's French is written here by hand. A census of the English text in the source
that writes reasons makes a new template without a translation fail, and each template
of the table must be produced by one of the bad rows here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import adapters
from adapters import piaf_reader
from adapters.errors import RowError
from adapters.piaf_reader import PiafReader, RawRow
from adapters.reason_words import TEMPLATES, french_reason, refused_column, template_of
from adapters.rowstate import RowStateStore
from adapters.topvir_reader import TopvirReader
from casetrack.cli import main

PIAF_HEADER = (
    "NUM_DOSSIER", "NOM", "SECTION", "PRESTATION", "DATE_DEPOT", "DATE_PREMIERE_INFO",
    "DATE_DEUXIEME_INFO", "DATE_DOSSIER_COMPLET", "DATE_DECISION", "SENS_DECISION",
    "DATE_NOTIFICATION", "DATE_VIREMENT", "ETAT",
)  # fmt: skip
GOOD = {
    "NUM_DOSSIER": "2025-13-000042",
    "NOM": "Dupont",
    "SECTION": "13",
    "PRESTATION": "PL",
    "DATE_DEPOT": "03/01/2025",
    "DATE_PREMIERE_INFO": "06/01/2025",
    "DATE_DEUXIEME_INFO": "",
    "DATE_DOSSIER_COMPLET": "20/01/2025",
    "DATE_DECISION": "05/02/2025",
    "SENS_DECISION": "ACCORD",
    "DATE_NOTIFICATION": "06/02/2025",
    "DATE_VIREMENT": "",
    "ETAT": "DECIDE",
}
WIDTH = len(PIAF_HEADER)
MAPPED = WIDTH - 1  # every column but NOM
PIAF_NAME = "piaf_20250314.csv"
TOPVIR_NAME = "topvir_20250314.csv"
SETS = "lettres, chiffres, _ - . ; 32 au plus"
FORMS = "JJ/MM/AAAA, JJ/MM/AAAA HH:MM[:SS] ou AAAA-MM-JJ"

#: One changed PIAF field, and the French of the reason that refuses its row.
FIELD_CASES = {
    "no number": (
        {"NUM_DOSSIER": ""},
        "pas de numéro de dossier (NUM_DOSSIER est vide)",
    ),
    "not a number": (
        {"NUM_DOSSIER": "ABC"},
        "NUM_DOSSIER : n'est pas un numéro de dossier (lettres, chiffres, - _ / . ; 32 au plus)",
    ),
    "no section": ({"SECTION": ""}, "pas de code de section (SECTION est vide)"),
    "not a section": (
        {"SECTION": "99"},
        "SECTION : n'est pas un code de section (attendu : 01 à 20 ou PC)",
    ),
    "no prestation": ({"PRESTATION": ""}, "prestation vide (PRESTATION est vide)"),
    "not a prestation": (
        {"PRESTATION": "P L"},
        f"PRESTATION : n'est pas un code de prestation ({SETS})",
    ),
    "no filing date": ({"DATE_DEPOT": ""}, "date de dépôt manquante (DATE_DEPOT est vide)"),
    "not a date": (
        {"DATE_DECISION": "hier"},
        f"DATE_DECISION : n'est pas une date (attendu : {FORMS})",
    ),
    "no such day": (
        {"DATE_DECISION": "31/02/2025"},
        "DATE_DECISION : date impossible (ce jour n'existe pas dans ce mois)",
    ),
    "no such month": (
        {"DATE_NOTIFICATION": "01/13/2025"},
        "DATE_NOTIFICATION : date impossible (ce mois n'existe pas : attendu 01 à 12)",
    ),
    "year 0000": (
        {"DATE_DOSSIER_COMPLET": "01/01/0000"},
        "DATE_DOSSIER_COMPLET : date impossible (année 0000)",
    ),
    "impossible time": (
        {"DATE_PREMIERE_INFO": "06/01/2025 25:00"},
        "DATE_PREMIERE_INFO : heure impossible (attendu : 00:00 à 23:59, secondes 00 à 59)",
    ),
    "not a decision": (
        {"SENS_DECISION": "PEUT-ETRE"},
        "SENS_DECISION : n'est pas un sens de décision (attendu : ACCORD ou REJET, ou vide)",
    ),
    "not a state": (
        {"ETAT": "FINI"},
        "ETAT : n'est pas un état (attendu : EN_COURS, DECIDE, PAYE ou CLASSE, ou vide)",
    ),
    "decision date without decision": (
        {"SENS_DECISION": ""},
        "une date de décision sans sens de décision : DATE_DECISION est rempli, "
        "SENS_DECISION est vide",
    ),
    "control character": ({"PRESTATION": "PL\x07"}, "PRESTATION : caractère de contrôle"),
    "formula": (
        {"SECTION": "=1+1"},
        "SECTION : commence par =, +, -, @ ou une tabulation (une formule de tableur)",
    ),
}
#: Rows of the wrong shape, as file lines after the header, and the French of the reason
#: of the row on the first of them.
SHAPE_CASES = {
    "three fields": (["1;2;3"], f"3 champs alors que l'en-tête en a {WIDTH}"),
    "a line without ';'": (
        ["Total", "GOOD"],
        f"1 champ alors que l'en-tête en a {WIDTH} (une ligne sans ';')",
    ),
    "one quoted field": (['"1;2"', "GOOD"], f"1 champ alors que l'en-tête en a {WIDTH}"),
    "quote left open": (
        # The open quote takes the rest of the file into the third field.
        ['1;2;"3', "4;5"],
        f"3 champs alors que l'en-tête en a {WIDTH} ; la ligne s'étend des lignes 2 à 3 : "
        "il manque peut-être un guillemet",
    ),
    "quote across a row": (
        ['2025-13-000001;Martin;"13', "2025-13-000002" + ";" * (WIDTH - 1), '";' * 1 + ";" * 9],
        "un guillemet ouvert ligne 2 se ferme ligne 4 : les lignes entre les deux sont "
        "devenues un seul champ",
    ),
    "huge field": (
        ['2025-13-000001;"' + "x" * 140_000 + '"' + ";" * (WIDTH - 2)],
        "la ligne ne peut pas être découpée en champs (un champ de plus de 131 072 caractères)",
    ),
}
#: TOPVIR lines (number, date, batch) and the French of their reasons.
TOPVIR_CASES = {
    "not a batch": (
        "2025-13-000042;14/03/2025;A B",
        f"LOT : n'est pas un identifiant de lot ({SETS})",
    ),
    "no order date": (
        "2025-13-000042;;VIR1",
        "pas de date d'ordre de virement (DATE_ORDRE_VIREMENT est vide)",
    ),
}
#: Pieces of English in the reason-writing modules that never reach a reason: whole-file
#: refusals, and the words of their helpers.
NOT_REASONS = {
    "a column",
    "a tab",
    "fix the export or map the header in a mapping file (--mapping)",
    "no _AAAAMMJJ date",
    "several dates",
    "the column ",
    "the first line looks like data, not a header",
    " at offset ",
    "an incomplete character at the end of the file",
    "byte 0x",
    "re-export the file as UTF-8, or give its encoding (--encoding)",
    "utf-8 or cp1252, line by line",
}
#: Modules whose English is reasons or file refusals; in the others, only what is passed
#: to a `quarantine(...)` call is a reason.
BORN_HERE = ("textfile", "piaf_reader", "topvir_reader", "fieldrules", "dates", "decoding")
REFUSALS = frozenset({"FileRefused", "InputRefused", "ConfigurationError"})
PROSE = re.compile(r"[A-Za-z]{3,}")


def piaf_text(*lines: str) -> str:
    """A PIAF extract: the header, then lines ("GOOD" stands for the good row)."""
    good = ";".join(GOOD[c] for c in PIAF_HEADER)
    body = [good if line == "GOOD" else line for line in lines]
    return "\n".join([";".join(PIAF_HEADER), *body]) + "\n"


def row_with(changes: dict[str, str]) -> str:
    return ";".join({**GOOD, **changes}[c] for c in PIAF_HEADER)


def reasons_of(reader: PiafReader | TopvirReader) -> list[str]:
    """The reason of each row the reader refuses, in file order."""
    found = []
    for raw in reader.raw_rows():
        try:
            reader.convert(raw)
        except RowError as error:
            found.append(str(error))
    return found


def piaf_reasons(folder: Path, text: str) -> list[str]:
    folder.mkdir(exist_ok=True)
    path = folder / PIAF_NAME
    path.write_text(text, encoding="utf-8")
    return reasons_of(PiafReader(path))


@pytest.mark.parametrize("case", FIELD_CASES)
def test_a_refused_field_gives_its_reason_in_french(tmp_path: Path, case: str) -> None:
    changes, french = FIELD_CASES[case]

    [reason] = piaf_reasons(tmp_path, piaf_text(row_with(changes)))

    assert french_reason(reason) == french


@pytest.mark.parametrize("case", SHAPE_CASES)
def test_a_row_of_the_wrong_shape_gives_its_reason_in_french(tmp_path: Path, case: str) -> None:
    lines, french = SHAPE_CASES[case]

    reasons = piaf_reasons(tmp_path, piaf_text(*lines))

    assert french_reason(reasons[0]) == french


@pytest.mark.parametrize("case", TOPVIR_CASES)
def test_a_refused_transfer_line_gives_its_reason_in_french(tmp_path: Path, case: str) -> None:
    line, french = TOPVIR_CASES[case]
    path = tmp_path / TOPVIR_NAME
    path.write_text(f"NUM_DOSSIER;DATE_ORDRE_VIREMENT;LOT\n{line}\n", encoding="utf-8")

    [reason] = reasons_of(TopvirReader(path))

    assert french_reason(reason) == french


def test_a_line_mixing_encodings_gives_its_reason_in_french(tmp_path: Path) -> None:
    header = ";".join(PIAF_HEADER).encode()
    utf8 = row_with({"NOM": "Hélène"}).encode("utf-8")
    cp1252 = row_with({"NUM_DOSSIER": "2025-13-000043", "NOM": "Clément"}).encode("cp1252")
    mixed = row_with({"NUM_DOSSIER": "2025-13-000044", "NOM": "Zoé"}).encode("utf-8")
    mixed += "é".encode("cp1252")
    path = tmp_path / PIAF_NAME
    path.write_bytes(b"\n".join([header, utf8, cp1252, mixed]) + b"\n")

    [reason] = reasons_of(PiafReader(path))

    assert french_reason(reason) == "encodages mélangés dans la ligne (UTF-8 et Windows-1252)"


def test_rows_the_files_cannot_give_still_have_their_french(tmp_path: Path) -> None:
    # Defences the readers keep though a well-read file never reaches them.
    path = tmp_path / PIAF_NAME
    path.write_text(piaf_text("GOOD"), encoding="utf-8")
    with pytest.raises(RowError) as count:
        PiafReader(path).convert(RawRow(2, "", ("2025-13-000042",)))
    with pytest.raises(RowError) as empty:
        piaf_reader._date("", "DATE_DEPOT")  # its callers check emptiness first

    assert french_reason(str(count.value)) == f"champs lus : 1 au lieu de {MAPPED}"
    assert french_reason(str(empty.value)) == "DATE_DEPOT est vide"


def ingest_reasons(tmp_path: Path) -> dict[int, str]:
    """The reasons the ingest itself writes, by line: repeats, and an unknown dossier."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    piaf = tmp_path / PIAF_NAME
    repeated = row_with({"NUM_DOSSIER": "2025-13-000050"})
    bad = row_with({"NUM_DOSSIER": "2025-13-000051", "DATE_DECISION": "31/02/2025"})
    piaf.write_text(piaf_text(repeated, repeated.replace("PL", "PLF"), bad, bad), encoding="utf-8")
    topvir = tmp_path / TOPVIR_NAME
    topvir.write_text("NUM_DOSSIER;DATE_ORDRE_VIREMENT;LOT\n2025-13-000099;14/03/2025;V\n")
    for kind, path in (("piaf", piaf), ("topvir", topvir)):
        assert main(["--db", url, "-q", "ingest", kind, "--no-project", str(path)]) == 0
    store = RowStateStore(url, write=False)
    rows = store.quarantined()
    store.engine.dispose()
    return {row.line if row.file == PIAF_NAME else -row.line: row.reason for row in rows}


def test_the_ingests_own_reasons_are_in_french(tmp_path: Path) -> None:
    reasons = ingest_reasons(tmp_path)

    assert {line: french_reason(reason) for line, reason in reasons.items()} == {
        2: "numéro de dossier répété avec des valeurs différentes (lignes 2, 3)",
        3: "numéro de dossier répété avec des valeurs différentes (lignes 2, 3)",
        4: "DATE_DECISION : date impossible (ce jour n'existe pas dans ce mois)",
        5: "mêmes valeurs que la ligne 4, mise en quarantaine : DATE_DECISION : date "
        "impossible (ce jour n'existe pas dans ce mois)",
        -2: "numéro de dossier inconnu : importez l'extrait PIAF qui l'enregistre, puis de "
        "nouveau ce fichier",
    }


def produced_reasons(tmp_path: Path) -> Iterator[str]:
    """One reason of every kind, each written by the code from a bad row."""
    for number, (changes, _) in enumerate(FIELD_CASES.values()):
        yield from piaf_reasons(tmp_path / f"f{number}", piaf_text(row_with(changes)))
    for number, (lines, _) in enumerate(SHAPE_CASES.values()):
        yield from piaf_reasons(tmp_path / f"s{number}", piaf_text(*lines))
    for number, (line, _) in enumerate(TOPVIR_CASES.values()):
        path = tmp_path / f"t{number}" / TOPVIR_NAME
        path.parent.mkdir()
        path.write_text(f"NUM_DOSSIER;DATE_ORDRE_VIREMENT;LOT\n{line}\n", encoding="utf-8")
        yield from reasons_of(TopvirReader(path))
    (tmp_path / "ingest").mkdir()
    yield from ingest_reasons(tmp_path / "ingest").values()


def test_every_template_of_the_table_is_one_a_bad_row_produces(tmp_path: Path) -> None:
    produced = {template_of(reason) for reason in produced_reasons(tmp_path)}
    # Produced in the tests above, outside the files: the mixed line and the defences.
    produced |= {
        template_of("mixed encodings within the line (UTF-8 and Windows-1252)"),
        template_of(f"expected {MAPPED} mapped fields, found 1"),
        template_of("DATE_DEPOT is empty"),
    }

    assert {english for english, _ in TEMPLATES} - produced == set()


def _fragments(node: ast.expr) -> list[str]:
    if isinstance(node, ast.JoinedStr):
        return [
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        ]
    return [node.value] if isinstance(node, ast.Constant) and isinstance(node.value, str) else []


def _strings(nodes: list[ast.AST], skip: set[int]) -> Iterator[str]:
    for top in nodes:
        for node in ast.walk(top):
            if id(node) in skip:
                continue
            if isinstance(node, ast.JoinedStr):
                skip.update(id(sub) for sub in ast.walk(node) if sub is not node)
            if isinstance(node, ast.expr):
                yield from _fragments(node)


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found.update((t.id, node.value) for t in targets if isinstance(t, ast.Name))
    return found


def reason_english(module: str) -> set[str]:
    """The pieces of English a module can put in a stored reason."""
    tree = ast.parse((Path(adapters.__file__).parent / f"{module}.py").read_text("utf-8"))
    skip: set[int] = set()
    if module in BORN_HERE:
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            documented = isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            if documented and body and isinstance(body[0], ast.Expr):
                skip.add(id(body[0].value))  # a docstring
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in REFUSALS:
                skip.update(id(sub) for sub in ast.walk(node))
        roots: list[ast.AST] = [tree]
    else:
        constants = _constants(tree)
        roots = []
        for node in ast.walk(tree):
            name = getattr(getattr(node, "func", None), "attr", None) or getattr(
                getattr(node, "func", None), "id", None
            )
            if isinstance(node, ast.Call) and name == "quarantine":
                roots += node.args
        pending = [n.id for root in roots for n in ast.walk(root) if isinstance(n, ast.Name)]
        seen: set[str] = set()
        while pending:  # the module constants a reason is built from, and theirs
            name = pending.pop()
            if name in constants and name not in seen:
                seen.add(name)
                roots.append(constants[name])
                pending += [n.id for n in ast.walk(constants[name]) if isinstance(n, ast.Name)]
    return {f for f in _strings(roots, skip) if PROSE.search(f) and " " in f.strip()}


def test_every_piece_of_english_a_reason_can_hold_is_in_a_template() -> None:
    modules = sorted(p.stem for p in Path(adapters.__file__).parent.glob("*.py"))
    english = " | ".join(e for e, _ in TEMPLATES)

    untranslated = {
        (module, piece)
        for module in modules
        for piece in reason_english(module) - NOT_REASONS
        if piece not in english
    }

    assert untranslated == set(), (
        "quarantine reason text without a French template: add it to TEMPLATES in "
        "adapters/reason_words.py, and a bad row that produces it here"
    )
    assert reason_english("ingest") >= {"dossier number repeated with different values (lines "}


def test_an_unknown_reason_is_shown_as_stored() -> None:
    assert french_reason("\r-bad value") == "\r-bad value"
    assert french_reason("") == ""


def test_the_refused_column_is_read_from_the_reason_even_through_a_repeat() -> None:
    date_reason = "DATE_DECISION: impossible date (no such day in that month)"

    assert refused_column(date_reason) == "DATE_DECISION"
    assert refused_column(f"same values as line 4, quarantined: {date_reason}") == ("DATE_DECISION")
    assert refused_column("no section code (SECTION is empty)") == "SECTION"
    assert refused_column(f"3 fields where the header has {WIDTH}") is None
    assert refused_column("something else") is None
