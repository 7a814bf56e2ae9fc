"""Write a rendered document as YAML or JSON, the way a user reads it back."""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import yaml

from ci_catalog.bigint import BigInteger
from ci_catalog.rubyfmt import float_to_s
from ci_catalog.schema import as_json
from ci_catalog.yamlread import Reference, YamlError, psych_plain_scalar, read_document


class _Dumper(yaml.SafeDumper):
    """Block style, insertion order, no anchors for values that happen to be shared."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_reference(dumper: yaml.SafeDumper, value: Reference) -> yaml.Node:
    if value.scalar is not None:
        return dumper.represent_scalar("!reference", value.scalar)
    if value.mapping is not None:
        return dumper.represent_mapping("!reference", value.mapping, flow_style=True)
    return dumper.represent_sequence("!reference", list(value), flow_style=True)


_FOLDED_BREAKS = ("\x85", "\u2028", "\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    node = dumper.represent_str(value)
    # PyYAML writes NEL, LS and PS raw outside double quotes, where a reader folds them
    # into spaces: only double quotes escape them.
    if any(mark in value for mark in _FOLDED_BREAKS):
        node.style = '"'
    # PyYAML quotes what YAML 1.1 would not read back as this string; Psych reads more
    # (`1,000` is 1000, `:name` a symbol): quote those too. A quoting style the text
    # cannot take falls back to double quotes.
    elif not _psych_reads_back(value):
        node.style = "'"
    return node


def _psych_reads_back(value: str) -> bool:
    try:
        return psych_plain_scalar(value) == value
    except YamlError:  # a date, say, which GitLab would refuse unquoted
        return False


def _represent_big_integer(dumper: yaml.SafeDumper, value: BigInteger) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:int", str(value))


_Dumper.add_representer(Reference, _represent_reference)
_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(BigInteger, _represent_big_integer)


class _LiteralBlockDumper(_Dumper):
    """Multi-line strings (job scripts) as literal blocks, as people write them."""


def _represent_literal(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    node = _represent_str(dumper, value)
    if "\n" in value and isinstance(node, yaml.ScalarNode) and node.style != '"' and _literal_reads_back(value):
        node.style = "|"
    return node


# The widest literal block that is checked by reading it back; a wider one keeps the
# quoted style, which always reads back.
_MAX_CHECKED_LITERAL = 1 << 20


@lru_cache(maxsize=256)
def _literal_reads_back(value: str) -> bool:
    """Whether `value` written as a `|` block reads back as `value`, as GitLab reads it.

    PyYAML writes some text in another style when asked for a block (a line that ends in
    a space, a tab, a carriage return); this writes it in a sequence under a key, as a
    script line is, and reads it back with the reader GitLab's answers were taken from.
    """
    if len(value) > _MAX_CHECKED_LITERAL:
        return False
    events = [
        yaml.StreamStartEvent(),
        yaml.DocumentStartEvent(),
        yaml.MappingStartEvent(None, None, True),
        yaml.ScalarEvent(None, None, (True, True), "key"),
        yaml.SequenceStartEvent(None, None, True),
        yaml.ScalarEvent(None, None, (True, True), value, style="|"),
        yaml.SequenceEndEvent(),
        yaml.MappingEndEvent(),
        yaml.DocumentEndEvent(),
        yaml.StreamEndEvent(),
    ]
    text = yaml.emit(events, allow_unicode=True, width=1 << 30)
    if not text.startswith("key:\n- |"):
        return False
    try:
        document = read_document(text, 1 << 40)
    except YamlError:
        return False
    return document is not None and document.data == {"key": [value]}


_LiteralBlockDumper.add_representer(str, _represent_literal)


def to_yaml(data: Any, literal_blocks: bool = False) -> str:
    """YAML GitLab reads back as `data`; `literal_blocks` writes multi-line strings as `|`
    blocks, each one that reads back as the same string (the others keep their quotes)."""
    dumper = _LiteralBlockDumper if literal_blocks else _Dumper
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1 << 30)


# What YAML may not hold raw inside a quoted string: the characters outside its printable
# set, and the line breaks other than \n (NEL, LS, PS), which it would fold into a space.
# JSON escapes only the C0 controls. (Written as what to escape, not as the complement of
# what is printable: that class compiles in a ninth of the time, on every start.)
_NOT_YAML_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def to_json(data: Any) -> str:
    """JSON that is also a YAML file GitLab reads: characters YAML refuses or folds (DEL,
    C1 controls, NEL, LS, PS, lone surrogates, which would not even encode) are written
    as `\\u` escapes."""
    text = json_text(as_json(data))
    return _NOT_YAML_PRINTABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def json_null(value: float) -> str:
    """NaN and ±Infinity as GitLab's JSON writes them: null (ActiveSupport's Float#as_json,
    activesupport/lib/active_support/core_ext/object/json.rb, which Oj's rails mode follows)."""
    return "null"


def yaml_float(value: float) -> str:
    """NaN and ±Infinity as a YAML file spells them (`.nan`, `.inf`, `-.inf`)."""
    return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"


def json_text(data: Any, indent: int | None = 2, non_finite: Callable[[float], str] = json_null) -> str:
    """`data` as JSON, never with `NaN` or `Infinity` (not JSON): those are written as
    `non_finite` says; integers of any length are written in full, as Ruby writes them
    (Python's `json` refuses ones of more than 4,300 digits); floats as Ruby writes them,
    `5.0e-324` rather than Python's `5e-324`, which Psych would read back as a string
    (GitLab reads a JSON file as YAML)."""
    raw: list[str] = []
    marker = f"\0{secrets.token_hex(8)}:"

    def swap(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: swap(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [swap(item) for item in value]
        if isinstance(value, float) and not math.isfinite(value):
            raw.append(non_finite(value))
        elif isinstance(value, float) and "e" in repr(value) and "." not in repr(value):
            raw.append(float_to_s(value))
        elif isinstance(value, BigInteger):
            raw.append(str(value))
        else:
            return value
        return f"{marker}{len(raw) - 1}"

    text = json.dumps(swap(data), indent=indent, ensure_ascii=False, allow_nan=False)
    if not raw:
        return text
    quoted = re.escape(json.dumps(marker)[:-1])  # the marker as JSON writes it, without its closing quote
    return re.sub(quoted + r'(\d+)"', lambda found: raw[int(found.group(1))], text)
