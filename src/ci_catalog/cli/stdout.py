"""Standard output that fails cleanly: a closed pipe or a full disk is a message, not a traceback.

Every command prints through `sys.stdout`; while one runs, the CLI's edge puts this guard
in front of it, so a failed write (or the last flush) becomes `StdoutFailed`, which the
edge reports once for all commands.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from ci_catalog.writing import reason


class StdoutFailed(Exception):
    """A write to standard output failed; the message says why."""

    def __init__(self, error: OSError) -> None:
        super().__init__(f"cannot write to standard output: {reason(error)}")


class _GuardedStdout:
    """Passes everything to the real stdout; turns its OSErrors into `StdoutFailed`."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        try:
            return self._inner.write(text)
        except OSError as error:
            raise StdoutFailed(error) from error

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._inner.flush()
        except OSError as error:
            raise StdoutFailed(error) from error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def guarded_stdout() -> Iterator[None]:
    """`sys.stdout` guarded while the block runs, flushed at its end (so a late failure shows too)."""
    inner = sys.stdout
    sys.stdout = _GuardedStdout(inner)
    try:
        yield
        sys.stdout.flush()
    except StdoutFailed:
        _discard_pending(inner)
        raise
    finally:
        sys.stdout = inner


def _discard_pending(stream: TextIO) -> None:
    """Point the process's stdout at /dev/null, so the interpreter's last flush cannot fail again.

    Only for the real stdout: a stream a caller put in its place (a test's capture) is theirs.
    """
    if stream is not sys.__stdout__:
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass
