"""## What it does
Checks for `$[[ inputs.NAME ]]` blocks whose input is not declared in `spec:inputs`.

## Why is this bad?
GitLab resolves every block when the file is included and stops at the first one it
cannot: the pipeline fails with ``unknown interpolation provided: `NAME` in
`inputs.NAME` ``. This is usually a misspelled input name, or a block left behind after
an input was renamed or removed.

## Example
```yaml
spec:
  inputs:
    image_tag:
      description: Tag of the image to build.
      default: latest
---
build:
  script: ./build --tag "$[[ inputs.image-tag ]]"
```

Use instead:
```yaml
spec:
  inputs:
    image_tag:
      description: Tag of the image to build.
      default: latest
---
build:
  script: ./build --tag "$[[ inputs.image_tag ]]"
```

## Known problems
Inputs declared through `spec:include` are not read, so files with a `spec:include`
are not checked.

## References
- https://docs.gitlab.com/ci/inputs/
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ci_catalog.lint.context import FileContext
from ci_catalog.lint.rules._helpers import INPUT_REFERENCE, blocks, strings
from ci_catalog.problems import Problem, format_json_path

ID = "undeclared-input"
SEVERITY = "error"
SCOPE = "file"


def check(ctx: FileContext) -> Iterator[Problem]:
    if ctx.spec is None or ctx.spec.include:
        return
    declared = {item.name for item in ctx.spec.inputs}
    for path, text, key in strings(ctx.content):
        reported = set()
        for block in blocks(text):
            match = INPUT_REFERENCE.match(block.data.split("|")[0].strip())
            if not match or match.group(1) in declared or match.group(1) in reported:
                continue
            name = match.group(1)
            reported.add(name)
            close = _close_match(name, declared)
            fix = f"use the declared `{close}` or declare `{name}`" if close else "declare it or correct the name"
            message = f"Input `{name}` is not declared in `spec:inputs`; {fix}"
            place = ctx.string_place(path, text, block.offset, key)
            yield ctx.problem(message, place, format_json_path(path))


def _close_match(name: str, declared: set[str]) -> str | None:
    """The declared name meant: one that differs only in `-`/`_` or case, else a near spelling."""
    key = name.replace("-", "_").lower()
    same = [other for other in sorted(declared) if other.replace("-", "_").lower() == key]
    near = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.8)
    return next(iter(same or near), None)
