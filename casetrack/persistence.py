"""One database URL chooses where events live: an embedded SQLite file or PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final
from urllib.parse import parse_qs, unquote, urlsplit

from attrs import frozen

from casetrack import cli_constants
from casetrack.errors import ConfigurationError

#: Defined where the parser reads it without loading this module (its one source).
DEFAULT_URL: Final = cli_constants.DEFAULT_URL
# The password runs to the LAST '@' before the host, since an unescaped '@' may be in it.
_PASSWORD_IN_URL: Final = re.compile(
    r"(?P<head>://[^:/@\s]*:)(?P<password>\S*?)(?=@[^@\s/]*(?:[/?#\s]|$))"
)


@frozen
class Database:
    """A parsed database URL."""

    url: str
    backend: str  # "sqlite" or "postgresql"
    path: Path | None = None  # SQLite file; None for in-memory
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""
    schema: str = ""

    @property
    def masked(self) -> str:
        """The URL with its password hidden, for logs and messages."""
        return mask_url(self.url)

    def eventsourcing_env(self, *, read_only: bool = False) -> dict[str, str]:
        """Environment for eventsourcing's core SQLite or PostgreSQL recorders.

        Read-only: no table is created. (A SQLite file is not opened with `mode=ro`: such a
        connection cannot remove the `-wal` and `-shm` files when it closes, so a read would
        leave them behind; the operating system still opens a write-protected file for
        reading only.)
        """
        if self.backend == "sqlite":
            name = str(self.path) if self.path else "file::memory:?mode=memory&cache=shared"
            env = {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": name,
                # A concurrent writer waits this long (seconds) for the lock, then fails.
                "SQLITE_LOCK_TIMEOUT": "30",
            }
            if read_only:
                env["CREATE_TABLE"] = "no"
            return env
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "POSTGRES_PRE_PING": "y",
            # A job needs one connection; eventsourcing opens 5 by default, which many
            # short jobs against one server soon turn into "too many clients".
            "POSTGRES_POOL_SIZE": "1",
            "POSTGRES_MAX_OVERFLOW": "4",
        }
        if self.schema:
            env["POSTGRES_SCHEMA"] = self.schema
        if read_only:
            env["CREATE_TABLE"] = "no"
        return env


def mask_url(url: str) -> str:
    """Hide the password of a URL (`postgresql://u:***@h/db`)."""
    return _PASSWORD_IN_URL.sub(r"\g<head>***", url)


def parse_url(url: str) -> Database:
    """Parse `sqlite:///path.sqlite` or `postgresql://user:pw@host:port/db[?schema=s]`."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme == "sqlite":
        # sqlite:///relative.sqlite and sqlite:////absolute.sqlite, as SQLAlchemy spells them;
        # sqlite:// alone (or sqlite:///:memory:) is an in-memory store, for tests.
        if url.split("+", 1)[-1].split("?", 1)[0] in ("sqlite://", "//"):
            return Database(url=url, backend="sqlite", path=None)
        raw = url.split(":///", 1)[1] if ":///" in url else ""
        if raw == ":memory:":
            return Database(url=url, backend="sqlite", path=None)
        if not raw:
            msg = (
                f"{url}: not a SQLite URL casetrack can use; write sqlite:///relative/path.sqlite "
                "or sqlite:////absolute/path.sqlite (three slashes, or four for an absolute path)"
            )
            raise ConfigurationError(msg)
        return Database(url=url, backend="sqlite", path=Path(unquote(raw)))
    if scheme in ("postgresql", "postgres"):
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            msg = f"{mask_url(url)}: no database name; write postgresql://user@host:5432/dbname"
            raise ConfigurationError(msg)
        try:
            port = parts.port or 5432
        except ValueError as exc:
            msg = f"{mask_url(url)}: the port is not a number"
            raise ConfigurationError(msg) from exc
        query = parse_qs(parts.query)
        return Database(
            url=url,
            backend="postgresql",
            host=parts.hostname or "127.0.0.1",
            port=port,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            dbname=dbname,
            schema=query.get("schema", [""])[0],
        )
    msg = (
        f"{mask_url(url)}: unsupported database URL; use sqlite:///path.sqlite "
        "or postgresql://user@host:5432/dbname"
    )
    raise ConfigurationError(msg)
