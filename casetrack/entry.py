"""The `casetrack` command's entry point: Ctrl-C means exit code 130 from the first instant.

Importing the command line and, once the arguments are read, what the command runs on
(eventsourcing, SQLAlchemy, the plugins' handlers) takes a while; an interrupt then must not
end in a traceback, so the imports happen in here.
"""

from __future__ import annotations

import os
import signal
import sys

from casetrack.errors import EXIT_INTERRUPTED


def run(argv: list[str] | None = None) -> int:
    """Import the command line and run one command; 130 if interrupted at any point."""
    try:
        from casetrack.cli import main  # noqa: PLC0415 - imported inside, see the docstring

        code = main(argv)
    except KeyboardInterrupt:
        sys.stderr.write(
            "casetrack: interrupted; what was committed stays, run the same command again "
            "to resume\n"
        )
        code = EXIT_INTERRUPTED
    if code == EXIT_INTERRUPTED:
        # An interrupt that landed inside an import can leave the interpreter marked as
        # killed by SIGINT, so that a normal exit would report -2 instead of 130 (seen
        # with Python 3.11); nothing is left to clean up: transactions are rolled back.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    # The command is over: a Ctrl-C now has nothing left to stop. Ignored, it cannot kill
    # the interpreter while it shuts down (Python restores SIGINT's default action then),
    # which would hide the command's own exit code.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return code
