"""What `list`, `show`, `docs` and `site` tell users about a catalog's components.

One model per component (`ComponentView`): its inputs, its public jobs (from the interface),
its example input sets with their rendered output, and the `include:` snippet pinned to
the newest release (`browse.releases`: catalog.yml's version is the one being prepared,
and may not exist yet). The text forms for the terminal live here too; Markdown and HTML
are `docs_pages`' and `site`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_catalog.browse.releases import CatalogVersions, catalog_versions
from ci_catalog.catalog import Catalog, Component, relative
from ci_catalog.cimodel import component_context
from ci_catalog.emit import json_text, to_yaml, yaml_float
from ci_catalog.header import InputSpec
from ci_catalog.interface import ComponentInterface, interface_of_path
from ci_catalog.problems import Problem
from ci_catalog.render import RenderOptions, render_path

DEFAULTS = "defaults"
# The widest value `show` keeps in its text table's columns.
MAX_CELL = 40


@dataclass
class ExampleView:
    name: str
    inputs: dict[str, Any]
    snippet: str
    rendered: str = ""
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ComponentView:
    name: str
    path: str
    summary: str
    version: str  # what the snippets pin: the newest release (see `browse.releases`)
    address: str
    snippet: str
    versions: CatalogVersions
    description: str = ""
    inputs: list[InputSpec] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    # How many internal helpers (`.<prefix>-internal-…`) `jobs` leaves out.
    internal_jobs: int = 0
    # The jobs whose rules keep them out of every pipeline with the inputs they were rendered with.
    idle_jobs: list[str] = field(default_factory=list)
    # `defaults`, or the name of the example set the jobs were rendered with.
    jobs_from: str = DEFAULTS
    examples: list[ExampleView] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "summary": self.summary,
            "description": self.description,
            "version": self.version,
            "released": self.versions.newest,
            "prepared": self.versions.prepared or None,
            "version_note": self.versions.note(),
            "address": self.address,
            "snippet": self.snippet,
            "inputs": [input_as_dict(spec) for spec in self.inputs],
            "jobs": self.jobs,
            "jobs_rendered_with": self.jobs_from,
            "jobs_that_do_not_run": self.idle_jobs,
            "examples": [{"name": example.name, "inputs": example.inputs} for example in self.examples],
            "problems": [problem.as_dict() for problem in self.problems],
        }


def idle_note(view: ComponentView, job: str) -> str:
    """What follows a job's name where it is listed: that it does not run, when its rules say so."""
    return " (does not run with these inputs)" if job in view.idle_jobs else ""


def address(catalog: Catalog, name: str, version: str) -> str:
    """The `component:` value users include, as the catalog shows it (reference section 7.2)."""
    return f"$CI_SERVER_FQDN/{catalog.project}/{name}@{version}"


def include_snippet(component_address: str, inputs: dict[str, Any] | None = None) -> str:
    """A `.gitlab-ci.yml` fragment that includes the component, with `inputs` when given."""
    text = f"include:\n  - component: {component_address}\n"
    if inputs:
        block = to_yaml({"inputs": inputs})
        text += "".join(f"    {line}\n" for line in block.splitlines())
    return text


def component_view(
    catalog: Catalog, component: Component, with_renders: bool = False, versions: CatalogVersions | None = None
) -> ComponentView:
    """The component as users see it; `with_renders` also renders every example set.
    `versions` says what the snippets pin (default: the catalog's, read from its git tags)."""
    versions = versions or catalog_versions(catalog)
    view = ComponentView(
        name=component.name,
        path=relative(catalog.root, component.path),
        summary=component.summary,
        version=versions.pinned,
        address=address(catalog, component.name, versions.pinned),
        snippet="",
        versions=versions,
    )
    interface = _interface(component)
    view.problems = list(interface.problems)
    view.inputs = list(interface.spec.inputs)
    view.description = interface.spec.description or ""
    view.jobs = interface.jobs
    view.internal_jobs = len(interface.internal_jobs)
    view.idle_jobs = interface.idle_jobs
    view.jobs_from = _jobs_source(component, interface)
    view.snippet = include_snippet(view.address, _required_values(view.inputs, component))
    view.examples = [
        _example(catalog, view, component, index, with_renders) for index in range(len(component.examples))
    ]
    return view


def _interface(component: Component) -> ComponentInterface:
    """Jobs rendered with the defaults, or with the first example set when an input is required."""
    interface = interface_of_path(component.name, str(component.path))
    if _needs_values(interface) and component.examples:
        interface = interface_of_path(component.name, str(component.path), component.examples[0].inputs)
    return interface


def _needs_values(interface: ComponentInterface) -> bool:
    return any(spec.required for spec in interface.spec.inputs)


def _jobs_source(component: Component, interface: ComponentInterface) -> str:
    if _needs_values(interface) and component.examples:
        return component.examples[0].name
    return DEFAULTS


def _required_values(inputs: list[InputSpec], component: Component) -> dict[str, Any]:
    """Values for the required inputs, from the first example set, so the snippet works as pasted."""
    given = component.examples[0].inputs if component.examples else {}
    return {spec.name: given.get(spec.name, f"<{spec.name}>") for spec in inputs if spec.required}


