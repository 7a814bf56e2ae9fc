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


def text_place(lines: list[str], node_place: tuple[int, int], node_text: str, needle: str) -> tuple[int, int]:
    """Where `needle` (part of the string `node_text`) is written in the file.

    A multi-line string (a `|` or `>` block) is marked where it starts; this finds the
    first line of `needle` in the lines the string spans, from the node's own place on.
    When it is not written as is (escapes in a quoted string), the node's place is kept.
    """
    first = needle.split("\n", 1)[0].strip()
    line, column = node_place
    if not first:
        return node_place
    # A folded (`>`) string has fewer line breaks than lines written: each has a word at least.
    last = min(len(lines), line + node_text.count("\n") + len(node_text.split()) + 1)
    for number in range(line, last + 1):
        text = lines[number - 1] if number - 1 < len(lines) else ""
        found = text.find(first, column - 1 if number == line else 0)
        if found >= 0:
            return number, found + 1
    return node_place


def script_holders(content: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, mapping) of everything that holds scripts: each job, `default`, and the
    deprecated global `before_script`/`after_script` (path `()`, a mapping of just those)."""
    for name, job in jobs(content):
        yield (name,), job
    if isinstance(content.get("default"), dict):
        yield ("default",), content["default"]
    globals_: dict[str, Any] = {key: content[key] for key in ("before_script", "after_script") if key in content}
    if globals_:
        yield (), globals_
