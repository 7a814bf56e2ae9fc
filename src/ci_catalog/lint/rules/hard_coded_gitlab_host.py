"""## What it does
Checks for a GitLab instance written into the CI configuration instead of a variable.
That is the host `gitlab.com` (in a URL or not), the URL of a GitLab API on any host
(`https://gitlab.example.org/api/v4/…`), or a `docker login` (or similar) to
`registry.gitlab.com`. It looks at every value of the file: scripts, variables,
images, and so on.

## Why is this bad?
A component is used on whatever instance the user runs: gitlab.com, a self-managed
instance, or a mirror of the catalog project. A hard-coded host sends the job to the
wrong instance, with the wrong credentials (`$CI_JOB_TOKEN` is only valid on its own
instance), or to one the runner cannot reach. GitLab's guidance is to avoid hard-coding
instance-specific values and to use the predefined variables: `$CI_SERVER_FQDN` for the
host, `$CI_SERVER_URL` for its URL, `$CI_API_V4_URL` for the API and `$CI_REGISTRY` for
the container registry.

## Example
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: release
---
"$[[ inputs.job_prefix ]]-notes":
  script:
    - curl --header "JOB-TOKEN: $CI_JOB_TOKEN" "https://gitlab.com/api/v4/projects/$CI_PROJECT_ID/releases"
```

Use instead:
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: release
---
"$[[ inputs.job_prefix ]]-notes":
  script:
    - curl --header "JOB-TOKEN: $CI_JOB_TOKEN" "$CI_API_V4_URL/projects/$CI_PROJECT_ID/releases"
```

## Known problems
Images from `registry.gitlab.com` (`image: registry.gitlab.com/gitlab-org/release-cli:v0.20.0`)
are not reported: they are public images that happen to live on gitlab.com's registry,
and `$CI_REGISTRY` (the user's own registry) does not have them. Only logging in to
`registry.gitlab.com` is reported. Other `gitlab.com` subdomains (`docs.gitlab.com`)
are not instances and are not reported, and neither is an e-mail address
(`bot@gitlab.com`). On hosts other than gitlab.com only API URLs are reported: a link
to a file of a fixed project (a schema, a script) names that project wherever the
pipeline runs, and self-managed instances have no common host name to recognise. Not
checked: `include:` (a component from another instance must name it) and `rules:if`
expressions (`$CI_SERVER_FQDN == "gitlab.com"` asks which instance runs the job).
Input defaults in the header are not checked: an input is already the way for the user
to change the value. A link to gitlab.com in a message (`echo "see
https://gitlab.com/…"`) is reported too.

## References
- https://docs.gitlab.com/ci/components/#write-a-component
- https://docs.gitlab.com/ci/variables/predefined_variables/
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ci_catalog.cimodel import GLOBAL_KEYWORDS
from ci_catalog.lint.context import FileContext
from ci_catalog.problems import Problem, format_json_path

ID = "hard-coded-gitlab-host"
SEVERITY = "warning"
SCOPE = "file"

# A URL: scheme, optional user info (never shown: it may hold a token), literal host.
URL = re.compile(
    r"\b(?P<scheme>https?|ssh|git)://(?:[^\s/@'\"]*@)?"
    r"(?P<host>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::\d+)?(?P<path>/[^\s'\"]*)?"
)
BARE_HOST = re.compile(r"(?<![\w.-])gitlab\.com(?![\w-]|\.[A-Za-z0-9])")  # `GitLab.com` is prose
REGISTRY_LOGIN = re.compile(r"\blogin\b[^\n;&|]*?(?<![\w.-])registry\.gitlab\.com(?![\w.-])", re.IGNORECASE)
API_PATH = re.compile(r"/api/v4(?![\w-])")


def check(ctx: FileContext) -> Iterator[Problem]:
    for path, text in _values(ctx.content):
        reported: set[str] = set()
        for shown, offset, use in _hosts(text):
            if shown in reported:
                continue
            reported.add(shown)
            place = ctx.string_place(path, text, offset)
            message = f"{_owner(path)} hard-codes the GitLab instance `{shown}`; use `{use}` instead"
            yield ctx.problem(message, place, format_json_path(path))


def _hosts(text: str) -> Iterator[tuple[str, int, str]]:
    """(what to show, where it starts in `text`, variable to use) for each hard-coded instance.

    A URL is shown without its user info, which may hold a token.
    """
    in_urls: list[tuple[int, int]] = []
    for match in URL.finditer(text):
        in_urls.append(match.span())
        host, url_path = match["host"], match["path"] or ""
        base = f"{match['scheme']}://{host}"
        if API_PATH.match(url_path):
            yield f"{base}/api/v4", match.start(), "$CI_API_V4_URL"
        elif host.lower() == "gitlab.com":
            yield base, match.start(), "$CI_SERVER_URL"
    for match in BARE_HOST.finditer(text):
        if any(start <= match.start() < end for start, end in in_urls) or _is_email(text, match.start()):
            continue
        yield match.group(0), match.start(), "$CI_SERVER_FQDN"
    login = REGISTRY_LOGIN.search(text)
    if login:
        yield "registry.gitlab.com", login.end() - len("registry.gitlab.com"), "$CI_REGISTRY"


def _is_email(text: str, start: int) -> bool:
    """`bot@gitlab.com` is an address; `git@gitlab.com:group/project.git` is the instance."""
    if start == 0 or text[start - 1] != "@":
        return False
    word = re.split(r"[\s'\"=<>(,;]", text[:start])[-1]
    return not word.startswith("git@")


def _owner(path: tuple[Any, ...]) -> str:
    head = path[0]
    if head in GLOBAL_KEYWORDS:
        return f"The global `{head}`"
    return f"Job `{head}`"


def _values(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every string value (not key), except under `include:` and in `if:` expressions."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "if" or (not path and key == "include"):
                continue
            yield from _values(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _values(item, (*path, index))
    elif isinstance(node, str) and path:
        yield path, node
