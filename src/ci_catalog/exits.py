"""Exit codes and the usage error: what each code means, the same for every command.

Stages never exit: they return problems. Commands raise `UsageError` for a command line,
an option file or an output they cannot use; only the CLI's edge turns that into exit 2.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    """Done, nothing found (`remote lint`: GitLab found the file valid)."""
    PROBLEMS = 1
    """Problems found in what was checked: each is printed with its file and place."""
    USAGE = 2
    """The command line, an option file, or an output it names cannot be used."""
    INTERNAL = 3
    """A bug: reported with a traceback."""
    REMOTE = 4
    """`remote` only: the GitLab instance could not answer, or not as GitLab does."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C (128 + SIGINT, as shells report it)."""


class UsageError(Exception):
    """A usage problem: the message names what to fix (exit 2)."""
