"""## What it does
Checks for `spec:inputs` entries that have no `description` (or an empty one).

## Why is this bad?
The CI/CD Catalog builds a component's inputs table from `spec:inputs`, and the
`description` is the only text users see there. GitLab's guide to writing components
asks authors to document inputs with `spec:inputs:description` rather than repeat them
in the README, so an input without one is undocumented everywhere.

## Example
```yaml
spec:
  inputs:
    stage:
      default: test
---
lint:
  stage: $[[ inputs.stage ]]
  script: ./lint
```

Use instead:
```yaml
spec:
  inputs:
    stage:
      description: Stage of the `lint` job.
      default: test
---
lint:
  stage: $[[ inputs.stage ]]
  script: ./lint
```

## References
- https://docs.gitlab.com/ci/yaml/#specinputsdescription
- https://docs.gitlab.com/ci/components/#write-a-component
"""

from __future__ import annotations

from collections.abc import Iterator

from ci_catalog.lint.context import FileContext
from ci_catalog.problems import Problem

ID = "input-without-description"
SEVERITY = "warning"
SCOPE = "file"


def check(ctx: FileContext) -> Iterator[Problem]:
    if ctx.spec is None:
        return
    for item in ctx.spec.inputs:
        if item.description is None or not item.description.strip():
            message = (
                f"Input `{item.name}` has no `description`; add one, as the CI/CD Catalog shows it in the inputs table"
            )
            yield ctx.problem(message, (item.line, item.column), f"spec.inputs.{item.name}")
