"""## What it does
Checks for inputs without a `type` whose `default` is not a string.

Such an input is a string input; a `default` that is a list, a mapping, a number or a
boolean is reported, and so is a list or mapping given as the `default` of one of the
input's `rules`.

## Why is this bad?
An input without `type` is a string input, and GitLab turns any value it gets into a
string with Ruby's `to_s`. A list default such as `needs: {default: []}` reaches the
job as the text `[]`, not as a list, so a `needs: $[[ inputs.needs ]]` gets a string
and the pipeline fails or does something else than intended. A mapping becomes Ruby's
`{:key=>"value"}`.

GitLab's CI schema (used by the pipeline editor and for catalog components) allows
only a string or `null` as the default of an untyped input, so every non-string default
is refused there, numbers and booleans included. GitLab itself does accept `default: 3`
and `default: true` and reads them as the strings `3` and `true`; the finding is still
an error because the schema refuses the file, and the message says which `type:` to add
(or to quote the value when a string is meant). Rule defaults are not covered by the
schema, so for them only lists and mappings, which are garbled, are reported.

## Example
```yaml
spec:
  inputs:
    needs:
      description: Jobs the release waits for.
      default: []
---
release:
  needs: $[[ inputs.needs ]]
  script: ./release
```

Use instead:
```yaml
spec:
  inputs:
    needs:
      description: Jobs the release waits for.
      type: array
      default: []
---
release:
  needs: $[[ inputs.needs ]]
  script: ./release
```

## References
- https://docs.gitlab.com/ci/yaml/#specinputstype
- https://docs.gitlab.com/ci/inputs/#input-types
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ci_catalog.lint.context import FileContext
from ci_catalog.problems import Problem
from ci_catalog.rubyfmt import ruby_to_s

ID = "untyped-input-non-string-default"
SEVERITY = "error"
SCOPE = "file"


def check(ctx: FileContext) -> Iterator[Problem]:
    if ctx.spec is None:
        return
    definitions = ctx.spec.raw.get("inputs") or {}
    for item in ctx.spec.inputs:
        definition = definitions.get(item.name)
        if not isinstance(definition, dict) or "type" in definition:
            continue
        where = ("spec", "inputs", item.name)
        default = definition.get("default")
        if default is not None and not isinstance(default, str):
            message = _message(item.name, default, "its default")
            yield ctx.problem(message, ctx.header_place(*where, "default"), f"spec.inputs.{item.name}.default")
        for index, rule in enumerate(item.rules or []):
            if isinstance(rule.default, (list, dict)):
                message = _message(item.name, rule.default, f"the default of its rule {index + 1}")
                place = ctx.header_place(*where, "rules", index, "default")
                yield ctx.problem(message, place, f"spec.inputs.{item.name}.rules[{index}].default")


def _message(name: str, value: Any, which: str) -> str:
    text = ruby_to_s(value)
    start = f"Input `{name}` has no `type`, so {which}"
    if isinstance(value, list):
        return f"{start} becomes the string `{text}`; add `type: array`"
    if isinstance(value, dict):
        return f"{start} becomes the string `{text}`; quote it as a string, or use `type: array` with a list"
    kind = "boolean" if isinstance(value, bool) else "number"
    return (
        f"{start} `{text}` is read as a string and GitLab's CI schema refuses it; "
        f"add `type: {kind}`, or quote the value if a string is meant"
    )
