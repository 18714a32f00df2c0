"""Seeded synthetic CASVP data: weekly PIAF extracts and TOPVIR files as a site receives them.

`generate` draws a year of dossiers (`adapters.synthetic.model`) and writes what PIAF would
have exported every Friday (`adapters.synthetic.files`). The same arguments give
byte-identical files on any machine: every draw comes from one `random.Random(seed)`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from random import Random
from typing import Final, TextIO

from attrs import frozen

from adapters.synthetic.files import ExtractWriter
from adapters.synthetic.model import WorkCalendar, simulate

#: Weeks into the next year that extracts go on while the last dossiers settle.
SETTLE_WEEKS: Final = 10


@frozen
class GeneratedFiles:
    """The files written by `generate`, each list in extraction-date order."""

    piaf: tuple[Path, ...]
    topvir: tuple[Path, ...]
    full: Path | None


def extraction_days(year: int, settle: int) -> list[int]:
    """Every Friday of `year`, then Fridays until `settle`, at most `SETTLE_WEEKS` weeks on."""
    new_year = date(year, 1, 1).toordinal()
    end = date(year, 12, 31).toordinal()
    friday = new_year + (4 - date.fromordinal(new_year).weekday()) % 7
    days: list[int] = []
    while friday <= end or (days[-1] < settle and friday <= end + 7 * SETTLE_WEEKS):
        days.append(friday)
        friday += 7
    return days


def generate(
    out: Path,
    *,
    year: int,
    dossiers: int,
    seed: int = 2025,
    full_extract: bool = False,
    progress: Callable[[int, int], None] | None = None,
    encoding: str = "cp1252",
) -> GeneratedFiles:
    """Write a year of `dossiers` synthetic dossiers as weekly extracts in `out`.

    `progress(done, total)` is called now and then with the number of dossiers written.
    """
    if dossiers < 0:
        msg = f"dossiers must be 0 or more, not {dossiers}"
        raise ValueError(msg)
    rng = Random(seed)
    calendar = WorkCalendar.for_years(year - 1, year + 2)
    lives = simulate(rng, year, dossiers, calendar)
    settle = max((life.last_day() for life in lives), default=date(year, 12, 31).toordinal())
    days = extraction_days(year, settle)
    names = [f"{date.fromordinal(day):%Y%m%d}.csv" for day in days]
    out.mkdir(parents=True, exist_ok=True)
    piaf = tuple(out / f"piaf_{name}" for name in names)
    topvir = tuple(out / f"topvir_{name}" for name in names)
    full = out / f"piaf_full_{names[-1]}" if full_extract else None

    with ExitStack() as stack:

        def opened(path: Path) -> TextIO:
            return stack.enter_context(
                path.open("w", encoding=encoding, newline="", buffering=1 << 16)
            )

        writer = ExtractWriter(
            rng,
            days,
            [opened(path) for path in piaf],
            [opened(path) for path in topvir],
            opened(full) if full is not None else None,
        )
        step = max(1, dossiers // 50)
        for done, life in enumerate(lives, start=1):
            writer.write(life)
            if progress is not None and done % step == 0 and done < dossiers:
                progress(done, dossiers)
        writer.finish()
    if progress is not None:
        progress(dossiers, dossiers)
    return GeneratedFiles(piaf, topvir, full)
