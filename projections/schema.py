"""The read-model tables report authors query (documented in docs/schema.md)."""

from __future__ import annotations

from datetime import date
from typing import Final

from sqlalchemy import Date, Index, Integer, MetaData, String, Table, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Bump when a table or column changes: the runner then rebuilds the read models.
#: 2: projection_tracking.fingerprint; 3: measure.status_changes_on, indexed;
#: 4: dossier_version and measure_version, the rows as known at any date;
#: 5: open_until, indexed, so that a report reads only the clocks its period can count;
#: 6: report_cell, the clocks of `measure` counted by month (projections.cells), and one
#: measure_version row per run of versions that leave a clock unchanged.
SCHEMA_VERSION: Final = 6
#: The one catch-up position of the read models, in the tracking table.
PROJECTION_NAME: Final = "casetrack_read_models"

#: A stopped clock no report cell counts: excluded (whether a report counts it depends on
#: its evaluation date) or stopped before it started (it counts only once started).
RESIDUAL: Final = "stop IS NOT NULL AND (excluded_from IS NOT NULL OR start > stop)"

NAMING: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of the read models, with predictable constraint names."""

    metadata = MetaData(naming_convention=NAMING)


class DossierRow(Base):
    """One row per dossier: its latest facts."""

    __tablename__ = "dossier"

    number: Mapped[str] = mapped_column(String, primary_key=True)
    stream_id: Mapped[str] = mapped_column(String(32), unique=True)
    section: Mapped[str] = mapped_column(String(2))
    prestation: Mapped[str] = mapped_column(String)
    filed_on: Mapped[date] = mapped_column(Date)
    first_info_on: Mapped[date | None] = mapped_column(Date)
    second_info_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    notified_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(6))
    ordered_on: Mapped[date | None] = mapped_column(Date)
    batch: Mapped[str | None] = mapped_column(String)
    closed_on: Mapped[date | None] = mapped_column(Date)
    known_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index(None, "section", "prestation"),)


class MeasureRow(Base):
    """One row per dossier and engagement: the clock, and its status at `status_as_of`."""

    __tablename__ = "measure"

    dossier: Mapped[str] = mapped_column(String, primary_key=True)
    engagement: Mapped[int] = mapped_column(Integer, primary_key=True)
    section: Mapped[str] = mapped_column(String(2))
    sector: Mapped[str] = mapped_column(String(2))
    prestation: Mapped[str] = mapped_column(String)
    applicable: Mapped[int] = mapped_column(Integer)
    start: Mapped[date | None] = mapped_column(Date)
    stop: Mapped[date | None] = mapped_column(Date)
    due: Mapped[date | None] = mapped_column(Date)
    elapsed: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(14))
    stop_period: Mapped[str | None] = mapped_column(String(7))
    overdue_from: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(8))
    excluded_from: Mapped[date | None] = mapped_column(Date)
    unmeasured_from: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    #: First day after `status_as_of` on which `status` changes (None: it never does).
    status_changes_on: Mapped[date | None] = mapped_column(Date)
    #: First day the clock is no longer open (projections.rows.open_until).
    open_until: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        Index(None, "open_until"),
        Index(None, "engagement", "stop"),
        Index(None, "status", "engagement"),
        Index(None, "sector", "engagement", "stop_period"),
        # A new evaluation date re-reads only the rows whose status changes by then.
        Index(None, "status_changes_on"),
        # The stopped clocks no report cell counts (projections.cells.RESIDUAL).
        Index(
            "ix_measure_residual_stop",
            "stop",
            sqlite_where=text(RESIDUAL),
            postgresql_where=text(RESIDUAL),
        ),
    )


class DossierVersionRow(Base):
    """A dossier's facts as known from `known_from` until the day before `known_until`."""

    __tablename__ = "dossier_version"

    number: Mapped[str] = mapped_column(String, primary_key=True)
    known_from: Mapped[date] = mapped_column(Date, primary_key=True)
    #: The next extraction date that changed them; None for the version known now.
    known_until: Mapped[date | None] = mapped_column(Date)
    section: Mapped[str] = mapped_column(String(2))
    prestation: Mapped[str] = mapped_column(String)
    filed_on: Mapped[date] = mapped_column(Date)
    first_info_on: Mapped[date | None] = mapped_column(Date)
    second_info_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    notified_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(6))
    ordered_on: Mapped[date | None] = mapped_column(Date)
    batch: Mapped[str | None] = mapped_column(String)
    closed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)


