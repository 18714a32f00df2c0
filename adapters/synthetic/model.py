"""Seeded life cycles of synthetic CASVP dossiers: filing, letters, decision, transfer, closure.

Dates are day ordinals (`date.toordinal()`) so that a year of dossiers stays small and fast.
Every draw goes through `Random.random()` and integer arithmetic only (no `log`, no
`gauss`), so the same seed gives the same dossiers on any machine and Python version.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from random import Random
from typing import Final

from attrs import frozen

from casetrack.facts import ACCORD, REJET, sector_of

#: Code of the prestations outside the rule set that PIAF also holds (stored, not measured).
OTHER_PRESTATION: Final = "AUTRE"


@frozen
class Table:
    """A discrete distribution of integers, drawn with one `random()` and a bisection."""

    values: tuple[int, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, *buckets: tuple[int, int, float]) -> Table:
        """Build from `(low, high, weight)` buckets, the weight spread evenly over low..high."""
        values: list[int] = []
        cumulative: list[float] = []
        total = 0.0
        for low, high, weight in buckets:
            for value in range(low, high + 1):
                total += weight / (high - low + 1)
                values.append(value)
                cumulative.append(total)
        return cls(tuple(values), tuple(cumulative))

    def draw(self, rng: Random) -> int:
        """Draw one value."""
        return self.values[bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


def uniform(rng: Random, low: int, high: int) -> int:
    """Draw an integer in low..high, both included."""
    return low + int(rng.random() * (high - low + 1))


def _easter(year: int) -> date:
    """Easter Sunday of a Gregorian year (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def french_holidays(year: int) -> frozenset[int]:
    """The eleven French public holidays of a year, as day ordinals."""
    easter = _easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    days = [date(year, month, day) for month, day in fixed]
    days += [easter + timedelta(days=n) for n in (1, 39, 50)]
    return frozenset(day.toordinal() for day in days)


@frozen
class WorkCalendar:
    """Working days (Monday to Friday, French public holidays excepted) over a span of years."""

    start: int
    working: tuple[int, ...]
    #: counts[i] = number of working days on or before start + i.
    counts: tuple[int, ...]

    @classmethod
    def for_years(cls, first: int, last: int) -> WorkCalendar:
        """The calendar of the years first..last."""
        start, end = date(first, 1, 1).toordinal(), date(last, 12, 31).toordinal()
        holidays: frozenset[int] = frozenset().union(
            *(french_holidays(year) for year in range(first, last + 1))
        )
        working: list[int] = []
        counts: list[int] = []
        for day in range(start, end + 1):
            if day % 7 not in (0, 6) and day not in holidays:  # ordinal % 7: 0 Sunday, 6 Saturday
                working.append(day)
            counts.append(len(working))
        return cls(start, tuple(working), tuple(counts))

    def is_working(self, day: int) -> bool:
        """Whether a day is a working day."""
        i = day - self.start
        return self.counts[i] != (self.counts[i - 1] if i else 0)

    def add(self, day: int, n: int) -> int:
        """The n-th working day after `day` (`day` itself when n is 0)."""
        return day if n == 0 else self.working[self.counts[day - self.start] + n - 1]

    def forward(self, day: int) -> int:
        """`day` if it is a working day, else the next working day."""
        return day if self.is_working(day) else self.add(day, 1)

    def backward(self, day: int) -> int:
        """`day` if it is a working day, else the previous working day."""
        return day if self.is_working(day) else self.working[self.counts[day - self.start] - 1]

    def within(self, day: int, limit: int) -> int:
        """A day drawn `limit` days or fewer after a start moved back, later ones forward.

        Letters and transfers go out on working days; moving a day within the limit back
        (never forward) keeps a met delay met, so the drawn share of breaches holds.
        """
        return self.backward(day) if day <= limit else self.forward(day)


@frozen
class Life:
    """What happened to one dossier, as business dates (day ordinals); None when it did not."""

    number: str
    arrondissement: int
    section: str
    prestation: str
    filed: int
    first_info: int | None = None
    second_info: int | None = None
    completed: int | None = None
    decided: int | None = None
    notified: int | None = None
    outcome: str | None = None
    ordered: int | None = None
    closed: int | None = None

    def last_day(self) -> int:
        """The latest business date of the dossier."""
        days = (self.first_info, self.second_info, self.completed, self.decided, self.notified)
        return max([self.filed, *(d for d in (*days, self.ordered, self.closed) if d is not None)])


#: Share of each prestation among the dossiers filed.
PRESTATIONS: Final = (
    ("PL", 0.28),
    ("PLF", 0.10),
    ("PLFM", 0.07),
    ("PARISOL", 0.22),
    ("PLPAPH", 0.13),
    ("CSP", 0.195),
    (OTHER_PRESTATION, 0.005),
)

#: Filing seasonality, January to December: solidarity aids peak at the new year and in
#: September, housing aid (PL) is steady, everything slows down in August.
SEASONS: Final = {
    "PL": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.95, 0.8, 1.05, 1.0, 1.0, 0.95),
    "PLF": (1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.7, 1.4, 1.1, 1.0, 0.9),
    "PLFM": (1.1, 1.0, 1.0, 1.0, 0.9, 0.9, 0.8, 0.7, 1.3, 1.1, 1.0, 0.9),
    "PARISOL": (2.0, 1.2, 1.0, 0.9, 0.8, 0.8, 0.6, 0.4, 1.9, 1.3, 1.0, 0.8),
    "PLPAPH": (1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 1.0, 1.0, 1.1, 1.1),
    "CSP": (1.8, 1.1, 1.0, 0.9, 0.9, 0.8, 0.6, 0.5, 2.0, 1.2, 1.0, 0.7),
    OTHER_PRESTATION: (1.0,) * 12,
}

