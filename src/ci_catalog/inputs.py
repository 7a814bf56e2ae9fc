"""Stage 3: resolve input values: coercion, defaults, rules, and GitLab's checks.

Follows lib/ci/inputs/*.rb and lib/gitlab/ci/config/interpolation/inputs.rb (18.11):
inputs resolve in declaration order, a rule's `if` sees the inputs resolved so far,
the default is checked even when a value is given, and the errors come as
`[unknown arguments] + [per input, in spec order]`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import re2

from ci_catalog import expressions
from ci_catalog.header import InputRule, InputSpec, Spec
from ci_catalog.rubyfmt import ruby_to_s
from ci_catalog.yamlread import MAX_DEPTH

MAX_VALUE_NESTING = MAX_DEPTH
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # an invalid pattern is reported as a problem, not logged


@dataclass
class ResolvedInputs:
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def resolve_inputs(spec: Spec, given: dict[str, Any]) -> ResolvedInputs:
    """The value of every declared input, or GitLab's messages for what is wrong."""
    result = ResolvedInputs()
    per_input: list[str] = []
    for definition in spec.inputs:
        context = {**given, **result.values}
        value, errors = _resolve_one(definition, given, context)
        result.values[definition.name] = value
        per_input.extend(errors)
    unknown = [str(name) for name in given if spec.input(str(name)) is None]
    if unknown:
        result.errors.append(f"unknown input arguments: {', '.join(unknown)}")
    result.errors.extend(per_input)
    return result


def _resolve_one(definition: InputSpec, given: dict[str, Any], context: dict[str, Any]) -> tuple[Any, list[str]]:
    rule = _matching_rule(definition.rules, context)
    options = rule.options if rule and rule.options else definition.options
    default = _resolved_default(definition, rule)
    param = given.get(definition.name)
    if definition.rules is not None and param == "":
        param = None  # with rules, an empty value means "use the rule's default"
    label = f"`{definition.name}` input:"
    # GitLab tests `param.nil?`: an input given as null counts as not given.
    if definition.required and param is None:
        return None, [f"{label} required value has not been provided"]
    errors: list[str] = []
    if default is not None:
        errors += _check_value(definition, _coerce(definition.type, default), options, "default")
    if param is None:
        return _coerce(definition.type, default), errors
    value = _coerce(definition.type, param)
    return value, errors + _check_value(definition, value, options, "provided")


def _matching_rule(rules: list[InputRule] | None, context: dict[str, Any]) -> InputRule | None:
    for rule in rules or []:
        if rule.condition is None or expressions.evaluate(rule.condition, context):
            return rule
    return None


def _resolved_default(definition: InputSpec, rule: InputRule | None) -> Any:
    if rule is not None and rule.default is not None:
        return rule.default
    return definition.default if definition.has_default else None


def coerce_value(kind: str, value: Any) -> Any:
    """GitLab's coercion: strings take `to_s`; other types JSON-parse a string value."""
    return _coerce(kind, value)


def _coerce(kind: str, value: Any) -> Any:
    if kind == "string":
        return ruby_to_s(value)
    if not isinstance(value, str):
        return value
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        return value
    # Text nested too deep to parse stays text (as it does past Python's recursion
    # limit). The bound is GitLab's YAML depth limit, which every `include:inputs`
    # value already meets: deeper values would overflow the recursion of printing and
    # validating the rendered document, which holds them a few levels further down.
    return value if _nesting(parsed) > MAX_VALUE_NESTING else parsed


def _nesting(value: Any) -> int:
    """How many arrays and hashes deep a JSON value goes (counted without recursion)."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def _check_value(definition: InputSpec, value: Any, options: list[Any] | None, kind: str) -> list[str]:
    """Type, then options, then regex: every failing check adds its message."""
    label = f"`{definition.name}` input:"
    errors = []
    type_error = _type_error(definition.type, value)
    if type_error:
        errors.append(f"{label} {kind} value {type_error}")
    if options is not None:
        errors += _options_errors(definition.type, value, options, label)
    if definition.regex is not None:
        errors += _regex_errors(definition, value, kind, label)
    return errors


def _type_error(kind: str, value: Any) -> str | None:
    if kind == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else "is not a number"
    if kind == "boolean":
        return None if isinstance(value, bool) else "is not a boolean"
    if kind == "array":
        return None if isinstance(value, list) else "is not an array"
    return None


def _options_errors(kind: str, value: Any, options: list[Any], label: str) -> list[str]:
    if kind == "string":
        if ruby_to_s(value) in [ruby_to_s(option) for option in options]:
            return []
        return [f"{label} `{ruby_to_s(value)}` cannot be used because it is not in the list of allowed options"]
    if kind == "number":
        if any(_ruby_equal(value, option) for option in options):
            return []
        return [f"{label} `{ruby_to_s(value)}` cannot be used because it is not in the list of the allowed options"]
    if kind == "array":
        if not isinstance(value, list):
            return []
        bad = [item for item in value if not any(_ruby_equal(item, option) for option in options)]
        if not bad:
            return []
        names = ", ".join(ruby_to_s(item) for item in bad)
        return [f"{label} {names} cannot be used because it is not in the list of allowed options"]
    return [f"{label} Options can only be used with string, number, and array inputs"]


def _ruby_equal(left: Any, right: Any) -> bool:
    """Ruby `==`: booleans never equal numbers (Python's True == 1 does)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, float) and math.isnan(left):
        return False
    return bool(left == right)


def _regex_errors(definition: InputSpec, value: Any, kind: str, label: str) -> list[str]:
    if definition.type != "string":
        return [f"{label} RegEx validation can only be used with string inputs"]
    try:
        pattern = re2.compile(definition.regex, options=_RE2_OPTIONS)
    except re2.error:
        return [f"{label} invalid regular expression"]
    if pattern.search(ruby_to_s(value)) is None:
        return [f"{label} {kind} value does not match required RegEx pattern"]
    return []
