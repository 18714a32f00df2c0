"""Hypothesis example counts as multiples of the loaded profile (tests/conftest.py).

A test says how much more (or less) than the profile's count it is worth exploring, for
its cost; the profile decides the scale: "ci" runs the same few examples on every clone,
"nightly" explores ten times more.
"""

from __future__ import annotations

from hypothesis import settings


def scaled(factor: float) -> int:
    """`factor` times the loaded profile's max_examples, at least one."""
    return max(1, round(settings().max_examples * factor))
