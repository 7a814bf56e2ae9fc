"""Resolve a pipeline file's component includes, render them, merge and validate the whole.

Each `include: component:` is resolved against the catalog's repository, rendered at
that commit with the entry's inputs and the component context GitLab would give, and
merged as GitLab merges includes: in order, mappings deep-merged, the pipeline file
last. Two includes that define the same job would silently merge into one job on
GitLab; that is reported here, at the second include.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_catalog.cimodel import jobs
from ci_catalog.functions import Variable
from ci_catalog.problems import Marks, Problem, Severity
from ci_catalog.render import RenderOptions, render_path, render_text
from ci_catalog.validate import checked_content
from ci_catalog.versions.address import Address, content_not_found, parse_address
from ci_catalog.versions.includes import ComponentInclude, find_component_includes
from ci_catalog.versions.resolve import CatalogRepo, Kind, Resolution, component_text, resolve_reference


@dataclass
class ResolvedInclude:
    include: ComponentInclude
    file: str = ""  # the file the include entry is in
    address: Address | None = None
    resolution: Resolution | None = None
    component_path: str = ""
    jobs: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    marks: Marks = field(default_factory=Marks)
    problems: list[Problem] = field(default_factory=list)

    @property
    def file_place(self) -> str:
        return f"{self.file}:{self.include.line}"

    @property
    def ok(self) -> bool:
        """Resolved and rendered, with no error (warnings allowed)."""
        return self.resolution is not None and not any(problem.severity == "error" for problem in self.problems)


@dataclass
class PipelineReport:
    path: str
    includes: list[ResolvedInclude] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(problem.severity == "error" for problem in self.problems)


@dataclass(frozen=True)
class Context:
    catalog: CatalogRepo | None  # None: no catalog was given, so no component resolves
    fqdn: str
    variables: dict[str, str]
    # An include of another project's path is an error, not a warning.
    strict: bool = False

    def render_variables(self) -> dict[str, Variable]:
        """The CI/CD variables as `expand_vars` sees them while a file is rendered."""
        return {name: Variable(name, value) for name, value in self.variables.items()}


def resolve_pipeline(path: str | Path, context: Context) -> PipelineReport:
    report = PipelineReport(str(path))
    rendered = render_path(path)
    if not rendered.ok:
        report.problems = rendered.problems
        return report
    found = find_component_includes(rendered.data, rendered.marks, report.path)
    report.problems += found.problems
    for include in found.components:
        report.includes.append(_resolve_include(include, context, report))
    report.problems += job_collisions(report.includes)
    if report.ok:
        merged, marks = _merge(rendered.data, rendered.marks, report.includes)
        partial = _unmerged_includes(rendered.data, report.includes)
        report.problems += checked_content(merged, marks, report.path, partial=partial).problems
    return report


def _unmerged_includes(pipeline: Any, includes: list[ResolvedInclude]) -> bool:
    """Whether the merged pipeline lacks included content: a non-component include, a
    component not resolved here, or a component's own includes."""
    entries = pipeline.get("include") if isinstance(pipeline, dict) else None
    count = len(entries) if isinstance(entries, list) else int(bool(entries))
    merged = [resolved for resolved in includes if resolved.data]
    return count > len(merged) or any(resolved.data.get("include") for resolved in merged)


def _resolve_include(include: ComponentInclude, context: Context, report: PipelineReport) -> ResolvedInclude:
    resolved = resolve_component(include, context, report.path)
    report.problems += resolved.problems
    return resolved


def resolve_component(include: ComponentInclude, context: Context, path: str) -> ResolvedInclude:
    """One `include: component:` entry of the file `path`, resolved and rendered; what went
    wrong is in the result's `problems`, placed at the entry."""
    resolved = ResolvedInclude(include, file=path)
    problem = _located(path, include)
    address = parse_address(include.written, context.fqdn, context.variables)
    if isinstance(address, str):
        resolved.problems.append(problem(address))
        return resolved
    resolved.address = address
    catalog = context.catalog
    if catalog is None:
        message = f"no catalog to resolve `{address.expanded}` against: give --catalog (a clone, or a git URL)"
        resolved.problems.append(problem(message))
        return resolved
    if address.project != catalog.project:
        other = _another_project(address, catalog)
        resolved.problems.append(problem(other.message, "error" if context.strict else "warning"))
        if not other.ours:
            return resolved
    resolution = resolve_reference(catalog, address)
    if isinstance(resolution, str):
        resolved.problems.append(problem(resolution))
        return resolved
    resolved.resolution = resolution
    if not resolution.kind.pinned:
        resolved.problems.append(problem(_unpinned(address, resolution), "warning"))
    _render_component(resolved, address, resolution, context, catalog)
    return resolved


