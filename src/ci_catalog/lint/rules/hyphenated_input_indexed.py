"""## What it does
Checks for array indexes on hyphenated names, such as `$[[ inputs.python-versions[0] ]]`.

## Why is this bad?
GitLab 18 reads an indexed segment with the pattern `\\A(\\w*)(\\[\\d+\\])+\\z`, which a
hyphen does not match, so the include fails with "invalid array index syntax in
inputs.python-versions[0]". Only GitLab 19 accepts hyphenated names there, and a
component is used on instances of both. A snake_case name works everywhere.

## Example
```yaml
spec:
  inputs:
    python-versions:
      description: Python versions to test, the first one is used to build.
      type: array
      default: ["3.12", "3.13"]
---
build:
  image: python:$[[ inputs.python-versions[0] ]]
  script: ./build
```

Use instead:
```yaml
spec:
  inputs:
    python_versions:
      description: Python versions to test, the first one is used to build.
      type: array
      default: ["3.12", "3.13"]
---
build:
  image: python:$[[ inputs.python_versions[0] ]]
  script: ./build
```

## References
- https://docs.gitlab.com/ci/inputs/#array-inputs
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ci_catalog.lint.context import FileContext
from ci_catalog.lint.rules._helpers import blocks, strings
from ci_catalog.problems import Problem, format_json_path

ID = "hyphenated-input-indexed"
SEVERITY = "warning"
SCOPE = "file"

# GitLab 19's indexed segment; 18.x has `\w*` for the name, so only hyphens differ.
_INDEXED = re.compile(r"\A([\w-]*)((?:\[\d+\])+)\Z", re.ASCII)
MAX_SEGMENTS = 5


def check(ctx: FileContext) -> Iterator[Problem]:
    if ctx.spec is None:
        return
    for path, text, key in strings(ctx.content):
        for offset, name, access in _hyphenated_indexes(text):
            target = "the input" if access.startswith(f"inputs.{name}[") else "the key"
            message = (
                f"`{access}` indexes the hyphenated name `{name}`, which GitLab 18 refuses "
                f"(invalid array index syntax); rename {target} to `{name.replace('-', '_')}`"
            )
            place = ctx.string_place(path, text, offset, key)
            yield ctx.problem(message, place, format_json_path(path))


def _hyphenated_indexes(text: str) -> Iterator[tuple[int, str, str]]:
    """(where the block starts, hyphenated name, access path) of each `inputs.*` block indexing a hyphenated name."""
    seen = set()
    for block in blocks(text):
        access = block.data.split("|")[0].strip()
        segments = access.split(".", MAX_SEGMENTS - 1)
        if segments[0] != "inputs" or access in seen:
            continue
        seen.add(access)
        for segment in segments[1:]:
            match = _INDEXED.match(segment)
            if match and "-" in match.group(1):
                yield block.offset, match.group(1), access
                break
