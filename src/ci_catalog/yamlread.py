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

import dataclasses
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from ci_catalog import yamlevents
from ci_catalog.bigint import integer, parse_digits
from ci_catalog.problems import Marks, RawSpan
from ci_catalog.rubyfmt import ruby_inspect, ruby_to_s

MAX_DEPTH = 100
REFERENCE_TAG = "!reference"
SYMBOL_TAG = "!ruby/symbol"


class Reference(list[Any]):
    """A `!reference [job, key]` tag: kept as a tag, not interpolated, shown as a list.

    Psych hands GitLab a tag on a scalar or a mapping too; GitLab refuses it only when it
    resolves the tag (`!reference "a" is not valid`), so such a tag is kept here with its
    text (`scalar`) or its mapping, and no items.
    """

    scalar: str | None = None
    mapping: dict[str, Any] | None = None


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


@dataclass(slots=True)  # a file may hold a million of them
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
    counted: int = 0  # the collection's own size already added to the running total
    aliased: bool = False  # this use is an alias (`*name`), which Psych merges differently
    # A scalar's end and style, for its span (kept as plain fields: a tuple each would
    # double the objects the garbage collector tracks while a large file is read).
    end_line: int = 0
    end_column: int = 0
    style: str | None = None  # None (plain: libyaml says None, PyYAML's parser ''), `'`, `"`, `|` or `>`

    def span(self) -> RawSpan:
        return (self.line, self.column, self.end_line, self.end_column, self.style)


@dataclass
class Document:
    data: Any
    marks: Marks


# --- Psych's scalar scanner ------------------------------------------------------------

# Psych: %r{^[^\d.:-]?[[:alpha:]_\s!@#$%\^&*(){}<>|/\\~;=]+}, with Ruby's ASCII \d and \s.
# Possessive (`++`): a group repeated with backtracking keeps ~120 bytes a character, 228 MiB
# for a 1.9 MB scalar; whether it matches, all that is asked, is the same.
_STRINGISH = re.compile(r"^[^0-9.:-]?(?:[^\W\d_]|[_ \t\r\n\f\v!@#$%^&*(){}<>|/\\~;=])++")
_TIME = re.compile(
    r"^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$"
)
_DATE = re.compile(r"^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$")
_SEXAGESIMAL_INT = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}$")
_SEXAGESIMAL_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}\.[0-9_]*$")
_FLOAT = re.compile(r"^(?:[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?)$")
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_INTEGER = re.compile(
    r"^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$"
)


def _may_be_time(text: str) -> bool:
    # Untagged, only a date or a time can fail to convert. Both have a `-` after four
    # digits, and the shortest date is 8 characters: most scalars need no regex at all.
    return len(text) >= 8 and "-" in text and bool(_DATE.match(text) or _TIME.match(text))


class DisallowedClass(YamlError):
    def __init__(self, name: str, line: int = 0, column: int = 0) -> None:
        super().__init__(f"Tried to load unspecified class: {name}", line, column)


