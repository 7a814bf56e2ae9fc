"""Job scripts as shell scripts, built from a rendered CI body for ShellCheck.

A job's `before_script` and `script` run in one shell, one item after another, so they
make one script; `after_script` runs in a shell of its own and makes another, and so
does `hooks:pre_get_sources_script`. Every line of a script keeps the place in the CI
file it came from, down to the column (`sourcemap`), so that a ShellCheck finding lands
on the script line in the component. `shellcheck_runner` runs ShellCheck over them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from ci_catalog.cimodel import ScriptLine, extends_of, holders, script_lines
from ci_catalog.problems import Marks
from ci_catalog.sourcemap import ScalarSource, scalar_source

# The shell each script keyword runs in: `before_script` and `script` share one.
SECTION_OF = {
    ("before_script",): "script",
    ("script",): "script",
    ("after_script",): "after_script",
    ("hooks", "pre_get_sources_script"): "pre_get_sources_script",
}


# --- the scripts of a CI body -----------------------------------------------------------


@dataclass
class ScriptItem:
    """One string of a script, with where each of its characters is written.

    Where the characters are (`source`) is worked out only for an item ShellCheck has a
    finding on: most items have none, and aligning a value with the file costs more than
    the rest of building the script.
    """

    path: tuple[Any, ...]
    text: str
    marks: Marks
    lines: list[str]

    @functools.cached_property
    def source(self) -> ScalarSource:
        span = self.marks.span(self.path)
        if span is None:  # from an input's value (an array spliced into the list)
            return ScalarSource(self.text, self.marks.find(self.path))
        return scalar_source(self.text, span, self.lines, rendered=True)


@dataclass
class Script:
    """One shell script: the items of a job's script sections, in order."""

    job: str
    section: str
    variables: set[str] = field(default_factory=set)
    items: list[ScriptItem] = field(default_factory=list)

    def text(self, header: list[str]) -> str:
        return "\n".join([*header, *(item.text for item in self.items)]) + "\n"

    def position(self, line: int, column: int, header_lines: int) -> tuple[ScriptItem, int] | None:
        """The item and offset in it of script line `line` (1-based, header included), column `column`."""
        line -= header_lines
        if line < 1:
            return None
        for item in self.items:
            rows = item.text.split("\n")
            if line <= len(rows):
                offset = sum(len(row) + 1 for row in rows[: line - 1]) + max(column - 1, 0)
                return item, min(offset, len(item.text))
            line -= len(rows)
        return None


def scripts_of(data: dict[str, Any], marks: Marks, lines: list[str]) -> list[Script]:
    """The shell scripts of every job, of `default:` and of the deprecated global scripts.

    `data` is a rendered body, `marks` its marks and `lines` the file's lines.
    """
    global_variables = _names(data.get("variables"))
    scripts: list[Script] = []
    for holder in holders(data):
        known = global_variables
        if holder.kind != "global":
            known = known | _job_variables(data, holder.name, holder.body)
        sections: dict[str, Script] = {}
        for line in script_lines(holder):
            section = SECTION_OF[line.key]
            script = sections.setdefault(section, Script(holder.name, section, known))
            script.items.append(_item(line, marks, lines))
        scripts += sections.values()
    return scripts


def _item(line: ScriptLine, marks: Marks, lines: list[str]) -> ScriptItem:
    return ScriptItem(line.path, line.text, marks, lines)


def _names(value: Any) -> set[str]:
    return {str(key) for key in value} if isinstance(value, dict) else set()


def _job_variables(
    data: dict[str, Any], name: str, body: dict[str, Any], seen: frozenset[str] = frozenset()
) -> set[str]:
    """Variables a job defines: `variables`, matrix, rules, ID tokens, secrets, and those of what it extends."""
    found = _names(body.get("variables")) | _names(body.get("id_tokens")) | _names(body.get("secrets"))
    parallel = body.get("parallel")
    if isinstance(parallel, dict) and isinstance(parallel.get("matrix"), list):
        for entry in parallel["matrix"]:
            found |= _names(entry)
    rules = body.get("rules")
    for rule in rules if isinstance(rules, list) else []:
        if isinstance(rule, dict):
            found |= _names(rule.get("variables"))
    for parent in extends_of(body):
        if parent not in seen and isinstance(data.get(parent), dict):
            found |= _job_variables(data, parent, data[parent], seen | {name})
    return found
