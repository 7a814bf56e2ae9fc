"""## What it does
Checks for string inputs compared with fixed values that declare no `options` or `regex`.

A comparison is `"$[[ inputs.x ]]" == "a"` or `!=` in a `rules:if` (of jobs, `workflow`
or `include`, and in other inputs' `rules:if`), and `[ "$[[ inputs.x ]]" = "a" ]`,
`[[ ... == ... ]]`, `test ...` or `case "$[[ inputs.x ]]" in a) ...` in a script.

## Why is this bad?
GitLab checks a value against `options` (or `regex`) when the component is included and
refuses one that is not allowed. Without them, a user's typo (`prodution`, `True`)
passes silently: no comparison matches, and a job is skipped or a branch of the script
is not taken, with nothing telling the user why. `options` also show the accepted values
in the CI/CD Catalog and as a drop-down when running a pipeline.

## Example
```yaml
spec:
  inputs:
    environment:
      description: Where to deploy.
      default: staging
---
deploy:
  script: ./deploy
  rules:
    - if: '"$[[ inputs.environment ]]" == "production"'
      when: manual
    - if: '"$[[ inputs.environment ]]" == "staging"'
```

Use instead:
```yaml
spec:
  inputs:
    environment:
      description: Where to deploy.
      default: staging
      options: [staging, production]
---
deploy:
  script: ./deploy
  rules:
    - if: '"$[[ inputs.environment ]]" == "production"'
      when: manual
    - if: '"$[[ inputs.environment ]]" == "staging"'
```

## Known problems
To avoid reporting open inputs that are tested for one special value (such as
`"$[[ inputs.version ]]" == "latest"`), an input is reported only when it is compared with
`true`/`false` or with at least two different values. Comparisons with the empty string,
with variables, with glob patterns, and blocks that use functions are not counted.

## References
- https://docs.gitlab.com/ci/yaml/#specinputsoptions
- https://docs.gitlab.com/ci/yaml/#specinputsregex
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ci_catalog.cimodel import all_script_lines
from ci_catalog.lint.context import FileContext
from ci_catalog.lint.rules._helpers import strings
from ci_catalog.problems import Problem

ID = "closed-input-without-options"
SEVERITY = "warning"
SCOPE = "file"

BOOLEAN_WORDS = frozenset({"true", "false"})
# An operand that is exactly one plain `inputs.NAME` block, bare or quoted.
_BLOCK = r"""(?P<q>["']?)\$\[\[[\t ]*inputs\.(?P<name>[\w-]+)[\t ]*\]\](?P=q)"""
# A fixed value in an expression: a non-empty string without variables.
_EXPRESSION_LITERAL = r"""(?:"(?P<d>[^"$\\]+)"|'(?P<s>[^'$\\]+)')"""
# A fixed value in a shell test: quoted without expansions, or a bare word without globs.
_SHELL_LITERAL = r"""(?:"(?P<d>[^"$`\\]+)"|'(?P<s>[^']+)'|(?P<b>[\w.,:+/@%^][\w.,:+/@%^-]*)(?=[\s;)\]]|$))"""


def _both_ways(operator: str, literal: str, start: str) -> tuple[re.Pattern[str], ...]:
    """`block OP literal` and `literal OP block`, each operand starting a token (`start`)."""
    return tuple(
        re.compile(f"{start}{left}{operator}{start}{right}", re.ASCII)
        for left, right in ((_BLOCK, literal), (literal, _BLOCK))
    )


_EXPRESSION_COMPARISONS = _both_ways(r"\s*(?:==|!=)\s*", _EXPRESSION_LITERAL, r"""(?<![\w$"'\].-])""")
_SHELL_COMPARISONS = _both_ways(r"[\t ]+(?:==|=|!=)[\t ]+", _SHELL_LITERAL, r"(?<!\S)")
_TEST_OPENING = re.compile(r"(?:^|[\s;(&|!])(?:\[\[?|test)[\t ]", re.ASCII)
_CASE = re.compile(r"\bcase[\t ]+" + _BLOCK + r"[\t ]+in\b(?P<body>.*?)\besac\b", re.DOTALL)
_CASE_PATTERN = re.compile(r"(?:\s*#[^\n]*\n)*\s*\(?\s*([^)#\n]*?)\s*\)")
_GLOB = re.compile(r"[*?\[\]$`\\]")


def check(ctx: FileContext) -> Iterator[Problem]:
    if ctx.spec is None:
        return
    compared = _comparisons(ctx)
    for item in ctx.spec.inputs:
        values = compared.get(item.name, [])
        if item.type != "string" or item.options or item.regex is not None or not _closed(values):
            continue
        if any(rule.options for rule in item.rules or []):
            continue
        shown = ", ".join(f"`{value}`" for value in values)
        if set(values) <= BOOLEAN_WORDS:
            fix = 'add `options: ["true", "false"]`'
        else:
            fix = "add `options` with every accepted value"
        message = f"Input `{item.name}` is compared with {shown} but declares no `options`; {fix}"
        yield ctx.problem(message, (item.line, item.column), f"spec.inputs.{item.name}")


def _closed(values: list[str]) -> bool:
    return len(values) >= 2 or (len(values) == 1 and values[0] in BOOLEAN_WORDS)


def _comparisons(ctx: FileContext) -> dict[str, list[str]]:
    """Each input's fixed values it is compared with, in order of appearance."""
    found: dict[str, list[str]] = {}

    def add(name: str, value: str) -> None:
        values = found.setdefault(name, [])
        if value and value not in values:
            values.append(value)

    for text in _conditions(ctx):
        for name, value in _expression_comparisons(text):
            add(name, value)
    for script in _scripts(ctx.content):
        for name, value in _shell_comparisons(script):
            add(name, value)
    return found


def _conditions(ctx: FileContext) -> Iterator[str]:
    """`rules:if` expressions of the body (jobs, `workflow`, `include`) and of inputs."""
    for path, text, _ in strings(ctx.content):
        if len(path) >= 3 and path[-1] == "if" and path[-3] == "rules" and isinstance(path[-2], int):
            yield text
    for item in ctx.spec.inputs if ctx.spec else []:
        for rule in item.rules or []:
            if isinstance(rule.condition, str):
                yield rule.condition


def _scripts(content: dict[str, Any]) -> Iterator[str]:
    """Each script of the body, its lines joined as the runner runs them."""
    scripts: dict[tuple[Any, ...], list[str]] = {}
    for line in all_script_lines(content):
        scripts.setdefault((*line.holder.path, *line.key), []).append(line.text)
    for lines in scripts.values():
        yield "\n".join(lines)


def _expression_comparisons(text: str) -> Iterator[tuple[str, str]]:
    for pattern in _EXPRESSION_COMPARISONS:
        for match in pattern.finditer(text):
            yield match.group("name"), match.group("d") or match.group("s") or ""


def _shell_comparisons(script: str) -> Iterator[tuple[str, str]]:
    for pattern in _SHELL_COMPARISONS:
        for match in pattern.finditer(script):
            line_start = script.rfind("\n", 0, match.start()) + 1
            if _TEST_OPENING.search(script[line_start : match.start()]):
                yield match.group("name"), match.group("d") or match.group("s") or match.group("b") or ""
    for match in _CASE.finditer(script):
        for branch in re.split(r";;&|;;|;&", match.group("body")):
            pattern_match = _CASE_PATTERN.match(branch)
            if not pattern_match:
                continue
            for alternative in pattern_match.group(1).split("|"):
                word = alternative.strip().strip("\"'")
                if word and not _GLOB.search(word):
                    yield match.group("name"), word