def _example(catalog: Catalog, owner: ComponentView, component: Component, index: int, render: bool) -> ExampleView:
    example = component.examples[index]
    view = ExampleView(example.name, example.inputs, include_snippet(owner.address, example.inputs))
    if render:
        # As `check` renders examples, so that both show the same output.
        options = RenderOptions(inputs=example.inputs, component=component_context(component.name, catalog.version))
        result = render_path(component.path, options)
        view.problems = result.problems
        view.rendered = readable_yaml(result.data) if result.ok else ""
    return view


def readable_yaml(data: Any) -> str:
    """YAML for pages people read: `to_yaml`'s output, with scripts as literal blocks (same data)."""
    return to_yaml(data, literal_blocks=True)


def input_as_dict(spec: InputSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "type": spec.type,
        "default": spec.default if spec.has_default else None,
        "has_default": spec.has_default,
        "options": spec.options,
        "regex": spec.regex,
        "description": spec.description or "",
        "required": spec.required,
        "default_from_rules": bool(spec.rules),
    }


def value_text(value: Any) -> str:
    """A value as users would write it in `inputs:` (JSON is valid YAML, and unambiguous;
    NaN and Infinity, which JSON lacks, take YAML's `.nan` and `.inf`)."""
    return json_text(value, indent=None, non_finite=yaml_float)


def default_text(spec: InputSpec) -> str:
    if spec.has_default:
        return value_text(spec.default)
    if spec.rules:
        return "set by rules"
    return ""


def constraint_text(spec: InputSpec) -> str:
    """The options or the regex a value must match, or nothing."""
    if spec.options is not None:
        return "one of " + ", ".join(value_text(option) for option in spec.options)
    if spec.regex is not None:
        return f"matches {spec.regex}"
    return ""


# ----- text, for the terminal -----


def catalog_text(catalog: Catalog, versions: CatalogVersions) -> str:
    lines = [f"{catalog.project} {versions.pinned} ({len(catalog.components)} components)"]
    lines.append(f"version: {versions.note()}")
    width = max((len(component.name) for component in catalog.components), default=0)
    lines += [f"  {component.name:{width}}  {component.summary}".rstrip() for component in catalog.components]
    return "\n".join(lines) + "\n"


def catalog_dict(catalog: Catalog, versions: CatalogVersions) -> dict[str, Any]:
    return {
        "project": catalog.project,
        "version": versions.pinned,
        "released": versions.newest,
        "prepared": versions.prepared or None,
        "components": [
            {"name": component.name, "summary": component.summary, "path": relative(catalog.root, component.path)}
            for component in catalog.components
        ],
        "problems": [problem.as_dict() for problem in catalog.problems],
    }


def component_text(view: ComponentView) -> str:
    """`show`'s text: the usage snippet comes last and unindented, so it can be copied as printed."""
    parts = [_heading(view), _inputs_text(view.inputs), _jobs_text(view), _examples_text(view.examples)]
    parts.append("usage:\n" + view.snippet)
    return "\n".join(part for part in parts if part)


def _heading(view: ComponentView) -> str:
    lines = [f"{view.name} {view.version}  ({view.path})", f"version: {view.versions.note()}"]
    lines += [text for text in (view.summary, view.description) if text]
    return "\n".join(lines) + "\n"


def _inputs_text(inputs: list[InputSpec]) -> str:
    if not inputs:
        return "inputs: none\n"
    header = ("NAME", "TYPE", "REQUIRED", "DEFAULT", "OPTIONS OR REGEX")
    rows = [_input_cells(spec) for spec in inputs]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header) - 1)]
    lines = [f"inputs ({len(inputs)}):", _aligned(header, widths)]
    for spec, row in zip(inputs, rows, strict=True):
        lines.append(_aligned(row, widths))
        if len(default_text(spec)) > MAX_CELL:
            lines.append(f"      default: {default_text(spec)}")
        if len(constraint_text(spec)) > MAX_CELL:
            lines.append(f"      {constraint_text(spec)}")
        lines += [f"      {line}" for line in (spec.description or "").splitlines()]
    return "\n".join(lines) + "\n"


def _input_cells(spec: InputSpec) -> tuple[str, ...]:
    """One row; a cell too wide for a terminal table moves to a line of its own below it."""
    default, constraint = default_text(spec), constraint_text(spec)
    return (
        spec.name,
        spec.type,
        "yes" if spec.required else "no",
        default if len(default) <= MAX_CELL else "(below)",
        constraint if len(constraint) <= MAX_CELL else "(below)",
    )


def _aligned(cells: tuple[str, ...], widths: list[int]) -> str:
    padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)] + [cells[-1]]
    return ("  " + "  ".join(padded)).rstrip()


def _jobs_text(view: ComponentView) -> str:
    source = "the defaults" if view.jobs_from == DEFAULTS else f"example {view.jobs_from!r}"
    count = view.internal_jobs
    left_out = f"; {count} internal helper{'' if count == 1 else 's'} left out" if count else ""
    lines = [f"jobs (rendered with {source}{left_out}):"] + [f"  {job}{idle_note(view, job)}" for job in view.jobs]
    return "\n".join(lines) + "\n"


def _examples_text(examples: list[ExampleView]) -> str:
    lines = ["examples:"]
    for example in examples:
        lines.append(f"  {example.name}:" + ("" if example.inputs else " {}"))
        if example.inputs:
            lines += [f"    {line}" for line in to_yaml(example.inputs).splitlines()]
    return "\n".join(lines) + "\n"
