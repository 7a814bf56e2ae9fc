"""A catalog given as a git URL: a bare clone kept in the user's cache, fetched on each use.

The clone lives in `$XDG_CACHE_HOME/ci-catalog/catalogs/<hash of the URL>` (by default
`~/.cache/...`). A new one is cloned beside its place and renamed into it, so two runs
never see half a clone; an existing one is fetched (branches and tags, moved or deleted
ones too). When the fetch fails but a clone is there, it is used, with a warning that
says so. git never prompts for a password here: a URL it cannot reach is an error.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ci_catalog.userdirs import cache_home
from ci_catalog.versions.gitrepo import GitRepo

# `scheme://...` (https, ssh, git, file) or scp-like `[user@]host:path`.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP_LIKE = re.compile(r"^(?:[^@/:\s]+@)?[A-Za-z0-9][A-Za-z0-9.-]*:(?!//)[^\s]")
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^@/\s]*@")
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "GCM_INTERACTIVE": "never"}
_REFSPECS = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")


class CloneError(Exception):
    """git could not clone the URL; the message names it (without its credentials) and says why."""


@dataclass(frozen=True)
class Clone:
    repo: GitRepo
    warning: str = ""  # set when the cached clone is used without being updated


def is_git_url(text: str) -> bool:
    """A URL git clones from, rather than a folder: `https://…`, `file://…`, `git@host:group/p.git`."""
    return bool(_SCHEME.match(text) or (_SCP_LIKE.match(text) and not Path(text).exists()))


def shown_url(url: str) -> str:
    """The URL (or git's message about it) without a user or token in it."""
    return _USERINFO.sub(r"\1", url)


def cache_folder() -> Path:
    return cache_home() / "catalogs"


def cached_clone(url: str, cache: Path | None = None) -> Clone:
    """The catalog at `url`, cloned bare into the cache, or fetched when it is there already."""
    folder = (cache or cache_folder()) / hashlib.sha256(url.encode()).hexdigest()[:24]
    if (folder / "HEAD").is_file():
        failed = _git(["-C", str(folder), "fetch", "--quiet", "--prune", "--prune-tags", "origin", *_REFSPECS])
        if failed:
            return Clone(
                GitRepo(folder),
                f"cannot update the cached clone of {shown_url(url)} ({failed}); using it as fetched before",
            )
        return Clone(GitRepo(folder))
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        failed = _git(["clone", "--bare", "--quiet", "--", url, str(staging / "repo")])
        if failed:
            raise CloneError(f"cannot clone the catalog {shown_url(url)}: {failed}")
        try:
            (staging / "repo").rename(folder)
        except OSError:
            if not (folder / "HEAD").is_file():  # not another run that cloned it meanwhile
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Clone(GitRepo(folder))


def _git(args: list[str]) -> str:
    """Run git; "" when it worked, else the last line of what it said."""
    try:
        done = subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
            env={**os.environ, **_GIT_ENV},
            stdin=subprocess.DEVNULL,
        )
    except OSError as error:
        return f"cannot run git: {error}"
    if done.returncode == 0:
        return ""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return shown_url(lines[-1].strip()) if lines else f"git exited with {done.returncode}"
