"""Names and values the parser of the command line shows, cheap to import.

Their one definition: casetrack.settings, casetrack.persistence and casetrack.reporting
import them from here, since building the parser for `--help` or `--version` must not
import those modules (they load the store or the calendar).
"""

from __future__ import annotations

from typing import Final

#: The environment variable naming the database.
DB_VARIABLE: Final = "CASETRACK_DB"
#: The environment variable naming a TOML file of closure days (city-wide and per section).
CALENDAR_VARIABLE: Final = "CASETRACK_CALENDAR"
#: The database without --db or $CASETRACK_DB.
DEFAULT_URL: Final = "sqlite:///casetrack.sqlite"
#: The report's grouping keys, in their order (casetrack.reporting.KEYS).
REPORT_KEYS: Final = ("engagement", "section", "prestation", "period")
#: The lengths of the period key.
PERIOD_KINDS: Final = ("month", "quarter", "year")
