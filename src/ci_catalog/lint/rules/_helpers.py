"""Helpers shared by rules: jobs, scripts and input references in a CI body."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ci_catalog.interpolate import BLOCK

# Top-level keys that are not jobs (GitLab's global keywords).
GLOBAL_KEYWORDS = frozenset(
    {"default", "include", "stages", "variables", "workflow"}
    | {"image", "services", "cache", "before_script", "after_script"}  # deprecated global forms
)
SCRIPT_KEYS = ("before_script", "script", "after_script")
INPUT_REFERENCE = re.compile(r"^inputs\.([\w-]+)")


def jobs(content: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each job (hidden `.templates` included): a top-level mapping that is not a global keyword."""
    for name, body in content.items():
        if name not in GLOBAL_KEYWORDS and isinstance(body, dict):
            yield name, body


def strings(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every string in a body, keys included, with its path (a key's path ends at the key)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key), str(key)
            yield from strings(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from strings(item, (*path, index))
    elif isinstance(node, str):
        yield path, node


def blocks(text: str) -> Iterator[tuple[str, str]]:
    """The `$[[ ... ]]` blocks in a string: (whole block, data inside)."""
    for match in BLOCK.finditer(text):
        yield match.group(0), match.group(1)


def input_references(content: Any) -> Iterator[tuple[tuple[Any, ...], str, str]]:
    """Every `$[[ inputs.NAME ... ]]`: (path, input name, block data)."""
    for path, text in strings(content):
        for _, data in blocks(text):
            match = INPUT_REFERENCE.match(data.split("|")[0].strip())
            if match:
                yield path, re.sub(r"\[.*$", "", match.group(1)), data


def script_lines(job: dict[str, Any]) -> Iterator[tuple[str, int | None, str]]:
    """(script key, item index or None for a plain string, line text) of a job's scripts."""
    for key in SCRIPT_KEYS:
        value = job.get(key)
        if isinstance(value, str):
            yield key, None, value
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    yield key, index, item
