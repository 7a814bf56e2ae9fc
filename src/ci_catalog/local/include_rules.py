"""`include:rules`: whether an include entry is part of the pipeline.

As lib/gitlab/ci/config/external/rules.rb and entry/include/rules/rule.rb read them: the
first rule whose clauses all hold decides, by its `when` (`always` unless it says
`never`); with no rule holding, the file is not included. Clauses:

- `if`: GitLab's expression over the CI/CD variables this run knows (`--variable`, the
  server's); any error is no match.
- `exists`: a glob (or a list, or `{paths: [...]}`) matched against the repository's files
  as Ruby's `File.fnmatch?` with FNM_PATHNAME | FNM_DOTMATCH | FNM_EXTGLOB does; one in
  another project (`project:`) cannot be checked offline and is an error.
- `changes`: holds. A pipeline without a push to compare with (a scheduled or manual one)
  takes every `changes` rule as true, and no push is known here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wcmatch import glob

from ci_catalog.expressions import is_valid, variables_match
from ci_catalog.local.sources import FileSource
from ci_catalog.versions.address import expand

ALLOWED_KEYS = ("if", "exists", "when", "changes")
ALLOWED_WHEN = ("never", "always")
_FNMATCH = glob.GLOBSTAR | glob.DOTMATCH | glob.BRACE


@dataclass(frozen=True)
class Verdict:
    included: bool
    error: str = ""  # the rules cannot be read: GitLab's `include:...` message


def evaluate_rules(rules: Any, variables: dict[str, str], files: FileSource) -> Verdict:
    if rules is None:
        return Verdict(True)
    error = _rules_error(rules)
    if error:
        return Verdict(False, f"include:{error}")
    for rule in rules:
        holds = _holds(rule, variables, files)
        if isinstance(holds, str):
            return Verdict(False, f"include:{holds}")
        if holds:
            return Verdict(rule.get("when", "always") != "never")
    return Verdict(False)


def _rules_error(rules: Any) -> str:
    if not isinstance(rules, list) or not rules:
        return "rules config should be an array"
    for rule in rules:
        if not isinstance(rule, dict) or not rule:
            return "rules:rule config should be a hash"
        unknown = [str(key) for key in rule if key not in ALLOWED_KEYS]
        if unknown:
            return f"rules:rule config contains unknown keys: {', '.join(unknown)}"
        if rule.get("if") is not None and not is_valid(rule["if"]):
            return "rules:rule if should be a valid expression"
        if rule.get("when") is not None and rule["when"] not in ALLOWED_WHEN:
            return f"rules:rule when unknown value: {rule['when']}"
    return ""


def _holds(rule: dict[str, Any], variables: dict[str, str], files: FileSource) -> bool | str:
    if rule.get("if") is not None and not variables_match(rule["if"], variables):
        return False
    if rule.get("exists") is not None:
        return _exists(rule["exists"], variables, files)
    return True


def _exists(clause: Any, variables: dict[str, str], files: FileSource) -> bool | str:
    if isinstance(clause, dict):
        if clause.get("project") is not None:
            return "rules:exists:project cannot be checked offline: the files of another project are not here"
        clause = clause.get("paths")
    patterns = [clause] if isinstance(clause, str) else clause
    if not isinstance(patterns, list) or not all(isinstance(item, str) for item in patterns):
        return "rules:rule:exists should be an array of strings or a hash with `paths`"
    globs = [expand(pattern, variables) for pattern in patterns]
    return any(glob.globmatch(path, globs, flags=_FNMATCH) for path in files.paths())
