"""Where `include: local` files are read: the project's folder, or the catalog at a commit.

GitLab reads a local include from the repository at the pipeline's commit (a component's
own local includes from the component's project at the component's commit), never from
outside it. So here a path is one of the repository's: relative to its root, a leading
`/` dropped (File::Local), with no `.`, `..` or empty part (a git tree has none), and a
link is read as git stores it, as the text of its target, never followed.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Protocol

from ci_catalog.versions.gitrepo import GitError, GitRepo


class FileSource(Protocol):
    """A repository's files at one state."""

    def read(self, path: str) -> str | None:
        """The file's text, or None when the repository has no such file."""

    def paths(self) -> list[str]:
        """Every file's path, sorted as git lists them."""

    def shown(self, path: str) -> str:
        """The file as messages name it."""


def repository_path(location: str) -> str | None:
    """The path GitLab looks the location up at, or None when no repository can hold it."""
    path = location.lstrip("/")
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return path


class WorktreeSource:
    """The project's folder as it is now: what the next commit would hold."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, path: str) -> str | None:
        checked = repository_path(path)
        if checked is None:
            return None
        target = self.root
        parts = checked.split("/")
        for part in parts[:-1]:
            target = target / part
            if target.is_symlink() or not target.is_dir():
                return None  # git keeps a linked folder as one file: nothing is under it
        target = target / parts[-1]
        try:
            if target.is_symlink():
                return os.readlink(target)
            return target.read_bytes().decode("utf-8", errors="replace") if target.is_file() else None
        except OSError:
            return None

    def paths(self) -> list[str]:
        listed = _git_files(self.root)
        if listed is None:
            listed = _walked_files(self.root)
        return sorted(path for path in listed if os.path.lexists(self.root / path))

    def shown(self, path: str) -> str:
        return str(self.root / (repository_path(path) or path))


class CommitSource:
    """A git repository at one commit (the catalog, for a component's own local includes)."""

    def __init__(self, repo: GitRepo, sha: str, label: str) -> None:
        self.repo, self.sha, self.label = repo, sha, label

    def read(self, path: str) -> str | None:
        checked = repository_path(path)
        return None if checked is None else self.repo.show(self.sha, checked)

    def paths(self) -> list[str]:
        try:
            done = self.repo.run("ls-tree", "-r", "-z", "--full-tree", "--name-only", self.sha)
        except GitError:
            return []
        return sorted(path for path in done.stdout.split("\0") if path)

    def shown(self, path: str) -> str:
        return f"{repository_path(path) or path}@{self.label}"


def wildcard_matches(pattern: str, paths: list[str]) -> list[str]:
    """The paths an `include: local` wildcard names, as Repository#search_files_by_wildcard_path
    matches them: `**` is any text, `*` any text without `/`, anchored at both ends."""
    regex = "".join(
        ".*?" if index % 2 else "([^/])*?".join(re.escape(piece) for piece in part.split("*"))
        for index, part in enumerate(_split_keeping(pattern, "**"))
    )
    compiled = re.compile(f"^{regex}$", re.DOTALL)
    return [path for path in paths if compiled.match(path)]


def _split_keeping(text: str, separator: str) -> list[str]:
    """`a**b**c` -> [a, **, b, **, c]: odd positions are the separators."""
    parts: list[str] = []
    for index, piece in enumerate(text.split(separator)):
        if index:
            parts.append(separator)
        parts.append(piece)
    return parts


def _git_files(root: Path) -> list[str] | None:
    """Tracked and untracked files git does not ignore; None when `root` is not a git work tree's top."""
    try:
        top = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
        )
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root.resolve():
            return None
        done = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return sorted({name for name in done.stdout.decode("utf-8", errors="replace").split("\0") if name})


def _walked_files(root: Path) -> list[str]:
    """Every file under `root` but `.git`; a link to a folder is one file, as git keeps it."""
    found: list[str] = []
    for parent, folders, files in os.walk(root):
        here = Path(parent)
        links = [name for name in folders if (here / name).is_symlink()]
        folders[:] = [name for name in folders if name != ".git" and name not in links]
        found += [(here / name).relative_to(root).as_posix() for name in files + links]
    return found
