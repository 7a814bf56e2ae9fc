"""The project as a runner checks it out: a fresh repository whose commit holds the work tree as it is now.

A runner starts every pipeline from a clean checkout of a pushed commit: what git ignores
(`.venv`, build output, caches) is not there, and nothing a job writes reaches the
developer's folder. `run` takes the commit the developer would push next: the tracked
files with their changes, the new files git does not ignore, the deleted ones gone (what
`git add --all && git commit` would commit, and what `expand` reads `include: local`
files from). That commit is made in a copy of the repository, never in the user's: their
index, branches, objects and files are left as they were. The copy keeps the branch, the
commit (HEAD itself when the work tree has no changes, so CI_COMMIT_SHA is the real one),
the tags and the `origin` URL, from which gitlab-ci-local takes the project's path.

Submodules are not checked out (a runner's default, GIT_SUBMODULE_STRATEGY `none`). A
folder that is no git repository is copied whole but `.git`, into a new repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ci_catalog.local.sources import WorktreeSource

# Variables that would point git at another repository than the one named by -C: set in
# git hooks, for instance. The copy must never write into the user's repository.
_GIT_LOCATION = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
)
# The commit of the work tree's changes: no hooks, no signing, an author of its own.
_COMMIT = (
    "-c",
    "user.name=ci-catalog",
    "-c",
    "user.email=ci-catalog@localhost",
    "-c",
    "commit.gpgsign=false",
    "commit",
    "--quiet",
    "--no-verify",
    "--allow-empty",
    "--message",
    "ci-catalog run: the work tree's changes, not committed yet",
)


class CheckoutError(Exception):
    """git could not make the copy; the message says which step and why."""


@dataclass(frozen=True)
class Checkout:
    path: Path
    commit: str  # the commit the jobs see
    work_tree_changes: bool  # whether it holds changes the user has not committed


def fresh_checkout(root: Path, target: Path) -> Checkout:
    """Make `target` (replaced whole) a repository whose HEAD holds the next commit of the project at `root`."""
    if target.exists() or target.is_symlink():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    head = _head(root)
    if head is None:
        _git(target.parent, "init", "--quiet", str(target))
    else:
        # A local clone: objects hard-linked where the file system allows, so the copy stands
        # on its own (a job's git still works once the copy is moved into a container).
        _git(target.parent, "clone", "--quiet", "--no-checkout", "--local", "--", str(root.resolve()), str(target))
    _copy_files(root, target)
    branch = head.branch if head else "main"
    if head is not None and head.commit:
        _git(target, "update-ref", "--no-deref", "HEAD", head.commit)
        if head.branch:
            _git(target, "update-ref", f"refs/heads/{head.branch}", head.commit)
        # The index of the commit, so that tracked files git would ignore stay tracked.
        _git(target, "read-tree", "HEAD")
    if branch:
        _git(target, "symbolic-ref", "HEAD", f"refs/heads/{branch}")
    _git(target, "add", "--all")
    changed = head is None or not head.commit or _staged_changes(target)
    if changed:
        _git(target, *_COMMIT)
    _set_origin(target, _origin(root) if head is not None else None)
    return Checkout(target, _git(target, "rev-parse", "HEAD").strip(), changed)


@dataclass(frozen=True)
class _Head:
    commit: str  # "" in a repository without a commit
    branch: str  # "" when HEAD is detached


def _head(root: Path) -> _Head | None:
    """HEAD of the repository whose top is `root`; None when `root` is no repository's top."""
    top = _git_quiet(root, "rev-parse", "--show-toplevel")
    if top is None or Path(top.strip()).resolve() != root.resolve():
        return None
    commit = _git_quiet(root, "rev-parse", "--quiet", "--verify", "HEAD^{commit}") or ""
    branch = _git_quiet(root, "symbolic-ref", "--quiet", "--short", "HEAD") or ""
    return _Head(commit.strip(), branch.strip())


def _copy_files(root: Path, target: Path) -> None:
    for relative in WorktreeSource(root).paths():
        source, copy = root / relative, target / relative
        if not source.is_symlink() and source.is_dir():
            continue  # a submodule: not checked out
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), copy)
        else:
            shutil.copy2(source, copy)


def _staged_changes(target: Path) -> bool:
    done = subprocess.run(
        ["git", "-C", str(target), "diff", "--cached", "--quiet", "HEAD"], env=_environment(), check=False
    )
    return done.returncode != 0


def _origin(root: Path) -> str | None:
    url = _git_quiet(root, "remote", "get-url", "origin")
    return url.strip() if url and url.strip() else None


def _set_origin(target: Path, url: str | None) -> None:
    """The user's `origin`, or none: gitlab-ci-local takes the project's path (and in a container the
    job's CI_PROJECT_DIR) from it, and falls back to a path of its own without one."""
    if _git_quiet(target, "remote", "get-url", "origin") is not None:
        _git(target, "remote", "remove", "origin")
    if url is not None:
        _git(target, "remote", "add", "origin", url)


def _environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in _GIT_LOCATION}


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            errors="replace",
            env=_environment(),
            check=False,
        )
    except OSError as error:
        raise CheckoutError(f"cannot run git: {error}") from None
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        raise CheckoutError(f"git {args[0]} failed in {folder}: {said[-1] if said else f'exit {done.returncode}'}")
    return done.stdout


def _git_quiet(folder: Path, *args: str) -> str | None:
    """git's output, or None when it fails."""
    try:
        return _git(folder, *args)
    except CheckoutError:
        return None
