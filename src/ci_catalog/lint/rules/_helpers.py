"""What rules look for in a body as written: its strings, and the `$[[ ]]` blocks in them.

Jobs, scripts and placeholder inputs are the CI model's (`ci_catalog.cimodel`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from ci_catalog.interpolate import BLOCK

INPUT_REFERENCE = re.compile(r"^inputs\.([\w-]+)")


class Text(NamedTuple):
    """A string of the body: a value, or a key (`key`), with the path of its entry."""

    path: tuple[Any, ...]
    text: str
    key: bool


class Block(NamedTuple):
    """A `$[[ ... ]]` block: where it starts in its string, the whole block, the data inside."""

    offset: int
    text: str
    data: str


def strings(node: Any, path: tuple[Any, ...] = ()) -> Iterator[Text]:
    """Every string in a body, keys included (a key's path ends at the key)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield Text((*path, key), str(key), True)
            yield from strings(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from strings(item, (*path, index))
    elif isinstance(node, str):
        yield Text(path, node, False)


def blocks(text: str) -> Iterator[Block]:
    """The `$[[ ... ]]` blocks in a string."""
    for match in BLOCK.finditer(text):
        yield Block(match.start(), match.group(0), match.group(1))


def input_references(content: Any) -> Iterator[tuple[tuple[Any, ...], str, str]]:
    """Every `$[[ inputs.NAME ... ]]`: (path, input name, block data)."""
    for path, text, _ in strings(content):
        for block in blocks(text):
            match = INPUT_REFERENCE.match(block.data.split("|")[0].strip())
            if match:
                yield path, re.sub(r"\[.*$", "", match.group(1)), block.data
