"""The six statuses of a measure (docs/measures.md), defined once for clocks, measures,
reports and every output.

`Status` is a `StrEnum`: a member is its code ("met"), so statuses read back from the SQL
read models as plain text compare equal to it without a conversion per row (a year's
report folds some 450,000 clocks).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Status(StrEnum):
    """The six statuses of docs/measures.md."""

    MET = "met"
    BREACHED = "breached"
    PENDING = "pending"
    OVERDUE = "overdue"
    NOT_APPLICABLE = "not_applicable"
    INVALID = "invalid"


#: The statuses of a clock that has stopped: counted in the period of its stop date.
STOPPED: Final = frozenset({Status.MET, Status.BREACHED, Status.INVALID})
#: The statuses of a clock still running on the day it is evaluated.
OPEN: Final = frozenset({Status.PENDING, Status.OVERDUE})
