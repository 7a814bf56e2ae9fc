"""Real git repositories of a catalog, built commit by commit in a temporary folder."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Catalog Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Catalog Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def component(version: str, *, inputs: str = "", jobs: str = "") -> str:
    """A small component whose body says which version it is."""
    return (
        "spec:\n"
        "  component: [name, version, reference]\n"
        "  inputs:\n"
        "    job_prefix:\n"
        "      default: build\n"
        "    stage:\n"
        "      default: test\n"
        f"{inputs}"
        "---\n"
        '"$[[ inputs.job_prefix ]]-run":\n'
        "  stage: $[[ inputs.stage ]]\n"
        "  variables:\n"
        f'    BUILT_FROM: "$[[ component.name ]] $[[ component.version ]] $[[ component.reference ]] {version}"\n'
        "  script: [make]\n"
        f"{jobs}"
    )


class GitCatalog:
    def __init__(self, root: Path, *, project: str | None = "acme/ci") -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        files = {"README.md": "# Catalog\n"}
        if project is not None:
            files["catalog.yml"] = f"version: 0.1.0\nproject: {project}\n"
        self.commit("start", files)

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.root), *args],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **GIT_ENV},
        )
        return done.stdout.strip()

    def commit(self, message: str, files: dict[str, str | None]) -> str:
        for name, text in files.items():
            path = self.root / name
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def release(self, tag: str, files: dict[str, str | None] | None = None) -> str:
        """Commit `files` (by default the build component marked with the tag) and tag the commit."""
        sha = self.commit(f"release {tag}", files or {"templates/build/template.yml": component(tag)})
        self.git("tag", "-a", tag, "-m", tag)
        return sha
