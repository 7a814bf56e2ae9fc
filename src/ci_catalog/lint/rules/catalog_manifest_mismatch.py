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
from pathlib import Path
from typing import Any

from ci_catalog.catalog import MANIFEST, discover_templates
from ci_catalog.lint.context import CatalogContext
from ci_catalog.options import MAX_OPTION_FILE
from ci_catalog.problems import Marks, Problem
from ci_catalog.yamlread import YamlError, read_document

ID = "catalog-manifest-mismatch"
SEVERITY = "error"
SCOPE = "catalog"


def check(ctx: CatalogContext) -> Iterator[Problem]:
    manifest = ctx.root / MANIFEST
    data, marks = _read(manifest)
    if not isinstance(data, dict) or "components" not in data:
        return
    entries = data["components"]
    if entries is not None and not isinstance(entries, dict):
        return  # load_catalog reports a `components` that is not a mapping
    entries = entries or {}
    templates = discover_templates(ctx.root)
    for name, path in templates.items():
        if name not in entries:
            where = path.relative_to(ctx.root).as_posix()
            line, column = marks.find(("components",))
            message = (f"Component `{name}` (`{where}`) has no entry in `{MANIFEST}`; "
                       f"add one under `components` with a summary and example inputs")
            yield ctx.problem(message, manifest, line, column)
    for name in entries:
        if name not in templates:
            line, column = marks.find(("components", name))
            message = (f"Entry `{name}` in `{MANIFEST}` has no component: there is no `templates/{name}.yml` "
                       f"or `templates/{name}/template.yml`; add the component or remove the entry")
            yield ctx.problem(message, manifest, line, column)


def _read(path: Path) -> tuple[Any, Marks]:
    try:
        document = read_document(path.read_text(encoding="utf-8"), MAX_OPTION_FILE)
    except (OSError, UnicodeDecodeError, YamlError):
        return None, Marks()  # load_catalog reports an unreadable manifest
    return (None, Marks()) if document is None else (document.data, document.marks)
