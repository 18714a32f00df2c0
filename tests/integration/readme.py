"""README.md read as data: its set-up commands, tour, command table and Python example.

Tests take what users read from here, never from a copy, so a README edit that breaks a
command fails the tests.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def text() -> str:
    """The whole README."""
    return README.read_text(encoding="utf-8")


def section(title: str) -> str:
    """The body of the `## title` section, up to the next `## ` heading."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text(), re.M | re.S)
    assert found, f"README has no '## {title}' section"
    return found.group(1)


def code_blocks(body: str, language: str) -> list[str]:
    """The fenced code blocks of one language in a piece of the README."""
    return re.findall(rf"^```{language}\n(.*?)^```", body, re.M | re.S)


def setup_commands() -> list[str]:
    """The indented one-line commands before the first section: install and run."""
    intro = text().split("\n## ", 1)[0]
    return re.findall(r"^    (\S.*)$", intro, re.M)


def tour_block() -> str:
    """The five-minute tour's shell block."""
    blocks = code_blocks(section("Five-minute tour"), "sh")
    assert len(blocks) == 1, "the tour should be one sh block"
    return blocks[0]


def tour_commands() -> list[str]:
    """The `casetrack ...` lines of the tour, in order (comments left out)."""
    return [line for line in tour_block().splitlines() if line.startswith("casetrack ")]


def api_example() -> str:
    """The Python API section's example."""
    blocks = code_blocks(section("Python API"), "python")
    assert len(blocks) == 1, "the Python API section should hold one python block"
    return blocks[0]


def table_columns(command: str) -> list[str]:
    """The comma-separated column list the command table gives for `command`."""
    row = next(
        (line for line in section("Commands").splitlines() if line.startswith(f"| `{command}")),
        None,
    )
    assert row is not None, f"no row for {command} in the README's command table"
    # Column names may hold digits after their first letter (`p90`).
    lists = re.findall(r"`([a-z_][a-z0-9_]*(?:,[a-z_][a-z0-9_]*)+)`", row)
    assert lists, f"the {command} row names no columns"
    return lists[-1].split(",")