@dataclass(frozen=True)
class _OtherProject:
    ours: bool  # resolved against this catalog all the same, by the component's name
    message: str


def _another_project(address: Address, catalog: CatalogRepo) -> _OtherProject:
    """An address whose project path is not the catalog's: a catalog included under another
    path (a fork, a mirror, the README's `<group>/python-ci` filled in) when the catalog has a
    component of that name, else another catalog's component."""
    if address.name in catalog.component_names:
        message = (
            f"`{address.expanded}` names the project `{address.project}`, but this catalog's path is "
            f"`{catalog.project}` "
            f"(catalog.yml `project`, or --project): resolved against this catalog by the component name "
            f"`{address.name}`; give --project {address.project} if that is where the catalog is included from"
        )
        return _OtherProject(True, message)
    message = (
        f"`{address.expanded}` is not a component of this catalog: its project `{address.project}` is not "
        f"`{catalog.project}`, and the catalog has no component `{address.name}`; not resolved"
    )
    return _OtherProject(False, message)


def _render_component(
    resolved: ResolvedInclude, address: Address, resolution: Resolution, context: Context, catalog: CatalogRepo
) -> None:
    problem = _located(resolved.file, resolved.include)
    found = component_text(catalog, resolution.sha, address.name)
    if found is None:
        resolved.problems.append(problem(content_not_found(address.expanded)))
        return
    file_path, text = found
    resolved.component_path = f"{file_path}@{address.reference}"
    options = RenderOptions(
        inputs=resolved.include.inputs,
        variables=context.render_variables(),
        component=resolution.component_context(address),
    )
    rendered = render_text(text, resolved.component_path, options)
    if not rendered.ok:
        for error in rendered.problems:
            resolved.problems.append(problem(f"{error.message} (in {error.where()})"))
        return
    resolved.data = rendered.data if isinstance(rendered.data, dict) else {}
    resolved.marks = rendered.marks
    resolved.jobs = [name for name, _ in jobs(resolved.data)]


def _unpinned(address: Address, resolution: Resolution) -> str:
    target = resolution.version or resolution.sha[:12]
    what = "a branch" if resolution.kind is Kind.BRANCH else f"`{address.reference}`"
    return (
        f"`{address.name}@{address.reference}` is not pinned: {what} resolves to {target} today; run `ci-catalog pin`"
    )


def job_collisions(includes: list[ResolvedInclude], severity: Severity = "error") -> list[Problem]:
    """A job two component includes define: GitLab merges them into one, silently."""
    problems: list[Problem] = []
    owner: dict[str, ResolvedInclude] = {}
    for resolved in includes:
        for job in resolved.jobs:
            first = owner.setdefault(job, resolved)
            if first is resolved:
                continue
            place = f"line {first.include.line}" if first.file == resolved.file else first.file_place
            message = (
                f"job `{job}` is defined by two includes (`{first.include.written}` at {place} "
                f"and this one): GitLab would merge them into one job; give each include its own `job_prefix`"
            )
            problems.append(_located(resolved.file, resolved.include)(message, severity))
    return problems


def _merge(pipeline: Any, pipeline_marks: Marks, includes: list[ResolvedInclude]) -> tuple[dict[str, Any], Marks]:
    """The merged configuration, and marks that place each included key at its include entry."""
    merged: dict[str, Any] = {}
    marks = Marks()
    for resolved in includes:
        merged = deep_merge(merged, resolved.data)
        for key in resolved.data:
            marks.add((key,), resolved.include.line, resolved.include.column)
    own = {key: value for key, value in (pipeline or {}).items() if key != "include"}
    merged = deep_merge(merged, own)
    marks.by_path.update({path: place for path, place in pipeline_marks.by_path.items() if path[:1] != ("include",)})
    return merged, marks


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Ruby's Hash#deep_merge, as GitLab merges included files: mappings merge key by key,
    anything else (a list too) is replaced by the later value."""
    result = dict(base)
    for key, value in extra.items():
        if isinstance(result.get(key), dict) and isinstance(value, dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def _located(path: str, include: ComponentInclude) -> Callable[..., Problem]:
    """Problems placed at an include entry's `component:` key."""

    def problem(message: str, severity: Severity = "error") -> Problem:
        return Problem(message, path, include.line, include.column, code="include", severity=severity)

    return problem
