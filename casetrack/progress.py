"""Progress on long work: rate and time left on stderr, without a dependency."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Reports `done/total`, items per second and an estimate of the time left."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        unit: str = "rows",
        stream: TextIO | None = None,
        enabled: bool = True,
        every: float = 0.5,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.every = every
        self.done = 0
        self._started = time.monotonic()
        self._shown = self._started
        self._tty = self.stream.isatty()

    def advance(self, n: int = 1) -> None:
        """Count `n` more items and redraw now and then."""
        self.done += n
        now = time.monotonic()
        if self.enabled and now - self._shown >= (self.every if self._tty else 5.0):
            self._shown = now
            self._show(now, final=False)

    def finish(self) -> None:
        """Draw the final line."""
        if self.enabled:
            self._show(time.monotonic(), final=True)

    @property
    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self._started

    def _show(self, now: float, *, final: bool) -> None:
        elapsed = max(now - self._started, 1e-9)
        rate = self.done / elapsed
        text = f"{self.label}: {self.done:,} {self.unit}"
        if self.total:
            share = min(self.done / self.total, 1.0)
            text += f" / {self.total:,} ({share:.0%})"
            if not final and rate > 0:
                text += f", {(self.total - self.done) / rate:,.0f} s left"
        text += f", {rate:,.0f} {self.unit}/s"
        if final:
            text += f", {elapsed:,.1f} s"
        end = "\n" if final or not self._tty else ""
        prefix = "\r\x1b[K" if self._tty else ""
        self.stream.write(prefix + text + end)
        self.stream.flush()
