"""The catalog: components found under `templates/` and the manifest `catalog.yml`.

GitLab finds components at `templates/<name>.yml` and `templates/<name>/template.yml`
(app/models/ci/catalog/components_project.rb: names of letters, digits, `_` and `-`;
`.yaml` is never read). `catalog.yml` is this project's manifest: the catalog version, the project path users
include it from, and per component a summary, the example input sets `check` renders, and the test cases
`test` runs (`catalog_cases`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import semver

from ci_catalog.catalog_cases import Case, read_cases
from ci_catalog.problems import Marks, Problem
from ci_catalog.yamlread import YamlError, read_document

MANIFEST = "catalog.yml"
# The folder GitLab finds a project's components in.
TEMPLATES = "templates"
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
    cases: list[Case] = field(default_factory=list)


@dataclass
class Catalog:
    root: Path
    version: str = ""
    project: str = DEFAULT_PROJECT
    components: list[Component] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Every file under templates/ (see `template_files`), for rules about the layout.
    files: list[Path] = field(default_factory=list)
    # catalog.yml's `components` mapping as written (None: no such mapping), and where
    # each of its keys stands, for rules that compare it with templates/.
    entries: dict[str, Any] | None = None
    manifest_marks: Marks = field(default_factory=Marks)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    @property
    def template_problems(self) -> list[Problem]:
        """The problems of files under templates/, such as a link, which hide a component GitLab would list."""
        templates = self.root / TEMPLATES
        return [problem for problem in self.problems if Path(problem.file).is_relative_to(templates)]


def is_catalog(root: Path) -> bool:
    """Whether `root` is a catalog folder: one with a templates/ folder."""
    return (root / TEMPLATES).is_dir()


def relative(root: Path, path: Path) -> str:
    """`path` relative to the catalog folder, with `/` separators (as GitLab names it)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def component_paths(root: Path, files: list[Path]) -> list[Path]:
    """The files a release would publish as components, in name order."""
    return sorted(path for path in files if COMPONENT_PATH.match(relative(root, path)))


@dataclass
class TemplateFiles:
    """What `templates/` holds: its files in path order, and the links that were refused."""

    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def template_files(root: Path) -> TemplateFiles:
    """Every file under the catalog's `templates/`: the one place that looks there.

    A link is a problem and is never read: GitLab stores a link as a file holding the
    target's path and never follows it. One that leads out of the catalog could only show
    a local checkout's files (`/etc/shadow`, another project), which `show`, `docs` and
    `site` would publish; one inside it would pass here as the file it names, where GitLab
    reads a path.
    """
    found = TemplateFiles()
    top = root.resolve()
    pending = [root / TEMPLATES]
    while pending:
        folder = pending.pop()
        if _reported_link(folder, root, top, found.problems):
            continue
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if _reported_link(entry, root, top, found.problems):
                continue
            if entry.is_dir():
                pending.append(entry)
            elif entry.is_file():
                found.files.append(entry)
    found.files.sort()
    found.problems.sort(key=lambda problem: problem.file)
    return found


def _reported_link(path: Path, root: Path, top: Path, problems: list[Problem]) -> bool:
    """Whether `path` is a link; a problem for it goes to `problems` (GitLab reads no link's target)."""
    if not path.is_symlink():
        return False
    problem = link_out_of(root, path, top)
    if problem is None:
        message = (
            f"`{relative(root, path)}` is a link to {path.readlink()}: GitLab does not follow links (it reads the "
            "link's own text as the file), so on GitLab it holds that path, not what it points at; put the file "
            "or folder itself in its place"
        )
        problem = Problem(message, str(path), code="catalog")
    problems.append(problem)
    return True


def link_out_of(root: Path, path: Path, top: Path | None = None) -> Problem | None:
    """A problem when `path` is a link that leads out of the catalog at `root` (never read then)."""
    # realpath, unlike Path.resolve before Python 3.13, ends a loop of links instead of raising.
    if not path.is_symlink() or Path(os.path.realpath(path)).is_relative_to(top or root.resolve()):
        return None
    message = (
        f"`{relative(root, path)}` is a link to {path.readlink()}, outside the catalog: GitLab does not follow links "
        "(it reads the link's own text as the file), and the harness does not read files outside the catalog; "
        "put the file itself in the catalog"
    )
    return Problem(message, str(path), code="catalog")


