"""## What it does
Checks for components missing from the `catalog.yml` manifest, and entries with no component.

The manifest lists each component under `components:`; this rule compares that list with
the components GitLab finds under `templates/`.

## Why is this bad?
`ci-catalog check` renders and validates each component with the example inputs its
entry lists. A component without an entry is only checked with its defaults, and has no
summary; an entry without a component (renamed, removed, or saved as `.yaml`) is a test
that silently checks nothing.

## Example
```yaml
README.md: "# Build components"
catalog.yml: |
  version: 1.0.0
  components:
    compile:
      summary: Compile the project.
templates/build.yml: |
  build:
    script: make
```

Use instead:
```yaml
README.md: "# Build components"
catalog.yml: |
  version: 1.0.0
  components:
    build:
      summary: Build the project.
templates/build.yml: |
  build:
    script: make
```

## Known problems
A catalog whose `catalog.yml` has no `components:` key (or that has no `catalog.yml`)
does not use the manifest, and is not checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from ci_catalog.catalog import MANIFEST, discover_templates
from ci_catalog.lint.context import CatalogContext
from ci_catalog.problems import Problem

ID = "catalog-manifest-mismatch"
SEVERITY = "error"
SCOPE = "catalog"


def check(ctx: CatalogContext) -> Iterator[Problem]:
    entries = ctx.catalog.entries
    if entries is None:
        return  # no `components` mapping: load_catalog reports a malformed one
    manifest, marks = ctx.catalog.manifest_path, ctx.catalog.manifest_marks
    templates = discover_templates(ctx.root, ctx.files)
    for name, path in templates.items():
        if name not in entries:
            where = path.relative_to(ctx.root).as_posix()
            line, column = marks.find(("components",))
            message = (
                f"Component `{name}` (`{where}`) has no entry in `{MANIFEST}`; "
                f"add one under `components` with a summary and example inputs"
            )
            yield ctx.problem(message, manifest, line, column)
    for name in entries:
        if name not in templates:
            line, column = marks.find(("components", name))
            message = (
                f"Entry `{name}` in `{MANIFEST}` has no component: there is no `templates/{name}.yml` "
                f"or `templates/{name}/template.yml`; add the component or remove the entry"
            )
            yield ctx.problem(message, manifest, line, column)
