"""The audit sample is reproducible from its seed and stratified by sector over measured dossiers.

Two stores are built separately from the same generated files (each date's PIAF extract,
then its TOPVIR file). Which dossiers were measured, and in which sector, is counted
independently by `tests.naive_report` from the raw files.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest

from adapters.synthetic import generate
from casetrack.cli import main
from tests.naive_report import ENGAGEMENTS, Extracts, measure, measured_sectors, parse_csv

YEAR_START, YEAR_END = date(2025, 1, 1), date(2025, 12, 31)
PER_SECTION = 3
SAMPLE = ("sample", "--from", "2025-01-01", "--to", "2025-12-31", "--per-section", "3")
COLUMNS = ["stratum", "dossier", "section", "prestation", "measures", "history"]


class Stores(NamedTuple):
    """Two stores built from the same files, and the naive reading of those files."""

    first: str
    second: str
    extracts: Extracts
    out: Path


def build_store(url: str, piaf: tuple[Path, ...], topvir: tuple[Path, ...]) -> None:
    """Ingest each date's PIAF extract, then the TOPVIR file of that date."""
    for extract, transfers in zip(piaf, topvir, strict=True):
        for kind, path in (("piaf", extract), ("topvir", transfers)):
            code = main(["--db", url, "-q", "ingest", kind, str(path)])
            assert code == 0, f"casetrack ingest {kind} {path.name} exited with {code}"


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Stores:
    """Generate a year once and ingest it into two separate stores."""
    root = tmp_path_factory.mktemp("sample")
    files = generate(root / "files", year=2025, dossiers=600, seed=606)
    urls = [f"sqlite:///{root / name}" for name in ("first.sqlite", "second.sqlite")]
    for url in urls:
        build_store(url, files.piaf, files.topvir)
    out = root / "out"
    out.mkdir()
    return Stores(urls[0], urls[1], Extracts(files.piaf, files.topvir), out)


def sample(stores: Stores, url: str, seed: str) -> str:
    """The CSV sample of a store for a seed."""
    target = stores.out / f"sample-{len(list(stores.out.iterdir()))}.csv"
    args = [*SAMPLE, "--seed", seed, "--format", "csv", "--output", str(target)]
    code = main(["--db", url, "-q", *args])
    assert code == 0, f"casetrack {' '.join(args)} exited with {code}"
    return target.read_text(encoding="utf-8")


def rows_of(text: str) -> list[dict[str, str]]:
    """The sample's lines as dicts, after checking the header."""
    table = parse_csv(text)
    assert table[0] == COLUMNS
    return [dict(zip(COLUMNS, row, strict=True)) for row in table[1:]]


def test_same_seed_gives_the_same_sample_on_every_run_and_every_store(stores: Stores) -> None:
    once = sample(stores, stores.first, "42")

    again = sample(stores, stores.first, "42")
    elsewhere = sample(stores, stores.second, "42")

    assert rows_of(once)
    assert again == once
    assert elsewhere == once


def test_another_seed_gives_another_sample(stores: Stores) -> None:
    chosen = {r["dossier"] for r in rows_of(sample(stores, stores.first, "42"))}

    other = {r["dossier"] for r in rows_of(sample(stores, stores.first, "43"))}

    assert other != chosen


def test_each_sector_gives_three_dossiers_or_all_it_measured(stores: Stores) -> None:
    measured = measured_sectors(
        stores.extracts.facts_at(), YEAR_START, YEAR_END, stores.extracts.latest
    )

    rows = rows_of(sample(stores, stores.first, "42"))

    counts = dict.fromkeys(measured, 0)
    for row in rows:
        counts[row["stratum"]] = counts.get(row["stratum"], 0) + 1
    assert counts == {sector: min(PER_SECTION, len(d)) for sector, d in measured.items()}
    assert len(measured) > 1


def test_every_sampled_dossier_was_measured_in_its_stratum(stores: Stores) -> None:
    measured = measured_sectors(
        stores.extracts.facts_at(), YEAR_START, YEAR_END, stores.extracts.latest
    )

    rows = rows_of(sample(stores, stores.first, "42"))

    assert [r["dossier"] for r in rows if r["dossier"] not in measured[r["stratum"]]] == []
    assert len({r["dossier"] for r in rows}) == len(rows)


def test_lines_carry_the_dossier_its_measures_and_a_one_line_history(stores: Stores) -> None:
    facts = stores.extracts.facts_at()
    as_of = stores.extracts.latest

    rows = rows_of(sample(stores, stores.first, "42"))

    for row in rows:
        dossier = facts[row["dossier"]]
        assert (row["section"], row["prestation"]) == (dossier.section, dossier.prestation)
        for engagement in ENGAGEMENTS:
            m = measure(dossier, engagement, as_of)
            if m is not None and m.status in ("met", "breached"):
                assert f"{engagement}:{m.status} {m.elapsed}" in row["measures"], row
        assert row["history"]
        assert "\n" not in row["history"]
        assert dossier.filed_on.isoformat() in row["history"]
