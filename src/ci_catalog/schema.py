"""Stage 5: validate a document against GitLab's CI JSON schema.

The schema is the one check-jsonschema vendors and keeps current (GitLab's
app/assets/javascripts/editor/schema/ci.json), read from that package's data. Each
problem is placed at the node it is about, in the source file, and names the JSON path.

Two validators share the work. jsonschema-rs (compiled, ~250 times faster) says whether
a document is valid; only when it is not does Python's jsonschema, which the problems
are worked out with (the most specific error, its absolute path), look at it. The two
read the schema's regular expressions differently (ECMA-262 against Python's `re`), so
jsonschema-rs gets the schema with each `.` and `$` written as Python reads them, and
decides only for documents whose strings are printable ASCII (tabs and line breaks
too) and punctuation or symbols of the Basic Multilingual Plane (`…`, `—`, `→`), where
the other classes (`\\w`, `\\d`, `\\s`) mean the same in both: no punctuation or
symbol is a word character, a digit or a space to either. Any other
document, and any value jsonschema-rs cannot take (bytes, a huge integer, NaN), goes
to Python's jsonschema alone. Both check the one format GitLab's schema needs checked
offline, `regex`, with Python's `re`.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_catalog.problems import Marks, Problem, format_json_path
from ci_catalog.yamlread import Reference

if TYPE_CHECKING:  # Python's jsonschema is imported only for a document with errors
    import jsonschema
    from jsonschema.exceptions import ValidationError

SCHEMA_PACKAGE = "check_jsonschema"
SCHEMA_FILE = ("builtin_schemas", "vendor", "gitlab-ci.json")
MAX_MESSAGE = 240
# The formats both validators check; the schema's others (uri, uri-reference, date-time)
# are left alone, as Python's jsonschema leaves them without its optional packages.
CHECKED_FORMATS = ("regex",)
# What jsonschema-rs decides for: printable ASCII, tabs and line breaks, and (checked one
# character at a time, `_neutral`) the punctuation and symbols of the BMP.
_PLAIN = re.compile(r"[\t\n\x0b\x0c\r\x20-\x7e]*")
_ASCII_PLAIN = frozenset("\t\n\x0b\x0c\r" + "".join(map(chr, range(0x20, 0x7F))))
_LARGEST_INT = 2**63 - 1


class _Unsure(Exception):
    """A value jsonschema-rs does not decide for."""


@functools.cache
def gitlab_ci_schema() -> dict[str, Any]:
    """GitLab's CI schema, from check-jsonschema's data (its code is not imported: it costs 0.2 s)."""
    path = schema_path()
    if path is None:
        raise RuntimeError(f"GitLab's CI schema is missing: {SCHEMA_PACKAGE} is not installed with its data")
    schema: dict[str, Any] = json.loads(path.read_bytes())
    return schema


def schema_path() -> Path | None:
    spec = importlib.util.find_spec(SCHEMA_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder, *SCHEMA_FILE)
        if path.is_file():
            return path
    return None


@functools.cache
def gitlab_ci_validator() -> jsonschema.Draft7Validator:
    """Python's jsonschema over GitLab's CI schema, compiled once: the errors and their places."""
    import jsonschema

    return jsonschema.Draft7Validator(gitlab_ci_schema(), format_checker=jsonschema.FormatChecker(CHECKED_FORMATS))


@functools.cache
def fast_validator() -> Any:
    """jsonschema-rs over GitLab's CI schema with its patterns as Python reads them, or None
    where jsonschema-rs is not installed."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    schema = _python_patterns(gitlab_ci_schema())
    formats = {name: _any_value for name in _formats(schema)} | {"regex": _is_regex}
    return jsonschema_rs.Draft7Validator(schema, formats=formats, validate_formats=True, offline=True)


def as_json(value: Any) -> Any:
    """The document as JSON sees it: `!reference` tags are plain lists of strings."""
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, (list, Reference)):
        return [as_json(item) for item in value]
    return value


def fast_verdict(document: Any) -> bool | None:
    """jsonschema-rs's verdict, or None when the document is not one it decides for."""
    validator = fast_validator()
    if validator is None:
        return None
    try:
        return bool(validator.is_valid(_plain_json(document)))
    except (_Unsure, RecursionError, ValueError):
        return None


def schema_errors(document: Any) -> list[ValidationError]:
    """The most specific schema error under each failing top-level check."""
    if fast_verdict(document):
        return []
    errors = gitlab_ci_validator().iter_errors(as_json(document))
    return sorted((_most_specific(error) for error in errors), key=lambda e: list(map(str, e.absolute_path)))


def is_valid(document: Any) -> bool:
    return bool(fast_verdict(document)) or gitlab_ci_validator().is_valid(as_json(document))


