"""## What it does
Checks for catalogs without a `README.md` file at the top of the project.

## Why is this bad?
GitLab refuses to publish a catalog version of a project without a `README.md` (exactly
that name, at the release's commit): the release fails with `Project must have a README`.
The README is also the page the CI/CD Catalog shows for the project, so it is where users
learn what the components do and which inputs they take.

## Example
```yaml
readme.txt: Build components for Python projects.
templates/build.yml: |
  build:
    script: make
```

Use instead:
```yaml
README.md: |
  # Build components
  Components for building Python projects.
templates/build.yml: |
  build:
    script: make
```

## References
- https://docs.gitlab.com/ci/components/#publish-a-component-project
"""

from __future__ import annotations

from collections.abc import Iterator

from ci_catalog.lint.context import CatalogContext
from ci_catalog.problems import Problem

ID = "missing-readme"
SEVERITY = "error"
SCOPE = "catalog"

README = "README.md"


def check(ctx: CatalogContext) -> Iterator[Problem]:
    if _has_exact_file(ctx, README):
        return
    others = sorted(path.name for path in ctx.root.iterdir() if path.is_file() and path.stem.lower() == "readme")
    found = f" (`{others[0]}` does not count: the name must be exactly `{README}`)" if others else ""
    message = (
        f"The catalog has no `{README}`, so GitLab will not publish it (`Project must have a README`)"
        f"{found}; add a `{README}` that describes the components and their inputs"
    )
    yield ctx.problem(message, ctx.root / README)


def _has_exact_file(ctx: CatalogContext, name: str) -> bool:
    """A file of exactly this name: on a case-insensitive file system `readme.md` would pass `exists()`."""
    try:
        return any(path.name == name and path.is_file() for path in ctx.root.iterdir())
    except OSError:
        return False
