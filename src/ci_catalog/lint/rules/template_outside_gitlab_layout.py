"""## What it does
Checks for YAML files under `templates/` that GitLab does not read as components.

Such a file is a `.yaml` file, a file in a component folder that is not `template.yml`,
one whose name has characters other than letters, digits, `_` and `-`, or one nested
deeper than `templates/<name>/template.yml`.

## Why is this bad?
GitLab finds components only at `templates/<name>.yml` and `templates/<name>/template.yml`
(`TEMPLATE_PATH_REGEX = '^templates\\/[\\w-]+(?:\\/template)?\\.yml$'`). Any other file is
silently left out of the catalog: it is not published with the release, and
`include: component: .../<name>@<version>` fails with `content not found`.

## Example
```yaml
README.md: "# Build components"
templates/build.yaml: |
  spec:
    inputs:
      stage:
        default: build
  ---
  build:
    stage: $[[ inputs.stage ]]
    script: make
```

Use instead:
```yaml
README.md: "# Build components"
templates/build.yml: |
  spec:
    inputs:
      stage:
        default: build
  ---
  build:
    stage: $[[ inputs.stage ]]
    script: make
```

## Known problems
A component folder may hold more files than its `template.yml` (GitLab: "a complex
template is directory-based and may consist of multiple files"). A YAML file that some
file under `templates/` names in an `include:` (`local:` or `project:` `file:`) is taken as
such a helper and not reported; one included only through a variable is reported. Files
that are not YAML (a README.md next to the template) and dotfiles are never reported.

## References
- https://docs.gitlab.com/ci/components/#directory-structure
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ci_catalog.catalog import COMPONENT_PATH, TEMPLATES, relative
from ci_catalog.lint.context import CatalogContext
from ci_catalog.loading import load_path
from ci_catalog.problems import Problem

ID = "template-outside-gitlab-layout"
SEVERITY = "error"
SCOPE = "catalog"

_YAML_SUFFIXES = (".yml", ".yaml")
EXPECTED = "`templates/<name>.yml` or `templates/<name>/template.yml`"


def check(ctx: CatalogContext) -> Iterator[Problem]:
    included: set[str] | None = None
    for path in ctx.files:
        name = relative(ctx.root, path)
        if COMPONENT_PATH.match(name) or not _is_candidate(name):
            continue
        if included is None:
            included = _included_paths(ctx.root, ctx.files)
        if name in included:
            continue
        yield ctx.problem(f"GitLab does not read `{name}` as a component: {_advice(name, ctx.root)}", path, 1, 1)


def _is_candidate(name: str) -> bool:
    """A YAML file under templates/, not hidden (a dotfile or inside a dot-folder)."""
    parts = name.split("/")
    return name.lower().endswith(_YAML_SUFFIXES) and not any(part.startswith(".") for part in parts[1:])


def _advice(name: str, root: Path) -> str:
    parts = name.split("/")[1:]
    stem, _, suffix = parts[-1].rpartition(".")
    if len(parts) > 2:
        return f"components are {EXPECTED}, nothing deeper; move it up to one of these"
    if suffix != "yml":
        return f"GitLab reads only `.yml` files; rename it to `{_with_suffix(name, 'yml')}`"
    if len(parts) == 2 and stem != "template":
        folder = parts[0]
        if (root / TEMPLATES / folder / "template.yml").exists():
            return (
                f"a component folder's entry point is `template.yml`; if it is a component of its own, "
                f"move it to `templates/{stem}.yml`"
            )
        return f"a component folder's entry point is `template.yml`; rename it to `templates/{folder}/template.yml`"
    bad = parts[0] if len(parts) == 2 else stem
    fixed = re.sub(r"[^\w-]", "-", bad, flags=re.ASCII)
    renamed = f"templates/{fixed}/template.yml" if len(parts) == 2 else f"templates/{fixed}.yml"
    return (
        f"a component name may contain only letters, digits, `_` and `-`, not `{bad}`; "
        f"rename it, for example to `{renamed}`"
    )


def _with_suffix(name: str, suffix: str) -> str:
    return f"{name.rpartition('.')[0]}.{suffix}"


def _included_paths(root: Path, files: list[Path]) -> set[str]:
    """Paths (relative to the catalog) that some YAML file under templates/ includes."""
    found: set[str] = set()
    for path in files:
        if path.suffix.lower() not in _YAML_SUFFIXES:
            continue
        loaded = load_path(path)
        if loaded.problems:
            continue
        for location in _include_locations(loaded.content.get("include")):
            found.add(location.lstrip("/").removeprefix("./"))
    return found


def _include_locations(include: Any) -> Iterator[str]:
    entries = include if isinstance(include, list) else [include]
    for entry in entries:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, dict):
            for key in ("local", "file"):
                value = entry.get(key)
                values = value if isinstance(value, list) else [value]
                yield from (item for item in values if isinstance(item, str))
