"""A component's interface: what users depend on when they include it.

The inputs come from the checked `spec` header; the jobs are the top-level job names
(hidden templates included, since users extend them) of the body rendered with the
given inputs, or with the defaults and a placeholder for each required input
(`cimodel.placeholder_inputs`). The component's internal helpers (`cimodel.is_internal`)
are no part of it: they are kept apart, in `internal_jobs`. A job whose rules, its bases
merged in, keep it out of every pipeline with those inputs is in `idle_jobs` too.
`list`, `show`, `docs` and `diff` all read this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_catalog.cimodel import component_context, is_hidden, is_internal, jobs, never_runs, placeholder_inputs
from ci_catalog.header import InputSpec, Spec, check_header
from ci_catalog.loading import LoadedFile, load_path, load_text
from ci_catalog.problems import Marks, Problem
from ci_catalog.processor.extends import extend_all
from ci_catalog.render import RenderOptions, render_loaded


@dataclass
class ComponentInterface:
    name: str
    path: str
    spec: Spec = field(default_factory=Spec)
    # The jobs users may run or extend, then the helpers they must not (`.<prefix>-internal-…`).
    jobs: list[str] = field(default_factory=list)
    internal_jobs: list[str] = field(default_factory=list)
    # The jobs that never run with these inputs (`rules` of `when: never` only).
    idle_jobs: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def inputs(self) -> dict[str, InputSpec]:
        return {item.name: item for item in self.spec.inputs}


def interface_of_path(name: str, path: str, inputs: dict[str, Any] | None = None) -> ComponentInterface:
    return interface_of_loaded(name, load_path(path), inputs)


def interface_of_text(name: str, text: str, path: str, inputs: dict[str, Any] | None = None) -> ComponentInterface:
    return interface_of_loaded(name, load_text(text, path), inputs)


def interface_of_loaded(name: str, loaded: LoadedFile, inputs: dict[str, Any] | None = None) -> ComponentInterface:
    """The interface; problems say why the spec or the jobs could not be read."""
    interface = ComponentInterface(name, loaded.path)
    if loaded.problems or loaded.header is None:
        interface.problems = loaded.problems or [Problem("not a component: no `spec` header", loaded.path, 1, 1)]
        return interface
    header = check_header(loaded.header, loaded.path, loaded.header_marks)
    interface.spec = header.spec
    if header.problems:
        interface.problems = header.problems
        return interface
    given = placeholder_inputs(header.spec) if inputs is None else inputs
    rendered = render_loaded(loaded, RenderOptions(inputs=given, component=component_context(name)))
    if rendered.problems:
        interface.problems = rendered.problems
        return interface
    if isinstance(rendered.data, dict):
        names = [job for job, _ in jobs(rendered.data)]
        interface.jobs = [job for job in names if not is_internal(job)]
        interface.internal_jobs = [job for job in names if is_internal(job)]
        interface.idle_jobs = _idle_jobs(rendered.data, interface.jobs)
    return interface


def _idle_jobs(content: dict[str, Any], names: list[str]) -> list[str]:
    """Of the jobs `names`, those that run in no pipeline, as their bases merged in say."""
    extended = extend_all(content, Marks(), partial=True).data
    visible = [name for name in names if not is_hidden(name)]
    return [name for name in visible if isinstance(extended.get(name), dict) and never_runs(extended[name])]
