"""## What it does
Checks for `image:` and `services:` entries with no tag or with the tag `latest`.
An image is a string or the `name` of a mapping, in a job, in `default:` or in the
deprecated global `image`/`services`. When the whole
image comes from an input (`image: $[[ inputs.image ]]`), the input's default is
checked instead, and reported where it is declared.

## Why is this bad?
An image without a tag is `latest`, and `latest` moves: the job runs whatever was
pushed last, so the same commit can build differently from one day to the next, break
without a change on your side, or pull a compromised image. GitLab's security guidance
for components is to review the container images they use and to avoid `latest`. A
version tag makes updates deliberate; an `@sha256:` digest makes them impossible
without a change to the file.

## Example
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: docs
---
"$[[ inputs.job_prefix ]]-build":
  image: python:latest
  services:
    - postgres
  script: make docs
```

Use instead:
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: docs
    python_version:
      description: Python version to build with.
      default: "3.12"
---
"$[[ inputs.job_prefix ]]-build":
  image: python:$[[ inputs.python_version ]]
  services:
    - postgres:16.4
  script: make docs
```

## Known problems
Only `latest` and a missing tag are reported: a moving tag such as `main`, `stable` or
`3` is not. A tag built from an input (`python:$[[ inputs.python_version ]]`) counts as
pinned, and so does a digest. An image that is only a CI/CD variable (`$BUILD_IMAGE`),
or whose name or tag comes from one, cannot be judged and is not reported; nor is an
input whose default is such a variable. Images started from a script (`docker run
alpine`) are not checked.

## References
- https://docs.gitlab.com/ci/yaml/#image
- https://docs.gitlab.com/ci/components/ (security best practices)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ci_catalog.cimodel import Holder, holders
from ci_catalog.header import InputSpec
from ci_catalog.interpolate import BLOCK
from ci_catalog.lint.context import FileContext
from ci_catalog.problems import Problem, format_json_path

ID = "unpinned-image"
SEVERITY = "warning"
SCOPE = "file"

WHOLE_INPUT = re.compile(r"inputs\.([\w-]+)\s*(?:\|\s*expand_vars\s*)?")
ONLY_VARIABLE = re.compile(r"\$(?:\w+|\{\w+\})")
ADVICE = "pin a version tag or an `@sha256:` digest"
# (who uses it, path of the reference, `image` or `service`, the reference)
Found = tuple[str, tuple[Any, ...], str, str]


def check(ctx: FileContext) -> Iterator[Problem]:
    reported_inputs: set[str] = set()
    for owner, path, kind, reference in _images(ctx.content):
        whole = BLOCK.fullmatch(reference.strip())
        if whole:
            name = WHOLE_INPUT.fullmatch(whole.group(1))
            spec = ctx.spec.input(name.group(1)) if name and ctx.spec else None
            if spec and spec.name not in reported_inputs:
                problem = _check_default(ctx, spec, kind, owner)
                if problem:
                    reported_inputs.add(spec.name)
                    yield problem
            continue
        flaw = unpinned(reference)
        if flaw:
            message = f"{owner} uses the {kind} `{reference.strip()}` {flaw}; {ADVICE}"
            yield ctx.problem(message, ctx.content_place(*path), format_json_path(path))


def unpinned(reference: str) -> str | None:
    """Why a literal image reference is not pinned (`with no tag`...), or None."""
    text = reference.strip()
    if not text or BLOCK.fullmatch(text) or ONLY_VARIABLE.fullmatch(text):
        return None
    last = text.rsplit("/", 1)[-1]
    if "@" in last:  # a digest (or one taken from a variable or input)
        return None
    if ":" in last:
        return "tagged `latest`" if last.split(":", 1)[1] == "latest" else None
    if "$" in last:  # the name or its tag comes from a variable or an input
        return None
    return "with no tag, which means `latest`"


def _check_default(ctx: FileContext, spec: InputSpec, kind: str, owner: str) -> Problem | None:
    if not spec.has_default or not isinstance(spec.default, str):
        return None
    flaw = unpinned(spec.default)
    if flaw is None or BLOCK.search(spec.default):
        return None
    message = (
        f"Input `{spec.name}` defaults to the {kind} `{spec.default.strip()}` {flaw}, "
        f"and {owner[0].lower()}{owner[1:]} uses it; {ADVICE} in the default"
    )
    place = ctx.header_place("spec", "inputs", spec.name, "default")
    return ctx.problem(message, place, f"spec.inputs.{spec.name}.default")


def _images(content: dict[str, Any]) -> Iterator[Found]:
    """(who uses it, path of the reference, `image` or `service`, reference) of every image."""
    for holder in holders(content):
        yield from _references(_owner(holder, "image"), (*holder.path, "image"), "image", holder.body.get("image"))
        services = holder.body.get("services")
        if isinstance(services, list):
            for index, service in enumerate(services):
                path = (*holder.path, "services", index)
                yield from _references(_owner(holder, "services"), path, "service", service)


def _owner(holder: Holder, key: str) -> str:
    if holder.kind == "global":
        return f"The global `{key}`"
    return "`default`" if holder.kind == "default" else f"Job `{holder.name}`"


def _references(owner: str, path: tuple[Any, ...], kind: str, node: Any) -> Iterator[Found]:
    if isinstance(node, str):
        yield owner, path, kind, node
    elif isinstance(node, dict) and isinstance(node.get("name"), str):
        yield owner, (*path, "name"), kind, node["name"]
