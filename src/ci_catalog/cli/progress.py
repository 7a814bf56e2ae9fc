"""A progress line on the terminal for long runs: `linting 37/100 components`, redrawn in place.

Only when standard error is a terminal, and only once a run has taken longer than
`DELAY` seconds: a quick run, a pipe or a CI log gets nothing added.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

DELAY = 2.0


class Progress:
    """`label done/total what` on `stream`, from the first update after `DELAY` seconds."""

    def __init__(
        self,
        total: int,
        what: str = "components",
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.what = what
        self.clock = clock
        self.started = clock()
        self.label = ""
        self.done = 0
        self.shown = False
        self.enabled = total > 0 and _is_terminal(self.stream)

    def phase(self, label: str) -> None:
        """Start counting again, under another label (`validating`, `linting`)."""
        self.label, self.done = label, 0
        self._draw()

    def advance(self) -> None:
        self.done += 1
        self._draw()

    def close(self) -> None:
        """Take the line away, so that what is printed next starts on a clean line."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False

    def _draw(self) -> None:
        if not self.enabled or (not self.shown and self.clock() - self.started < DELAY):
            return
        self.stream.write(f"\r{self.label} {self.done}/{self.total} {self.what}\033[K")
        self.stream.flush()
        self.shown = True


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real file
        return False