class RubyError(YamlError):
    """Psych fails with a Ruby exception that is not a Psych error, which GitLab's loader
    does not rescue (it rescues `Psych::Exception` only): the pipeline fails with an
    internal error. `message` is Ruby's, then what happened."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{message} ({kind} in Psych, which GitLab does not catch: it fails with an internal error)")


def psych_plain_scalar(text: str) -> Any:
    """The Ruby value Psych gives an unquoted scalar (as a Python value)."""
    if text == "":
        return None
    if _DECIMAL.match(text):
        # The commonest number, and a file can hold a million of them: skip the scans
        # that cannot match it (it is what _INTEGER and _psych_int would give; a long
        # one would also cost _INTEGER's backtracking a frame per digit).
        return int(text) if len(text) < 20 else _psych_int(text)
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
    """Psych's base 60: each part's `to_i` (or `to_f`) times 60 ** |index - 2|.

    So `1:20` is 1 * 3600 + 20 * 60 (two parts are hours and minutes), and a sign
    belongs to the first part alone (`-1:20` is -3600 + 1200).
    """
    total: Any = 0
    for index, part in enumerate(text.split(":")):
        total += (_ruby_to_f(part) if kind is float else _ruby_to_i(part)) * 60 ** abs(index - 2)
    return total if kind is float else integer(total)


# Ruby's String#to_i and #to_f read a leading number, digits joined by single underscores.
_RUBY_LEADING_INT = re.compile(r"[ \t\n\v\f\r]*([-+]?)([0-9]+(?:_[0-9]+)*)")
_RUBY_LEADING_FLOAT = re.compile(r"[ \t\n\v\f\r]*([-+]?[0-9]+(?:_[0-9]+)*(?:\.[0-9]+(?:_[0-9]+)*)?)")


def _ruby_to_i(text: str) -> int:
    match = _RUBY_LEADING_INT.match(text)
    if not match:
        return 0
    magnitude = parse_digits(match.group(2).replace("_", ""))
    return -magnitude if match.group(1) == "-" else magnitude


def _ruby_to_f(text: str) -> float:
    match = _RUBY_LEADING_FLOAT.match(text)
    return float(match.group(1).replace("_", "")) if match else 0.0


_INTEGER_BASES = {"0b": 2, "0x": 16}


def _psych_int(text: str) -> int:
    """Ruby's `Integer(text.delete(",_"))`, for text Psych's INTEGER pattern matched."""
    cleaned = text.replace(",", "").replace("_", "")
    digits = cleaned.lstrip("+-")
    base = _INTEGER_BASES.get(digits[:2], 8 if len(digits) > 1 and digits.startswith("0") else 10)
    digits = digits[2:] if base in (2, 16) else digits
    if not digits:
        # `0x_`: Psych before 5.2 hands Integer() a bare prefix; 5.2 reads the text as a string.
        raise RubyError("ArgumentError", f"invalid value for Integer(): {ruby_inspect(cleaned)}")
    magnitude = parse_digits(digits, base)
    return integer(-magnitude) if cleaned.startswith("-") else magnitude


_STR_TAG = "tag:yaml.org,2002:str"
_FLOAT_TAGS = ("tag:yaml.org,2002:float", "!float")
_BINARY_TAGS = ("tag:yaml.org,2002:binary", "!binary")
_OMAP_TAGS = ("tag:yaml.org,2002:omap", "!omap")


def _scalar_value(tag: str | None, text: str, plain: bool) -> Any:
    """A scalar's value, as Psych's ToRuby#deserialize gives it.

    Untagged, quoted text is a string and plain text is scanned. libyaml marks an
    explicitly tagged scalar (`!` included) neither plain nor quoted, so a tagged one is
    read by its tag whatever its quoting: `!!str` and `!str` are strings, `!!float` is
    `Float()` of the scanned text, `!!binary` is decoded, a class tag fails, and any other
    tag (`!`, `!!int`, `!!null`, `!foo`) is ignored: its text is scanned as if untagged.
    """
    if tag is None:
        return psych_plain_scalar(text) if plain else text
    if tag == _STR_TAG:
        return text
    if tag in _FLOAT_TAGS:
        return _psych_float(text)
    if tag in _BINARY_TAGS:
        return _unpack_base64(text).decode("utf-8", "replace")
    if tag == REFERENCE_TAG:
        reference = Reference()
        reference.scalar = text
        return reference
    return _application_scalar(tag, text)


# Psych's ToRuby#deserialize: the few scalar tags that load a class (GitLab permits none).
_SCALAR_CLASSES = {
    "!ruby/object:BigDecimal": "BigDecimal",
    "!ruby/object:DateTime": "DateTime",
    "!ruby/object:Complex": "Complex",
    "!ruby/object:Rational": "Rational",
    "!ruby/regexp": "Regexp",
    "!ruby/range": "Range",
}


def _application_scalar(tag: str, text: str) -> Any:
    """A scalar with any other tag, as Psych reads it: a class tag fails, any other is ignored."""
    if tag in _SCALAR_CLASSES:
        raise DisallowedClass(_SCALAR_CLASSES[tag])
    if tag in ("!ruby/class", "!ruby/module") and text:
        raise DisallowedClass(text)
    string = re.match(r"^!(?:str|ruby/string)(?::(.*))?$", tag)
    if string:
        if string.group(1):
            raise DisallowedClass(string.group(1))
        return text
    if re.match(r"^!ruby/sym(?:bol)?", tag):
        return text  # a Symbol, which GitLab turns back into a string
    return psych_plain_scalar(text)


def _psych_float(text: str) -> float:
    """`!!float`: Ruby's `Float()` of what Psych's scanner makes of the text."""
    value = psych_plain_scalar(text)
    if isinstance(value, str) and value != text:  # only a Symbol changes the text
        raise RubyError("TypeError", "can't convert Symbol into Float")
    if value is None or isinstance(value, bool):
        raise RubyError("TypeError", f"can't convert {ruby_inspect(value)} into Float")
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        return _int_to_float(value)
    return _ruby_float_of_text(value)


def _int_to_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:  # Ruby's Integer#to_f gives Infinity past Float::MAX
        return -math.inf if value < 0 else math.inf


# Ruby's `Float(string)`: spaces around; a decimal with digits joined by single
# underscores, or hexadecimal with an optional binary exponent.
_RUBY_FLOAT_TEXT = re.compile(
    r"[ \t\n\v\f\r]*(?P<sign>[-+]?)(?:0[xX](?P<hex>[0-9a-fA-F]+)(?:[pP](?P<power>[-+]?[0-9]+))?"
    r"|(?P<decimal>(?=\.?[0-9])(?:[0-9]+(?:_[0-9]+)*)?(?:\.[0-9]+(?:_[0-9]+)*)?(?:[eE][-+]?[0-9]+(?:_[0-9]+)*)?))"
    r"[ \t\n\v\f\r]*\Z"
)


def _ruby_float_of_text(text: str) -> float:
    match = _RUBY_FLOAT_TEXT.match(text)
    if not match:
        raise RubyError("ArgumentError", f"invalid value for Float(): {ruby_inspect(text)}")
    if match.group("decimal") is not None:
        return float(match.group("sign") + match.group("decimal").replace("_", ""))
    magnitude = int(match.group("hex"), 16)
    power = int(match.group("power") or 0)
    try:
        result = math.ldexp(float(magnitude), power)
    except OverflowError:
        result = math.inf
    return -result if match.group("sign") == "-" else result


_BASE64 = {char: index for index, char in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _unpack_base64(text: str) -> bytes:
    """Ruby's `unpack('m')`: base64 that skips other characters and needs no padding.

    It stops at a `=` in the third or fourth place of a group of four; a last group of
    two or three characters gives one or two bytes, of one character nothing.
    """
    out = bytearray()
    group: list[int] = []
    for char in text:
        if char == "=" and len(group) >= 2:
            break
        if char in _BASE64:
            group.append(_BASE64[char])
            if len(group) == 4:
                bits = group[0] << 18 | group[1] << 12 | group[2] << 6 | group[3]
                out += bits.to_bytes(3, "big")
                group = []
    if len(group) >= 2:
        out.append((group[0] << 2 | group[1] >> 4) & 0xFF)
    if len(group) == 3:
        out.append((group[1] << 4 | group[2] >> 2) & 0xFF)
    return bytes(out)


def _collection_class(kind: str, tag: str | None) -> str | None:
    """The class Psych's ToRuby would load for a tagged mapping or sequence, if any.

    GitLab's `safe_load` permits none of them (`Tried to load unspecified class: X`);
    an unknown tag such as `!foo` is ignored and the node reads as a plain Hash/Array.
    """
    if not tag:
        return None
    if tag in _OMAP_TAGS:
        # A list tagged omap is read into a Psych::Omap without asking the class loader.
        return None if kind == "seq" else "Psych::Omap"
    if kind == "seq":
        match = re.match(r"^!(?:seq|ruby/array):(.*)$", tag)
        return (match.group(1) or None) if match else None
    if tag in ("!set", "tag:yaml.org,2002:set"):
        return "Psych::Set"
    if tag == "!ruby/range":
        return "Range"
    for pattern, fallback in (
        (r"^!ruby/struct:?(.*)?$", "Struct"),
        (r"^!ruby/object:?(.*)?$", "Object"),
        (r"^!ruby/exception:?(.*)?$", "Exception"),
        (r"^!(?:str|ruby/string)(?::(.*))?$", None),
        (r"^!ruby/array:(.*)$", None),
        (r"^!ruby/hash-with-ivars(?::(.*))?$", None),
        (r"^!(?:map|ruby/hash):(.*)$", None),
        (r"^!ruby/marshalable:(.*)$", None),
    ):
        match = re.match(pattern, tag)
        if match:
            name = match.group(1) or fallback
            return None if name == "Hash" and pattern.startswith("^!ruby/object") else name
    return None


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
    """Turns libyaml events into a node tree, measuring it as it grows."""

    def __init__(self, max_size: int, line_offset: int, column_offset: int) -> None:
        self.max_size = max_size
        self.line_offset = line_offset
        self.column_offset = column_offset
        self.anchors: dict[str, Node] = {}
        self.late_anchors: set[str] = set()
        self.stack: list[Node] = []
        self.root: Node | None = None
        self.total = 0

    def feed(self, event: Any) -> bool:
        """Take one event; True once the first document is complete."""
        if type(event) is yaml.ScalarEvent:
            self.attach(self.scalar(event), event.anchor)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
            line, column = self.position(event)
            if len(self.stack) + 1 > MAX_DEPTH:
                raise TooBig(line, column)
            disallowed = _collection_class(kind, event.tag)
            if disallowed is not None:
                raise DisallowedClass(disallowed, line, column)
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
        line = mark.line
        # file_place(), inlined: this runs for every node of the file.
        return line + 1 + self.line_offset, mark.column + 1 + (self.column_offset if line == 0 else 0)

    def scalar(self, event: Any) -> Node:
        line, column = self.position(event)
        try:
            if event.tag or event.style:
                value = _scalar_value(event.tag, event.value, plain=not event.style)
            else:  # the common case, taken directly: a file may hold a million of them
                value = psych_plain_scalar(event.value)
        except YamlError as error:
            error.line, error.column = line, column
            raise
        size = _scalar_memsize(value)
        tag = event.tag
        if tag is None and event.value.startswith(":") and isinstance(value, str) and value != event.value:
            tag = SYMBOL_TAG  # a plain `:name`: a Symbol, which is no `<<` merge key
        end = event.end_mark  # placed in the file as `position` places a start
        end_line, end_column = end.line + 1 + self.line_offset, end.column + 1
        if end.line == 0:
            end_column += self.column_offset
        node = Node(
            "scalar",
            line,
            column,
            value,
            [],
            tag,
            size,
            0,
            True,
            end_line=end_line,
            end_column=end_column,
            style=event.style or None,
        )
        if size:
            self.grow(size, node)
        return node

    def alias(self, event: Any) -> Node:
        line, column = self.position(event)
        node = self.anchors.get(event.anchor)
        if node is None:
            raise _unknown_anchor(event.anchor, line, column)
        if not node.done:
            # A cycle: Ruby's DeepSize walks it until the depth limit trips.
            raise TooBig(line, column)
        return dataclasses.replace(node, aliased=True)

    def close(self, node: Node) -> None:
        children = [n for pair in node.items for n in pair] if node.kind == "map" else node.items
        own = _collection_memsize(node.kind, len(node.items))
        node.size = own + sum(child.size for child in children)
        node.depth = 1 + max((child.depth for child in children), default=0)
        node.done = True
        if node.depth > MAX_DEPTH:
            raise TooBig(node.line, node.column)
        self.grow(own - node.counted, node)

    def grow(self, size: int, node: Node) -> None:
        """Count bytes as DeepSize does, every alias use included; stop at the limit."""
        self.total += size
        if self.total > self.max_size:
            raise TooBig(node.line, node.column)

    def note_anchor(self, event: Any) -> None:
        """Remember an anchor whose node was not kept (reading stopped on it)."""
        if getattr(event, "anchor", None) and not isinstance(event, yaml.AliasEvent):
            self.late_anchors.add(event.anchor)

    def conversion_error(self, event: Any) -> YamlError | None:
        """After the size limit tripped: the error Psych's conversion would raise here."""
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor:
                self.late_anchors.add(event.anchor)
            if not event.tag and (event.style or not _may_be_time(event.value)):
                return None
        elif kind is yaml.AliasEvent:
            if event.anchor in self.anchors or event.anchor in self.late_anchors:
                return None
            line, column = self.position(event)
            return _unknown_anchor(event.anchor, line, column)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            self.note_anchor(event)
            if not event.tag:
                return None
        else:
            return None
        line, column = self.position(event)
        try:
            if kind is yaml.ScalarEvent:
                _scalar_value(event.tag, event.value, plain=not event.style)
            else:
                name = _collection_class("map" if kind is yaml.MappingStartEvent else "seq", event.tag)
                if name is not None:
                    raise DisallowedClass(name)
        except YamlError as error:
            error.line, error.column = line, column
            return error
        return None

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
            return
        else:
            parent.items.append((node,))
        # Count an open collection's own size as it grows, not only when it closes: a
        # 2 MB flow list of a million integers (each free in Ruby) is then known to be
        # too big after a quarter of them, instead of after building every node.
        own = _collection_memsize(parent.kind, len(parent.items))
        self.grow(own - parent.counted, parent)
        parent.counted = own


