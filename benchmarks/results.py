"""Benchmark measurements, targets and the dated Markdown section appended to RESULTS.md."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from attrs import define, field, frozen


@define
class Measurement:
    """One workload or baseline: its run times and what each run processed."""

    key: str
    label: str
    seconds: list[float] = field(factory=list)
    events: int | None = None
    rows: int | None = None
    note: str = ""
    #: Whether rows per second mean something (ingestion and parsing, not query results).
    rows_rate: bool = True
    #: Named figures beside the times, read by the targets' "why": the median seconds of
    #: each part of a run when the workload can split it, or the size of the store written.
    parts: dict[str, float] = field(factory=dict)

    @property
    def median(self) -> float:
        """Median seconds over the runs."""
        return statistics.median(self.seconds)

    @property
    def events_per_second(self) -> float | None:
        """Events per second at the median time."""
        if self.events is None or not self.seconds or self.median <= 0:
            return None
        return self.events / self.median

    @property
    def rows_per_second(self) -> float | None:
        """Rows per second at the median time."""
        if not self.rows_rate or self.rows is None or not self.seconds or self.median <= 0:
            return None
        return self.rows / self.median


@frozen
class Ratio:
    """A workload set beside its baseline."""

    label: str
    value: float | None
    meaning: str


@frozen
class Target:
    """A performance target and whether this run met it (None: not measured)."""

    label: str
    measured: str
    met: bool | None
    #: The workload to profile when the target is missed.
    key: str = ""
    #: Why a missed target was missed, when the harness can say (which part dominates).
    why: str = ""


@define
class Report:
    """Everything one benchmark run found, rendered as one dated Markdown section."""

    started: datetime
    size: str
    backend: str
    runs: int
    machine: list[tuple[str, str]]
    data: str = ""
    duration: float = 0.0
    measurements: list[Measurement] = field(factory=list)
    ratios: list[Ratio] = field(factory=list)
    targets: list[Target] = field(factory=list)
    memory: list[tuple[str, float]] = field(factory=list)
    scaling: list[list[str]] = field(factory=list)
    check: list[str] = field(factory=list)
    #: Extra sections before the targets: (title, Markdown lines).
    sections: list[tuple[str, list[str]]] = field(factory=list)
    profiles: dict[str, str] = field(factory=dict)
    notes: list[str] = field(factory=list)

    def add(self, measurement: Measurement) -> Measurement:
        """Keep a measurement; return it."""
        self.measurements.append(measurement)
        return measurement

    def find(self, key: str) -> Measurement | None:
        """The measurement with this key, if it was taken."""
        return next((m for m in self.measurements if m.key == key), None)

    def markdown(self) -> str:
        """The run as a Markdown section."""
        out = [
            f"## {self.started:%Y-%m-%d %H:%M %Z} — size `{self.size}`, backend `{self.backend}`, "
            f"{self.runs} run(s) per workload",
            "",
            f"Whole run: {self.duration / 60:.1f} min. {self.data}",
            "",
            "Machine: " + "; ".join(f"{k} {v}" for k, v in self.machine) + ".",
            "",
            "### Workloads (median of the runs)",
            "",
            *table(
                ("workload", "median", "runs", "volume", "rate", "notes"),
                [_measurement_row(m) for m in self.measurements if not m.key.startswith("base")],
            ),
            "",
            "### Baselines",
            "",
            *table(
                ("baseline", "median", "runs", "volume", "rate", "notes"),
                [_measurement_row(m) for m in self.measurements if m.key.startswith("base")],
            ),
            "",
            "### Ratios",
            "",
            *table(
                ("ratio", "value", "meaning"),
                [[r.label, _ratio(r.value), r.meaning] for r in self.ratios],
            ),
            "",
            "### Peak memory of ingestion (subprocess RSS)",
            "",
            *table(("ingestion", "peak RSS"), [[k, f"{v:,.0f} MiB"] for k, v in self.memory]),
            "",
        ]
        if self.scaling:
            out += [
                "### Scaling curve (first loads of full extracts, one store per size)",
                "",
                *table(
                    (
                        "years",
                        "dossiers",
                        "events",
                        "runs",
                        "median s",
                        "µs/event",
                        "events/s",
                        "peak RSS",
                    ),
                    self.scaling,
                ),
                "",
            ]
        if self.check:
            out += ["### Naive report check", "", *self.check, ""]
        for title, lines in self.sections:
            out += [f"### {title}", "", *lines, ""]
        out += ["### Targets", "", *targets_table(self.targets), ""]
        if self.notes:
            out += ["### Notes", "", *(f"- {n}" for n in self.notes), ""]
        for name, text in self.profiles.items():
            out += [f"### Where the time goes: {name}", "", "```text", text.rstrip(), "```", ""]
        return "\n".join(out) + "\n"

    def append_to(self, path: Path) -> None:
        """Append the section to a Markdown file (created with a title if new)."""
        head = "" if path.exists() else _TITLE
        with path.open("a", encoding="utf-8") as out:
            out.write(head + "\n" + self.markdown())


_TITLE = """# casetrack benchmarks

Appended by `python -m benchmarks [--size small|year|decade] [--backend sqlite|postgresql]`,
one dated section per run. Machines are shared and noisy: read medians and ratios.
"""


def _measurement_row(m: Measurement) -> list[str]:
    volume = []
    if m.events is not None:
        volume.append(f"{m.events:,} events")
    if m.rows is not None:
        volume.append(f"{m.rows:,} rows")
    rates = []
    if m.events_per_second is not None:
        rates.append(f"{m.events_per_second:,.0f} events/s")
    if m.rows_per_second is not None:
        rates.append(f"{m.rows_per_second:,.0f} rows/s")
    return [m.label, duration(m.median), str(len(m.seconds)), ", ".join(volume), ", ".join(rates),
            m.note]  # fmt: skip


def duration(seconds: float) -> str:
    """Seconds as ms below one second, else s."""
    return f"{seconds * 1000:,.1f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.2f}×"


def targets_table(targets: Sequence[Target]) -> list[str]:
    """The targets as a Markdown table, then why each missed one was missed (when known)."""
    lines = table(
        ("target", "measured", "status"), [[t.label, t.measured, _status(t.met)] for t in targets]
    )
    # Below the table, not in a fourth column: the status stays the last cell of each row.
    whys = [f"- *{t.label}*: {t.why}" for t in targets if t.met is False and t.why]
    return lines + (["", "Why the missed ones were missed:", "", *whys] if whys else [])


def _status(met: bool | None) -> str:
    return "not measured" if met is None else "met" if met else "**missed**"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table (a dash row when there are no rows)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    if not rows:
        lines.append("| " + " | ".join("—" for _ in header) + " |")
    return lines
