"""Domain errors: each carries a message a user can act on."""


class CasetrackError(Exception):
    """Base class of every error casetrack raises on purpose."""


class CalendarRangeError(CasetrackError):
    """A date falls outside the years the working-day calendar covers."""


class RuleSetError(CasetrackError):
    """A rule set file is missing, unreadable or inconsistent."""


class ConfigurationError(CasetrackError):
    """A database URL or another setting cannot be used."""


class InputRefused(CasetrackError):
    """An input (file, argument) cannot be used at all; nothing of it was written."""


class StoreUnavailable(CasetrackError):
    """The database cannot be reached, or another job holds it for too long: wait, rerun."""


class StorageFault(CasetrackError):
    """The store cannot be written as it is (full, read-only, damaged, not casetrack's).

    Unlike StoreUnavailable, waiting does not help: the operator fixes the cause first.
    """


#: Exit codes of the command line, documented in the README.
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_REFUSED = 2
EXIT_STORE = 3
EXIT_FAULT = 4
#: 128 + SIGINT, as shells report a job stopped by Ctrl-C.
EXIT_INTERRUPTED = 130


def exit_code(error: CasetrackError) -> int:
    """The exit code the command line gives for an error."""
    if isinstance(error, StoreUnavailable):
        return EXIT_STORE
    if isinstance(error, StorageFault):
        return EXIT_FAULT
    return EXIT_REFUSED
