"""Interpolation functions: `truncate`, `expand_vars`, `posix_escape`, and flagged `split`.

Follows lib/gitlab/ci/config/interpolation/functions/*.rb and functions_stack.rb: each
function is recognised by a pattern on its stripped text; every unrecognised one is
reported; the chain runs left to right and stops at the first failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ci_catalog.rubyfmt import ShellEscapeError, shellescape

SPLIT_FEATURE = "ci_interpolation_split_function"
_VARIABLE = re.compile(r"\$([a-zA-Z_][a-zA-Z0-9_]*)|\$\{([a-zA-Z_][a-zA-Z0-9_]*)\}|%([a-zA-Z_][a-zA-Z0-9_]*)%")


@dataclass(frozen=True)
class Variable:
    """A CI/CD variable as `expand_vars` sees it."""

    key: str
    value: str
    masked: bool = False


@dataclass
class FunctionContext:
    variables: Mapping[str, Variable] = field(default_factory=dict)
    features: frozenset[str] = frozenset()


class FunctionError(Exception):
    pass


@dataclass(frozen=True)
class _Function:
    name: str
    pattern: re.Pattern[str]
    run: Callable[[re.Match[str], Any, FunctionContext], Any]
    feature: str | None = None


def _require_string(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise FunctionError(f"invalid input type: {name} can only be used with string inputs")
    return value


def _truncate(match: re.Match[str], value: Any, _: FunctionContext) -> str:
    text = _require_string("truncate", value)
    offset, length = int(match["offset"]), int(match["length"])
    return text[offset : offset + length]


def _expand_vars(_: re.Match[str], value: Any, context: FunctionContext) -> str:
    text = _require_string("expand_vars", value)

    def replace(found: re.Match[str]) -> str:
        name = found.group(1) or found.group(2) or found.group(3)
        variable = context.variables.get(name)
        if variable is None:
            return found.group(0)
        if variable.masked:
            raise FunctionError("variable expansion error: masked variables cannot be expanded")
        return variable.value

    return _VARIABLE.sub(replace, text)


def _posix_escape(_: re.Match[str], value: Any, __: FunctionContext) -> str:
    try:
        return shellescape(_require_string("posix_escape", value))
    except ShellEscapeError as error:
        raise FunctionError(str(error)) from None


def _split(match: re.Match[str], value: Any, _: FunctionContext) -> list[str]:
    text = _require_string("split", value)
    separator = match["separator"]
    if separator == "":
        raise FunctionError("invalid argument: separator cannot be empty")
    parts = text.split() if separator == " " else text.split(separator)
    return [part.strip() for part in parts if part.strip()]


FUNCTIONS = (
    _Function("truncate", re.compile(r"^truncate\(\s*(?P<offset>\d+)\s*,\s*(?P<length>\d+)\s*\)?$"), _truncate),
    _Function("expand_vars", re.compile(r"^expand_vars$"), _expand_vars),
    _Function("posix_escape", re.compile(r"^posix_escape$"), _posix_escape),
    _Function("split", re.compile(r"^split\('(?P<separator>[^']*)'\)$"), _split, SPLIT_FEATURE),
)
# The GitLab feature flags the harness knows (`render --feature`): those a function waits for.
FEATURE_FLAGS = frozenset(function.feature for function in FUNCTIONS if function.feature)


def _find(expression: str, features: frozenset[str]) -> tuple[_Function, re.Match[str]] | None:
    for function in FUNCTIONS:
        if function.feature and function.feature not in features:
            continue
        match = function.pattern.search(expression)
        if match:
            return function, match
    return None


def run_functions(expressions: list[str], value: Any, context: FunctionContext) -> tuple[Any, list[str]]:
    """Apply a chain of functions; (value, []) on success, (None, messages) otherwise."""
    found = [(expression, _find(expression, context.features)) for expression in expressions]
    unknown = [
        f"no function matching `{expression}`: check that the function name, arguments, and types are correct"
        for expression, match in found
        if match is None
    ]
    if unknown:
        return None, unknown
    names = [match[0].name for _, match in found if match]
    if "split" in names[:-1]:
        return None, ["split() must be the last function in a chain (it returns an array, not a string)"]
    for _, match in found:
        assert match is not None
        function, groups = match
        try:
            value = function.run(groups, value, context)
        except FunctionError as error:
            return None, [f"error in `{function.name}` function: {error}"]
    return value, []
