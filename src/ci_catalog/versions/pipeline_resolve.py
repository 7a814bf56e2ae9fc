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
from ci_catalog.problems import Marks, Problem, Severity
from ci_catalog.render import RenderOptions, render_path, render_text
from ci_catalog.validate import content_problems
from ci_catalog.versions.address import Address, content_not_found, parse_address
from ci_catalog.versions.includes import ComponentInclude, find_component_includes
from ci_catalog.versions.resolve import CatalogRepo, Kind, Resolution, component_text, resolve_reference


@dataclass
class ResolvedInclude:
    include: ComponentInclude
    address: Address | None = None
    resolution: Resolution | None = None
    component_path: str = ""
    jobs: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


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
    catalog: CatalogRepo
    fqdn: str
    variables: dict[str, str]


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
    report.problems += _collisions(report)
    if report.ok:
        merged, marks = _merge(rendered.data, rendered.marks, report.includes)
        partial = _unmerged_includes(rendered.data, report.includes)
        report.problems += content_problems(merged, marks, report.path, partial=partial)
    return report


def _unmerged_includes(pipeline: Any, includes: list[ResolvedInclude]) -> bool:
    """Whether the merged pipeline lacks included content: a non-component include, a
    component not resolved here, or a component's own includes."""
    entries = pipeline.get("include") if isinstance(pipeline, dict) else None
    count = len(entries) if isinstance(entries, list) else int(bool(entries))
    merged = [resolved for resolved in includes if resolved.data]
    return count > len(merged) or any(resolved.data.get("include") for resolved in merged)


def _resolve_include(include: ComponentInclude, context: Context, report: PipelineReport) -> ResolvedInclude:
    resolved = ResolvedInclude(include)
    problem = _located(report.path, include)
    address = parse_address(include.written, context.fqdn, context.variables)
    if isinstance(address, str):
        report.problems.append(problem(address))
        return resolved
    resolved.address = address
    if address.project != context.catalog.project:
        message = (
            f"`{address.expanded}` is not a component of this catalog ({context.catalog.project}); not resolved "
            "(use --project when the catalog is included under another path)"
        )
        report.problems.append(problem(message, "warning"))
        return resolved
    resolution = resolve_reference(context.catalog, address)
    if isinstance(resolution, str):
        report.problems.append(problem(resolution))
        return resolved
    resolved.resolution = resolution
    if not resolution.kind.pinned:
        report.problems.append(problem(_unpinned(address, resolution), "warning"))
    _render_component(resolved, address, resolution, context, report)
    return resolved


def _render_component(
    resolved: ResolvedInclude, address: Address, resolution: Resolution, context: Context, report: PipelineReport
) -> None:
    problem = _located(report.path, resolved.include)
    found = component_text(context.catalog, resolution.sha, address.name)
    if found is None:
        report.problems.append(problem(content_not_found(address.expanded)))
        return
    file_path, text = found
    resolved.component_path = f"{file_path}@{address.reference}"
    options = RenderOptions(inputs=resolved.include.inputs, component=resolution.component_context(address))
    rendered = render_text(text, resolved.component_path, options)
    if not rendered.ok:
        for error in rendered.problems:
            report.problems.append(problem(f"{error.message} (in {error.where()})"))
        return
    resolved.data = rendered.data if isinstance(rendered.data, dict) else {}
    resolved.jobs = [name for name, _ in jobs(resolved.data)]


def _unpinned(address: Address, resolution: Resolution) -> str:
    target = resolution.version or resolution.sha[:12]
    what = "a branch" if resolution.kind is Kind.BRANCH else f"`{address.reference}`"
    return (
        f"`{address.name}@{address.reference}` is not pinned: {what} resolves to {target} today; run `ci-catalog pin`"
    )


def _collisions(report: PipelineReport) -> list[Problem]:
    problems: list[Problem] = []
    owner: dict[str, ResolvedInclude] = {}
    for resolved in report.includes:
        for job in resolved.jobs:
            first = owner.setdefault(job, resolved)
            if first is resolved:
                continue
            message = (
                f"job `{job}` is defined by two includes (`{first.include.written}` at line {first.include.line} "
                f"and this one): GitLab would merge them into one job; give each include its own `job_prefix`"
            )
            problems.append(_located(report.path, resolved.include)(message))
    return problems


def _merge(pipeline: Any, pipeline_marks: Marks, includes: list[ResolvedInclude]) -> tuple[dict[str, Any], Marks]:
    """The merged configuration, and marks that place each included key at its include entry."""
    merged: dict[str, Any] = {}
    marks = Marks()
    for resolved in includes:
        merged = _deep_merge(merged, resolved.data)
        for key in resolved.data:
            marks.add((key,), resolved.include.line, resolved.include.column)
    own = {key: value for key, value in (pipeline or {}).items() if key != "include"}
    merged = _deep_merge(merged, own)
    marks.by_path.update({path: place for path, place in pipeline_marks.by_path.items() if path[:1] != ("include",)})
    return merged, marks


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in extra.items():
        if isinstance(result.get(key), dict) and isinstance(value, dict):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def _located(path: str, include: ComponentInclude) -> Callable[..., Problem]:
    """Problems placed at an include entry's `component:` key."""

    def problem(message: str, severity: Severity = "error") -> Problem:
        return Problem(message, path, include.line, include.column, code="include", severity=severity)

    return problem
