"""The synthetic PIAF and TOPVIR generator: determinism, file format and realism."""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from adapters.synthetic import GeneratedFiles, generate
from casetrack.facts import ACCORD, PARIS_CENTRE_FROM, REJET, SECTIONS

DOSSIERS = 2000
SIX = ("PL", "PLF", "PLFM", "PARISOL", "PLPAPH", "CSP")
DATE_COLUMNS = (
    "DATE_DEPOT",
    "DATE_PREMIERE_INFO",
    "DATE_DEUXIEME_INFO",
    "DATE_DOSSIER_COMPLET",
    "DATE_DECISION",
    "DATE_NOTIFICATION",
    "DATE_VIREMENT",
)
PIAF_HEADER = [
    "NUM_DOSSIER", "NOM", "PRENOM", "NIR", "SECTION", "PRESTATION", "DATE_DEPOT", "ADRESSE",
    "DATE_PREMIERE_INFO", "DATE_DEUXIEME_INFO", "DATE_DOSSIER_COMPLET", "TELEPHONE",
    "DATE_DECISION", "SENS_DECISION", "DATE_NOTIFICATION", "MONTANT", "DATE_VIREMENT", "ETAT",
]  # fmt: skip
ETATS = {"EN_COURS", "DECIDE", "PAYE", "CLASSE"}

Row = dict[str, str]


def read(path: Path, encoding: str = "cp1252") -> tuple[list[Row], str]:
    """Data rows of a generated file, and its footer line."""
    with path.open(encoding=encoding, newline="") as file:
        lines = list(csv.reader(file, delimiter=";"))
    header, body, footer = lines[0], lines[1:-1], lines[-1]
    assert len(footer) == 1
    return [dict(zip(header, line, strict=True)) for line in body], footer[0]


def day(text: str) -> date | None:
    """A JJ/MM/AAAA date, or None when the text is not one."""
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007 - a date, no time
    except ValueError:
        return None


def extraction_date(path: Path) -> date:
    """The date in a file name ending in _AAAAMMJJ.csv."""
    return datetime.strptime(path.stem[-8:], "%Y%m%d").date()  # noqa: DTZ007 - a date, no time


def is_bad(row: Row) -> bool:
    """Whether a row is one the spec says to quarantine."""
    return (
        not row["NUM_DOSSIER"]
        or not row["PRESTATION"]
        or row["SECTION"] not in SECTIONS
        or any(row[c] and day(row[c]) is None for c in DATE_COLUMNS)
        or bool(row["DATE_DECISION"] and not row["SENS_DECISION"])
        or row["SENS_DECISION"] not in ("", ACCORD, REJET)
        or row["ETAT"] not in ETATS
    )


def weekdays_between(start: date, stop: date) -> int:
    """Monday-to-Friday days d with start < d <= stop (holidays ignored)."""
    return sum((start + timedelta(n)).weekday() < 5 for n in range(1, (stop - start).days + 1))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    return generate(
        tmp_path_factory.mktemp("synthetic"),
        year=2025,
        dossiers=DOSSIERS,
        seed=7,
        full_extract=True,
    )


@pytest.fixture(scope="module")
def extracts(files: GeneratedFiles) -> list[tuple[date, list[Row]]]:
    return [(extraction_date(path), read(path)[0]) for path in files.piaf]


@pytest.fixture(scope="module")
def final(files: GeneratedFiles) -> list[Row]:
    assert files.full is not None
    return [row for row in read(files.full)[0] if not is_bad(row)]


@pytest.fixture(scope="module")
def histories(extracts: list[tuple[date, list[Row]]]) -> dict[str, list[tuple[date, Row]]]:
    by_dossier: dict[str, list[tuple[date, Row]]] = {}
    for extracted, rows in extracts:
        for row in rows:
            if row["NUM_DOSSIER"]:
                by_dossier.setdefault(row["NUM_DOSSIER"], []).append((extracted, row))
    return by_dossier


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", year=2025, dossiers=800, seed=3, full_extract=True)
    b = generate(tmp_path / "b", year=2025, dossiers=800, seed=3, full_extract=True)
    c = generate(tmp_path / "c", year=2025, dossiers=800, seed=4, full_extract=True)

    assert a.full is not None and b.full is not None
    pairs = zip((*a.piaf, *a.topvir, a.full), (*b.piaf, *b.topvir, b.full), strict=True)
    assert all(x.read_bytes() == y.read_bytes() for x, y in pairs)
    assert [p.read_bytes() for p in a.piaf] != [p.read_bytes() for p in c.piaf]


