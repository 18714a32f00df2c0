"""The `casetrack` command's entry point: Ctrl-C means exit code 130 from the first instant.

Importing the command line (eventsourcing, SQLAlchemy, the plugins) takes a second or
two; an interrupt then must not end in a traceback, so the import happens in here.
"""

from __future__ import annotations

import sys

from casetrack.errors import EXIT_INTERRUPTED


def run(argv: list[str] | None = None) -> int:
    """Import the command line and run one command; 130 if interrupted at any point."""
    try:
        from casetrack.cli import main  # noqa: PLC0415 - imported inside, see the docstring

        return main(argv)
    except KeyboardInterrupt:
        sys.stderr.write(
            "casetrack: interrupted; what was committed stays, run the same command again "
            "to resume\n"
        )
        return EXIT_INTERRUPTED
