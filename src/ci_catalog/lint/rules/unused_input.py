"""## What it does
Checks for inputs declared in `spec:inputs` that nothing uses.

An input is used by a `$[[ inputs.NAME ]]` block anywhere in the body (job names and
other keys included) or by another input's `rules:if`.

## Why is this bad?
Users see every declared input in the CI/CD Catalog and may set it, but a value given to
an unused input changes nothing, silently. It is usually left over from a refactoring,
or a reference to it was misspelled.

## Example
```yaml
spec:
  inputs:
    stage:
      description: Stage of the `build` job.
      default: build
    push_image:
      description: Push the image to the registry.
      type: boolean
      default: true
---
build:
  stage: $[[ inputs.stage ]]
  script: ./build
```

Use instead:
```yaml
spec:
  inputs:
    stage:
      description: Stage of the `build` job.
      default: build
---
build:
  stage: $[[ inputs.stage ]]
  script: ./build
```

## Known problems
An input that is only meant to be documented (read by nothing) is reported too; remove
it or suppress the finding.

## References
- https://docs.gitlab.com/ci/inputs/
"""

from __future__ import annotations

from collections.abc import Iterator

from ci_catalog.lint.context import FileContext
from ci_catalog.lint.rules._helpers import INPUT_REFERENCE, blocks, input_references
from ci_catalog.problems import Problem

ID = "unused-input"
SEVERITY = "warning"
SCOPE = "file"


def check(ctx: FileContext) -> Iterator[Problem]:
    if ctx.spec is None:
        return
    used = {name for _, name, _ in input_references(ctx.content)}
    for item in ctx.spec.inputs:
        for rule in item.rules or []:
            used |= {name for name in _names_in(rule.condition) if name != item.name}
    for item in ctx.spec.inputs:
        if item.name not in used:
            usage = f"`$[[ inputs.{item.name} ]]`"
            message = f"Input `{item.name}` is declared but never used; use it as {usage} or remove it"
            yield ctx.problem(message, (item.line, item.column), f"spec.inputs.{item.name}")


def _names_in(condition: str | None) -> set[str]:
    """The inputs a `rules:if` expression refers to with `$[[ inputs.NAME ]]`."""
    names = set()
    for block in blocks(condition or ""):
        match = INPUT_REFERENCE.match(block.data.strip())
        if match:
            names.add(match.group(1))
    return names
