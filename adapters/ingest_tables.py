"""Ingestion's own tables: the last PIAF row seen per dossier, and the quarantine."""

from __future__ import annotations

from typing import Final

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateIndex, CreateTable

from adapters.sql_engine import engine_for

#: Constraint names spelled out, so migrations and errors name them predictably.
NAMING: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

#: What each dossier's last PIAF row said, as a digest: unchanged rows cost one lookup.
#: Written after the events it summarises are committed, so a stale digest only costs
#: a re-check against the aggregate, never a lost fact.
row_state = Table(
    "casetrack_row_state",
    metadata,
    Column("dossier", String, primary_key=True),
    Column("digest", String(32), nullable=False),
    # The newest extraction date whose PIAF row listed the dossier, changed or not: a row
    # of an older extract is stale even when the newer one only confirmed the facts.
    Column("seen_on", Date, nullable=True),
)

#: Rows that could not be read, with where they came from and why (never their values).
quarantine = Table(
    "casetrack_quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),
    Column("file", String, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("line", Integer, nullable=False),
    Column("dossier", String, nullable=False),
    Column("reason", String, nullable=False),
    Column("extracted_on", Date, nullable=False),
    UniqueConstraint("sha256", "line", name="uq_casetrack_quarantine_file_line"),
)


def create_tables(url: str) -> None:
    """Create ingestion's tables if they do not exist, safely when jobs start together."""
    engine = engine_for(url)
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                for table in metadata.sorted_tables:
                    conn.execute(CreateTable(table, if_not_exists=True))
                    for index in table.indexes:
                        conn.execute(CreateIndex(index, if_not_exists=True))
            return
        except DBAPIError:
            # Two jobs creating the same table at once: PostgreSQL may reject the
            # loser even with IF NOT EXISTS; the table is there on the next try.
            if attempt == 2:
                raise
