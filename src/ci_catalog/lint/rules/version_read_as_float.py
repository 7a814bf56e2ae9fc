"""## What it does
Checks for input values written like a version, such as `3.10`, that YAML reads as a
number which GitLab then writes differently, such as `3.1`.

The values looked at are the `default`, `options` and rule defaults and options of each
input in the `spec` header, items of array defaults included, and the `inputs` an
`include:` entry passes (to a component, a project file or a template), in components
and pipeline files alike. A number is reported only when GitLab turns it into other
text than is written: `3.10` and `2.50` are, `3.9` and `1.0` are not.

## Why is this bad?
An unquoted `3.10` is the floating-point number 3.1, and GitLab pastes it into the
body as `3.1`: a `python:$[[ inputs.python_version ]]` image becomes `python:3.1`, an
image that does not exist or is years old, and the job fails or, worse, runs on the
wrong version. Nothing says so: the file is valid, and the digits that were lost are
only in the file. A version is text; quoted, it stays as written.

## Example
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: test
    python_version:
      description: The Python version to test with.
      default: 3.10
---
"$[[ inputs.job_prefix ]]-unit":
  image: python:$[[ inputs.python_version ]]-slim
  script: python -m pytest
```

Use instead:
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: test
    python_version:
      description: The Python version to test with.
      default: "3.10"
---
"$[[ inputs.job_prefix ]]-unit":
  image: python:$[[ inputs.python_version ]]-slim
  script: python -m pytest
```

## Known problems
Only numbers with digits on both sides of one point are taken for versions; `3.10.1`
is text to YAML already. An input declared `type: number` gets the same finding, as a
number input cannot hold `3.10` either: such an input is better a string. Values that
come from CI/CD variables or `catalog.yml` examples are not looked at.

## References
- https://docs.gitlab.com/ci/inputs/#input-types
- https://yaml.org/type/float.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ci_catalog.lint.context import FileContext
from ci_catalog.problems import Marks, Problem, format_json_path
from ci_catalog.rubyfmt import ruby_to_s
from ci_catalog.sourcemap import written_text

ID = "version-read-as-float"
SEVERITY = "error"
SCOPE = "file"

VERSION = re.compile(r"[0-9]+\.[0-9]+")


def check(ctx: FileContext) -> Iterator[Problem]:
    for marks, path, value, subject in _input_values(ctx):
        if not isinstance(value, float):
            continue
        span = marks.span(path)
        if span is None or span.style != "plain":
            continue
        written, shown = written_text(span, ctx.lines), ruby_to_s(value)
        if not VERSION.fullmatch(written) or written == shown:
            continue
        fix = f'quote it: `"{written}"`'
        if _declared_number(ctx, path):
            fix += ", and declare the input `type: string`"
        message = f"`{written}` is read as the number `{shown}`, so {subject} is `{shown}`, not `{written}`; {fix}"
        yield ctx.problem(message, (span.line, span.column), format_json_path(path))


def _input_values(ctx: FileContext) -> Iterator[tuple[Marks, tuple[Any, ...], Any, str]]:
    """(marks, path, value, what a message calls it) of every input value the file holds."""
    header = ctx.loaded.header or {}
    spec = header.get("spec")
    definitions = spec.get("inputs") if isinstance(spec, dict) else None
    for name, definition in definitions.items() if isinstance(definitions, dict) else ():
        if isinstance(definition, dict):
            base = ("spec", "inputs", name)
            for path, value, role in _definition_values(definition, base):
                yield ctx.loaded.header_marks, path, value, f"{role} of input `{name}`"
    for entry, name, path, value in _include_inputs(ctx.content):
        yield ctx.loaded.content_marks, path, value, f"the input `{name}` that `{format_json_path(entry)}` passes"


Leaf = tuple[tuple[Any, ...], Any, str]  # (path, value, what it is to its input)


def _definition_values(definition: dict[str, Any], base: tuple[Any, ...]) -> Iterator[Leaf]:
    yield from _leaves(definition.get("default"), (*base, "default"), "the default")
    yield from _leaves(definition.get("options"), (*base, "options"), "an option")
    rules = definition.get("rules")
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        if isinstance(rule, dict):
            where = (*base, "rules", index)
            yield from _leaves(rule.get("default"), (*where, "default"), f"the default of rule {index + 1}")
            yield from _leaves(rule.get("options"), (*where, "options"), f"an option of rule {index + 1}")


def _include_inputs(content: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str, tuple[Any, ...], Any]]:
    """(path of the `include:` entry, input name, path, value) of each input an include passes."""
    include = content.get("include")
    entries: list[tuple[tuple[Any, ...], Any]] = [(("include",), include)] if isinstance(include, dict) else []
    if isinstance(include, list):
        entries = [(("include", index), entry) for index, entry in enumerate(include)]
    for base, entry in entries:
        inputs = entry.get("inputs") if isinstance(entry, dict) else None
        for name, value in inputs.items() if isinstance(inputs, dict) else ():
            for path, leaf, _ in _leaves(value, (*base, "inputs", name), ""):
                yield base, str(name), path, leaf


def _leaves(value: Any, path: tuple[Any, ...], role: str) -> Iterator[Leaf]:
    """The value, or each item of a list (an array input's), with its path."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index), role)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key), role)
    else:
        yield path, value, role


def _declared_number(ctx: FileContext, path: tuple[Any, ...]) -> bool:
    if path[:2] != ("spec", "inputs") or ctx.spec is None:
        return False
    item = ctx.spec.input(str(path[2]))
    return item is not None and item.type == "number"
