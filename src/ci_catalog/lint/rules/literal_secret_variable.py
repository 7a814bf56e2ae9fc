"""## What it does
Checks for CI/CD variables named like a secret whose value is written in the file.
The name contains `TOKEN`, `PASSWORD`, `SECRET`, `API_KEY` or `PRIVATE_KEY` (in any
case) and the value is not empty, not a reference to another variable (`$VAR`,
`${VAR}`) and not an input (`$[[ inputs.NAME ]]`). It looks at top-level and job
`variables:`, and at the `variables:` of job and `workflow` rules.

## Why is this bad?
Everyone who can read the repository, a fork, or a copy of the component can read
the secret, and it stays in the Git history after it is removed. A value written in the
file is not masked in job logs either. Keep secrets in masked (and protected) CI/CD
variables in the project or group settings, or in an external secrets manager. A
component should take a secret from an input, which the user sets to one of their
masked variables (`token: $MY_TOKEN`). Prefer passing that input on through a job
variable rather than into a script: GitLab masks variables, not inputs, so a value
pasted into the script text may show up in the job log.

## Example
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: app
---
"$[[ inputs.job_prefix ]]-publish":
  variables:
    NPM_TOKEN: npm_8hT2kQ9xLmP4vR7sW1yZ3aB6cD0eF5gH
  script: npm publish
```

Use instead:
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: app
    npm_token:
      description: npm token; set it to a masked CI/CD variable, such as `$NPM_TOKEN`.
      default: $NPM_TOKEN
---
"$[[ inputs.job_prefix ]]-publish":
  variables:
    NPM_TOKEN: $[[ inputs.npm_token ]]
  script: npm publish
```

## Known problems
Names that describe a secret rather than hold one are not reported: those ending in
`_FIELD`, `_PATH`, `_FILE`, `_URL`, `_NAME`, `_TYPE`, `_ENABLED`, `_DISABLED`,
`_USER`, `_ID` and similar (`DAST_PASSWORD_FIELD`, `VAULT_SECRET_PATH`,
`SECRET_DETECTION_DISABLED`). Values that are a flag or a number (`true`, `0`) are not
reported, and neither is a value that contains a variable or an input
(`Bearer $TOKEN`): the secret is taken to come from there. The value is never shown in
the message.

## References
- https://docs.gitlab.com/ci/variables/#mask-a-cicd-variable
- https://docs.gitlab.com/ci/components/ (security best practices)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ci_catalog.cimodel import jobs
from ci_catalog.lint.context import FileContext
from ci_catalog.problems import Problem, format_json_path

ID = "literal-secret-variable"
SEVERITY = "error"
SCOPE = "file"

SECRET_NAME = re.compile(r"TOKEN|PASSWORD|SECRET|API_KEY|PRIVATE_KEY", re.IGNORECASE)
# Names that say something about a secret (where it is, whether to look for one).
DESCRIBES_SECRET = re.compile(
    r"_(?:FIELD|SELECTOR|PATHS?|FILE|DIR|URL|URI|HOST|NAME|TYPE|KIND|MODE|FORMAT|HEADER|ENABLED?|DISABLED?|"
    r"USER|USERNAME|LOGIN|ID|SCOPES?|TARGETS?|ROLE|VERSION|LENGTH|EXPIRY|EXPIRES_AT|TTL|REGEX|PATTERN|EXCLUDED_PATHS)$",
    re.IGNORECASE,
)
REFERENCE = re.compile(r"\$(?:\w|\{\w+\})|\$\[\[")
FLAG = re.compile(r"true|false|yes|no|on|off|null|none|[-+]?\d+(?:\.\d+)?", re.IGNORECASE)


def check(ctx: FileContext) -> Iterator[Problem]:
    for owner, path, variables in _variable_mappings(ctx.content):
        for name, value in variables.items():
            if not _is_secret_name(str(name)) or not _is_literal(value):
                continue
            message = (
                f"{owner(str(name))} has its secret value written in the file; remove it and use a masked "
                "CI/CD variable, or an input in a component"
            )
            yield ctx.problem(message, ctx.content_place(*path, name), format_json_path((*path, name)))


def _is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not DESCRIBES_SECRET.search(name)


def _is_literal(value: Any) -> bool:
    if isinstance(value, dict):  # {value: ..., description: ...}
        value = value.get("value")
    if not isinstance(value, str):
        return False  # numbers, flags, nothing
    text = value.strip().replace("$$", "")  # `$$` is a literal dollar, not a reference
    return bool(text) and not REFERENCE.search(text) and not FLAG.fullmatch(text)


def _variable_mappings(content: dict[str, Any]) -> Iterator[tuple[Any, tuple[Any, ...], dict[str, Any]]]:
    """(how to name a variable, path, mapping) of each `variables:` mapping."""
    if isinstance(content.get("variables"), dict):
        yield (lambda name: f"Global variable `{name}`"), ("variables",), content["variables"]
    workflow = content.get("workflow")
    if isinstance(workflow, dict):
        yield from _rule_variables(workflow, ("workflow",), "`workflow`")
    for job_name, job in jobs(content):
        if isinstance(job.get("variables"), dict):
            path = (job_name, "variables")
            yield (lambda name, job=job_name: f"Variable `{name}` of job `{job}`"), path, job["variables"]
        yield from _rule_variables(job, (job_name,), f"job `{job_name}`")


def _rule_variables(body: dict[str, Any], base: tuple[Any, ...], where: str) -> Iterator[Any]:
    rules = body.get("rules")
    if not isinstance(rules, list):
        return
    for index, rule in enumerate(rules):
        if isinstance(rule, dict) and isinstance(rule.get("variables"), dict):
            path = (*base, "rules", index, "variables")
            yield (lambda name, where=where: f"Variable `{name}` in the `rules` of {where}"), path, rule["variables"]
