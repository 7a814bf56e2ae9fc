"""## What it does
Checks for ShellCheck findings in job scripts, and places them on the script lines.

Each job's `before_script` and `script` are checked as one shell script, its
`after_script` and its `hooks:pre_get_sources_script` as others (each runs in a shell
of its own), as GitLab renders them with the inputs' defaults. `default:` scripts are
checked too.

## Why is this bad?
A component's scripts run in its users' pipelines. An unquoted variable that splits on a
space, a variable that does not expand inside single quotes, or a test with a syntax
error breaks every pipeline that includes the component, often only for some inputs or
branch names, and only once the job runs.

## Example
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: app
---
"$[[ inputs.job_prefix ]]-test":
  script:
    - cd $CI_PROJECT_DIR/tests
    - ./run
```

Use instead:
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: app
---
"$[[ inputs.job_prefix ]]-test":
  script:
    - cd "$CI_PROJECT_DIR/tests"
    - ./run
```

## Known problems
Scripts are checked as Bash scripts (`--shell=bash`) that start, as GitLab Runner starts
them, with `set -eo pipefail`: the runner uses Bash when the image has it, and otherwise
`sh`, which on Alpine-based images is BusyBox `ash` and understands most Bash syntax, so
Bash-only syntax is not reported. GitLab's predefined variables and every variable
the file defines for the job (`variables`, `parallel:matrix`, `rules:variables`,
`id_tokens`, `secrets`, and those of jobs it `extends` in the same file) count as
assigned; other CI/CD variables (project settings, `dotenv` reports) cannot be known
offline, which is why ShellCheck's optional check for unassigned upper-case variables is
not used. `!reference` tags cannot be resolved offline and are left out. Jobs whose image
or tags point at Windows or PowerShell are not checked. Scripts are checked with the
inputs' defaults filled in (a required input takes its first option, or a value of its
type), so "this expression is constant" findings (SC2050 and its kin) on a command that
holds an input, on any of its continued lines, are not reported: testing an input's
value is what inputs are for. When the component does not render even so, one finding
says why the scripts were not checked. A finding on text that came from an input is
placed on its script line, but its column may be approximate.

ShellCheck's analysis grows with a script's commands times its variables, so a script
over 64 KiB, or one that ShellCheck cannot check within its memory cap, is not checked:
one finding names it and says it was too large to check.

To silence one finding, put a ShellCheck directive in the script
(`# shellcheck disable=SC2086` on the line before the command, in a `|` block) or
`# ci-catalog: ignore[shellcheck]` at the end of the line.

## References
- https://www.shellcheck.net/wiki/
- https://docs.gitlab.com/ci/yaml/script/
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ci_catalog.lint.context import FileContext
from ci_catalog.lint.predefined_variables import PREDEFINED_VARIABLES
from ci_catalog.lint.shellcheck_runner import FAILED, TIMED_OUT, TOO_LARGE, Comment, Outcome, Runner
from ci_catalog.lint.shellscript import Script, scripts_of
from ci_catalog.problems import Problem, format_json_path

ID = "shellcheck"
SEVERITY = "warning"
SCOPE = "file"

SHELL = "bash"
# "This expression is constant" and its kin: true of a test on an input's value once the
# default is filled in (`[ "$[[ inputs.push ]]" = "true" ]`), which is what inputs are for.
CONSTANT_WITH_DEFAULTS = frozenset({2050, 2078, 2157, 2193, 2194, 2195})
_NOT_SH = ("powershell", "pwsh", "windows", "servercore", "nanoserver")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Prepared:
    """A file's scripts as handed to ShellCheck (`texts`), or the findings that stand instead."""

    ctx: FileContext
    scripts: list[Script] = dataclasses.field(default_factory=list)
    headers: list[list[str]] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [script.text(header) for script, header in zip(self.scripts, self.headers, strict=True)]


def check(ctx: FileContext) -> Iterator[Problem]:
    prepared = prepare(ctx)
    outcomes = Runner(SHELL).check(prepared.texts) if prepared.scripts else []
    yield from findings(prepared, outcomes)


def prepare(ctx: FileContext) -> Prepared:
    """The scripts of the file to check, each with the declarations that come before it.

    Linting many files, the engine hands the texts of all of them to one `Runner`, and
    passes each file's outcomes to `findings`.
    """
    failure = ctx.not_rendered()
    if failure is not None:
        return Prepared(ctx, problems=[failure])
    data = ctx.rendered.data
    if not isinstance(data, dict):
        return Prepared(ctx)
    scripts = [
        script for script in scripts_of(data, ctx.rendered.marks, ctx.lines) if not _runs_on_windows(data, script.job)
    ]
    return Prepared(ctx, scripts, [_header(script) for script in scripts])


