"""`python -m casetrack`: the same entry point as the `casetrack` command."""

import sys

from casetrack.entry import run

sys.exit(run())