#: Relative size of the sections of arrondissements 1 to 20 (the north-east ones are busiest).
ARRONDISSEMENTS: Final = Table.of(
    *(
        (n, n, w)
        for n, w in enumerate(
            (0.8, 1.0, 1.6, 1.2, 2.4, 1.1, 1.0, 0.9, 2.3, 5.0,
             7.0, 6.0, 10.5, 6.0, 8.0, 3.0, 7.0, 12.5, 12.0, 12.0),
            start=1,
        )
    )
)  # fmt: skip

SATURDAY_WEIGHT: Final = 0.06
NO_FIRST_INFO: Final = 0.08
SECOND_INFO: Final = 0.35
ACCORD_SHARE: Final = 0.85
CLOSED_SHARE: Final = 0.04
OUT_OF_ORDER: Final = 0.002

#: Working days from filing to the first info letter.
FIRST_INFO_DELAY: Final = Table.of(
    (0, 0, 35), (1, 1, 30), (2, 2, 15), (3, 3, 9), (4, 5, 8), (6, 10, 3)
)
#: Working days from first info (or filing) to the letter listing missing documents (limit 7).
SECOND_INFO_DELAY: Final = Table.of((0, 0, 2), (1, 3, 46), (4, 7, 46), (8, 10, 4), (11, 30, 2))
#: Calendar days for the applicant to send the missing documents.
DOCUMENTS_DELAY: Final = Table.of((2, 6, 12), (7, 13, 25), (14, 27, 33), (28, 55, 22), (56, 110, 8))
#: Working days from first info (or filing) to completion when nothing was missing.
COMPLETE_DELAY: Final = Table.of((0, 0, 30), (1, 3, 40), (4, 10, 22), (11, 25, 8))
#: Calendar days from completion to the decision letter (limit 15).
NOTIFY_DELAY: Final = Table.of((0, 1, 2), (2, 8, 55), (9, 15, 36), (16, 22, 4), (23, 60, 3))
#: Calendar days between the decision and its letter.
LETTER_GAP: Final = Table.of((0, 0, 45), (1, 1, 30), (2, 2, 15), (3, 3, 10))
#: Calendar days from a favourable decision to the transfer order (limit 15).
TRANSFER_DELAY: Final = Table.of((1, 2, 3), (3, 9, 60), (10, 15, 32), (16, 25, 3.5), (26, 60, 1.5))
#: Calendar days from the last step to a closure without decision, per stage.
ABANDON_DELAY: Final = Table.of((14, 30, 30), (31, 90, 55), (91, 150, 15))
WITHDRAW_DELAY: Final = Table.of((1, 13, 1))
#: Stage at which a closed dossier stopped: 0 before first info, 1 after first info,
#: 2 waiting for documents after the second info, 3 complete but undecided.
CLOSED_STAGE: Final = Table.of((0, 0, 5), (1, 1, 20), (2, 2, 50), (3, 3, 25))


