"""## What it does
Checks for jobs that use `only` or `except`.

## Why is this bad?
`only` and `except` are no longer developed: GitLab recommends `rules`, which can express
everything they can and more. A component job with `only`/`except` cannot be combined with
`rules` from an `extends` or a user's override (GitLab refuses a job that has both), so
users cannot adapt when the job runs.

## Example
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: app
---
"$[[ inputs.job_prefix ]]-deploy":
  script: ./deploy
  only:
    - main
```

Use instead:
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: app
---
"$[[ inputs.job_prefix ]]-deploy":
  script: ./deploy
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
```

## References
- https://docs.gitlab.com/ci/yaml/#only--except
"""

from __future__ import annotations

from collections.abc import Iterator

from ci_catalog.cimodel import jobs
from ci_catalog.lint.context import FileContext
from ci_catalog.problems import Problem

ID = "only-except"
SEVERITY = "warning"
SCOPE = "file"


def check(ctx: FileContext) -> Iterator[Problem]:
    for name, job in jobs(ctx.content):
        for keyword in ("only", "except"):
            if keyword in job:
                message = f"Job `{name}` uses `{keyword}`; use `rules` instead"
                yield ctx.problem(message, ctx.content_place(name, keyword), f"{name}.{keyword}")