def findings(prepared: Prepared, outcomes: list[Outcome]) -> Iterator[Problem]:
    """The findings of a file, from ShellCheck's outcome for each of its scripts (in order)."""
    ctx = prepared.ctx
    yield from prepared.problems
    seen: set[tuple[tuple[int, int], str]] = set()
    failed = False
    for script, header, outcome in zip(prepared.scripts, prepared.headers, outcomes, strict=True):
        if outcome.skipped:
            if outcome.skipped == TOO_LARGE or not failed:
                yield _not_checked(ctx, script, outcome)
            failed = failed or outcome.skipped in (TIMED_OUT, FAILED)
            continue
        for comment in sorted(outcome.comments, key=lambda c: (c.line, c.column, c.code)):
            start = script.position(comment.line, comment.column, len(header))
            if start is None:
                continue  # in the declarations this rule adds
            item, offset = start
            if comment.code in CONSTANT_WITH_DEFAULTS and not _written(script, comment, len(header)):
                continue
            place = item.source.locate(offset)
            message = f"SC{comment.code}: {comment.message.rstrip('.')}"
            if (place, message) in seen:
                continue  # one source line in several jobs (a YAML anchor)
            seen.add((place, message))
            problem = ctx.problem(message, place, format_json_path(item.path))
            yield dataclasses.replace(problem, severity="error") if comment.level == "error" else problem


def _not_checked(ctx: FileContext, script: Script, outcome: Outcome) -> Problem:
    """Why a script was not checked: too large (a warning, at that script), or ShellCheck
    could not run or finish (an error, once per file)."""
    first = script.items[0]
    if outcome.skipped == TOO_LARGE:
        owner = f"job `{script.job}`" if script.job else "the global keywords"
        message = (
            f"The `{script.section}` of {owner} was not checked, as it is too large to check: {outcome.reason}; "
            "split it into smaller scripts or move it to a file"
        )
        return ctx.problem(message, first.source.anchor, format_json_path(first.path))
    problem = ctx.problem(outcome.reason, first.source.anchor, format_json_path(first.path))
    return dataclasses.replace(problem, severity="error")


def _written(script: Script, comment: Comment, header: int) -> bool:
    """Whether the command of the comment is in the file as written (no input's value in it).

    ShellCheck places "constant" findings on the operator, not on the operands, which may
    be on the lines before or after it when the command is continued with `\\`: so the
    whole command, its continued lines included, is looked at.
    """
    start = script.position(comment.line, 1, header)
    if start is None:
        return True
    item, offset = start
    return item.source.written(*_command_lines(item.text, offset))


def _command_lines(text: str, offset: int) -> tuple[int, int]:
    """Where the command that the line at `offset` belongs to starts and ends in `text`."""
    start = text.rfind("\n", 0, offset) + 1
    while start >= 2 and text[start - 2] == "\\":  # the line before is continued onto this one
        start = text.rfind("\n", 0, start - 1) + 1
    end = text.find("\n", offset)
    while end > 0 and text[end - 1] == "\\":
        end = text.find("\n", end + 1)
    return start, len(text) if end < 0 else end


def _header(script: Script) -> list[str]:
    """What GitLab Runner sets up before the script: `errexit` and `pipefail`, and the variables.

    The runner starts every script with `set -o pipefail` (where the shell has it) and
    `set -o errexit`. The variables GitLab or the file defines are declared so that
    ShellCheck sees them assigned: only those whose names are in the script, as declaring
    all 200 of GitLab's costs ShellCheck 40% more time on every script.
    """
    words = set(_NAME.findall(script.text([])))
    names = sorted(name for name in words if name in PREDEFINED_VARIABLES or name in script.variables)
    return ["set -eo pipefail", " ".join(["export", *names])]


def _runs_on_windows(data: dict[str, Any], job: str) -> bool:
    body = data.get(job) if job else None
    body = body if isinstance(body, dict) else {}
    default = data.get("default")
    default = default if isinstance(default, dict) else {}
    image = body.get("image", default.get("image", data.get("image")))
    if isinstance(image, dict):
        image = image.get("name")
    tags = body.get("tags", default.get("tags"))
    words = [image] + (tags if isinstance(tags, list) else [])
    return any(isinstance(word, str) and any(part in word.lower() for part in _NOT_SH) for word in words)
