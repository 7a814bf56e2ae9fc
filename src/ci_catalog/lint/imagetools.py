"""What commands the images that jobs name hold, from the data in `ci_catalog.lint.images`.

Each data file (written by scripts/images/tool-lists, from the look-alike images the
end-to-end tests run the jobs in, corrected to the real images: docs/images.md) starts
with `#` comments, then `image: PATTERN` lines naming the image references it describes
(`fnmatch` patterns over the full reference, `ghcr.io/astral-sh/uv:*python3.*-trixie-slim`),
`glob: PATTERN` lines for commands whose name holds a version (`python3.*`), and then one
command a line.
"""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass
from importlib import resources

DATA_PACKAGE = "ci_catalog.lint.images"
DOCKER_HUB = "docker.io"
# Other names of Docker Hub in a reference (distribution/reference, `normalize.go`).
_DOCKER_HUB_ALIASES = ("index.docker.io", "registry-1.docker.io")


@dataclass(frozen=True)
class ImageTools:
    """The commands of the images one data file describes."""

    source: str
    patterns: tuple[str, ...]
    commands: frozenset[str]
    globs: tuple[str, ...]
    stand_in: str

    def matches(self, reference: str) -> bool:
        """Whether the normalized `reference` is one of the images described."""
        return any(fnmatch.fnmatchcase(reference, pattern) for pattern in self.patterns)

    def provides(self, command: str) -> bool:
        return command in self.commands or any(fnmatch.fnmatchcase(command, glob) for glob in self.globs)


def parse(source: str, text: str) -> ImageTools:
    patterns: list[str] = []
    globs: list[str] = []
    commands: set[str] = set()
    stand_in = ""
    for line in text.splitlines():
        if line.startswith("# Stand-in: "):
            stand_in = line.removeprefix("# Stand-in: ").strip()
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("image: "):
            patterns.append(line.removeprefix("image: ").strip())
        elif line.startswith("glob: "):
            globs.append(line.removeprefix("glob: ").strip())
        else:
            commands.add(line.strip())
    return ImageTools(source, tuple(patterns), frozenset(commands), tuple(globs), stand_in)


@functools.cache
def known_images() -> tuple[ImageTools, ...]:
    """Every data file shipped with the package, in name order."""
    folder = resources.files(DATA_PACKAGE)
    files = sorted((item for item in folder.iterdir() if item.name.endswith(".txt")), key=lambda item: item.name)
    return tuple(parse(item.name, item.read_text(encoding="utf-8")) for item in files)


def normalize(reference: str) -> str:
    """The full form of an image reference, as Docker and GitLab's runner expand it:
    `python:3.13-slim` is `docker.io/library/python:3.13-slim`. A digest is dropped: the
    tag, if there is one, says which image it is."""
    name = reference.strip().split("@", 1)[0]
    first, _, rest = name.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        first, rest = DOCKER_HUB, name
    elif first in _DOCKER_HUB_ALIASES:
        first = DOCKER_HUB
    if first == DOCKER_HUB and "/" not in rest:
        rest = f"library/{rest}"
    return f"{first}/{rest}"


def tools_for(reference: str) -> ImageTools | None:
    """The commands of the image `reference` names, or None when no data describes it."""
    full = normalize(reference)
    return next((image for image in known_images() if image.matches(full)), None)
