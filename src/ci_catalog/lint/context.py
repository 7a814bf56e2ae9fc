"""What a lint rule looks at: one file (loaded, its spec, rendered with defaults) or a catalog."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_catalog.catalog import Catalog
from ci_catalog.cimodel import component_context, component_name, placeholder_inputs
from ci_catalog.header import Spec, check_header
from ci_catalog.loading import LoadedFile
from ci_catalog.problems import Problem
from ci_catalog.render import RenderOptions, RenderResult, render_loaded
from ci_catalog.sourcemap import scalar_source, source_lines


class FileFacts:
    """What the rules read of one file, worked out once for all of them."""

    def __init__(self, loaded: LoadedFile) -> None:
        self.loaded = loaded

    @functools.cached_property
    def spec(self) -> Spec | None:
        if self.loaded.header is None:
            return None
        result = check_header(self.loaded.header, self.loaded.path, self.loaded.header_marks)
        return None if result.problems else result.spec

    @functools.cached_property
    def rendered(self) -> RenderResult:
        inputs = placeholder_inputs(self.spec) if self.spec else {}
        options = RenderOptions(inputs=inputs, component=component_context(component_name(self.loaded.path)))
        return render_loaded(self.loaded, options)

    @functools.cached_property
    def lines(self) -> list[str]:
        return source_lines(self.loaded.text)


@dataclass
class FileContext:
    """A loaded CI file, as a rule sees it.

    `content` is the body as written (blocks not interpolated); `rendered` is the body as
    GitLab renders it with the defaults, a placeholder standing in for each required input
    (`cimodel.placeholder_inputs`) and the component context of an unreleased component.
    The contexts of one file for each rule (`for_rule`) share what is worked out of it.
    """

    loaded: LoadedFile
    rule_id: str = ""
    severity: str = "warning"
    facts: FileFacts = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.facts = FileFacts(self.loaded)

    def for_rule(self, rule_id: str, severity: str) -> FileContext:
        """This file's context for another rule, sharing what has been worked out."""
        context = copy.copy(self)
        context.rule_id, context.severity = rule_id, severity
        return context

    @property
    def path(self) -> str:
        return self.loaded.path

    @property
    def content(self) -> dict[str, Any]:
        return self.loaded.content

    @property
    def is_component(self) -> bool:
        return self.loaded.has_header

    @property
    def spec(self) -> Spec | None:
        return self.facts.spec

    @property
    def rendered(self) -> RenderResult:
        return self.facts.rendered

    @property
    def lines(self) -> list[str]:
        return self.facts.lines

    def not_rendered(self) -> Problem | None:
        """For a rule that reads the rendered body: a finding saying it could not, and why."""
        if self.rendered.ok:
            return None
        first = self.rendered.problems[0]
        message = (
            f"The `{self.rule_id}` rule could not run, as the body does not render with the inputs' defaults "
            f"and placeholders for the required ones: {first.message}"
        )
        return self.problem(message, (first.line, first.column), first.json_path)

    def header_place(self, *path: Any) -> tuple[int, int]:
        return self.loaded.header_marks.find(tuple(path))

    def content_place(self, *path: Any) -> tuple[int, int]:
        return self.loaded.content_marks.find(tuple(path))

    def string_place(self, path: tuple[Any, ...], text: str, offset: int, key: bool = False) -> tuple[int, int]:
        """Where the character at `offset` of `text`, the string at `path` in the body as
        written (the key there, with `key`), is in the file."""
        span = self.loaded.content_marks.span(path, key)
        if span is None:
            return self.content_place(*path)
        return scalar_source(text, span, self.lines).locate(offset)

    def problem(self, message: str, place: tuple[int, int], json_path: str = "") -> Problem:
        """A finding of the rule being run, at `place` (line, column) in this file."""
        line, column = place
        return Problem(message, self.path, line, column, json_path, code=self.rule_id, severity=self.severity)  # type: ignore[arg-type]


@dataclass
class CatalogContext:
    """A catalog folder, for rules about its layout and manifest."""

    root: Path
    catalog: Catalog
    rule_id: str = ""
    severity: str = "warning"
    files: list[Path] = field(default_factory=list)

    def problem(self, message: str, path: Path | str, line: int = 0, column: int = 0) -> Problem:
        return Problem(message, str(path), line, column, code=self.rule_id, severity=self.severity)  # type: ignore[arg-type]
