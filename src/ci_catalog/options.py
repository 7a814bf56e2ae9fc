"""Read the render options a user hands the CLI: inputs, variables, component context.

These files are YAML read with the same Psych rules as CI files, so a value means
what it would mean in an `include:inputs:` block.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ci_catalog.exits import UsageError
from ci_catalog.functions import Variable
from ci_catalog.yamlread import YamlError, read_document

MAX_OPTION_FILE = 2 * 1024 * 1024


def read_yaml_file(path: str, what: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{what} {path}: cannot read it: {error}") from None
    try:
        document = read_document(text, MAX_OPTION_FILE)
    except YamlError as error:
        raise UsageError(f"{what} {path}:{error.line}:{error.column}: {error.message}") from None
    return None if document is None else document.data


def parse_input_flags(flags: list[str], option: str = "--input") -> dict[str, str]:
    """`--input NAME=VALUE` pairs (or another `option`'s); values stay strings, as pipeline inputs arrive."""
    values: dict[str, str] = {}
    for flag in flags:
        name, sep, value = flag.partition("=")
        if not sep or not name:
            example = "stage=test" if option == "--input" else "NAME=value"
            raise UsageError(f"{option} {flag!r}: write it as NAME=VALUE, e.g. {option} {example}")
        values[name] = value
    return values


def read_variables(path: str) -> dict[str, Variable]:
    data = read_yaml_file(path, "--variables-file")
    if data is None:
        return {}
    if not isinstance(data, list):
        raise UsageError(f"--variables-file {path}: expected a list of {{key, value, masked}} mappings")
    variables: dict[str, Variable] = {}
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise UsageError(f"--variables-file {path}: item {index} needs a string `key` (and a `value`)")
        value = item.get("value")
        text = "" if value is None else str(value) if not isinstance(value, bool) else str(value).lower()
        variables[item["key"]] = Variable(item["key"], text, bool(item.get("masked", False)))
    return variables


def read_component_context(path: str) -> dict[str, Any]:
    data = read_yaml_file(path, "--component-context")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"--component-context {path}: expected a mapping of name, sha, version, reference")
    unknown = sorted(set(data) - {"name", "sha", "version", "reference"})
    if unknown:
        raise UsageError(f"--component-context {path}: unknown keys {', '.join(unknown)}")
    return {key: (None if value is None else str(value)) for key, value in data.items()}
