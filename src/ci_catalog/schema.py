"""Stage 5: validate a document against GitLab's CI JSON schema.

The schema is the one check-jsonschema vendors and keeps current (GitLab's
app/assets/javascripts/editor/schema/ci.json); it is loaded from that package and
compiled once per process. Each problem is placed at the node it is about, in the
source file, and names the JSON path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import jsonschema
from check_jsonschema.builtin_schemas import get_builtin_schema
from jsonschema.exceptions import ValidationError

from ci_catalog.problems import Marks, Problem, format_json_path
from ci_catalog.yamlread import Reference

SCHEMA_NAME = "vendor.gitlab-ci"
MAX_MESSAGE = 240


@functools.cache
def gitlab_ci_validator() -> jsonschema.Draft7Validator:
    """GitLab's CI schema, compiled once."""
    schema = get_builtin_schema(SCHEMA_NAME)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def as_json(value: Any) -> Any:
    """The document as JSON sees it: `!reference` tags are plain lists of strings."""
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, (list, Reference)):
        return [as_json(item) for item in value]
    return value


def schema_errors(document: Any) -> list[ValidationError]:
    """The most specific schema error under each failing top-level check."""
    errors = gitlab_ci_validator().iter_errors(as_json(document))
    return sorted((_most_specific(error) for error in errors), key=lambda e: list(map(str, e.absolute_path)))


def is_valid(document: Any) -> bool:
    return gitlab_ci_validator().is_valid(as_json(document))


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
    extras = [
        key
        for key in error.instance
        if key not in properties and not (patterns and re.search(patterns, key))
    ]
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
