"""One URL chooses the store; passwords never show."""

from __future__ import annotations

from pathlib import Path

import pytest

from casetrack.errors import ConfigurationError
from casetrack.persistence import mask_url, parse_url


def test_sqlite_url_names_a_file() -> None:
    db = parse_url("sqlite:///data/casetrack.sqlite")
    assert (db.backend, db.path) == ("sqlite", Path("data/casetrack.sqlite"))
    assert db.eventsourcing_env()["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"


def test_absolute_sqlite_path_keeps_its_leading_slash() -> None:
    assert parse_url("sqlite:////var/lib/casetrack.sqlite").path == Path(
        "/var/lib/casetrack.sqlite"
    )


def test_postgresql_url_gives_every_connection_setting() -> None:
    db = parse_url("postgresql://writer:s3cr%40t@db.local:5433/casvp?schema=qualite")
    env = db.eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("db.local", "5433")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("writer", "s3cr@t")
    assert (env["POSTGRES_DBNAME"], env["POSTGRES_SCHEMA"]) == ("casvp", "qualite")


def test_password_is_masked() -> None:
    assert mask_url("postgresql://writer:s3cr3t@h:5432/db") == "postgresql://writer:***@h:5432/db"
    assert "s3cr3t" not in parse_url("postgresql://w:s3cr3t@h/db").masked


@pytest.mark.parametrize(
    "url", ["mysql://x/y", "postgresql://u:pw@h:notaport/db", "postgresql://h"]
)
def test_unusable_url_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        parse_url(url)
    assert "pw" not in str(err.value)