class MeasureVersionRow(Base):
    """A dossier's clock for one engagement as known from `known_from` until `known_until`.

    The columns of `measure` but the status, which depends on the evaluation date a
    query chooses: `measure`'s five status columns give it at any date.
    """

    __tablename__ = "measure_version"

    dossier: Mapped[str] = mapped_column(String, primary_key=True)
    engagement: Mapped[int] = mapped_column(Integer, primary_key=True)
    known_from: Mapped[date] = mapped_column(Date, primary_key=True)
    known_until: Mapped[date | None] = mapped_column(Date)
    section: Mapped[str] = mapped_column(String(2))
    sector: Mapped[str] = mapped_column(String(2))
    prestation: Mapped[str] = mapped_column(String)
    applicable: Mapped[int] = mapped_column(Integer)
    start: Mapped[date | None] = mapped_column(Date)
    stop: Mapped[date | None] = mapped_column(Date)
    due: Mapped[date | None] = mapped_column(Date)
    elapsed: Mapped[int | None] = mapped_column(Integer)
    stop_period: Mapped[str | None] = mapped_column(String(7))
    overdue_from: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(8))
    excluded_from: Mapped[date | None] = mapped_column(Date)
    unmeasured_from: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    open_until: Mapped[date | None] = mapped_column(Date)

    # A report of a period reads the clocks stopped in it and those still open in it; the
    # knowledge dates in the index pick the versions known at K without reading the rows
    # of every later version (most of the table for an early K).
    __table_args__ = (
        Index(None, "stop", "known_from", "known_until"),
        Index(None, "open_until", "known_from", "known_until"),
    )


class ReportCellRow(Base):
    """Clocks of `measure` counted together, for reports as known now (projections.cells).

    `kind` S: stopped clocks by month of their stop, outcome and elapsed value. Kinds P
    and O: changes in the number of pending and overdue clocks at the end of `month`; the
    clocks open at a month's end are the sums of its changes and the earlier months'.
    """

    __tablename__ = "report_cell"

    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    engagement: Mapped[int] = mapped_column(Integer, primary_key=True)
    section: Mapped[str] = mapped_column(String(2), primary_key=True)
    prestation: Mapped[str] = mapped_column(String, primary_key=True)
    #: The référentiel version the clocks were measured by (0: the first).
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    #: For kind S: met, breached or invalid; empty otherwise.
    outcome: Mapped[str] = mapped_column(String(8), primary_key=True)
    #: For kind S: the elapsed value (0 for invalid); 0 otherwise.
    elapsed: Mapped[int] = mapped_column(Integer, primary_key=True)
    clocks: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index(None, "kind", "month"),)


class Tracking(Base):
    """Where the read models stand: the last notification applied, schema version, as-of."""

    __tablename__ = "projection_tracking"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    schema_version: Mapped[int] = mapped_column(Integer)
    status_as_of: Mapped[date | None] = mapped_column(Date)
    #: Rule set and calendar the rows were computed with; another one rebuilds them.
    fingerprint: Mapped[str] = mapped_column(String(64))


READ_MODEL_TABLES: Final[tuple[Table, ...]] = tuple(
    Base.metadata.tables[name]
    for name in (
        "dossier",
        "measure",
        "dossier_version",
        "measure_version",
        "report_cell",
        "projection_tracking",
    )
)
MEASURE_TABLE: Final[Table] = Base.metadata.tables["measure"]
