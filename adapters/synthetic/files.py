"""How PIAF learns the synthetic dossiers, and the extract and TOPVIR files a site receives.

Each fact is entered on its business date, or late (1 to 6 weeks), sometimes first with a
typo that a later extract corrects, rarely emptied again; a few rows are unreadable for a
while. A dossier's row therefore changes at a few extraction dates only: the writer
renders each version once and writes it to every weekly extract it belongs to, all the
files being open at once, so memory stays small whatever the number of dossiers.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_left
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from random import Random
from typing import Final, TextIO

from adapters.synthetic.model import Life, Table, uniform
from casetrack.facts import REJET

#: PIAF columns: the spec's default headers with the personal ones interleaved, as exported.
PIAF_HEADER: Final = (
    "NUM_DOSSIER", "NOM", "PRENOM", "NIR", "SECTION", "PRESTATION", "DATE_DEPOT", "ADRESSE",
    "DATE_PREMIERE_INFO", "DATE_DEUXIEME_INFO", "DATE_DOSSIER_COMPLET", "TELEPHONE",
    "DATE_DECISION", "SENS_DECISION", "DATE_NOTIFICATION", "MONTANT", "DATE_VIREMENT", "ETAT",
)  # fmt: skip
TOPVIR_HEADER: Final = ("NUM_DOSSIER", "DATE_ORDRE_VIREMENT", "LOT", "MONTANT", "IBAN")
FOOTER: Final = "Nombre de lignes : {}"

_NUM, _NOM, _PRENOM, _NIR, _SECTION, _PRESTATION, _FILED, _ADRESSE = range(8)
_FIRST, _SECOND, _COMPLETE, _PHONE, _DECIDED, _SENS, _NOTIFIED, _AMOUNT, _ORDERED = range(8, 17)
_ETAT = 17
#: Pseudo-columns of timeline entries: ETAT rank reached, unreadable value put, and fixed.
_STATE, _BREAK, _FIX = 18, 100, 200
ETATS: Final = ("EN_COURS", "DECIDE", "PAYE", "CLASSE")

LATE: Final = 0.05
TYPO: Final = 0.01
EMPTIED: Final = 0.001
BROKEN: Final = 0.0028
TRANSFER_IN_PIAF: Final = 0.9
#: Columns whose date may be emptied again (a date entered on the wrong dossier).
_EMPTIABLE: Final = frozenset({_FIRST, _SECOND, _COMPLETE, _NOTIFIED, _ORDERED})
#: Kinds of unreadable rows: 0 bad date, 1 unknown section, 2 no number, 3 no prestation,
#: 4 decision without SENS_DECISION (falls back to a bad date on other entries).
_BREAKAGE: Final = Table.of((0, 0, 40), (1, 1, 20), (2, 2, 12), (3, 3, 10), (4, 4, 18))

_NOMS: Final = (
    "Martin", "Bernard", "Dubois", "Lefèvre", "Mercier", "Girard", "Muller", "Faure", "André",
    "Gauthier", "Perrin", "Rousseau", "Morel", "Fournier", "Lambert", "Bonnet", "Diallo",
    "Nguyen", "Benali", "Traoré", "Da Silva", "Cohen", "Lemaître", "Lécuyer", "Chevalier",
    "Cœurdevey", "Noël", "Hervé", "Ménard", "Kowalski", "Haddad", "Le Gall",
)  # fmt: skip
_PRENOMS: Final = (
    "Clément", "Hélène", "Bérénice", "Jérôme", "François", "Anaïs", "Zoé", "Loïc", "Amélie",
    "Joël", "Céline", "Gaëlle", "Marie", "Jean", "Fatoumata", "Mohamed", "Nadia", "Pierre",
    "Sophie", "Thierry", "Yasmine", "Lucas", "Inès", "Océane", "Mathéo", "Françoise",
)  # fmt: skip
_RUES: Final = (
    "rue de la Roquette", "boulevard de Belleville", "avenue d'Italie", "rue Oberkampf",
    "rue de Crimée", "rue des Pyrénées", "avenue de Flandre", "rue Championnet",
    "rue Ordener", "boulevard Voltaire", "rue de Tolbiac", "rue du Faubourg-Saint-Antoine",
    "rue Lecourbe", "rue de Vaugirard", "rue d'Alésia", "rue Mouffetard", "rue de Rivoli",
    "rue de Bretagne", "rue Caulaincourt", "rue de Ménilmontant", "avenue Jean-Jaurès",
    "rue du Château-des-Rentiers", "rue Riquet", "rue de Charonne", "rue Myrha",
)  # fmt: skip
_SUITES: Final = ("; bât. B", "; esc. 3, 2e ét.", "; chez Mme Hélène Martin", "; appt 12")


@lru_cache(maxsize=4096)
def day_text(day: int) -> str:
    """A day ordinal as PIAF writes it, JJ/MM/AAAA."""
    d = date.fromordinal(day)
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def _typo(rng: Random, day: int) -> int:
    """A wrong but plausible earlier date typed instead of `day`."""
    d = date.fromordinal(day)
    kind = rng.random()
    if kind < 0.2 and (d.month, d.day) != (2, 29):  # last year's number, common in January
        return d.replace(year=d.year - 1).toordinal()
    if kind < 0.4 and d.day < d.month:  # day and month swapped, an earlier date
        return d.replace(month=d.day, day=d.month).toordinal()
    return day - uniform(rng, 1, 3)


def _personal(rng: Random, life: Life) -> tuple[str, str, str, str, str, str]:
    """Fake but realistic name, first name, NIR, address, phone and amount."""
    bits = rng.getrandbits(128)
    bits, nom = divmod(bits, len(_NOMS))
    bits, prenom = divmod(bits, len(_PRENOMS))
    bits, sex = divmod(bits, 2)
    bits, born = divmod(bits, 76)
    bits, month = divmod(bits, 12)
    bits, dept = divmod(bits, 100)
    bits, rest = divmod(bits, 10**8)
    place = "75" if dept < 50 else "99" if dept < 70 else f"{dept - 69:02d}"
    nir = f"{sex + 1}{(born + 30) % 100:02d}{month + 1:02d}{place}{rest:08d}"
    bits, number = divmod(bits, 180)
    bits, rue = divmod(bits, len(_RUES))
    bits, odd = divmod(bits, 1000)
    street = f"{number + 1}{' bis' if odd < 30 else ''} {_RUES[rue]}"
    if odd < 15:  # a few addresses need quoting: a `;`, or quotes
        street += _SUITES[odd % len(_SUITES)]
    elif odd < 20:
        street = f'résidence "Les Lilas", {street}'
    address = f"{street}, 750{life.arrondissement:02d} Paris"
    bits, phone = divmod(bits, 10**8)
    mobile = "07" if phone % 5 == 0 else "06"
    digits = f"{phone:08d}"
    tel = f"{mobile} {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"
    cents = 3000 + bits % 57000
    amount = f"{cents // 100},{cents % 100:02d}"
    return _NOMS[nom], _PRENOMS[prenom], nir, address, tel, amount


Entry = tuple[int, int, int, int, str]  # extract index, known on, order, column, value


class Knowledge:
    """The entries by which PIAF learns one dossier, relative to the extraction dates."""

    def __init__(self, rng: Random, extracted: Sequence[int]) -> None:
        """Draw knowledge for extracts taken on the given days (ascending ordinals)."""
        self.rng = rng
        self.extracted = extracted
        self.entries: list[Entry] = []

    def put(self, known: int, column: int, value: str) -> None:
        """Record that PIAF shows `value` in `column` from the day `known`."""
        index = bisect_left(self.extracted, known)
        if index < len(self.extracted):
            self.entries.append((index, known, len(self.entries), column, value))

    def known_on(self, day: int) -> int:
        """The day a fact of business date `day` is entered: the same day, or 1 to 6 weeks late."""
        if self.rng.random() >= LATE:
            return day
        # Late entries are caught up by the last extract: every filed dossier shows in one.
        return min(day + uniform(self.rng, 7, 42), max(day, self.extracted[-1]))

    def fact(self, column: int, day: int, not_before: int = 0) -> int:
        """Enter a dated fact (with its typos and erasures); return the day it is first known."""
        rng = self.rng
        known = max(self.known_on(day), not_before)
        draw = rng.random()
        if draw < TYPO:
            self.put(known, column, day_text(_typo(rng, day)))
            self.put(known + uniform(rng, 7, 35), column, day_text(day))
        elif draw < TYPO + EMPTIED and column in _EMPTIABLE:
            self.put(known, column, day_text(day))
            self.put(known + uniform(rng, 7, 35), column, "")
        else:
            self.put(known, column, day_text(day))
        return known

    def life(self, life: Life) -> None:
        """Enter every fact of a dossier."""
        rng = self.rng
        filed = self.fact(_FILED, life.filed)
        for column, day in ((_FIRST, life.first_info), (_SECOND, life.second_info)):
            if day is not None:
                self.fact(column, day)
        if life.completed is not None:
            self.fact(_COMPLETE, life.completed)
        if life.decided is not None and life.outcome is not None:
            decided = self.fact(_DECIDED, life.decided)
            self.put(decided, _SENS, life.outcome)
            self.put(decided, _STATE, "1")
            if life.notified is not None and rng.random() >= (
                0.3 if life.notified == life.decided else 0.03
            ):
                self.fact(_NOTIFIED, life.notified, decided)
            if life.ordered is not None:
                if rng.random() < TRANSFER_IN_PIAF:
                    paid = self.fact(_ORDERED, life.ordered, decided)
                else:
                    paid = max(self.known_on(life.ordered), decided)
                self.put(paid, _STATE, "2")
        if life.closed is not None:
            self.put(self.known_on(life.closed), _STATE, "3")
        if rng.random() < BROKEN:
            self.breakage()
        # Nothing shows before the dossier itself is known: earlier entries wait for it.
        first = bisect_left(self.extracted, filed)
        self.entries = [(max(first, i), k, o, c, v) for i, k, o, c, v in self.entries]
        self.entries.sort()

    def breakage(self) -> None:
        """Make the row unreadable from one entry on, usually until a later extract fixes it."""
        rng = self.rng
        kind = _BREAKAGE.draw(rng)
        dated = [e for e in self.entries if e[3] < _ETAT and e[4][:1].isdigit()]
        decisions = [e for e in dated if e[3] == _DECIDED]
        if kind == 4 and decisions:  # the decision entered without its SENS_DECISION
            dated = decisions
        if not dated:
            return
        _, known, _, column, _ = dated[int(rng.random() * len(dated))]
        year = date.fromordinal(known).year
        if kind == 4 and decisions:
            column, value = _SENS, ""
        elif kind in (1, 2, 3):
            column = (_SECTION, _NUM, _PRESTATION)[kind - 1]
            value = ("21", "99")[int(rng.random() * 2)] if kind == 1 else ""
        else:
            value = (f"31/02/{year}", f"{year}-13-01", "hier")[int(rng.random() * 3)]
        self.put(known, _BREAK + column, value)
        if column == _NUM or rng.random() < 0.85:  # a row without its number always comes back
            self.put(known + uniform(rng, 7, 28), _FIX + column, "")


Version = tuple[int, tuple[str, ...], bool]  # first extract index, row, settled


def versions(identity: Sequence[str], entries: Sequence[Entry]) -> list[Version]:
    """The successive rows of a dossier, each with the extract it first shows in."""
    row = list(identity)
    broken: dict[int, str] = {}
    rank = 0
    out: list[Version] = []
    previous: tuple[str, ...] = ()
    i, n = 0, len(entries)
    while i < n:
        index = entries[i][0]
        while i < n and entries[i][0] == index:
            column, value = entries[i][3], entries[i][4]
            if column < _STATE:
                row[column] = value
            elif column == _STATE:
                rank = max(rank, int(value))
            elif column < _FIX:
                broken[column - _BREAK] = value
            else:
                broken.pop(column - _FIX, None)
            i += 1
        row[_ETAT] = ETATS[rank]
        shown = row.copy()
        for column, value in broken.items():
            shown[column] = value
        current = tuple(shown)
        if current != previous:
            settled = rank >= 2 or (rank == 1 and row[_SENS] == REJET)
            out.append((index, current, settled))
            previous = current
    return out


class _Lines:
    """Renders rows as `;` separated lines with CRLF ends, quoted only where needed."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(
            self.buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
        )

    def __call__(self, row: Sequence[str]) -> str:
        """One row as a line of text."""
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(row)
        return self.buffer.getvalue()