def discover_templates(root: Path, files: list[Path] | None = None) -> dict[str, Path]:
    """Component name -> file, in GitLab's lookup order (`<name>.yml` before `<name>/template.yml`)."""
    found = template_files(root).files if files is None else files
    names = components_by_name([relative(root, path) for path in found])
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
    found = template_files(root)
    catalog.files, catalog.problems = found.files, list(found.problems)
    templates = discover_templates(root, found.files)
    manifest_path = catalog.manifest_path
    manifest: dict[str, Any] = {}
    outside = link_out_of(root, manifest_path)
    if outside is not None:
        catalog.problems.append(outside)
    elif manifest_path.is_symlink() and not manifest_path.exists():
        message = (
            f"`{MANIFEST}` is a link to {manifest_path.readlink()}, which leads to no file (its target is missing, "
            "or the links loop): put the manifest itself there"
        )
        catalog.problems.append(Problem(message, str(manifest_path), code="catalog"))
    elif manifest_path.exists():
        manifest, catalog.manifest_marks = read_manifest(manifest_path, catalog.problems)
    catalog.version = _version(manifest, catalog)
    catalog.project = _text(manifest, "project", catalog) or DEFAULT_PROJECT
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
        catalog.components.append(_component(name, path, entries.get(name), catalog))
    return catalog


def manifest_project(text: str) -> str:
    """catalog.yml's `project`, from its text (a bare clone has no work tree to load), or the default."""
    try:
        document = read_document(text, MAX_MANIFEST_SIZE)
    except YamlError:
        return DEFAULT_PROJECT
    data = document.data if document is not None else None
    value = data.get("project") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else DEFAULT_PROJECT


def _text(manifest: dict[str, Any], key: str, catalog: Catalog) -> str:
    """A text field of catalog.yml; anything else (a list, a mapping) is a problem, not its repr."""
    value = manifest.get(key)
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    line, column = catalog.manifest_marks.find((key,))
    message = f"`{key}` must be text, not a {_kind(value)}"
    catalog.problems.append(Problem(message, str(catalog.manifest_path), line, column, code="catalog"))
    return ""


def _version(manifest: dict[str, Any], catalog: Catalog) -> str:
    """catalog.yml's `version`: a semantic version, as the release tags GitLab's catalog publishes.

    It becomes part of every include snippet `list`, `show`, `docs` and `site` print, so a
    value that is no version (`[1]`, `../../etc`) is a problem wherever the catalog is read.
    """
    text = _text(manifest, "version", catalog)
    if not text or (not text.startswith("v") and semver.Version.is_valid(text)):
        return text
    line, column = catalog.manifest_marks.find(("version",))
    message = f"`version: {text}` is not a semantic version like 1.2.0"
    catalog.problems.append(Problem(message, str(catalog.manifest_path), line, column, code="catalog"))
    return ""


def _kind(value: Any) -> str:
    return {list: "list", dict: "mapping", bool: "boolean"}.get(type(value), type(value).__name__)


def read_manifest(path: Path, problems: list[Problem]) -> tuple[dict[str, Any], Marks]:
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
        problems.append(
            Problem("catalog.yml must be a mapping (version, components, lint)", str(path), 1, 1, code="catalog")
        )
        return {}, Marks()
    return document.data, document.marks


def _component(name: str, path: Path, entry: Any, catalog: Catalog) -> Component:
    component = Component(name, path)
    manifest, problems = catalog.manifest_path, catalog.problems
    if entry is None:
        component.examples = [Example("defaults")]
        return component
    if not isinstance(entry, dict):
        problems.append(Problem(f"catalog.yml entry `{name}` must be a mapping", str(manifest), code="catalog"))
        return component
    summary = entry.get("summary")
    if summary is None or isinstance(summary, str):
        component.summary = summary or ""
    else:
        line, column = catalog.manifest_marks.find(("components", name, "summary"))
        message = f"catalog.yml `{name}` summary must be text, not a {_kind(summary)}"
        problems.append(Problem(message, str(manifest), line, column, code="catalog"))
    for index, example in enumerate(entry.get("examples") or [{"name": "defaults"}]):
        if not isinstance(example, dict) or not isinstance(example.get("inputs", {}), dict):
            problems.append(
                Problem(
                    f"catalog.yml `{name}` example {index}: needs `name` and an `inputs` mapping",
                    str(manifest),
                    code="catalog",
                )
            )
            continue
        name_of_set = str(example.get("name", f"example {index + 1}"))
        component.examples.append(Example(name_of_set, example.get("inputs") or {}))
    component.cases = read_cases(name, entry.get("tests"), catalog.root, manifest, catalog.manifest_marks, problems)
    return component
