"""## What it does
Checks for string inputs pasted unescaped into script lines, where a value could run commands.
That is `$[[ inputs.NAME ]]` without `| posix_escape` in a `before_script`, `script`,
`after_script` or `hooks:pre_get_sources_script` of a component (at any level of nested
script lists), when nothing restricts the value to characters the
shell takes literally: the input has no `options` and no `regex` anchored at both ends
(`^…$`) that only allows such characters. Number and boolean inputs are safe and not
reported.

## Why is this bad?
GitLab pastes the value into the script text before the runner's shell reads it, so the
shell treats it as code. A value such as `$(touch pwned)`, `x; rm -rf ~` or one with a
quote runs commands or breaks the line, with the job's credentials in reach, even
inside double quotes. Values can come from users who cannot change the pipeline
itself (pipeline inputs, `expand_vars` of a variable), and an honest value with a space
or a `*` still breaks the command. `$[[ inputs.NAME | posix_escape ]]` quotes the value
for the shell. Passing it through a job variable (`variables: {NAME: $[[ inputs.NAME ]]}`,
then `"$NAME"` in the script) is safe too, and keeps `$VARIABLES` in the value working.

## Example
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: release
    message:
      description: Commit message for the release commit.
      default: Release
---
"$[[ inputs.job_prefix ]]-commit":
  script:
    - git commit -m "$[[ inputs.message ]]"
```

Use instead:
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: release
    message:
      description: Commit message for the release commit.
      default: Release
---
"$[[ inputs.job_prefix ]]-commit":
  script:
    - git commit -m $[[ inputs.message | posix_escape ]]
```

## Known problems
A script line that is nothing but the input (`- $[[ inputs.extra_commands ]]`) is a
deliberate hook for the user's commands and is not reported, and neither is an input
whose default is itself shell code (`$(…)` or backquotes), which is meant to be run. A
`regex` is read with Python's regular expressions, a close match of GitLab's RE2; one
that cannot be read counts as no restriction. Array inputs are not checked (they cannot
be escaped; pass them some other way). Plain pipeline files (no `spec` header) are not
checked.

## References
- https://docs.gitlab.com/ci/inputs/
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from collections.abc import Iterator
from typing import Any

from ci_catalog.cimodel import ScriptLine, all_script_lines
from ci_catalog.header import InputSpec
from ci_catalog.interpolate import BLOCK
from ci_catalog.lint.context import FileContext
from ci_catalog.lint.rules._helpers import INPUT_REFERENCE, blocks
from ci_catalog.problems import Problem, format_json_path

ID = "input-in-shell-unescaped"
SEVERITY = "error"
SCOPE = "file"

# What `posix_escape` (Ruby's Shellwords.shellescape) leaves as is: the shell takes it literally.
SAFE_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.,:+/@")
VARIABLE = re.compile(r"\$(\w+|\{\w+\})")
SHELL_CODE = re.compile(r"\$\(|`")


def check(ctx: FileContext) -> Iterator[Problem]:
    if ctx.spec is None:
        return
    for line in all_script_lines(ctx.content):
        if BLOCK.fullmatch(line.text.strip()):
            continue  # the whole line is the input: a hook for the user's own commands
        reported: set[str] = set()
        for block in blocks(line.text):
            access, *functions = [part.strip() for part in block.data.split("|")]
            match = INPUT_REFERENCE.match(access)
            spec = ctx.spec.input(re.sub(r"\[.*$", "", match.group(1))) if match else None
            if spec is None or spec.name in reported or not _unsafe(spec, functions):
                continue
            reported.add(spec.name)
            message = (
                f"Input `{spec.name}` is pasted unescaped into {_where(line)}, so a value such as "
                f"`$(touch pwned)` runs as a command; {_fix(spec, functions)}"
            )
            place = ctx.string_place(line.path, line.text, block.offset)
            yield ctx.problem(message, place, format_json_path(line.path))


def _unsafe(spec: InputSpec, functions: list[str]) -> bool:
    if spec.type != "string" or (functions and functions[-1] == "posix_escape"):
        return False
    if spec.options or _rules_restrict(spec):
        return False
    if isinstance(spec.default, str) and SHELL_CODE.search(spec.default):
        return False  # the default is shell code, meant to run
    return not (spec.regex and restricts_to_safe_characters(spec.regex))


def _rules_restrict(spec: InputSpec) -> bool:
    """Every rule offers `options`, and the last one always matches."""
    rules = spec.rules or []
    return bool(rules) and all(rule.options for rule in rules) and rules[-1].condition is None


def _fix(spec: InputSpec, functions: list[str]) -> str:
    if "posix_escape" in functions:
        return "apply `posix_escape` last"
    variable = re.sub(r"\W", "_", spec.name).upper()
    assignment = f"`variables: {{{variable}: $[[ inputs.{spec.name} ]]}}`"
    default = spec.default if isinstance(spec.default, str) else ""
    if len(default.split()) > 1:  # several arguments, as in `-a -b`
        return (
            f"pass it through a job variable ({assignment}, then `${variable}` unquoted in the script), "
            "as `posix_escape` would make its words one argument"
        )
    through_variable = f'{assignment}, then `"${variable}"` in the script'
    if VARIABLE.search(default):
        return (
            f"pass it through a job variable ({through_variable}), "
            "as `posix_escape` would stop the variables in its default from expanding"
        )
    return f"use `$[[ inputs.{spec.name} | posix_escape ]]`, or pass it through a job variable ({through_variable})"


def restricts_to_safe_characters(regex: str) -> bool:
    """Whether a `regex` anchored at both ends only matches characters `posix_escape` keeps."""
    try:
        items = list(sre_parse.parse(regex.replace(r"\z", r"\Z")))
    except (re.error, RecursionError, OverflowError):
        return False
    anchors = ((sre.AT, sre.AT_BEGINNING), (sre.AT, sre.AT_BEGINNING_STRING))
    ends = ((sre.AT, sre.AT_END), (sre.AT, sre.AT_END_STRING))
    if len(items) < 2 or items[0] not in anchors or items[-1] not in ends:
        return False
    return _safe(items[1:-1])


def _safe(items: Any) -> bool:
    for op, value in items:
        if op is sre.LITERAL:
            safe = chr(value) in SAFE_CHARACTERS
        elif op is sre.IN:
            safe = all(_safe_in_class(kind, member) for kind, member in value)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            safe = _safe(value[2])
        elif op is sre.SUBPATTERN:
            safe = _safe(value[-1])
        elif op is sre.ATOMIC_GROUP:
            safe = _safe(value)
        elif op is sre.BRANCH:
            safe = all(_safe(branch) for branch in value[1])
        else:  # zero-width assertions and back references add no characters; `.` and the rest may
            safe = op in (sre.AT, sre.GROUPREF)
        if not safe:
            return False
    return True


def _safe_in_class(kind: Any, member: Any) -> bool:
    if kind is sre.LITERAL:
        return chr(member) in SAFE_CHARACTERS
    if kind is sre.RANGE:
        return all(chr(code) in SAFE_CHARACTERS for code in range(member[0], member[1] + 1))
    if kind is sre.CATEGORY:
        return member in (sre.CATEGORY_DIGIT, sre.CATEGORY_WORD)
    return False  # NEGATE and the rest


def _where(line: ScriptLine) -> str:
    holder = line.holder
    if holder.kind == "global":
        return f"the global `{line.key_name}`"
    return f"the `{line.key_name}` of " + ("`default`" if holder.kind == "default" else f"job `{holder.name}`")
