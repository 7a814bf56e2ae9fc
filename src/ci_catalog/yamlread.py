"""Read one YAML document the way GitLab's Psych `safe_load` reads it, keeping positions.

GitLab loads CI files with Ruby's Psych (libyaml underneath). PyYAML's libyaml parser
gives the same events and the same syntax errors, but PyYAML *resolves* plain scalars by
YAML 1.1 rules that differ from Psych's scalar scanner in ways users meet (`True` vs
`tRUE`, `1,000`, `:sym`, dates). So the events are taken from libyaml and the values are
built here, following Psych's rules (psych/scalar_scanner.rb, psych/visitors/to_ruby.rb),
with GitLab's `safe_load` restrictions: no Date/Time objects, no Ruby objects, only
`!reference` as an application tag.

The document is built as a node tree first so that aliases cost nothing, its deep size
and depth are measured as GitLab's `Gitlab::Utils::DeepSize` measures them (aliases
counted at every use), and only a document within the limits is expanded into plain
Python values with a position for every node.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ci_catalog.problems import Marks
from ci_catalog.rubyfmt import ruby_to_s

MAX_DEPTH = 100
REFERENCE_TAG = "!reference"


class Reference(list):  # type: ignore[type-arg]
    """A `!reference [job, key]` tag: kept as a tag, not interpolated, shown as a list."""


class YamlError(Exception):
    """The document cannot be loaded; `message` is GitLab's text, line/column 1-based."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class TooBig(YamlError):
    def __init__(self, line: int = 0, column: int = 0) -> None:
        super().__init__("The parsed YAML is too big", line, column)


@dataclass
class Node:
    kind: str  # "scalar" | "map" | "seq"
    line: int
    column: int
    value: Any = None  # scalar value
    items: list[Any] = field(default_factory=list)  # seq: [Node]; map: [(Node, Node)]
    tag: str | None = None
    size: int = 0
    depth: int = 0
    done: bool = False


@dataclass
class Document:
    data: Any
    marks: Marks


# --- Psych's scalar scanner ------------------------------------------------------------

# Psych: %r{^[^\d.:-]?[[:alpha:]_\s!@#$%\^&*(){}<>|/\\~;=]+}, with Ruby's ASCII \d and \s.
_STRINGISH = re.compile(r"^[^0-9.:-]?(?:[^\W\d_]|[_ \t\r\n\f\v!@#$%^&*(){}<>|/\\~;=])+")
_TIME = re.compile(
    r"^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$"
)
_DATE = re.compile(r"^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$")
_SEXAGESIMAL_INT = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}$")
_SEXAGESIMAL_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}\.[0-9_]*$")
_FLOAT = re.compile(r"^(?:[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?)$")
_INTEGER = re.compile(
    r"^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$"
)


