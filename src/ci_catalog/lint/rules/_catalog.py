"""Helpers of the catalog rules: GitLab's component paths, and paths shown in findings."""

from __future__ import annotations

import re
from pathlib import Path

# app/models/ci/catalog/components_project.rb: TEMPLATE_PATH_REGEX, what a release counts
# and publishes as components (Ruby's and Gitaly's \w are ASCII).
COMPONENT_PATH = re.compile(r"^templates/[\w-]+(?:/template)?\.yml$", re.ASCII)
COMPONENTS_LIMIT = 100  # Ci::Catalog::ComponentsProject::COMPONENTS_LIMIT (GitLab 18.5+)


def relative(root: Path, path: Path) -> str:
    """`path` relative to the catalog folder, with `/` separators (as GitLab names it)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def component_paths(root: Path, files: list[Path]) -> list[Path]:
    """The files a release would publish as components, in name order."""
    return sorted(path for path in files if COMPONENT_PATH.match(relative(root, path)))