def test_extracts_are_every_friday_in_date_order_with_dated_names(files: GeneratedFiles) -> None:
    dates = [extraction_date(path) for path in files.piaf]

    assert all(re.fullmatch(r"piaf_\d{8}\.csv", path.name) for path in files.piaf)
    assert [p.name.replace("piaf", "topvir") for p in files.piaf] == [p.name for p in files.topvir]
    assert dates[0] == date(2025, 1, 3)
    assert all(b - a == timedelta(7) for a, b in itertools.pairwise(dates))
    assert date(2025, 12, 26) in dates
    assert date(2026, 1, 2) <= dates[-1] <= date(2026, 3, 13)
    assert files.full is not None and files.full.name == f"piaf_full_{dates[-1]:%Y%m%d}.csv"


def test_files_are_semicolon_separated_crlf_cp1252_with_a_row_count_footer(
    files: GeneratedFiles,
) -> None:
    for path in (files.piaf[10], files.topvir[10]):
        raw = path.read_bytes()
        rows, footer = read(path)

        assert raw.count(b"\r\n") == raw.count(b"\n") == len(rows) + 2
        assert footer == f"Nombre de lignes : {len(rows)}"
    raw = files.piaf[10].read_bytes()
    assert "é".encode("cp1252") in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_personal_columns_are_interleaved_and_some_addresses_need_quotes(
    files: GeneratedFiles, final: list[Row]
) -> None:
    assert files.full is not None
    header = files.full.read_bytes().split(b"\r\n", 1)[0].decode("cp1252")

    assert header.split(";") == PIAF_HEADER
    assert any(";" in row["ADRESSE"] for row in final)
    assert any('"' in row["ADRESSE"] for row in final)
    assert all(re.fullmatch(r"[12]\d{14}", row["NIR"]) for row in final)
    assert all(re.fullmatch(r"0[67]( \d\d){4}", row["TELEPHONE"]) for row in final)
    assert all(re.fullmatch(r"\d+,\d\d", row["MONTANT"]) for row in final)
    assert all(row["ADRESSE"].endswith(" Paris") for row in final)
    assert {"Clément", "Hélène", "Bérénice"} <= {row["PRENOM"] for row in final}


def test_utf8_can_be_asked_for(tmp_path: Path) -> None:
    generated = generate(tmp_path, year=2025, dossiers=300, encoding="utf-8")

    rows, _ = read(generated.piaf[20], encoding="utf-8")

    assert rows


def test_every_dossier_appears_in_some_extract_and_once_in_the_full_one(
    histories: dict[str, list[tuple[date, Row]]], files: GeneratedFiles
) -> None:
    assert files.full is not None
    full, _ = read(files.full)

    assert len(histories) == DOSSIERS
    assert len(full) == DOSSIERS
    assert all(re.fullmatch(r"2025-(\d\d|PC)-\d{6}", number) for number in histories)


def test_section_sizes_differ_and_2025_uses_paris_centre(final: list[Row]) -> None:
    sizes = Counter(row["SECTION"] for row in final)

    assert not {"01", "02", "03", "04"} & set(sizes)
    assert sizes["PC"] > 0
    assert min(sizes[s] for s in ("13", "18", "19", "20")) > 3 * max(sizes["05"], sizes["06"])
    assert len(sizes) == 17


def test_a_2020_year_uses_old_centre_codes_until_paris_centre_then_pc(tmp_path: Path) -> None:
    generated = generate(tmp_path, year=2020, dossiers=1500, full_extract=True)
    assert generated.full is not None
    rows = [row for row in read(generated.full)[0] if not is_bad(row)]

    old = [day(r["DATE_DEPOT"]) for r in rows if r["SECTION"] in ("01", "02", "03", "04")]
    centre = [day(r["DATE_DEPOT"]) for r in rows if r["SECTION"] == "PC"]

    assert old and centre
    assert all(d is not None and d < PARIS_CENTRE_FROM for d in old)
    assert all(d is not None and d >= PARIS_CENTRE_FROM for d in centre)