def _materialize(node: Node, path: tuple[Any, ...], marks: Marks) -> Any:
    if node.kind == "scalar":
        marks.spans[path] = node.span()
        return node.value
    if node.kind == "seq":
        if node.tag in _OMAP_TAGS:
            return _omap(node, path, marks)
        items = []
        for index, child in enumerate(node.items):
            child_path = path + (index,)  # one tuple for every mark of the child
            marks.add(child_path, child.line, child.column)
            items.append(_materialize(child, child_path, marks))
        if node.tag == REFERENCE_TAG:
            return Reference(items)
        return items
    if node.tag in _STRING_MAPPING_TAGS:
        return _string_mapping(node, path)
    mapping: dict[str, Any] = {}
    for key_node, value_node in node.items:
        key = _materialize(key_node, path, Marks())
        if key == "<<" and not _string_or_symbol_tag(key_node.tag) and _mergeable(value_node):
            _merge(mapping, value_node, path, marks)
            continue
        _add(mapping, key, key_node, value_node, path, marks)
    if node.tag == REFERENCE_TAG:
        reference = Reference()
        reference.mapping = mapping
        return reference
    return mapping


def _add(
    mapping: dict[str, Any], key: Any, key_node: Node, value_node: Node, path: tuple[Any, ...], marks: Marks
) -> None:
    name = key if isinstance(key, str) else ruby_to_s(key)
    entry_path = path + (name,)
    marks.add(entry_path, key_node.line, key_node.column)
    if key_node.kind == "scalar":
        marks.key_spans[entry_path] = key_node.span()
    if not isinstance(key, str):
        marks.key_types[entry_path] = _ruby_class(key)
    mapping[name] = _materialize(value_node, entry_path, marks)


