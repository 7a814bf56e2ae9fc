"""Render a CI file: load, check the header, resolve inputs, interpolate.

The order of checks is GitLab's (lib/gitlab/ci/config/interpolation/interpolator.rb):
YAML errors, inputs that are not a hash, inputs given to a file without a header, then
header, input and interpolation errors. GitLab shows the first three messages joined
with ", "; every problem here also carries the place in the file it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_catalog.functions import FunctionContext, Variable
from ci_catalog.header import Spec, check_header
from ci_catalog.inputs import resolve_inputs
from ci_catalog.interpolate import interpolate
from ci_catalog.loading import LoadedFile, load_path, load_text
from ci_catalog.problems import Marks, Problem, format_json_path

MAX_SHOWN_ERRORS = 3
NOT_A_HASH = "Given inputs must be a hash"
NO_HEADER = "Given inputs not defined in the `spec` section of the included configuration file"


@dataclass
class RenderOptions:
    """What an `include:` would pass: inputs, CI/CD variables, component context, flags."""

    inputs: Any = None
    variables: dict[str, Variable] = field(default_factory=dict)
    component: dict[str, Any] = field(default_factory=dict)
    features: frozenset[str] = frozenset()


@dataclass
class RenderResult:
    loaded: LoadedFile
    spec: Spec | None = None
    data: Any = None
    marks: Marks = field(default_factory=Marks)
    problems: list[Problem] = field(default_factory=list)
    interpolated: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def path(self) -> str:
        return self.loaded.path

    def gitlab_message(self) -> str:
        """The error as GitLab shows it: the first three messages joined with ", "."""
        return ", ".join(problem.message for problem in self.problems[:MAX_SHOWN_ERRORS])


def render_path(path: str | Path, options: RenderOptions | None = None) -> RenderResult:
    return render_loaded(load_path(path), options or RenderOptions())


def render_text(text: str, path: str = "<input>", options: RenderOptions | None = None) -> RenderResult:
    return render_loaded(load_text(text, path), options or RenderOptions())


def render_loaded(loaded: LoadedFile, options: RenderOptions) -> RenderResult:
    result = RenderResult(loaded)
    if loaded.problems:
        result.problems = loaded.problems
        return result
    given = {} if options.inputs is None else options.inputs
    if not isinstance(given, dict):
        return _fail(result, NOT_A_HASH)
    if given and not loaded.has_header:
        return _fail(result, NO_HEADER)
    if not loaded.has_header:
        result.data, result.marks = loaded.content, loaded.content_marks
        return result
    return _render_with_header(result, {str(key): value for key, value in given.items()}, options)


def _render_with_header(result: RenderResult, given: dict[str, Any], options: RenderOptions) -> RenderResult:
    loaded = result.loaded
    assert loaded.header is not None
    header = check_header(loaded.header, loaded.path, loaded.header_marks)
    result.spec = header.spec
    if header.problems:
        result.problems = header.problems
        return result
    resolved = resolve_inputs(header.spec, given)
    if resolved.errors:
        result.problems = [_input_problem(message, header.spec, loaded) for message in resolved.errors]
        return result
    component = {name: options.component[name] for name in header.spec.component if name in options.component}
    context = {"inputs": resolved.values, "component": component}
    functions = FunctionContext(options.variables, options.features)
    rendered = interpolate(loaded.content, loaded.content_marks, context, functions)
    if rendered.errors:
        result.problems = [_content_problem(error.message, error.path, loaded) for error in rendered.errors]
        return result
    result.data, result.marks, result.interpolated = rendered.data, rendered.marks, True
    return result


def _fail(result: RenderResult, message: str) -> RenderResult:
    result.problems = [Problem(message, result.loaded.path, 1, 1, code="inputs")]
    return result


_INPUT_NAME = re.compile(r"^`([^`]+)` input:")


def _input_problem(message: str, spec: Spec, loaded: LoadedFile) -> Problem:
    """An input error, placed at the input's definition in the header."""
    match = _INPUT_NAME.match(message)
    definition = spec.input(match.group(1)) if match else None
    if definition is not None:
        line, column = definition.line, definition.column
    else:
        line, column = loaded.header_marks.find(("spec", "inputs"))
    path = f"spec.inputs.{definition.name}" if definition else "spec.inputs"
    return Problem(message, loaded.path, line, column, json_path=path, code="inputs")


def _content_problem(message: str, path: tuple[Any, ...], loaded: LoadedFile) -> Problem:
    line, column = loaded.content_marks.find(path)
    return Problem(message, loaded.path, line, column, json_path=format_json_path(path), code="interpolation")
