"""## What it does
Checks for visible jobs of a component whose name is not built from an input.
Such a name contains no `$[[ inputs.NAME ]]` block.

## Why is this bad?
Every job a component defines lands in the user's pipeline under its name. A user who
includes the component twice (say, to build two images) gets two jobs with the same
name, and GitLab merges them into one: the second include silently overrides the
first. A fixed name can also collide with a job the user already has. GitLab's
guidance is to define job names with inputs, as a prefix, a suffix or the whole name.

## Example
```yaml
spec:
  inputs:
    image:
      description: Image to build, without the tag.
      default: $CI_REGISTRY_IMAGE
---
build-image:
  script: docker build -t "$IMAGE" .
  variables:
    IMAGE: $[[ inputs.image ]]
```

Use instead:
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name, to include the component more than once.
      default: app
    image:
      description: Image to build, without the tag.
      default: $CI_REGISTRY_IMAGE
---
"$[[ inputs.job_prefix ]]-build-image":
  script: docker build -t "$IMAGE" .
  variables:
    IMAGE: $[[ inputs.image ]]
```

## Known problems
Hidden jobs (`.name`) are not checked: they only matter through a user's `extends`.
A job with none of `script`, `run`, `trigger` or `extends` is not checked either: on
its own GitLab would refuse it, so it can only be an override of a job of the same
name from an included file (such as `dast` after `include: template:
Security/DAST.gitlab-ci.yml`), which must keep that name. Plain pipeline files (no
`spec` header) are not checked.

## References
- https://docs.gitlab.com/ci/components/#write-a-component
"""

from __future__ import annotations

from collections.abc import Iterator

from ci_catalog.cimodel import JOB_MARKERS, jobs
from ci_catalog.lint.context import FileContext
from ci_catalog.lint.rules._helpers import input_references
from ci_catalog.problems import Problem

ID = "job-name-not-from-input"
SEVERITY = "warning"
SCOPE = "file"

# A job needs one of these; a job without any is an override of an included job.
JOB_BODY_KEYS = (*JOB_MARKERS, "extends")


def check(ctx: FileContext) -> Iterator[Problem]:
    if not ctx.is_component:
        return
    for name, job in jobs(ctx.content):
        text = str(name)
        if text.startswith(".") or any(input_references(text)):
            continue
        if not any(key in job for key in JOB_BODY_KEYS):
            continue
        message = (
            f"Job `{text}` has a fixed name, so a second include of the component collides with it; "
            f'build the name from an input, such as `"$[[ inputs.job_prefix ]]-{text}"`'
        )
        yield ctx.problem(message, ctx.content_place(name), text)
