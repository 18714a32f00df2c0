"""Quarantine reasons in French, for the people who read them.

The store keeps each reason in English, as the readers wrote it (stores written before
this module exist, and `casetrack quarantine --format csv` is a machine format); the
tables and the dossier view translate it when they show it. A reason names a column and
the kind of problem, never a value, and its translation only rewords it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

#: Every reason template the readers and the ingest write (adapters/textfile.py,
#: fieldrules.py, dates.py, piaf_reader.py, topvir_reader.py, ingest.py), with its French.
#: A {column} is a header name; {reason} is another reason, translated in turn; the other
#: placeholders are numbers. tests/unit/test_reason_words.py checks that every piece of
#: English the source can put in a reason is here.
TEMPLATES: Final = (
    # Rows spanning lines: a suffix the shape reasons may carry.
    (
        "{reason}; the row spans lines {first} to {last}: a quote may be missing",
        "{reason} ; la ligne s'étend des lignes {first} à {last} : il manque peut-être "
        "un guillemet",
    ),
    (
        "same values as line {line}, quarantined: {reason}",
        "mêmes valeurs que la ligne {line}, mise en quarantaine : {reason}",
    ),
    # The shape of the row (textfile.py, the readers).
    (
        "the row cannot be split into fields (a field over 131,072 characters)",
        "la ligne ne peut pas être découpée en champs (un champ de plus de 131 072 caractères)",
    ),
    (
        "{found} field where the header has {width} (a line without ';')",
        "{found} champ alors que l'en-tête en a {width} (une ligne sans ';')",
    ),
    (
        "{found} field where the header has {width}",
        "{found} champ alors que l'en-tête en a {width}",
    ),
    (
        "{found} fields where the header has {width}",
        "{found} champs alors que l'en-tête en a {width}",
    ),
    (
        "mixed encodings within the line (UTF-8 and Windows-1252)",
        "encodages mélangés dans la ligne (UTF-8 et Windows-1252)",
    ),
    (
        "a quote opened on line {first} closes on line {last}: the lines between became one field",
        "un guillemet ouvert ligne {first} se ferme ligne {last} : les lignes entre les deux "
        "sont devenues un seul champ",
    ),
    (
        "expected {wanted} mapped fields, found {found}",
        "champs lus : {found} au lieu de {wanted}",
    ),
    # Poison (fieldrules.py).
    ("{column}: control character", "{column} : caractère de contrôle"),
    (
        "{column}: starts with =, +, -, @ or a tab (a spreadsheet formula)",
        "{column} : commence par =, +, -, @ ou une tabulation (une formule de tableur)",
    ),
    # Dossier numbers and codes (fieldrules.py, piaf_reader.py, topvir_reader.py).
    ("no dossier number ({column} is empty)", "pas de numéro de dossier ({column} est vide)"),
    (
        "{column}: not a dossier number (letters, digits, - _ / . ; at most {most})",
        "{column} : n'est pas un numéro de dossier (lettres, chiffres, - _ / . ; {most} au plus)",
    ),
    ("no section code ({column} is empty)", "pas de code de section ({column} est vide)"),
    (
        "{column}: not a section code (expected 01 to 20 or PC)",
        "{column} : n'est pas un code de section (attendu : 01 à 20 ou PC)",
    ),
    ("empty prestation ({column} is empty)", "prestation vide ({column} est vide)"),
    (
        "{column}: not a prestation code (letters, digits, _ - . ; at most {most})",
        "{column} : n'est pas un code de prestation (lettres, chiffres, _ - . ; {most} au plus)",
    ),
    (
        "{column}: not a decision (expected ACCORD or REJET, or empty)",
        "{column} : n'est pas un sens de décision (attendu : ACCORD ou REJET, ou vide)",
    ),
    (
        "{column}: not a state (expected EN_COURS, DECIDE, PAYE or CLASSE, or empty)",
        "{column} : n'est pas un état (attendu : EN_COURS, DECIDE, PAYE ou CLASSE, ou vide)",
    ),
    (
        "{column}: not a batch id (letters, digits, _ - . ; at most {most})",
        "{column} : n'est pas un identifiant de lot (lettres, chiffres, _ - . ; {most} au plus)",
    ),
    # Dates (dates.py, piaf_reader.py, topvir_reader.py).
    (
        "missing filing date ({column} is empty)",
        "date de dépôt manquante ({column} est vide)",
    ),
    (
        "no transfer order date ({column} is empty)",
        "pas de date d'ordre de virement ({column} est vide)",
    ),
    (
        "{column}: not a date (expected JJ/MM/AAAA, JJ/MM/AAAA HH:MM[:SS] or AAAA-MM-JJ)",
        "{column} : n'est pas une date (attendu : JJ/MM/AAAA, JJ/MM/AAAA HH:MM[:SS] ou AAAA-MM-JJ)",
    ),
    (
        "{column}: impossible time (expected 00:00 to 23:59, seconds 00 to 59)",
        "{column} : heure impossible (attendu : 00:00 à 23:59, secondes 00 à 59)",
    ),
    (
        "{column}: impossible date (no such month: expected 01 to 12)",
        "{column} : date impossible (ce mois n'existe pas : attendu 01 à 12)",
    ),
    ("{column}: impossible date (year 0000)", "{column} : date impossible (année 0000)"),
    (
        "{column}: impossible date (no such day in that month)",
        "{column} : date impossible (ce jour n'existe pas dans ce mois)",
    ),
    (
        "a decision date without a decision: {dated} is set, {outcome} is empty",
        "une date de décision sans sens de décision : {dated} est rempli, {outcome} est vide",
    ),
    ("{column} is empty", "{column} est vide"),
    # The ingest (ingest.py).
    (
        "dossier number repeated with different values (lines {lines})",
        "numéro de dossier répété avec des valeurs différentes (lignes {lines})",
    ),
    (
        "unknown dossier number: ingest the PIAF extract that files it, then this file again",
        "numéro de dossier inconnu : importez l'extrait PIAF qui l'enregistre, puis de nouveau "
        "ce fichier",
    ),
)

#: What each kind of placeholder may match: a header name, a reason, or numbers.
_TEXT: Final = frozenset({"column", "dated", "outcome", "reason"})
_ANY: Final = ".+?"
_NUMBER: Final = r"\d+"
_NUMBERS: Final = {"lines": r"\d+(?:, \d+)*"}
_PLACEHOLDER: Final = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    last = 0
    for found in _PLACEHOLDER.finditer(template):
        name = found.group(1)
        parts.append(re.escape(template[last : found.start()]))
        kind = _ANY if name in _TEXT else _NUMBERS.get(name, _NUMBER)
        parts.append(f"(?P<{name}>{kind})")
        last = found.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.DOTALL)


_COMPILED: Final = tuple((_pattern(english), french) for english, french in TEMPLATES)


def _matches(reason: str) -> Iterator[tuple[str, dict[str, str]]]:
    for pattern, french in _COMPILED:
        found = pattern.fullmatch(reason)
        if found is not None:
            yield french, found.groupdict()


def template_of(reason: str) -> str | None:
    """The English template a stored reason was written from (the outer one), or None."""
    for (pattern, _), (english, _) in zip(_COMPILED, TEMPLATES, strict=True):
        if pattern.fullmatch(reason):
            return english
    return None


def french_reason(reason: str) -> str:
    """A stored (English) quarantine reason in French; the English itself when unknown."""
    for french, parts in _matches(reason):
        if "reason" in parts:
            parts["reason"] = french_reason(parts["reason"])
        return french.format(**parts)
    return reason


def refused_column(reason: str) -> str | None:
    """The header name of the column a reason refuses, or None when it names none.

    A row refused for its shape (wrong field count, encodings) names no column; a repeat
    refused for its first line's reason names that line's column.
    """
    for _, parts in _matches(reason):
        if "reason" in parts:
            return refused_column(parts["reason"])
        return parts.get("column")
    return None