def _string_or_symbol_tag(tag: str | None) -> bool:
    """Psych merges on a key that reads `<<` unless tagged `!!str`; a Symbol `:<<` is not `<<`."""
    return tag == _STR_TAG or (tag or "").startswith("!ruby/sym")


def _is_hash(node: Node) -> bool:
    return node.kind == "map" or (node.kind == "seq" and node.tag in _OMAP_TAGS)


def _mergeable(source: Node) -> bool:
    """Whether Psych merges `<<: source` (revive_hash) or keeps `<<` as a plain key.

    An alias or a mapping is merged when it is a hash; a list written in place when
    every item is a hash. Anything else (a scalar, an alias of a list, `[*a, 1]`,
    `[[*a]]`) raises a TypeError in `Hash#merge!`, which Psych rescues by keeping `<<`.
    """
    if source.aliased or source.kind == "map":
        return _is_hash(source)
    return source.kind == "seq" and source.tag not in _OMAP_TAGS and all(_is_hash(item) for item in source.items)


def _merge(mapping: dict[str, Any], source: Node, path: tuple[Any, ...], marks: Marks) -> None:
    """`<<: *anchor` as Psych does it: `Hash#merge!`, later sources in a list lose."""
    sources = [source] if _is_hash(source) else list(reversed(source.items))
    merged: dict[str, Any] = {}
    for item in sources:
        merged.update(_materialize(item, path, marks))
    mapping.update(merged)


