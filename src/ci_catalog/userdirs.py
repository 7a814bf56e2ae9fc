"""Where ci-catalog keeps what it fetches and builds for the user: one folder in their cache."""

from __future__ import annotations

import os
from pathlib import Path


def cache_home() -> Path:
    """`$XDG_CACHE_HOME/ci-catalog` (XDG Base Directory specification), default `~/.cache/ci-catalog`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ci-catalog"
