"""The catalog: components found under `templates/` and the manifest `catalog.yml`.

GitLab finds components at `templates/<name>.yml` and `templates/<name>/template.yml`
(app/models/ci/catalog/components_project.rb: names of letters, digits, `_` and `-`;
`.yaml` is never read). `catalog.yml` is this project's manifest: the catalog version,
and per component a summary and the example input sets that `check` renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_catalog.problems import Problem
from ci_catalog.yamlread import YamlError, read_document

MANIFEST = "catalog.yml"
MAX_MANIFEST_SIZE = 2 * 1024 * 1024
_NAME = re.compile(r"^[\w-]+$", re.ASCII)


@dataclass
class Example:
    name: str
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Component:
    name: str
    path: Path
    summary: str = ""
    examples: list[Example] = field(default_factory=list)


@dataclass
class Catalog:
    root: Path
    version: str = ""
    components: list[Component] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def discover_templates(root: Path) -> dict[str, Path]:
    """Component name -> file, in GitLab's lookup order (`<name>.yml` first)."""
    found: dict[str, Path] = {}
    templates = root / "templates"
    for path in sorted(templates.glob("*/template.yml")):
        if _NAME.match(path.parent.name):
            found[path.parent.name] = path
    for path in sorted(templates.glob("*.yml")):
        if _NAME.match(path.stem):
            found[path.stem] = path
    return dict(sorted(found.items()))


def load_catalog(root: Path) -> Catalog:
    catalog = Catalog(root)
    templates = discover_templates(root)
    manifest_path = root / MANIFEST
    manifest: dict[str, Any] = {}
    if manifest_path.exists():
        manifest = _read_manifest(manifest_path, catalog.problems)
    catalog.version = str(manifest.get("version") or "")
    entries = manifest.get("components") or {}
    if not isinstance(entries, dict):
        message = "`components` must be a mapping of name to entry"
        catalog.problems.append(Problem(message, str(manifest_path), code="catalog"))
        entries = {}
    # A component without an entry, or an entry without a component, is the lint rule
    # `catalog-manifest-mismatch`'s to report.
    for name, path in templates.items():
        catalog.components.append(_component(name, path, entries.get(name), manifest_path, catalog.problems))
    return catalog


def _read_manifest(path: Path, problems: list[Problem]) -> dict[str, Any]:
    """catalog.yml as a mapping; a file that cannot be read becomes a located problem."""
    try:
        document = read_document(path.read_text(encoding="utf-8"), MAX_MANIFEST_SIZE)
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(f"cannot read catalog.yml: {error}", str(path), code="catalog"))
        return {}
    except YamlError as error:
        problems.append(Problem(error.message, str(path), error.line, error.column, code="catalog"))
        return {}
    data = None if document is None else document.data
    if data is not None and not isinstance(data, dict):
        problems.append(Problem("catalog.yml must be a mapping (version, components, lint)", str(path), 1, 1,
                                code="catalog"))
    return data if isinstance(data, dict) else {}


def _component(name: str, path: Path, entry: Any, manifest: Path, problems: list[Problem]) -> Component:
    component = Component(name, path)
    if entry is None:
        component.examples = [Example("defaults")]
        return component
    if not isinstance(entry, dict):
        problems.append(Problem(f"catalog.yml entry `{name}` must be a mapping", str(manifest), code="catalog"))
        return component
    component.summary = str(entry.get("summary") or "")
    for index, example in enumerate(entry.get("examples") or [{"name": "defaults"}]):
        if not isinstance(example, dict) or not isinstance(example.get("inputs", {}), dict):
            problems.append(Problem(f"catalog.yml `{name}` example {index}: needs `name` and an `inputs` mapping",
                                    str(manifest), code="catalog"))
            continue
        name_of_set = str(example.get("name", f"example {index + 1}"))
        component.examples.append(Example(name_of_set, example.get("inputs") or {}))
    return component