def _omap(node: Node, path: tuple[Any, ...], marks: Marks) -> dict[str, Any]:
    """A list tagged `!!omap`: Psych's Omap (a Hash), each item's first key and last value.

    No merge keys: Psych stores each pair as it is. An item that is not a non-empty
    mapping or list makes Psych fail with a NoMethodError.
    """
    mapping: dict[str, Any] = {}
    for item in node.items:
        if item.kind == "scalar" or not item.items:
            missing = "first' for nil:NilClass" if item.kind == "scalar" else "visit_NilClass'"
            error = RubyError(
                "NoMethodError", f"`!!omap` needs a list of one-pair mappings: undefined method `{missing}"
            )
            error.line, error.column = item.line, item.column
            raise error
        if item.kind == "map":
            key_node, value_node = item.items[0][0], item.items[-1][1]
        else:
            key_node, value_node = item.items[0], item.items[-1]
        _add(mapping, _materialize(key_node, path, Marks()), key_node, value_node, path, marks)
    return mapping


# A mapping tagged as a string: Psych's revival of a String subclass with instance variables.
_STRING_MAPPING_TAGS = (_STR_TAG, "!str", "!ruby/string")


def _ruby_class(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return {None: "NilClass", True: "TrueClass", False: "FalseClass"}[value]
    return "Float" if isinstance(value, float) else "Integer"


def _string_mapping(node: Node, path: tuple[Any, ...]) -> Any:
    """`!!str {str: text, ...}`: the value of `str`; the other keys become instance
    variables of it, which Ruby refuses on a frozen value (nil, true, a number)."""
    string: Any = None
    others = False
    for key_node, value_node in node.items:
        if _materialize(key_node, path, Marks()) == "str":
            string = _materialize(value_node, path, Marks())
        else:
            others = True
    if others and (string is None or isinstance(string, (bool, int, float))):
        error = RubyError("FrozenError", f"can't modify frozen {_ruby_class(string)}: {ruby_inspect(string)}")
        error.line, error.column = node.line, node.column
        raise error
    return string


def read_document(text: str, max_size: int, line_offset: int = 0, column_offset: int = 0) -> Document | None:
    """Parse the first YAML document of `text`; None when the text holds no document.

    `line_offset` and `column_offset` place the text inside its file (a piece after a
    `---` divider may start mid-line).
    """
    builder = _Builder(max_size, line_offset, column_offset)
    # Psych parses the whole document, then converts it (class and alias errors), and
    # only then does GitLab measure it: a later syntax error beats a conversion error,
    # which beats the size limit. So after a failure the events are still read.
    failure: YamlError | None = None
    events = iter(yamlevents.parse(text))
    try:
        for event in events:
            try:
                if builder.feed(event):
                    break
            except YamlError as error:
                failure = error
                builder.note_anchor(event)
                break
        if failure is not None:
            failure = _read_past_failure(events, builder, failure)
    except yaml.MarkedYAMLError as error:
        raise _psych_syntax_error(error, line_offset, column_offset) from None
    except yaml.reader.ReaderError as error:
        raise _reader_error(error, text, line_offset, column_offset) from None
    except yaml.YAMLError as error:
        raise YamlError(f"(<unknown>): {error}") from None
    if failure is not None:
        raise failure
    if builder.root is None:
        return None
    marks = Marks()
    marks.add((), builder.root.line, builder.root.column)
    return Document(_materialize(builder.root, (), marks), marks)


def _read_past_failure(events: Iterator[Any], builder: _Builder, failure: YamlError) -> YamlError:
    """Read the rest of the document after a failure, which a later syntax error beats
    (raised by the parser) and, when the failure is the size limit, a conversion error too.

    The file may hold a million more events: the ones that cannot fail to convert (no
    tag, no anchor, too short for a date) are passed over without a call.
    """
    measuring = isinstance(failure, TooBig)
    for event in events:
        kind = type(event)
        if kind is yaml.DocumentEndEvent:
            break
        if not measuring or (
            kind is yaml.ScalarEvent and not event.tag and not event.anchor and (event.style or len(event.value) < 8)
        ):
            continue
        error = builder.conversion_error(event)
        if error is not None:
            failure, measuring = error, False
    return failure


def file_place(line: int, column: int, line_offset: int, column_offset: int) -> tuple[int, int]:
    """A 0-based place inside a piece, as a 1-based place in the file (only the piece's
    first line is shifted right: a piece after `--- ` may start mid-line)."""
    return line + 1 + line_offset, column + 1 + (column_offset if line == 0 else 0)


def _unknown_anchor(anchor: str, line: int, column: int) -> YamlError:
    return YamlError(f"An alias referenced an unknown anchor: {anchor}", line, column)


def _reader_error(error: yaml.reader.ReaderError, text: str, line_offset: int, column_offset: int) -> YamlError:
    """A character libyaml's reader refuses (NUL, other control characters), at its place.

    Psych words it `(<unknown>): control characters are not allowed at line 1 column 1`
    (the reader has no position of its own); the place given here is the character's.
    libyaml's offset counts UTF-8 bytes.
    """
    before = text.encode("utf-8", "surrogatepass")[: error.position].decode("utf-8", "replace")
    line, column = file_place(before.count("\n"), len(before) - (before.rfind("\n") + 1), line_offset, column_offset)
    character = f" (character U+{error.character:04X})" if isinstance(error.character, int) else ""
    return YamlError(f"(<unknown>): {error.reason} at line {line} column {column}{character}", line, column)


def _psych_syntax_error(error: yaml.MarkedYAMLError, line_offset: int, column_offset: int = 0) -> YamlError:
    """Psych's message form: `(<unknown>): <problem> <context> at line L column C`.

    GitLab hands Psych each `---` piece as a string of its own, so the line and column
    in the message count from the start of the piece; the problem's place is the file's.
    """
    shown = error.context_mark or error.problem_mark
    place = error.problem_mark or error.context_mark
    words = " ".join(part for part in (error.problem, error.context) if part)
    line = (shown.line + 1) if shown else 0
    column = (shown.column + 1) if shown else 0
    message = f"(<unknown>): {words} at line {line} column {column}"
    if place is None:
        return YamlError(message)
    return YamlError(message, *file_place(place.line, place.column, line_offset, column_offset))
