"""Command handlers imported when their command runs, not when the parser is built.

Every `casetrack` run builds the parser of every command, plugins included; a handler named
here by module and function keeps `--version`, `--help` and a refused argument from loading
the store, the calendar, SQL or the renderers that only a running command needs.
"""

from __future__ import annotations

import argparse
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Types only: casetrack.context imports the store, which this module exists to avoid.
    from casetrack.context import CommandContext, Handler


class LazyHandler:
    """A command handler, `module.function`, imported on its first call."""

    __slots__ = ("function", "module")

    def __init__(self, module: str, function: str) -> None:
        self.module = module
        self.function = function

    def resolve(self) -> Handler:
        """The handler itself, its module imported (once: Python keeps it in sys.modules)."""
        handler: Handler = getattr(import_module(self.module), self.function)
        return handler

    def __call__(self, args: argparse.Namespace, ctx: CommandContext) -> int:
        """Run the command."""
        return self.resolve()(args, ctx)

    def __repr__(self) -> str:
        return f"LazyHandler({self.module!r}, {self.function!r})"
