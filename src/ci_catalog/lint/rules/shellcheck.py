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

To silence one finding, put a ShellCheck directive in the script
(`# shellcheck disable=SC2086` on the line before the command, in a `|` block) or
`# ci-catalog: ignore[shellcheck]` at the end of the line.

## References
- https://www.shellcheck.net/wiki/
- https://docs.gitlab.com/ci/yaml/script/
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from ci_catalog.lint.context import FileContext
from ci_catalog.lint.predefined_variables import PREDEFINED_VARIABLES
from ci_catalog.lint.shellscript import Comment, Script, ShellCheckError, run_shellcheck, scripts_of
from ci_catalog.problems import Problem, format_json_path

ID = "shellcheck"
SEVERITY = "warning"
SCOPE = "file"

SHELL = "bash"
TIMEOUT_SECONDS = 60.0
# "This expression is constant" and its kin: true of a test on an input's value once the
# default is filled in (`[ "$[[ inputs.push ]]" = "true" ]`), which is what inputs are for.
CONSTANT_WITH_DEFAULTS = frozenset({2050, 2078, 2157, 2193, 2194, 2195})
_NOT_SH = ("powershell", "pwsh", "windows", "servercore", "nanoserver")


def check(ctx: FileContext) -> Iterator[Problem]:
    rendered = ctx.rendered
    failure = ctx.not_rendered()
    if failure is not None:
        yield failure
        return
    data = rendered.data
    if not isinstance(data, dict):
        return
    scripts = [
        script for script in scripts_of(data, rendered.marks, ctx.lines) if not _runs_on_windows(data, script.job)
    ]
    if not scripts:
        return
    headers = [_header(script) for script in scripts]
    try:
        comments = run_shellcheck(
            [script.text(header) for script, header in zip(scripts, headers, strict=True)], SHELL, TIMEOUT_SECONDS
        )
    except ShellCheckError as error:
        first = scripts[0].items[0]
        problem = ctx.problem(str(error), first.source.anchor, format_json_path(first.path))
        yield dataclasses.replace(problem, severity="error")
        return
    seen: set[tuple[tuple[int, int], str]] = set()
    for comment in sorted(comments, key=lambda c: (c.script, c.line, c.column, c.code)):
        script, header = scripts[comment.script], len(headers[comment.script])
        start = script.position(comment.line, comment.column, header)
        if start is None:
            continue  # in the declarations this rule adds
        item, offset = start
        if comment.code in CONSTANT_WITH_DEFAULTS and not _written(script, comment, header):
            continue
        place = item.source.locate(offset)
        message = f"SC{comment.code}: {comment.message.rstrip('.')}"
        if (place, message) in seen:
            continue  # one source line in several jobs (a YAML anchor)
        seen.add((place, message))
        problem = ctx.problem(message, place, format_json_path(item.path))
        yield dataclasses.replace(problem, severity="error") if comment.level == "error" else problem


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
    ShellCheck sees them assigned.
    """
    names = sorted(name for name in PREDEFINED_VARIABLES | script.variables if name.isidentifier() and name.isascii())
    return ["set -eo pipefail", "export " + " ".join(names)]


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
