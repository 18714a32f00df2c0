"""Errors of the reading layer: a whole file refused, or one row quarantined."""

from casetrack.errors import CasetrackError, InputRefused


class FileRefused(InputRefused):
    """A whole file cannot be read; nothing of it may be written."""


class RowError(CasetrackError):
    """One row cannot be read; it is quarantined with this reason."""
