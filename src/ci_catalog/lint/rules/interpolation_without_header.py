"""## What it does
Checks for `$[[ ... ]]` blocks in a file that has no `spec:` header.

## Why is this bad?
GitLab interpolates `$[[ ]]` blocks only in a file whose first YAML document is a `spec:`
header, followed by `---` and the body. Without one the blocks are plain text: the job
gets the characters `$[[ inputs.stage ]]` as its stage name or in its script, where the
shell reads `$[` as the start of an arithmetic expansion. Nothing warns about it on
GitLab's side; the pipeline is created and does the wrong thing.

## Example
```yaml
test:
  stage: $[[ inputs.stage ]]
  script: make test
```

Use instead:
```yaml
spec:
  inputs:
    stage:
      description: The stage of the test job.
      default: test
---
test:
  stage: $[[ inputs.stage ]]
  script: make test
```

## References
- https://docs.gitlab.com/ci/yaml/#spec
- https://docs.gitlab.com/ci/inputs/
"""

from __future__ import annotations

from collections.abc import Iterator

from ci_catalog.lint.context import FileContext
from ci_catalog.lint.rules._helpers import blocks, strings
from ci_catalog.problems import Problem, format_json_path

ID = "interpolation-without-header"
SEVERITY = "error"
SCOPE = "file"


def check(ctx: FileContext) -> Iterator[Problem]:
    if ctx.is_component:
        return
    for path, text, is_key in strings(ctx.content):
        seen: set[str] = set()
        for block in blocks(text):
            if block.text in seen:
                continue
            seen.add(block.text)
            message = (
                f"`{block.text}` stays as written: GitLab interpolates only in a file with a `spec:` header; "
                "add one (`spec:` with its `inputs`, then `---`) or write the value itself"
            )
            place = ctx.string_place(path, text, block.offset, is_key)
            yield ctx.problem(message, place, format_json_path(path))
