"""## What it does
Checks for components that set global keywords, which apply to the user's whole pipeline.
These are `default`, `stages`, `workflow` and `variables` at the top level, and the
deprecated global forms of `image`, `services`, `cache`, `before_script` and
`after_script`.

## Why is this bad?
An included component is merged into the user's pipeline, so its global keywords
become the pipeline's: `stages` replaces the user's stage list, `workflow` decides
whether the user's pipeline runs at all, and `default`, `variables` and the deprecated
globals change every job the user has, not only the component's. GitLab's guidance is
to avoid global keywords in components and to put the configuration on the
component's own jobs (or a hidden job they `extends`, with a unique name). `include`
is fine.

## Example
```yaml
spec:
  inputs:
    stage:
      description: Stage of the lint job.
      default: test
---
default:
  image: node:22
variables:
  NPM_CONFIG_CACHE: .npm
"lint-$[[ inputs.stage ]]":
  stage: $[[ inputs.stage ]]
  script: npm run lint
```

Use instead:
```yaml
spec:
  inputs:
    stage:
      description: Stage of the lint job.
      default: test
---
"lint-$[[ inputs.stage ]]":
  stage: $[[ inputs.stage ]]
  image: node:22
  variables:
    NPM_CONFIG_CACHE: .npm
  script: npm run lint
```

## Known problems
A component that exists to set up a whole pipeline (its stages and workflow) is
reported too; silence it there with `# ci-catalog: ignore[global-keyword-in-component]`
on the keyword's line, or with `lint: ignore:` in `catalog.yml`. Globals that
come from an `include:` (a GitLab template, say) are not seen. Plain pipeline files
(no `spec` header) are not checked.

## References
- https://docs.gitlab.com/ci/components/#write-a-component
- https://docs.gitlab.com/ci/yaml/#global-keywords
"""

from __future__ import annotations

from collections.abc import Iterator

from ci_catalog.cimodel import DEPRECATED_GLOBALS, global_keywords
from ci_catalog.lint.context import FileContext
from ci_catalog.problems import Problem

ID = "global-keyword-in-component"
SEVERITY = "error"
SCOPE = "file"

# What each global does to the user's pipeline, and what to do instead.
ADVICE = {
    "default": "which changes every job of the user's pipeline; set these keywords on the component's jobs",
    "stages": "which replaces the user's list of stages; take each job's `stage` from an input instead",
    "workflow": "which decides whether the user's whole pipeline runs; put `rules` on the component's jobs instead",
    "variables": "which sets them for every job of the user's pipeline; move them into the component's jobs",
}


def check(ctx: FileContext) -> Iterator[Problem]:
    if not ctx.is_component:
        return
    for key in global_keywords(ctx.content):
        if key in ADVICE:
            message = f"Component sets the global `{key}`, {ADVICE[key]}"
        elif key in DEPRECATED_GLOBALS:
            message = (
                f"Component sets the deprecated global `{key}`, which applies to every job of the user's "
                "pipeline; move it into the component's jobs"
            )
        else:
            continue
        yield ctx.problem(message, ctx.content_place(key), str(key))
