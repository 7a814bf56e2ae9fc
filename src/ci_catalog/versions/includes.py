"""Find the `include` entries of a pipeline file.

`include` is a string, a mapping or a list of both (lib/gitlab/ci/config/entry/include*).
`resolve` and `pin` look only at entries with a `component` key; `expand` reads every kind.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ci_catalog.problems import Marks, Problem
from ci_catalog.processor.includes import ONLY_ONE_SOURCE, SOURCE_KEYS
from ci_catalog.render import NOT_A_HASH
from ci_catalog.versions.address import expand


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


# ----- every kind of include, for `expand` -----
#
# GitLab reads a file's `include` in steps (lib/gitlab/ci/config/external/mapper.rb):
# Normalizer (a string is a `remote` when it is a URL, else a `local`, its variables
# expanded first), Filter (`rules`), LocationExpander (`local` wildcards), VariablesExpander
# (the entry's string values), Matcher (exactly one kind of file). These are the steps
# that need no file system; `ci_catalog.local.expand` runs them in that order.

# Gitlab::UrlSanitizer.valid?: Addressable's scheme (as written) is one of ALLOWED_SCHEMES.
_URL = re.compile(r"^\s*(?:http|https|ssh|git):")


@dataclass
class IncludeEntry:
    """One entry of a file's `include`, as a mapping (a string is turned into one)."""

    entry: dict[str, Any]
    index: int  # position in the `include` list (0 for a single entry)
    line: int = 0
    column: int = 0
    written: dict[str, Any] | None = None  # as the file has it, before its variables were expanded

    @property
    def as_written(self) -> dict[str, Any]:
        return self.entry if self.written is None else self.written

    @property
    def kinds(self) -> list[str]:
        """The kinds of file the entry names: GitLab wants exactly one (`File::Base#matching?`)."""
        return [key for key in SOURCE_KEYS if _present(self.entry.get(key))]

    @property
    def kind(self) -> str:
        return self.kinds[0]

    @property
    def location(self) -> Any:
        return self.entry.get(self.kind)

    def described(self) -> str:
        """The entry as messages name it: `project: group/tools, file: ci.yml, ref: v1`."""
        keys = [self.kind] + [key for key in ("file", "ref") if self.kind == "project" and key in self.entry]
        return ", ".join(f"{key}: {_flat(self.entry[key])}" for key in keys)

    def as_component(self) -> ComponentInclude:
        return ComponentInclude(
            self.entry["component"], self.entry.get("inputs") or {}, self.index, self.line, self.column
        )


def include_entries(
    content: Any, marks: Marks, path: str, variables: dict[str, str]
) -> tuple[list[IncludeEntry], list[Problem]]:
    """The file's include entries, normalized as GitLab's Normalizer does; `nil` entries are dropped."""
    entries: list[IncludeEntry] = []
    problems: list[Problem] = []
    if not isinstance(content, dict) or content.get("include") is None:
        return entries, problems
    value = content["include"]
    single = not isinstance(value, list)
    for index, item in enumerate([value] if single else value):
        where: tuple[Any, ...] = ("include",) if single else ("include", index)
        line, column = marks.find(where)
        if item is None:
            continue
        if isinstance(item, str):
            location = expand(item, variables)
            entries.append(IncludeEntry({"remote" if _URL.match(location) else "local": location}, index, line, column))
        elif isinstance(item, dict):
            entries.append(
                IncludeEntry({str(key): item_value for key, item_value in item.items()}, index, line, column)
            )
        else:
            problems.append(Problem("Each include must be a hash or a string", path, line, column, code="include"))
    return entries, problems


def kind_problem(entry: IncludeEntry, path: str) -> Problem | None:
    """GitLab's Matcher message when the entry names no kind of file, or more than one."""
    kinds = entry.kinds
    if len(kinds) == 1:
        return None
    if kinds:
        message = ONLY_ONE_SOURCE
    else:
        written = json.dumps(entry.entry, separators=(",", ":"), default=str, ensure_ascii=False)
        valid = "`, `".join(SOURCE_KEYS)
        message = f"`{written}` does not have a valid subkey for include. Valid subkeys are: `{valid}`"
    return Problem(message, path, entry.line, entry.column, code="include")


def expand_entry(entry: IncludeEntry, variables: dict[str, str]) -> IncludeEntry:
    """The entry with the variables of its text values expanded (VariablesExpander): a list's
    items as text, a mapping (`inputs`) as written. A `component` keeps its address as
    written, as resolving it expands it (`ci_catalog.versions.address`), and `rules`, read
    already, are kept as they are."""
    expanded: dict[str, Any] = {}
    for key, value in entry.entry.items():
        if key in ("component", "inputs", "rules"):
            expanded[key] = value
        elif isinstance(value, str):
            expanded[key] = expand(value, variables)
        elif isinstance(value, list):
            expanded[key] = [expand(_flat(item), variables) for item in value]
        else:
            expanded[key] = value
    return IncludeEntry(expanded, entry.index, entry.line, entry.column, entry.as_written)


def _present(value: Any) -> bool:
    """Ruby's `present?`: not nil, and not an empty string, array or hash."""
    return value is not None and value != "" and value != [] and value != {}


def _flat(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
