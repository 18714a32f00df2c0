"""Benchmark data: seeded synthetic years, generated once per size into benchmarks/work/."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Final

from attrs import frozen

from adapters.synthetic import generate
from benchmarks.progress import step

WORK: Final = Path(__file__).resolve().parent / "work"
YEAR: Final = 2025
SEED: Final = 2025
#: Dossiers of one synthetic year at each size (decade: the year, plus the scaling curve).
DOSSIERS: Final = {"small": 3_000, "year": 150_000, "decade": 150_000}
PER_YEAR: Final = 150_000
SCALING_YEARS: Final = tuple(range(2016, 2026))
_DATE: Final = re.compile(r"_(\d{8})\.csv$")


@frozen
class Dataset:
    """One generated year: weekly PIAF and TOPVIR files by date, and the full extract."""

    year: int
    dossiers: int
    seed: int
    piaf: tuple[Path, ...]
    topvir: tuple[Path, ...]
    full: Path

    @property
    def dates(self) -> tuple[date, ...]:
        """The weekly extraction dates, in order."""
        return tuple(extraction_date(p) for p in self.piaf)

    @property
    def full_date(self) -> date:
        """The full extract's extraction date (the last weekly date)."""
        return extraction_date(self.full)


def extraction_date(path: Path) -> date:
    """The `_AAAAMMJJ` date of a file name."""
    found = _DATE.search(path.name)
    if found is None:
        msg = f"{path.name}: no _AAAAMMJJ date"
        raise ValueError(msg)
    text = found[1]
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def dataset(directory: Path, *, year: int, dossiers: int, seed: int) -> Dataset:
    """The year generated in `directory`, generating it first unless already there."""
    manifest = directory / "manifest.json"
    wanted = {"year": year, "dossiers": dossiers, "seed": seed}
    if manifest.exists() and json.loads(manifest.read_text(encoding="utf-8")) == wanted:
        return _found(directory, year, dossiers, seed)
    if directory.exists():
        shutil.rmtree(directory)
    with step(f"generating {dossiers:,} dossiers of {year} (seed {seed}) into {directory}"):
        generate(directory, year=year, dossiers=dossiers, seed=seed, full_extract=True)
    manifest.write_text(json.dumps(wanted), encoding="utf-8")
    return _found(directory, year, dossiers, seed)


def _found(directory: Path, year: int, dossiers: int, seed: int) -> Dataset:
    piaf = tuple(sorted(p for p in directory.glob("piaf_2*.csv")))
    topvir = tuple(sorted(directory.glob("topvir_*.csv")))
    (full,) = directory.glob("piaf_full_*.csv")
    return Dataset(year, dossiers, seed, piaf, topvir, full)


def year_dataset(size: str) -> Dataset:
    """The benchmark year of a size (decade shares the year's data)."""
    name = "small" if size == "small" else "year"
    return dataset(WORK / name / "data", year=YEAR, dossiers=DOSSIERS[size], seed=SEED)


def scaling_extracts() -> dict[int, Path]:
    """Full extracts of 2016 to 2025 (150,000 dossiers each, seed = year); weekly files dropped."""
    found: dict[int, Path] = {}
    for year in SCALING_YEARS:
        if year == YEAR:
            found[year] = year_dataset("year").full
            continue
        directory = WORK / "decade" / str(year)
        keep = directory / "full"
        existing = sorted(keep.glob("piaf_full_*.csv")) if keep.exists() else []
        if existing:
            found[year] = existing[0]
            continue
        generated = dataset(directory / "tmp", year=year, dossiers=PER_YEAR, seed=year)
        keep.mkdir(parents=True, exist_ok=True)
        found[year] = Path(shutil.move(generated.full, keep / generated.full.name))
        shutil.rmtree(directory / "tmp")
    return found


def prefix_extract(source: Path, fraction: float, target_dir: Path) -> Path:
    """The first `fraction` of a full extract's rows (dossiers come in filing order)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"piaf_part{round(fraction * 100):03d}_{source.name.rsplit('_', 1)[1]}"
    if target.exists():
        return target
    raw = source.read_bytes().split(b"\r\n")
    header, rows = raw[0], [r for r in raw[1:] if b";" in r]
    kept = rows[: round(len(rows) * fraction)]
    footer = f"Nombre de lignes : {len(kept)}".encode()
    target.write_bytes(b"\r\n".join([header, *kept, footer, b""]))
    return target
