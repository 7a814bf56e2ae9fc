"""Rewrite component references in a pipefile's text, and nothing else.

The text is edited in place at each `component:` value's exact span (from PyYAML's
node marks), so comments, quoting, indentation and every other byte stay as written.
A value that is not written as it reads (escapes, or folded over lines) is left alone
with a problem that says how to write it.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from ci_catalog import yamlevents
from ci_catalog.problems import Problem


@dataclass(frozen=True)
class Rewrite:
    index: int  # position in the `include` list (0 for a single mapping)
    old_reference: str
    new_reference: str


@dataclass
class PinResult:
    text: str
    problems: list[Problem]


def pin_text(text: str, path: str, rewrites: list[Rewrite]) -> PinResult:
    nodes = _component_nodes(text)
    edits: list[tuple[int, int, str]] = []
    problems: list[Problem] = []
    for rewrite in rewrites:
        node = nodes.get(rewrite.index)
        if node is None:
            problems.append(Problem("cannot find this include's `component:` value in the file", path))
            continue
        edit = _edit(text, node, rewrite)
        if isinstance(edit, str):
            problems.append(Problem(edit, path, node.start_mark.line + 1, node.start_mark.column + 1, code="pin"))
        else:
            edits.append(edit)
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return PinResult(text, problems)


def _component_nodes(text: str) -> dict[int, yaml.ScalarNode]:
    """The `component:` value node of each include entry, by its index in the list."""
    found: dict[int, yaml.ScalarNode] = {}
    # The parser the harness reads with, so that pin reads what resolve read (PyYAML's
    # pure-Python scanner alone refuses what libyaml takes, a tab before a comment).
    for document in yamlevents.compose_all(text):
        include = _value(document, "include")
        if include is None:
            continue
        entries = include.value if isinstance(include, yaml.SequenceNode) else [include]
        for index, entry in enumerate(entries):
            component = _value(entry, "component")
            if isinstance(component, yaml.ScalarNode):
                found[index] = component
    return found


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def _edit(text: str, node: yaml.ScalarNode, rewrite: Rewrite) -> tuple[int, int, str] | str:
    start, end = node.start_mark.index, node.end_mark.index
    raw = text[start:end]
    quoted = node.style in ("'", '"')
    inner = raw[1:-1] if quoted else raw
    suffix = f"@{rewrite.old_reference}"
    if inner != node.value or not inner.endswith(suffix):
        return "cannot rewrite this reference: write the address on one line, without escapes, then pin again"
    replacement = inner[: -len(suffix)] + f"@{rewrite.new_reference}"
    return start, end, f"{raw[0]}{replacement}{raw[-1]}" if quoted else replacement