def test_all_six_prestations_and_a_few_others_are_present(final: list[Row]) -> None:
    counts = Counter(row["PRESTATION"] for row in final)

    assert all(counts[p] > 50 for p in SIX)
    others = sum(n for p, n in counts.items() if p not in SIX)
    assert 0 < others < 0.02 * len(final)


def test_filings_are_on_working_days_a_few_saturdays_and_seasonal(final: list[Row]) -> None:
    filed = [d for d in (day(row["DATE_DEPOT"]) for row in final) if d is not None]
    weekdays = Counter(d.weekday() for d in filed)
    parisol = Counter(
        d.month for r in final if r["PRESTATION"] == "PARISOL" if (d := day(r["DATE_DEPOT"]))
    )

    assert weekdays[6] == 0
    assert 0 < weekdays[5] < 0.05 * len(filed)
    assert parisol[1] > 2 * parisol[8] and parisol[9] > 2 * parisol[8]


def test_some_dossiers_have_no_first_info_some_are_refused_some_closed(final: list[Row]) -> None:
    no_first_info = sum(not row["DATE_PREMIERE_INFO"] for row in final)
    refused = sum(row["SENS_DECISION"] == REJET for row in final)
    granted = sum(row["SENS_DECISION"] == ACCORD for row in final)
    closed = sum(row["ETAT"] == "CLASSE" for row in final)

    assert 0.04 * len(final) < no_first_info < 0.15 * len(final)
    assert 0.08 < refused / (refused + granted) < 0.25
    assert 0.02 * len(final) < closed < 0.07 * len(final)


def test_bad_rows_are_about_one_per_thousand(extracts: list[tuple[date, list[Row]]]) -> None:
    rows = [row for _, rs in extracts for row in rs]

    bad = sum(is_bad(row) for row in rows)

    assert 0.0002 * len(rows) < bad < 0.005 * len(rows)


def test_bad_rows_are_mostly_fixed_in_a_later_extract(
    histories: dict[str, list[tuple[date, Row]]],
) -> None:
    broken = [h for h in histories.values() if any(is_bad(row) for _, row in h)]
    fixed = [
        h
        for h in broken
        if any(is_bad(a) and not is_bad(b) for (_, a), (_, b) in itertools.pairwise(h))
    ]

    assert broken
    assert len(fixed) > len(broken) / 2


def facts_known_at_the_end(histories: dict[str, list[tuple[date, Row]]]) -> int:
    """How many dates the dossiers' last rows give."""
    return sum(bool(h[-1][1][c]) for h in histories.values() for c in DATE_COLUMNS)


def test_about_one_percent_of_dates_are_corrected_and_a_few_emptied_later(
    histories: dict[str, list[tuple[date, Row]]],
) -> None:
    corrected = emptied = 0
    for history in histories.values():
        for column in DATE_COLUMNS:
            values = [row[column] for _, row in history]
            corrected += len({v for v in values if day(v) is not None}) > 1
            emptied += any(day(a) is not None and not b for a, b in itertools.pairwise(values))
    facts = facts_known_at_the_end(histories)

    assert 0.003 * facts < corrected < 0.03 * facts
    assert 0 < emptied < 0.005 * facts


def test_about_five_percent_of_dates_are_entered_weeks_after_the_fact(
    histories: dict[str, list[tuple[date, Row]]],
) -> None:
    late = 0
    for history in histories.values():
        for column in DATE_COLUMNS[1:]:
            value = day(history[-1][1][column])
            late += value is not None and any(
                extracted >= value + timedelta(7) and not row[column] for extracted, row in history
            )
    facts = facts_known_at_the_end(histories)

    assert 0.02 * facts < late < 0.12 * facts


