"""`run` steps, checked against the steps JSON schema as GitLab checks them.

job.rb validates `run` with GitLab's JsonSchemaValidator (`detail_errors: true`) against
app/validators/json_schemas/run_steps.json; the editor schema's `steps` definition is
the same shape, so it is used here. GitLab words each failure as the json_schemer gem
does: `object at \\`/0\\` is missing required properties: name`, `object property at
\\`/0/script\\` is a disallowed additional property`, `value at root is not an array`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from ci_catalog.schema import as_json, gitlab_ci_validator

_ARTICLES = {"array": "an array", "object": "an object", "integer": "an integer"}

ValidationError = Any  # jsonschema's, which ships no type information


@functools.cache
def _validator() -> Any:
    """A validator of the same kind as the CI schema's, for its `steps` definition."""
    ci = gitlab_ci_validator()
    definitions = ci.schema["definitions"] if isinstance(ci.schema, dict) else {}
    return type(ci)({"$ref": "#/definitions/steps", "definitions": definitions})


def run_errors(value: Any) -> list[str]:
    """GitLab's messages for what is wrong in a `run` value, each once, in order."""
    messages: dict[str, None] = {}
    for error in _validator().iter_errors(as_json(value)):
        for leaf in _leaves(error):
            messages.update(dict.fromkeys(_messages(leaf)))
    return list(messages)


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors of every branch that failed (json_schemer reports them all)."""
    if not error.context:
        yield error
        return
    for sub in error.context:
        yield from _leaves(sub)


def _messages(error: ValidationError) -> list[str]:
    where = _pointer(error)
    kind = error.validator
    if kind == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        return [f"object at {where} is missing required properties: {', '.join(missing)}"]
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        extras = [key for key in error.instance if key not in known and not _matches_any(patterns, key)]
        inside = "" if where == "root" else where.strip("`")
        return [f"object property at `{inside}/{key}` is a disallowed additional property" for key in extras]
    if kind == "type":
        expected = error.validator_value
        names = expected if isinstance(expected, list) else [expected]
        return [f"value at {where} is not {' or '.join(_ARTICLES.get(name, f'a {name}') for name in names)}"]
    if kind == "pattern":
        return [f"string at {where} does not match pattern: {error.validator_value}"]
    if kind == "minLength":
        return [f"string length at {where} is less than: {error.validator_value}"]
    if kind == "not":
        return [f"value at {where} matches `not` schema"]
    return []


def _pointer(error: ValidationError) -> str:
    parts = [str(part) for part in error.absolute_path]
    return "root" if not parts else "`/" + "/".join(parts) + "`"


def _matches_any(patterns: list[str], key: str) -> bool:
    return any(re.search(pattern, key) for pattern in patterns)
