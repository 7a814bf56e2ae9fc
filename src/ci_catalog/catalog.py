"""The catalog: components found under `templates/` and the manifest `catalog.yml`.

GitLab finds components at `templates/<name>.yml` and `templates/<name>/template.yml`
(app/models/ci/catalog/components_project.rb: names of letters, digits, `_` and `-`;
`.yaml` is never read). `catalog.yml` is this project's manifest: the catalog version, the project path users
include it from, and per component a summary and the example input sets `check` renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_catalog.problems import Marks, Problem
from ci_catalog.yamlread import YamlError, read_document

MANIFEST = "catalog.yml"
MAX_MANIFEST_SIZE = 2 * 1024 * 1024
# app/models/ci/catalog/components_project.rb: TEMPLATE_PATH_REGEX, what a release counts
# and publishes as components (Ruby's and Gitaly's \w are ASCII).
COMPONENT_PATH = re.compile(r"^templates/[\w-]+(?:/template)?\.yml$", re.ASCII)
COMPONENTS_LIMIT = 100  # Ci::Catalog::ComponentsProject::COMPONENTS_LIMIT (GitLab 18.5+)
# Where a catalog that does not say otherwise is included from, under `$CI_SERVER_FQDN/`.
DEFAULT_PROJECT = "<group>/python-ci"


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
    project: str = DEFAULT_PROJECT
    components: list[Component] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # catalog.yml's `components` mapping as written (None: no such mapping), and where
    # each of its keys stands, for rules that compare it with templates/.
    entries: dict[str, Any] | None = None
    manifest_marks: Marks = field(default_factory=Marks)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST


def relative(root: Path, path: Path) -> str:
    """`path` relative to the catalog folder, with `/` separators (as GitLab names it)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def component_paths(root: Path, files: list[Path]) -> list[Path]:
    """The files a release would publish as components, in name order."""
    return sorted(path for path in files if COMPONENT_PATH.match(relative(root, path)))


def discover_templates(root: Path) -> dict[str, Path]:
    """Component name -> file, in GitLab's lookup order (`<name>.yml` before `<name>/template.yml`)."""
    files = [path for path in (root / "templates").rglob("*.yml") if path.is_file()]
    names = components_by_name([relative(root, path) for path in files])
    return {name: root / path for name, path in names.items()}


def components_by_name(paths: list[str]) -> dict[str, str]:
    """Component name -> path, from paths relative to the catalog (as `git ls-tree` lists them)."""
    found: dict[str, str] = {}
    for path in sorted(path for path in paths if COMPONENT_PATH.match(path)):
        parts = path.split("/")
        flat = len(parts) == 2
        name = parts[1].removesuffix(".yml") if flat else parts[1]
        if flat or name not in found:
            found[name] = path
    return dict(sorted(found.items()))


def load_catalog(root: Path) -> Catalog:
    catalog = Catalog(root)
    templates = discover_templates(root)
    manifest_path = catalog.manifest_path
    manifest: dict[str, Any] = {}
    if manifest_path.exists():
        manifest, catalog.manifest_marks = _read_manifest(manifest_path, catalog.problems)
    catalog.version = str(manifest.get("version") or "")
    catalog.project = str(manifest.get("project") or DEFAULT_PROJECT)
    entries = manifest.get("components")
    if "components" in manifest and entries is not None and not isinstance(entries, dict):
        message = "`components` must be a mapping of name to entry"
        catalog.problems.append(Problem(message, str(manifest_path), code="catalog"))
    elif "components" in manifest:
        catalog.entries = entries or {}
    entries = catalog.entries or {}
    # A component without an entry, or an entry without a component, is the lint rule
    # `catalog-manifest-mismatch`'s to report.
    for name, path in templates.items():
        catalog.components.append(_component(name, path, entries.get(name), manifest_path, catalog.problems))
    return catalog


def _read_manifest(path: Path, problems: list[Problem]) -> tuple[dict[str, Any], Marks]:
    """catalog.yml as a mapping, with positions; a file that cannot be read becomes a located problem."""
    try:
        document = read_document(path.read_text(encoding="utf-8"), MAX_MANIFEST_SIZE)
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(f"cannot read catalog.yml: {error}", str(path), code="catalog"))
        return {}, Marks()
    except YamlError as error:
        problems.append(Problem(error.message, str(path), error.line, error.column, code="catalog"))
        return {}, Marks()
    if document is None:
        return {}, Marks()
    if not isinstance(document.data, dict):
        problems.append(Problem("catalog.yml must be a mapping (version, components, lint)", str(path), 1, 1,
                                code="catalog"))
        return {}, Marks()
    return document.data, document.marks


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
