"""Stage 4: interpolate `$[[ ... ]]` blocks in the content document.

Follows lib/gitlab/ci/config/interpolation/{template,config,block}.rb (18.11):
keys and values are walked depth-first (each key before its value); a string that is
exactly one block takes the block's value with its type, an embedded block is written
with Ruby's `to_s` through `String#gsub`; an array item that becomes an array is spliced
into its parent; `matrix.*` blocks stay as written; within a string the first invalid
block stops that string; GitLab's node, size and block limits apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ci_catalog.access import evaluate_access
from ci_catalog.functions import FunctionContext, run_functions
from ci_catalog.problems import Marks
from ci_catalog.rubyfmt import gsub_literal, ruby_to_s
from ci_catalog.yamlread import Reference

MAX_NODES = 500_000
MAX_NODE_SIZE = 1024 * 1024
MAX_BLOCKS = 10_000
MAX_FUNCTIONS = 3
BLOCK_PREFIX = "$[["
SKIP_CONTEXTS = ("matrix",)
# RE2's \s and \S (GitLab compiles this with RE2): ASCII space, \t, \n, \f, \r.
_WS = r"[\t\n\f\r ]"
_NOT_WS = r"[^\t\n\f\r ]"
BLOCK = re.compile(rf"\$\[\[{_WS}*({_NOT_WS}.*?{_NOT_WS}){_WS}*\]\]")


@dataclass
class Block:
    text: str
    value: Any = None
    errors: list[str] = field(default_factory=list)


@dataclass
class InterpolationError:
    message: str
    path: tuple[Any, ...]


@dataclass
class Interpolated:
    data: Any
    marks: Marks
    errors: list[InterpolationError]


class _Abort(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def evaluate_block(text: str, data: str, context: dict[str, Any], functions: FunctionContext) -> Block:
    """One block's value: access path, then up to three functions."""
    block = Block(text)
    access_path, *chain = _ruby_split_pipes(data)
    if access_path.split(".")[0] in SKIP_CONTEXTS:
        block.value = text
        return block
    access = evaluate_access(access_path, context)
    if access.errors:
        block.errors = access.errors
        return block
    if len(chain) > MAX_FUNCTIONS:
        block.errors = ["too many functions in interpolation block"]
        return block
    block.value, block.errors = run_functions(chain, access.value, functions)
    return block


def _ruby_split_pipes(data: str) -> list[str]:
    """Ruby `data.split('|').map(&:strip)`: trailing empty fields are dropped."""
    parts = data.split("|")
    while parts and parts[-1] == "":
        parts.pop()
    return [part.strip(" \t\n\v\f\r\0") for part in parts] or [""]


class _Template:
    def __init__(self, context: dict[str, Any], functions: FunctionContext, marks: Marks) -> None:
        self.context = context
        self.functions = functions
        self.marks = marks
        self.new_marks = Marks()
        self.blocks: dict[str, Block] = {}
        self.block_paths: dict[str, tuple[Any, ...]] = {}
        self.visited = 0

    def visit(self) -> None:
        """Count a node as GitLab's Config visitor does (keys count too)."""
        self.visited += 1
        if self.visited > MAX_NODES:
            raise _Abort("config too large")

    def walk(self, node: Any, old: tuple[Any, ...], new: tuple[Any, ...]) -> Any:
        self.visit()
        if old in self.marks.by_path:
            self.new_marks.by_path[new] = self.marks.by_path[old]
        if old in self.marks.spans:
            self.new_marks.spans[new] = self.marks.spans[old]
        if isinstance(node, Reference):
            return node
        if isinstance(node, dict):
            return self.walk_mapping(node, old, new)
        if isinstance(node, list):
            return self.walk_sequence(node, old, new)
        if isinstance(node, str):
            return self.replace(node, old)
        return node

    def walk_mapping(self, node: dict[str, Any], old: tuple[Any, ...], new: tuple[Any, ...]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in node.items():
            self.visit()
            new_key = self.replace(key, old + (key,))
            name = new_key if isinstance(new_key, str) else ruby_to_s(new_key)
            if old + (key,) in self.marks.key_spans:
                self.new_marks.key_spans[new + (name,)] = self.marks.key_spans[old + (key,)]
            # The value's walk marks `new + (name,)` with the key's place.
            result[name] = self.walk(value, old + (key,), new + (name,))
        return result

    def walk_sequence(self, node: list[Any], old: tuple[Any, ...], new: tuple[Any, ...]) -> list[Any]:
        result: list[Any] = []
        for index, item in enumerate(node):
            place = self.marks.by_path.get(old + (index,))
            replaced = self.walk(item, old + (index,), new + (len(result),))
            spliced = replaced if isinstance(item, str) and isinstance(replaced, list) else [replaced]
            for piece in spliced:
                if place:
                    self.new_marks.by_path[new + (len(result),)] = place
                result.append(piece)
        return result

    def replace(self, node: str, path: tuple[Any, ...]) -> Any:
        if len(node.encode("utf-8", "surrogatepass")) > MAX_NODE_SIZE:
            raise _Abort("config node too large")
        if BLOCK_PREFIX not in node:
            return node
        matches = list(BLOCK.finditer(node))
        if not matches:
            return node
        blocks = []
        for match in matches:
            block = self.block(match.group(0), match.group(1), path)
            if block.errors:
                return None
            blocks.append(block)
        if len(blocks) > 1 or len(node) != len(blocks[0].text):
            for block in blocks:
                node = gsub_literal(node, block.text, ruby_to_s(block.value))
            return node
        return blocks[0].value

    def block(self, text: str, data: str, path: tuple[Any, ...]) -> Block:
        if text not in self.blocks:
            self.blocks[text] = evaluate_block(text, data, self.context, self.functions)
            self.block_paths[text] = path
            if len(self.blocks) > MAX_BLOCKS:
                raise _Abort("too many interpolation blocks")
        return self.blocks[text]

    def errors(self) -> list[InterpolationError]:
        return [
            InterpolationError(message, self.block_paths[text])
            for text, block in self.blocks.items()
            for message in block.errors
        ]


def interpolate(
    content: dict[str, Any], marks: Marks, context: dict[str, Any], functions: FunctionContext
) -> Interpolated:
    """Render the content with `context` = {"inputs": ..., "component": ...}."""
    template = _Template(context, functions, marks)
    try:
        data = template.walk(content, (), ())
    except _Abort as abort:
        return Interpolated(None, Marks(), [InterpolationError(abort.message, ())] + template.errors())
    errors = template.errors()
    if errors:
        return Interpolated(None, Marks(), errors)
    return Interpolated(data, template.new_marks, [])
