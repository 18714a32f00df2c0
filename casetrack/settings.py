"""One composition root: the settings a job runs with, for the CLI and the Python API alike.

Each setting comes from an explicit value (a command-line flag, an argument), else from
the environment (`CASETRACK_DB`, `CASETRACK_CALENDAR`, `CASETRACK_CIPHER_KEY`), else from
its default. Jobs built from the same environment compute the read models with the same
rule set and calendar, so a CLI job and an API job never rebuild over each other.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Final

from attrs import field, frozen
from eventsourcing.persistence import PersistenceError

from casetrack import cli_constants, faults
from casetrack.application import DossierTracker
from casetrack.calendar import WorkingCalendar
from casetrack.errors import CasetrackError, ConfigurationError, InputRefused
from casetrack.persistence import DEFAULT_URL, mask_url, parse_url
from casetrack.rules import RuleSet, default_rule_set, load_rule_set

# Defined where the parser reads them without loading the store (their one source).
DB_VARIABLE: Final = cli_constants.DB_VARIABLE
#: A TOML file of closure days (city-wide and per section), when set.
CALENDAR_VARIABLE: Final = cli_constants.CALENDAR_VARIABLE
#: Base64 AES key (16, 24 or 32 bytes) encrypting event payloads at rest, when set.
CIPHER_KEY_VARIABLE: Final = "CASETRACK_CIPHER_KEY"
#: Functions `(url, error)` that say why a store cannot be used: before opening (error None)
#: a file casetrack must not write into, after an error what the database itself reports.
DIAGNOSE_GROUP: Final = "casetrack.diagnose"


@frozen
class Settings:
    """Where the store is and how dossiers are measured; build it with `from_env`."""

    db: str = DEFAULT_URL
    #: Closure days (TOML); None: French public holidays only.
    calendar: Path | None = None
    #: A rule-set file (TOML); None: the built-in CASVP-2014-05.
    rules: Path | None = None
    cipher_key: str | None = field(default=None, repr=False)
    #: No progress lines and no summaries on stderr.
    quiet: bool = False

    @classmethod
    def from_env(
        cls,
        *,
        db: str | None = None,
        calendar: str | Path | None = None,
        rules: str | Path | None = None,
        quiet: bool = False,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Settings from the values given, else the environment, else the defaults."""
        env = os.environ if environ is None else environ
        calendar_file = calendar or env.get(CALENDAR_VARIABLE) or None
        return cls(
            db=str(db or env.get(DB_VARIABLE) or DEFAULT_URL),
            calendar=Path(calendar_file) if calendar_file else None,
            rules=Path(rules) if rules else None,
            cipher_key=env.get(CIPHER_KEY_VARIABLE) or None,
            quiet=quiet,
        )

    def rule_set(self) -> RuleSet:
        """The rule set the measures use."""
        return load_rule_set(self.rules) if self.rules else default_rule_set()

    def working_calendar(self) -> WorkingCalendar:
        """The working-day calendar, with the closure days of `calendar` if set."""
        return WorkingCalendar.from_toml(self.calendar) if self.calendar else WorkingCalendar()

    def open(self, *, write: bool = False) -> DossierTracker:
        """Open the store: for writing (created on first use), or for reading only.

        Reading never creates or changes anything: a SQLite file that does not exist is
        refused (InputRefused), naming it.
        """
        url = self.db
        db = parse_url(url)
        if not write and db.backend == "sqlite" and db.path is not None and not db.path.exists():
            msg = (
                f"no casetrack store at {db.path}: check the path given with --db or "
                f"{DB_VARIABLE} (only ingest, project and demo create a store)"
            )
            raise InputRefused(msg)
        rule_set, calendar = self.rule_set(), self.working_calendar()
        check_store(url)
        try:
            tracker = DossierTracker(
                url,
                rule_set=rule_set,
                calendar=calendar,
                cipher_key=self.cipher_key,
                read_only=not write,
            )
        except PersistenceError as exc:
            raise store_error(url, exc) from exc
        except ImportError as exc:
            msg = (
                f"{CIPHER_KEY_VARIABLE} is set but encryption is not installed ({exc.name} is "
                "missing): run pip install 'casetrack[crypto]'"
            )
            raise ConfigurationError(msg) from exc
        if not write:
            _check_tables(tracker)
        return tracker


def _check_tables(tracker: DossierTracker) -> None:
    """A store opened for reading must hold casetrack's event table (ingested at least once)."""
    try:
        tracker.recorder.max_notification_id()
    except PersistenceError as exc:
        text = str(exc).lower()
        if "no such table" in text or "does not exist" in text:
            tracker.close()
            msg = (
                f"nothing was ever ingested into {mask_url(tracker.database.url)}: check "
                f"--db or {DB_VARIABLE}, or ingest an extract first"
            )
            raise InputRefused(msg) from None
        raise store_error(tracker.database.url, exc) from exc


def check_store(url: str) -> None:
    """Refuse, before opening it, a store casetrack must not write into.

    eventsourcing creates its tables as it opens a store: another application's SQLite
    file, or a damaged one, must be refused before that.
    """
    for diagnose in entry_points(group=DIAGNOSE_GROUP):
        found = diagnose.load()(url, None)
        if found is not None:
            raise found


def store_error(url: str, exc: BaseException) -> CasetrackError:
    """Translate a database error into a message that says what to do (password masked).

    Faults the operator must fix give exit code 4, a busy or unreachable store exit code 3.
    """
    db = parse_url(url)
    known = faults.classify(db, exc)
    if known is not None:
        return known
    for diagnose in entry_points(group=DIAGNOSE_GROUP):
        found: CasetrackError | None = diagnose.load()(url, exc)
        if found is not None:
            return found
    return faults.unavailable(db, faults.first_line(exc))
