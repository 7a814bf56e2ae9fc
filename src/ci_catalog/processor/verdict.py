"""Where the JSON schema and GitLab's server disagree, the server wins.

The schema (app/assets/javascripts/editor/schema/ci.json) is written for editors; GitLab
creates a pipeline from what its configuration entries accept. So a schema problem is
kept only where the server has no say of its own here:

* none under a keyword the processor checks the way the server does (`SERVER_CHECKED`):
  there the processor's verdict is the server's - a script nested ten levels deep, a
  `stages` list that repeats `.pre`, a boolean variable are accepted, and what the server
  refuses is reported with the server's message;
* none inside a hidden job (`.name`): the server checks nothing in it but that it has a
  value, and a job that `extends` it is checked with what it takes from it;
* none about a place the processor already reported (or its parent or child): the user
  sees GitLab's message for it, once.

Every divergence is listed in docs/gitlab-processor.md.
"""

from __future__ import annotations

from typing import Any

Path = tuple[Any, ...]

SERVER_CHECKED_GLOBALS = frozenset(
    {"stages", "variables", "before_script", "after_script", "cache", "workflow", "default", "image", "services"}
)
SERVER_CHECKED_JOB_KEYWORDS = frozenset(
    {
        "script",
        "before_script",
        "after_script",
        "hooks",
        "stage",
        "extends",
        "rules",
        "only",
        "except",
        "variables",
        "inherit",
        "environment",
        "interruptible",
        "needs",
        "dependencies",
        "parallel",
        "retry",
        "timeout",
        "when",
        "start_in",
        "allow_failure",
        "cache",
        "image",
        "services",
        "tags",
        "artifacts",
        "coverage",
        "id_tokens",
        "manual_confirmation",
        "publish",
        "pages",
        "resource_group",
    }
)
# Parts of those keywords the processor does not check itself: the schema's word stands.
SCHEMA_CHECKED_PARTS = frozenset({"docker", "kubernetes"})


def server_checked(path: Path) -> bool:
    """Whether the server's own checks (the processor) decide about this place."""
    if not path:
        return False
    if any(part in SCHEMA_CHECKED_PARTS for part in path[1:] if isinstance(part, str)):
        return False
    top = path[0]
    if top in SERVER_CHECKED_GLOBALS:
        return True
    if not isinstance(top, str) or top in ("include", "spec"):
        return False
    if top.startswith("."):
        return True
    return len(path) == 1 or path[1] in SERVER_CHECKED_JOB_KEYWORDS


def related(path: Path, reported: list[Path]) -> bool:
    """Whether a place is one the processor reported, inside one, or holds one."""
    return any(path[: len(other)] == other or other[: len(path)] == path for other in reported)


def keep_schema_problem(path: Path, reported: list[Path]) -> bool:
    """Whether a schema problem at `path` is still shown beside the processor's problems."""
    return not related(path, reported) and not server_checked(path)
