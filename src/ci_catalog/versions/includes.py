"""Find the `include: component:` entries of a pipeline file.

`include` is a string, a mapping or a list of both (lib/gitlab/ci/config/entry/include*).
Only entries with a `component` key are components; the others (local, project, remote,
template, artifact files) are left to GitLab.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_catalog.problems import Marks, Problem
from ci_catalog.processor.includes import ONLY_ONE_SOURCE, SOURCE_KEYS
from ci_catalog.render import NOT_A_HASH


@dataclass
class ComponentInclude:
    written: str
    inputs: dict[str, Any] = field(default_factory=dict)
    index: int = 0  # position in the `include` list (0 for a single mapping)
    line: int = 0
    column: int = 0


@dataclass
class FoundIncludes:
    components: list[ComponentInclude] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def find_component_includes(content: Any, marks: Marks, path: str) -> FoundIncludes:
    found = FoundIncludes()
    if not isinstance(content, dict) or "include" not in content:
        return found
    entries = content["include"]
    single = not isinstance(entries, list)
    for index, entry in enumerate([entries] if single else entries):
        where: tuple[Any, ...] = ("include",) if single else ("include", index)
        if isinstance(entry, dict) and "component" in entry:
            _add_component(entry, index, where, marks, path, found)
    return found


def _add_component(
    entry: dict[str, Any], index: int, where: tuple[Any, ...], marks: Marks, path: str, found: FoundIncludes
) -> None:
    line, column = marks.find((*where, "component"))
    written = entry["component"]
    if sum(key in entry for key in SOURCE_KEYS) > 1:
        found.problems.append(Problem(ONLY_ONE_SOURCE, path, line, column, code="include"))
        return
    if not isinstance(written, str):
        message = f"Included file `{written}` needs to be a string"
        found.problems.append(Problem(message, path, line, column, code="include"))
        return
    inputs = entry.get("inputs")
    if inputs is not None and not isinstance(inputs, dict):
        found.problems.append(Problem(NOT_A_HASH, path, line, column, code="include"))
        return
    found.components.append(ComponentInclude(written, inputs or {}, index, line, column))
