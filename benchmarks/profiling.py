"""cProfile of one workload run: where the time goes, as text for RESULTS.md."""

from __future__ import annotations

import cProfile
import io
import pstats
import re
from collections.abc import Callable
from typing import Any

_PREFIXES = re.compile(r"(/[^ :]*/(site-packages|lib/python3\.\d+)/)|(/[^ :]*/main/)")
TOP = 18


def profile_call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """Run `function` under cProfile; return its top functions by own and cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        function(*args, **kwargs)
    finally:
        profiler.disable()
    text = io.StringIO()
    for order, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        text.write(f"--- top {TOP} by {title} ---\n")
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats(order).print_stats(TOP)
        text.write(_trim(stream.getvalue()))
    return text.getvalue()


def _trim(report: str) -> str:
    """pstats output without its preamble, with install paths shortened."""
    lines = report.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    kept = [line for line in lines[:start] if "function calls" in line]
    kept += lines[start:]
    return "\n".join(_PREFIXES.sub("", line) for line in kept if line.strip()) + "\n"