def validate_document(
    document: Any,
    marks: Marks,
    path: str,
    prefix: tuple[Any, ...] = (),
    keep: Callable[[tuple[Any, ...]], bool] | None = None,
) -> list[Problem]:
    """Schema problems of a document, each at its place in the file `path` (only those
    whose place `keep` accepts, when it is given)."""
    problems = []
    for error in schema_errors(document):
        where = prefix + tuple(error.absolute_path)
        if keep is not None and not keep(where):
            continue
        unexpected = _unexpected_key(error)
        if unexpected is not None:
            where += (unexpected,)
        line, column = marks.find(where)
        problems.append(
            Problem(_short(error.message), path, line, column, json_path=format_json_path(where), code="schema")
        )
    return problems


# --- the fast validator's schema and documents ----------------------------------------


def _python_patterns(node: Any) -> Any:
    """The schema with each pattern (and patternProperties key) as Python's `re` reads it."""
    if isinstance(node, list):
        return [_python_patterns(item) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {key: _python_patterns(value) for key, value in node.items()}
    if isinstance(node.get("pattern"), str):
        copy["pattern"] = python_pattern(node["pattern"])
    if isinstance(node.get("patternProperties"), dict):
        copy["patternProperties"] = {
            python_pattern(key): _python_patterns(value) for key, value in node["patternProperties"].items()
        }
    return copy


def python_pattern(pattern: str) -> str:
    """`pattern` for an ECMA-262 engine, matching what Python's `re.search` matches.

    Python's `.` takes any character but a line feed (ECMA's refuses carriage returns
    too), and its `$` matches at the end or before a line feed that ends the string.
    """
    out = []
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            end = index + 1 + pattern.startswith("^", index + 1)
            out.append(pattern[index:end])
            if pattern.startswith("]", end):  # first in a class, `]` is itself to Python
                out.append("\\]")
                end += 1
            index, in_class = end, True
            continue
        elif char == ".":
            char = "[^\\n]"
        elif char == "$":
            char = "(?:\\n?$)"
        out.append(char)
        index += 1
    return "".join(out)


def _formats(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*map(_formats, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {node["format"]} if isinstance(node.get("format"), str) else set()
    return found.union(*map(_formats, node.values()))


def _any_value(value: str) -> bool:
    return True


def _is_regex(value: str) -> bool:
    try:
        re.compile(value)
    except re.error:
        return False
    return True


def _plain_json(value: Any) -> Any:
    """The document as JSON, if every value in it is one jsonschema-rs decides for alike."""
    kind = type(value)
    if kind is str:
        if _PLAIN.fullmatch(value) is None and not all(map(_neutral, set(value) - _ASCII_PLAIN)):
            raise _Unsure
        return value
    if kind is dict:
        return {_plain_json(str(key)): _plain_json(item) for key, item in value.items()}
    if kind is list or kind is Reference:
        return [_plain_json(item) for item in value]
    if value is None or kind is bool:
        return value
    if kind is int and -_LARGEST_INT <= value <= _LARGEST_INT:
        return value
    if kind is float and math.isfinite(value):
        return value
    raise _Unsure


@functools.cache
def _neutral(char: str) -> bool:
    """Whether both engines read the character alike in every class: a punctuation mark or a
    symbol of the Basic Multilingual Plane (one code point, one UTF-16 unit, for lengths too)."""
    return ord(char) < 0x10000 and unicodedata.category(char)[0] in "PS" and not char.isalnum() and not char.isspace()


# --- Python's errors ----------------------------------------------------------------


def _unexpected_key(error: ValidationError) -> str | None:
    """The key an `additionalProperties: false` error names first, taken from the data.

    Not parsed back out of the message: the message shows keys by `repr`, so a key with
    a quote, a backslash or a control character would not be found in the document, and
    with `patternProperties` the message has another form altogether.
    """
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return None
    schema = error.schema if isinstance(error.schema, dict) else {}
    properties = schema.get("properties", {})
    patterns = "|".join(schema.get("patternProperties", {}))
    extras = [key for key in error.instance if key not in properties and not (patterns and re.search(patterns, key))]
    return min(extras, key=str, default=None)


def _most_specific(error: ValidationError) -> ValidationError:
    """Follow anyOf/oneOf branches to the error that explains the failure best.

    A branch that failed only on `type` was the wrong shape altogether (a string where a
    mapping was meant); among the others the deepest error names the exact place.
    """
    while error.context:
        branches = [sub for sub in error.context if sub.validator != "type"] or list(error.context)
        error = max(branches, key=lambda sub: (len(sub.absolute_path), sub.validator not in ("anyOf", "oneOf")))
    return error


def _short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"