def filing_days(year: int, calendar: WorkCalendar) -> dict[str, Table]:
    """Per prestation, the distribution of filing days of the year (working days, few Saturdays)."""
    tables: dict[str, Table] = {}
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    for prestation, season in SEASONS.items():
        buckets: list[tuple[int, int, float]] = []
        for day in range(first, last + 1):
            if calendar.is_working(day):
                weight = 1.0
            elif day % 7 == 6 and calendar.is_working(day - 1):  # a Saturday after a working Friday
                weight = SATURDAY_WEIGHT
            else:
                continue
            buckets.append((day, day, weight * season[date.fromordinal(day).month - 1]))
        tables[prestation] = Table.of(*buckets)
    return tables


def simulate(rng: Random, year: int, count: int, calendar: WorkCalendar) -> list[Life]:
    """Draw `count` dossiers filed in `year`, in filing order, numbered per section."""
    shares = Table.of(*((i, i, share) for i, (_, share) in enumerate(PRESTATIONS)))
    days = filing_days(year, calendar)
    filings = []
    for i in range(count):
        prestation = PRESTATIONS[shares.draw(rng)][0]
        filings.append((days[prestation].draw(rng), i, prestation))
    filings.sort()
    sequences: dict[str, int] = {}
    lives = []
    for filed, _, prestation in filings:
        arrondissement = ARRONDISSEMENTS.draw(rng)
        section = sector_of(f"{arrondissement:02d}", date.fromordinal(filed))
        sequences[section] = sequences.get(section, 0) + 1
        number = f"{year}-{section}-{sequences[section]:06d}"
        lives.append(_life(rng, calendar, Life(number, arrondissement, section, prestation, filed)))
    return lives


def _life(rng: Random, cal: WorkCalendar, life: Life) -> Life:
    """Draw the steps that follow a filing."""
    who = (life.number, life.arrondissement, life.section, life.prestation, life.filed)
    stage = CLOSED_STAGE.draw(rng) if rng.random() < CLOSED_SHARE else None
    if stage == 0:
        return Life(*who, closed=cal.forward(life.filed + ABANDON_DELAY.draw(rng)))
    first = (
        None if rng.random() < NO_FIRST_INFO else cal.add(life.filed, FIRST_INFO_DELAY.draw(rng))
    )
    base = life.filed if first is None else first
    second = None
    if stage == 2 or (stage != 1 and rng.random() < SECOND_INFO):
        second = cal.add(base, SECOND_INFO_DELAY.draw(rng))
    if stage in (1, 2):
        last = base if second is None else second
        return Life(*who, first, second, closed=cal.forward(last + ABANDON_DELAY.draw(rng)))
    if second is None:
        completed = cal.add(base, COMPLETE_DELAY.draw(rng))
    else:
        completed = cal.forward(second + DOCUMENTS_DELAY.draw(rng))
    if stage == 3:
        closed = cal.forward(completed + WITHDRAW_DELAY.draw(rng))
        return Life(*who, first, second, completed, closed=closed)
    notified = cal.within(completed + NOTIFY_DELAY.draw(rng), completed + 15)
    decided = max(completed, cal.backward(notified - LETTER_GAP.draw(rng)))
    outcome = ACCORD if rng.random() < ACCORD_SHARE else REJET
    ordered = None
    if outcome == ACCORD:
        ordered = cal.within(decided + TRANSFER_DELAY.draw(rng), decided + 15)
    if rng.random() < OUT_OF_ORDER:
        # One step put before the one it follows: a wrong entry that PIAF keeps.
        shift = uniform(rng, 1, 8)
        kinds = ["letter"] + ["second"] * (first is not None and second is not None)
        kinds += ["transfer"] * (ordered is not None)
        kind = kinds[int(rng.random() * len(kinds))]
        if kind == "second" and first is not None:
            second = first - shift
        elif kind == "transfer":
            ordered = decided - shift
        else:
            decided = notified = completed - shift
    return Life(*who, first, second, completed, decided, notified, outcome, ordered)
