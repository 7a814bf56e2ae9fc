"""Read a catalog's git repository: tags, branches, commits and files at a commit.

Everything goes through the `git` command, read-only. A failure comes back as a
`GitError` value the caller turns into a located problem; nothing here prints.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

FULL_SHA_LENGTHS = (40, 64)  # SHA-1 and SHA-256 repositories
MIN_ABBREVIATED_SHA = 7


class GitError(Exception):
    """git could not answer: no repository, no git, or a broken object."""


@dataclass(frozen=True)
class GitRepo:
    root: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        try:
            done = subprocess.run(
                ["git", "-C", str(self.root), *args],
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                check=False,
            )
        except OSError as error:
            raise GitError(f"cannot run git: {error}") from error
        if check and done.returncode != 0:
            raise GitError(done.stderr.strip() or f"git {' '.join(args)} failed")
        return done

    def is_repository(self) -> bool:
        try:
            return self.run("rev-parse", "--git-dir", check=False).returncode == 0
        except GitError:
            return False

    def tags(self) -> list[str]:
        return list(self.tag_commits())

    def tag_commits(self) -> dict[str, str]:
        """Each tag that names a commit, and that commit (an annotated tag is peeled to it).

        A tag may name a tree or a blob; GitLab makes no release of one, and no commit
        has its files, so it is left out here.
        """
        fields = "%(refname:strip=2) %(objecttype) %(objectname) %(*objecttype) %(*objectname)"
        commits: dict[str, str] = {}
        for line in self._lines("for-each-ref", f"--format={fields}", "refs/tags"):
            name, kind, target, peeled_kind, peeled = (line.split(" ") + ["", ""])[:5]
            if (peeled_kind or kind) == "commit":
                commits[name] = peeled or target
        return commits

    def commit_of(self, revision: str) -> str | None:
        """The full commit SHA `revision` names, or None when it names no commit."""
        done = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}", check=False)
        return done.stdout.strip() or None if done.returncode == 0 else None

    def tag_commit(self, tag: str) -> str | None:
        return self._ref_commit(f"refs/tags/{tag}")

    def branch_commit(self, branch: str) -> str | None:
        """A local branch, or the `origin` remote's (a CI clone has only those)."""
        return self._ref_commit(f"refs/heads/{branch}") or self._ref_commit(f"refs/remotes/origin/{branch}")

    def _ref_commit(self, ref: str) -> str | None:
        """The commit of exactly this ref: `refs/heads/main~1` is a revision, not a branch."""
        done = self.run("show-ref", "--verify", "--hash", "--end-of-options", ref, check=False)
        return self.commit_of(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None

    def abbreviated_commit(self, text: str) -> str | None:
        is_hex = all(char in "0123456789abcdef" for char in text.lower())
        if len(text) < MIN_ABBREVIATED_SHA or not is_hex:
            return None
        return self.commit_of(text)

    def show(self, commit: str, path: str) -> str | None:
        """A file's text at a commit, or None when the commit has no such file."""
        done = self.run("show", f"{commit}:{path}", check=False)
        return done.stdout if done.returncode == 0 else None

    def files(self, commit: str, folder: str) -> list[str]:
        return self._lines("ls-tree", "-r", "--name-only", "--end-of-options", commit, "--", folder)

    def _lines(self, *args: str) -> list[str]:
        return [line for line in self.run(*args).stdout.splitlines() if line]
