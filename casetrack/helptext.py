"""How `--help` reads: every parser shows its options' defaults, where a default means something."""

from __future__ import annotations

import argparse
import re

#: What every `--help` ends with: the exit codes, as the README's "Exit codes" lists them.
EXIT_CODES = (
    "Exit codes: 0 done; 1 internal error (a bug: please report it); "
    "2 input refused (file, argument); 3 database unreachable or busy (wait, rerun); "
    "4 storage fault to fix first (disk full, read-only, damaged or foreign file; "
    "see docs/faults.md); 130 interrupted (Ctrl-C; rerun to resume)."
)
_SAYS_DEFAULT = re.compile(r"\(default\b|%\(default\)", re.IGNORECASE)


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """argparse's ArgumentDefaultsHelpFormatter, minus the defaults that say nothing.

    An option without a default (None), a flag (--quiet, --no-details) or a help text that already
    explains its default (`(default: the latest extraction date)`) is left as written,
    so no option reads "default: None".
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help
        if text is None or text == argparse.SUPPRESS or _SAYS_DEFAULT.search(text):
            return text
        if action.default in (None, argparse.SUPPRESS) or not action.option_strings:
            return text
        if action.nargs == 0:  # a flag: "(default: True)" on --no-details would mislead
            return text
        return f"{text} (default: %(default)s)"


def parsers_of(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every parser under `parser` (itself excluded): commands, groups and sub-commands."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases share a parser
                found.append(sub)
                found.extend(parsers_of(sub))
    return found


def leaf_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of the commands that run (`ingest piaf`, `report`, ...), not the groups."""
    return [p for p in parsers_of(parser) if not _has_commands(p)]


def _has_commands(parser: argparse.ArgumentParser) -> bool:
    return any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)


def document(parser: argparse.ArgumentParser) -> None:
    """Give every command's `--help` the defaults formatter and the exit codes."""
    parser.formatter_class = DefaultsHelpFormatter
    parser.epilog = EXIT_CODES
    for sub in parsers_of(parser):
        sub.formatter_class = DefaultsHelpFormatter
        sub.epilog = sub.epilog or EXIT_CODES