class ExtractWriter:
    """Writes every dossier to the weekly PIAF extracts, TOPVIR files and the full extract."""

    def __init__(
        self,
        rng: Random,
        extracted: Sequence[int],
        piaf: Sequence[TextIO],
        topvir: Sequence[TextIO],
        full: TextIO | None,
    ) -> None:
        """Write to already opened files, one per extraction date (and the full extract)."""
        self.rng = rng
        self.extracted = extracted
        self.line = _Lines()
        self.piaf, self.topvir, self.full = piaf, topvir, full
        self.piaf_rows = [0] * len(piaf)
        self.topvir_rows = [0] * len(topvir)
        self.full_rows = 0
        for file in (*piaf, *([] if full is None else [full])):
            file.write(self.line(PIAF_HEADER))
        for file in topvir:
            file.write(self.line(TOPVIR_HEADER))

    def write(self, life: Life) -> None:
        """Write one dossier's rows to the files it belongs to."""
        rng = self.rng
        nom, prenom, nir, address, tel, amount = _personal(rng, life)
        identity = [life.number, nom, prenom, nir, life.section, life.prestation, "", address]
        identity += ["", "", "", tel, "", "", "", amount, "", ""]
        knowledge = Knowledge(rng, self.extracted)
        knowledge.life(life)
        rows = versions(identity, knowledge.entries)
        last, line = len(self.extracted), ""
        for k, (index, row, settled) in enumerate(rows):
            end = rows[k + 1][0] if k + 1 < len(rows) else last
            line = self.line(row)
            # PIAF exports open dossiers, and settled ones for 4 weeks after their last change.
            for j in range(index, min(end, index + 4) if settled else end):
                self.piaf[j].write(line)
                self.piaf_rows[j] += 1
        if self.full is not None and line:
            self.full.write(line)
            self.full_rows += 1
        if life.ordered is not None and life.ordered <= self.extracted[-1]:
            week = bisect_left(self.extracted, life.ordered)
            bits = rng.getrandbits(80)
            batch = f"VIR{date.fromordinal(life.ordered):%Y%m%d}-{1 + bits % 3:02d}"
            iban = f"FR76{bits // 3 % 10**23:023d}"
            ordered = day_text(life.ordered)
            self.topvir[week].write(self.line((life.number, ordered, batch, amount, iban)))
            self.topvir_rows[week] += 1

    def finish(self) -> None:
        """End every file with PIAF's row count line."""
        for files, counts in ((self.piaf, self.piaf_rows), (self.topvir, self.topvir_rows)):
            for file, rows in zip(files, counts, strict=True):
                file.write(FOOTER.format(rows) + "\r\n")
        if self.full is not None:
            self.full.write(FOOTER.format(self.full_rows) + "\r\n")