def test_no_date_is_after_the_extraction_date(extracts: list[tuple[date, list[Row]]]) -> None:
    for extracted, rows in extracts:
        for row in rows:
            assert all(d <= extracted for c in DATE_COLUMNS if (d := day(row[c])) is not None)


def test_open_dossiers_appear_every_week_and_settled_ones_for_four_weeks(
    extracts: list[tuple[date, list[Row]]],
) -> None:
    numbers = [{row["NUM_DOSSIER"]: row for row in rows} for _, rows in extracts]
    for week, (this, following) in enumerate(itertools.pairwise(numbers)):
        open_ = [
            n
            for n, r in this.items()
            if r["ETAT"] == "EN_COURS" or (r["SENS_DECISION"] == ACCORD and r["ETAT"] == "DECIDE")
        ]
        missing = [n for n in open_ if n not in following]
        assert len(missing) <= sum(not n for n in following), week
    for week in range(4, len(numbers)):
        for number, row in numbers[week].items():
            settled = row["ETAT"] in ("PAYE", "CLASSE") or row["SENS_DECISION"] == REJET
            assert not (
                settled and all(numbers[w].get(number) == row for w in range(week - 4, week))
            )


def test_topvir_lists_the_week_transfers_and_piaf_misses_a_few(
    files: GeneratedFiles, final: list[Row]
) -> None:
    by_number = {row["NUM_DOSSIER"]: row for row in final}
    transfers: list[Row] = []
    for path in files.topvir:
        rows, _ = read(path)
        friday = extraction_date(path)
        assert all(
            friday - timedelta(7) < (day(r["DATE_ORDRE_VIREMENT"]) or friday) <= friday
            for r in rows
        )
        transfers += rows

    in_piaf = [r for r in transfers if r["NUM_DOSSIER"] in by_number]
    missing = sum(not by_number[r["NUM_DOSSIER"]]["DATE_VIREMENT"] for r in in_piaf)

    assert all(re.fullmatch(r"FR76\d{23}", r["IBAN"]) and r["LOT"] for r in transfers)
    assert len(in_piaf) > 0.95 * len(transfers) > 1000
    assert 0.04 * len(in_piaf) < missing < 0.2 * len(in_piaf)


def test_each_engagement_has_breaches_but_most_dossiers_are_within_limits(final: list[Row]) -> None:
    measured = Counter[int]()
    breached = Counter[int]()
    for row in (r for r in final if r["PRESTATION"] in SIX):
        filed, first, second = (day(row[c]) for c in DATE_COLUMNS[:3])
        completed, decided, notified, ordered = (day(row[c]) for c in DATE_COLUMNS[3:])
        start = first or filed
        if start and second and second >= start:
            measured[19] += 1
            breached[19] += weekdays_between(start, second) > 7
        letter = notified or decided
        if completed and letter and letter >= completed:
            measured[17] += 1
            breached[17] += (letter - completed).days > 15
        decision = decided or notified
        if row["SENS_DECISION"] == ACCORD and decision and ordered and ordered >= decision:
            measured[18] += 1
            breached[18] += (ordered - decision).days > 15

    for engagement in (17, 18, 19):
        assert measured[engagement] > 300
        assert 0.01 < breached[engagement] / measured[engagement] < 0.15, engagement


def test_a_few_dossiers_have_dates_out_of_order(tmp_path: Path) -> None:
    generated = generate(tmp_path, year=2025, dossiers=6000, full_extract=True)
    assert generated.full is not None
    rows = [row for row in read(generated.full)[0] if not is_bad(row)]

    def disordered(row: Row) -> bool:
        first, second, completed, decided, notified, ordered = (
            day(row[c]) for c in DATE_COLUMNS[1:]
        )
        letter = notified or decided
        return bool(
            (first and second and second < first)
            or (completed and letter and letter < completed)
            or (decided and ordered and ordered < decided)
        )

    assert 0 < sum(map(disordered, rows)) < 0.01 * len(rows)


def test_progress_is_reported_until_every_dossier_is_written(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []

    generate(
        tmp_path, year=2025, dossiers=500, progress=lambda done, total: calls.append((done, total))
    )

    assert len(calls) > 2
    assert calls[-1] == (500, 500)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