class DisallowedClass(YamlError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Tried to load unspecified class: {name}")


def psych_plain_scalar(text: str) -> Any:
    """The Ruby value Psych gives an unquoted scalar (as a Python value)."""
    if text == "":
        return None
    if _STRINGISH.match(text) or "\n" in text:
        return _psych_word(text)
    if _TIME.match(text):
        raise DisallowedClass("Time")
    if _DATE.match(text):
        raise DisallowedClass("Date")
    lowered = text.lower()
    if re.fullmatch(r"\+?\.inf", lowered):
        return float("inf")
    if lowered == "-.inf":
        return float("-inf")
    if lowered == ".nan":
        return float("nan")
    if len(text) > 1 and text.startswith(":"):
        return _psych_symbol(text)
    if _SEXAGESIMAL_INT.match(text):
        return _sexagesimal(text, int)
    if _SEXAGESIMAL_FLOAT.match(text):
        return _sexagesimal(text, float)
    if _FLOAT.match(text):
        if re.fullmatch(r"[-+]?\.", text):
            return text
        return float(re.sub(r"\.([Ee]|$)", r"\1", text.replace(",", "").replace("_", "")) or 0)
    if _INTEGER.match(text):
        return _psych_int(text)
    return text


def _psych_word(text: str) -> Any:
    if len(text) > 5 or re.match(r"^[^ytonf~]", text, re.IGNORECASE):
        return text
    if text == "~" or re.fullmatch(r"null", text, re.IGNORECASE):
        return None
    if re.fullmatch(r"yes|true|on", text, re.IGNORECASE):
        return True
    if re.fullmatch(r"no|false|off", text, re.IGNORECASE):
        return False
    return text


def _psych_symbol(text: str) -> str:
    # Symbols become strings later in GitLab (interpolation and JSON both call to_s).
    quoted = re.match(r"^:([\"'])(.*)\1", text)
    if quoted:
        return re.sub(r"^:", "", quoted.group(2))
    return text[1:]


def _sexagesimal(text: str, kind: type) -> Any:
    sign = -1 if text.startswith("-") else 1
    total: Any = 0
    for part in text.lstrip("+-").replace("_", "").split(":"):
        total = total * 60 + kind(part)
    return sign * total


def _psych_int(text: str) -> int | str:
    cleaned = text.replace(",", "").replace("_", "")
    sign = -1 if cleaned.startswith("-") else 1
    digits = cleaned.lstrip("+-")
    try:
        if digits.startswith(("0b", "0x")):
            return sign * int(digits, 0)
        if len(digits) > 1 and digits.startswith("0"):
            return sign * int(digits, 8)
        return sign * int(digits)
    except ValueError:
        return text


def _scalar_value(tag: str | None, text: str, plain: bool) -> Any:
    """A scalar's value: standard tags honoured, `!` means string, other tags ignored."""
    short = (tag or "").removeprefix("tag:yaml.org,2002:")
    if short == "!" or short == "str":
        return text
    if short == "null":
        return None
    if short in ("int", "float", "bool"):
        return psych_plain_scalar(text)
    if short == "binary":
        return base64.b64decode(text).decode("utf-8", "replace")
    if short == "timestamp":
        raise DisallowedClass("Time")
    if short.startswith("!ruby/"):
        raise DisallowedClass(short.split(":", 1)[-1] or short)
    # Psych ignores an application tag it does not know: the scalar reads as untagged.
    return psych_plain_scalar(text) if plain else text


# --- memory size as Ruby's ObjectSpace.memsize_of approximates it --------------------

_RVALUE = 40


def _scalar_memsize(value: Any) -> int:
    if isinstance(value, str):
        length = len(value.encode("utf-8", "surrogatepass"))
        return _RVALUE + (length + 1 if length > 23 else 0)
    return 0  # Integers, floats, true, false, nil are immediates in Ruby.


def _collection_memsize(kind: str, count: int) -> int:
    if kind == "seq":
        return _RVALUE + (8 * count if count > 3 else 0)
    if count == 0:
        return _RVALUE
    return _RVALUE + (160 if count <= 8 else 48 * count)


# --- building -------------------------------------------------------------------------


class _Builder:
    """Turns libyaml events into a node tree, measuring it as it closes."""

    def __init__(self, max_size: int, line_offset: int, column_offset: int) -> None:
        self.max_size = max_size
        self.line_offset = line_offset
        self.column_offset = column_offset
        self.anchors: dict[str, Node] = {}
        self.stack: list[Node] = []
        self.root: Node | None = None
        self.total = 0

    def feed(self, event: Any) -> bool:
        """Take one event; True once the first document is complete."""
        if isinstance(event, yaml.ScalarEvent):
            self.attach(self.scalar(event), event.anchor)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
            line, column = self.position(event)
            if len(self.stack) + 1 > MAX_DEPTH:
                raise TooBig(line, column)
            node = Node(kind, line, column, tag=event.tag)
            if event.anchor:
                # Registered while open, so that an alias inside it is seen as a cycle.
                self.anchors[event.anchor] = node
            self.stack.append(node)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            node = self.stack.pop()
            self.close(node)
            self.attach(node, None)
        elif isinstance(event, yaml.AliasEvent):
            node = self.alias(event)
            self.grow(node.size, node)
            self.attach(node, None)
        elif isinstance(event, yaml.DocumentEndEvent):
            return True
        return False

    def position(self, event: Any) -> tuple[int, int]:
        mark = event.start_mark
        column = mark.column + 1 + (self.column_offset if mark.line == 0 else 0)
        return mark.line + 1 + self.line_offset, column

    def scalar(self, event: Any) -> Node:
        line, column = self.position(event)
        try:
            value = _scalar_value(event.tag, event.value, plain=not event.style)
        except YamlError as error:
            error.line, error.column = line, column
            raise
        node = Node("scalar", line, column, value=value, tag=event.tag, done=True)
        node.size = _scalar_memsize(value)
        self.grow(node.size, node)
        return node

    def alias(self, event: Any) -> Node:
        line, column = self.position(event)
        node = self.anchors.get(event.anchor)
        if node is None:
            raise YamlError(f"An alias referenced an unknown anchor: {event.anchor}", line, column)
        if not node.done:
            # A cycle: Ruby's DeepSize walks it until the depth limit trips.
            raise TooBig(line, column)
        return node

    def close(self, node: Node) -> None:
        children = [n for pair in node.items for n in pair] if node.kind == "map" else node.items
        own = _collection_memsize(node.kind, len(node.items))
        node.size = own + sum(child.size for child in children)
        node.depth = 1 + max((child.depth for child in children), default=0)
        node.done = True
        if node.depth > MAX_DEPTH:
            raise TooBig(node.line, node.column)
        self.grow(own, node)

    def grow(self, size: int, node: Node) -> None:
        """Count bytes as DeepSize does, every alias use included; stop at the limit."""
        self.total += size
        if self.total > self.max_size:
            raise TooBig(node.line, node.column)

    def attach(self, node: Node, anchor: str | None) -> None:
        if anchor:
            self.anchors[anchor] = node
        if not self.stack:
            self.root = node
            return
        parent = self.stack[-1]
        if parent.kind == "seq":
            parent.items.append(node)
        elif parent.items and len(parent.items[-1]) == 1:
            parent.items[-1] = (parent.items[-1][0], node)
        else:
            parent.items.append((node,))


def _materialize(node: Node, path: tuple[Any, ...], marks: Marks) -> Any:
    if node.kind == "scalar":
        return node.value
    if node.kind == "seq":
        items = []
        for index, child in enumerate(node.items):
            marks.add(path + (index,), child.line, child.column)
            items.append(_materialize(child, path + (index,), marks))
        if node.tag == REFERENCE_TAG:
            return Reference(items)
        return items
    if node.tag == REFERENCE_TAG:
        raise YamlError("!reference needs a sequence, as in `!reference [job, script]`", node.line, node.column)
    mapping: dict[str, Any] = {}
    for key_node, value_node in node.items:
        key = _materialize(key_node, path, Marks())
        if key == "<<" and value_node.kind != "scalar":
            _merge(mapping, value_node, path, marks)
            continue
        name = key if isinstance(key, str) else ruby_to_s(key)
        marks.add(path + (name,), key_node.line, key_node.column)
        mapping[name] = _materialize(value_node, path + (name,), marks)
    return mapping


def _merge(mapping: dict[str, Any], source: Node, path: tuple[Any, ...], marks: Marks) -> None:
    """`<<: *anchor` as Psych does it: `Hash#merge!`, later sources in a list lose."""
    sources = [source] if source.kind == "map" else list(reversed(source.items))
    merged: dict[str, Any] = {}
    for item in sources:
        value = _materialize(item, path, marks)
        if isinstance(value, dict):
            merged.update(value)
    mapping.update(merged)


def read_document(
    text: str, max_size: int, line_offset: int = 0, column_offset: int = 0
) -> Document | None:
    """Parse the first YAML document of `text`; None when the text holds no document.

    `line_offset` and `column_offset` place the text inside its file (a piece after a
    `---` divider may start mid-line).
    """
    builder = _Builder(max_size, line_offset, column_offset)
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if builder.feed(event):
                break
    except yaml.MarkedYAMLError as error:
        raise _psych_syntax_error(error, line_offset) from None
    except yaml.YAMLError as error:
        raise YamlError(f"(<unknown>): {error}") from None
    if builder.root is None:
        return None
    marks = Marks()
    marks.add((), builder.root.line, builder.root.column)
    return Document(_materialize(builder.root, (), marks), marks)


def _psych_syntax_error(error: yaml.MarkedYAMLError, line_offset: int) -> YamlError:
    """Psych's message form: `(<unknown>): <problem> <context> at line L column C`."""
    shown = error.context_mark or error.problem_mark
    place = error.problem_mark or error.context_mark
    words = " ".join(part for part in (error.problem, error.context) if part)
    line = (shown.line + 1 + line_offset) if shown else 0
    column = (shown.column + 1) if shown else 0
    message = f"(<unknown>): {words} at line {line} column {column}"
    if place is None:
        return YamlError(message, line, column)
    return YamlError(message, place.line + 1 + line_offset, place.column + 1)
