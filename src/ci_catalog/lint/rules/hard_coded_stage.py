"""## What it does
Checks for visible jobs of a component whose `stage:` is a literal, not an input.
A stage built from an input (`$[[ inputs.stage ]]`, `"$[[ inputs.env ]]-deploy"`) is fine.

## Why is this bad?
A stage belongs to the user's pipeline, not to the component: the user's `stages:`
list decides which stages exist and in which order. A job with a hard-coded
`stage: deploy` fails the user's whole pipeline with `chosen stage deploy does not
exist` unless they happen to have that stage, and cannot be moved to the stage where it
belongs. GitLab's guidance is to replace hard-coded values with inputs, `stage` first.

## Example
```yaml
spec:
  inputs:
    environment:
      description: Environment to deploy to.
      default: staging
---
"deploy-$[[ inputs.environment ]]":
  stage: deploy
  script: ./deploy "$ENVIRONMENT"
  variables:
    ENVIRONMENT: $[[ inputs.environment ]]
```

Use instead:
```yaml
spec:
  inputs:
    stage:
      description: Stage of the deploy job; it must be in your pipeline's stages.
      default: deploy
    environment:
      description: Environment to deploy to.
      default: staging
---
"deploy-$[[ inputs.environment ]]":
  stage: $[[ inputs.stage ]]
  script: ./deploy "$ENVIRONMENT"
  variables:
    ENVIRONMENT: $[[ inputs.environment ]]
```

## Known problems
Hidden jobs (`.name`) are not checked: they run only through a user's `extends`, where
the user's job can set its own `stage`. `.pre` and `.post` are not reported: they exist
in every pipeline. A `stage` taken with `!reference` is not followed. Plain pipeline
files (no `spec` header) are not checked.

## References
- https://docs.gitlab.com/ci/components/#write-a-component
- https://docs.gitlab.com/ci/yaml/#stage
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ci_catalog.cimodel import jobs
from ci_catalog.lint.context import FileContext
from ci_catalog.lint.rules._helpers import input_references
from ci_catalog.problems import Problem

ID = "hard-coded-stage"
SEVERITY = "warning"
SCOPE = "file"

ALWAYS_PRESENT = frozenset({".pre", ".post"})


def check(ctx: FileContext) -> Iterator[Problem]:
    if not ctx.is_component:
        return
    for name, job in jobs(ctx.content):
        if str(name).startswith(".") or "stage" not in job:
            continue
        stage = job["stage"]
        if isinstance(stage, (dict, list)) or stage is None:  # `!reference [...]` is a list
            continue
        text = str(stage)
        if text in ALWAYS_PRESENT or any(input_references(text)):
            continue
        message = f"Job `{name}` has a hard-coded `stage: {text}`; {_advice(ctx)}"
        yield ctx.problem(message, ctx.content_place(name, "stage"), f"{name}.stage")


def _advice(ctx: FileContext) -> str:
    """Point at a declared stage input that nothing uses (a common slip), if there is one."""
    used = {name for _, name, _ in input_references(ctx.content)}
    for item in ctx.spec.inputs if ctx.spec else []:
        if re.fullmatch(r"(?:.*[_-])?stage", item.name, re.IGNORECASE) and item.name not in used:
            return f"use the input `{item.name}`, declared but never used: `$[[ inputs.{item.name} ]]`"
    return "use an input such as `$[[ inputs.stage ]]`"
