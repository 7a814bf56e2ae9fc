"""A GitLab instance's CI/CD Catalog and CI Lint API, through python-gitlab.

The catalog has no REST API, only GraphQL (`ciCatalogResources`, `ciCatalogResource`), which
python-gitlab's `gitlab.GraphQL` client speaks; linting goes through the project's
`POST /projects/:id/ci/lint` (`project.ci_lint.create`), since GitLab 16.0 removed the global one.

Nothing here prints, exits or raises for a remote's failure: every call returns its result or
a `RemoteError` whose message names the host and the fix, with the token scrubbed out of it.
"""

from __future__ import annotations

import functools
import json
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import gitlab
import gitlab.exceptions
import httpx
import requests
from gql import GraphQLRequest
from gql.transport.exceptions import TransportError, TransportProtocolError, TransportQueryError

from ci_catalog import __version__
from ci_catalog.remote.http import (
    MAX_ANSWER_BYTES,
    AnswerTooLarge,
    DeadlinePassed,
    Redirected,
    deadline,
    httpx_client,
    requests_session,
)

USER_AGENT = f"ci-catalog/{__version__} python-gitlab/{gitlab.__version__}"
PAGE_SIZE = 100  # GitLab's default max_page_size: asking for more gets no more
MAX_PAGES = 1000  # a server that never stops paginating must not keep us forever
RECENT_VERSIONS = 20
MIN_SCRUBBED_TOKEN = 8
# Gitlab::Graphql::Authorize::AuthorizeResource's text for "missing or not yours".
RESOURCE_ACCESS_ERROR = "The resource that you are attempting to access does not exist"

ErrorKind = Literal[
    "auth",
    "forbidden",
    "not-found",
    "not-catalog",
    "unreachable",
    "timeout",
    "graphql",
    "bad-answer",
    "http",
    "redirect",
]


@dataclass(frozen=True)
class Connection:
    """Where to ask and as whom; `token` is None for an anonymous (public data only) caller."""

    url: str
    token: str | None = None
    token_variable: str = "GITLAB_TOKEN"
    timeout: float = 30.0

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc or self.url

    def scrub(self, text: str) -> str:
        """The text with the token replaced, so no message or traceback can carry it.

        Every form it can take on the way: as sent, in any letter case (a server may echo
        it upper-cased), percent-encoded, and escaped as JSON or a Python repr writes it.
        GitLab's tokens are 20 characters or more; a string too short to be one would only
        mangle ordinary words in the message ("proxy" for a token "x").
        """
        if not self.token or len(self.token) < MIN_SCRUBBED_TOKEN:
            return text
        forms = {self.token, quote(self.token, safe=""), json.dumps(self.token)[1:-1], repr(self.token)[1:-1]}
        pattern = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
        return re.sub(pattern, "[token]", text, flags=re.IGNORECASE)


@dataclass(frozen=True)
class RemoteError:
    kind: ErrorKind
    message: str


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    full_path: str
    description: str
    web_path: str
    latest_version: str | None
    latest_released_at: str | None


@dataclass(frozen=True)
class ComponentInput:
    name: str
    required: bool
    default: str | None
    description: str | None
    regex: str | None
    type: str


@dataclass(frozen=True)
class Component:
    name: str
    include_path: str
    inputs: list[ComponentInput]


@dataclass(frozen=True)
class Version:
    name: str
    released_at: str | None


@dataclass(frozen=True)
class CatalogResource:
    name: str
    full_path: str
    description: str
    web_path: str
    versions: list[Version]
    """The newest versions, newest first (GitLab orders them by semantic version)."""
    version: Version | None
    """The version shown: the one asked for, or the latest; None when none is published."""
    components: list[Component] = field(default_factory=list)


@dataclass(frozen=True)
class LintResult:
    valid: bool
    errors: list[str]
    warnings: list[str]


class _BadShape(Exception):
    """An answer that is JSON but not shaped as GitLab documents it."""


LIST_QUERY = """
query CatalogResources($search: String, $first: Int, $after: String) {
  ciCatalogResources(search: $search, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      name fullPath description webPath latestReleasedAt
      versions(first: 1) { nodes { name releasedAt } }
    }
  }
}
"""

SHOW_QUERY = """
query CatalogResource($fullPath: ID!, $version: String, $recent: Int) {
  ciCatalogResource(fullPath: $fullPath) {
    name fullPath description webPath
    recent: versions(first: $recent) { nodes { name releasedAt } }
    shown: versions(name: $version, first: 1) {
      nodes {
        name releasedAt
        components {
          nodes { name includePath inputs { name required default description regex type } }
        }
      }
    }
  }
}
"""


VERSIONS_QUERY = """
query CatalogVersions($fullPath: ID!, $first: Int, $after: String) {
  ciCatalogResource(fullPath: $fullPath) {
    versions(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { name releasedAt }
    }
  }
}
"""


def list_catalog(connection: Connection, search: str | None = None) -> list[CatalogEntry] | RemoteError:
    """Every catalog resource the caller can see, following the cursor across pages."""
    entries: list[CatalogEntry] = []
    after: str | None = None
    for _ in range(MAX_PAGES):
        variables = {"search": search, "first": PAGE_SIZE, "after": after}
        data = _graphql(connection, LIST_QUERY, variables)
        if isinstance(data, RemoteError):
            return data
        page = _parse(connection, functools.partial(_catalog_page, data))
        if isinstance(page, RemoteError):
            return page
        page_entries, next_cursor = page
        entries += page_entries
        if next_cursor is None:
            return entries
        if next_cursor == after:
            return _error(
                connection,
                "bad-answer",
                f"GitLab at {connection.host} says there are more catalog resources but gives the same page "
                "cursor again: it is not answering as GitLab does; check that --gitlab names the instance itself",
            )
        after = next_cursor
    return _error(
        connection,
        "bad-answer",
        f"GitLab at {connection.host} listed more than {MAX_PAGES} pages of {PAGE_SIZE} catalog resources and "
        "still says there are more: a server that never stops paging is not answering as GitLab does; "
        "narrow the list with --search",
    )


def show_resource(connection: Connection, full_path: str, version: str | None = None) -> CatalogResource | RemoteError:
    """One catalog resource with its recent versions and the components of one version."""
    variables = {"fullPath": full_path, "version": version, "recent": RECENT_VERSIONS}
    data = _graphql(connection, SHOW_QUERY, variables, resource=full_path)
    if isinstance(data, RemoteError):
        return data
    if data.get("ciCatalogResource") is None:
        return _not_catalog(connection, full_path)
    resource = _parse(connection, lambda: _resource(data["ciCatalogResource"]))
    if isinstance(resource, CatalogResource) and version and resource.version is None:
        return _no_version(connection, resource, version)
    return resource


def published_versions(connection: Connection, full_path: str) -> list[Version] | RemoteError:
    """Every version the catalog resource has published (through a `release:` job), newest first."""
    versions: list[Version] = []
    after: str | None = None
    for _ in range(MAX_PAGES):
        variables = {"fullPath": full_path, "first": PAGE_SIZE, "after": after}
        data = _graphql(connection, VERSIONS_QUERY, variables, resource=full_path)
        if isinstance(data, RemoteError):
            return data
        if data.get("ciCatalogResource") is None:
            return _not_catalog(connection, full_path)
        page = _parse(connection, functools.partial(_versions_page, data["ciCatalogResource"]))
        if isinstance(page, RemoteError):
            return page
        page_versions, next_cursor = page
        versions += page_versions
        if next_cursor is None:
            return versions
        if next_cursor == after:
            return _error(
                connection,
                "bad-answer",
                f"GitLab at {connection.host} says {full_path} has more versions but gives the same page cursor "
                "again: it is not answering as GitLab does; check that --gitlab names the instance itself",
            )
        after = next_cursor
    return _error(
        connection,
        "bad-answer",
        f"GitLab at {connection.host} listed more than {MAX_PAGES} pages of {PAGE_SIZE} versions of {full_path} and "
        "still says there are more: a server that never stops paging is not answering as GitLab does",
    )


def lint(
    connection: Connection, project: str, content: str, ref: str | None = None, dry_run: bool = False
) -> LintResult | RemoteError:
    """GitLab's verdict on `content` in the context of `project` (an ID or a full path)."""
    payload: dict[str, Any] = {"content": content, "dry_run": dry_run}
    if ref:
        payload["ref"] = ref
    try:
        with _rest_client(connection) as client, deadline(connection.timeout):
            # No retries: a CLI answers now and says why, it does not wait out a rate limit silently.
            manager = client.projects.get(project, lazy=True).ci_lint
            answer = manager.create(payload, obey_rate_limit=False, max_retries=0)
            return _parse(connection, lambda: _lint_result(answer.asdict()))
    except gitlab.exceptions.GitlabError as error:
        return _rest_error(connection, error, project)
    except (requests.exceptions.RequestException, Redirected, AnswerTooLarge, DeadlinePassed) as error:
        return _transport_error(connection, error)


def _rest_client(connection: Connection) -> gitlab.Gitlab:
    return gitlab.Gitlab(
        connection.url,
        private_token=connection.token,
        timeout=connection.timeout,
        user_agent=USER_AGENT,
        retry_transient_errors=False,
        session=requests_session(),
    )


def _graphql(
    connection: Connection, query: str, variables: dict[str, Any], resource: str | None = None
) -> dict[str, Any] | RemoteError:
    """The `data` of a GraphQL answer, or what went wrong."""
    statuses: list[int] = []
    # Our own httpx client, because GitLab answers a bad token with HTTP 401 *and* a GraphQL
    # `errors` body, which gql reports as a query error: only the status tells them apart.
    http = httpx_client(
        headers=_graphql_headers(connection),
        timeout=connection.timeout,
        event_hooks={"response": [lambda response: statuses.append(response.status_code)]},
    )
    try:
        with (
            gitlab.GraphQL(connection.url, client=http, max_retries=0, obey_rate_limit=False) as client,
            deadline(connection.timeout),
        ):
            # python-gitlab hands the request to gql, whose 4.x takes a GraphQLRequest
            # (python-gitlab's annotation still says str).
            data = client.execute(GraphQLRequest(query, variable_values=variables))  # type: ignore[arg-type]
    except DeadlinePassed as error:
        return _transport_error(connection, error)
    except AssertionError:  # gql's check that an answer holds `data` or `errors`
        return _bad_answer(connection, "the GraphQL answer holds neither data nor errors")
    except TransportQueryError as error:
        return _query_error(connection, error, statuses[-1] if statuses else 200, resource)
    except TransportProtocolError as error:
        return _bad_answer(connection, str(error))
    except TransportError as error:
        return _transport_error(connection, error.__cause__ or error)
    except gitlab.exceptions.GitlabError as error:
        return _rest_error(connection, error, resource)
    if not isinstance(data, dict):
        return _bad_answer(connection, "the GraphQL answer has no data object")
    return data


def _graphql_headers(connection: Connection) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT}
    if connection.token:
        headers["Authorization"] = f"Bearer {connection.token}"
    return headers


def _parse(connection: Connection, build: Callable[[], Any]) -> Any:
    """`build()`, or a RemoteError when the answer is not shaped as GitLab documents it."""
    try:
        return build()
    except (_BadShape, KeyError, TypeError, AttributeError, ValueError) as error:
        detail = str(error) if isinstance(error, _BadShape) else traceback.format_exception_only(error)[-1].strip()
        return _bad_answer(connection, f"unexpected answer shape ({detail})")


def _catalog_page(data: dict[str, Any]) -> tuple[list[CatalogEntry], str | None]:
    connection_ = _mapping(data, "ciCatalogResources")
    if connection_ is None:
        raise _BadShape("ciCatalogResources is null")
    return [_catalog_entry(node) for node in _nodes(connection_)], _next_cursor(connection_)


def _versions_page(node: dict[str, Any]) -> tuple[list[Version], str | None]:
    connection_ = _mapping(node, "versions")
    if connection_ is None:
        raise _BadShape("versions is null")
    return _versions(connection_), _next_cursor(connection_)


def _next_cursor(connection_: dict[str, Any]) -> str | None:
    info = _mapping(connection_, "pageInfo") or {}
    more = info.get("hasNextPage")
    if not isinstance(more, bool):
        raise _BadShape("pageInfo.hasNextPage is not a boolean")
    return _text(info, "endCursor") if more else None


def _catalog_entry(node: dict[str, Any]) -> CatalogEntry:
    versions = _versions(_mapping(node, "versions"))
    latest = versions[0] if versions else None
    return CatalogEntry(
        name=_text(node, "name") or "",
        full_path=_text(node, "fullPath") or "",
        description=_text(node, "description") or "",
        web_path=_text(node, "webPath") or "",
        latest_version=latest.name if latest else None,
        latest_released_at=(latest.released_at if latest else None) or _text(node, "latestReleasedAt"),
    )


def _versions(connection_: dict[str, Any] | None) -> list[Version]:
    if connection_ is None:
        return []
    return [Version(_required_text(node, "name"), _text(node, "releasedAt")) for node in _nodes(connection_)]


def _resource(node: dict[str, Any]) -> CatalogResource:
    shown_nodes = _nodes(_mapping(node, "shown") or {})
    shown = shown_nodes[0] if shown_nodes else None
    components = [_component(item) for item in _nodes(_mapping(shown or {}, "components") or {})]
    return CatalogResource(
        name=_text(node, "name") or "",
        full_path=_text(node, "fullPath") or "",
        description=_text(node, "description") or "",
        web_path=_text(node, "webPath") or "",
        versions=_versions(_mapping(node, "recent")),
        version=Version(_required_text(shown, "name"), _text(shown, "releasedAt")) if shown else None,
        components=components,
    )


def _component(node: dict[str, Any]) -> Component:
    inputs = node.get("inputs") or []
    if not isinstance(inputs, list) or not all(isinstance(item, dict) for item in inputs):
        raise _BadShape("a component's `inputs` is not a list of objects")
    return Component(_required_text(node, "name"), _text(node, "includePath") or "", [_input(item) for item in inputs])


def _input(node: dict[str, Any]) -> ComponentInput:
    required = node.get("required")
    if required is not None and not isinstance(required, bool):
        raise _BadShape("an input's `required` is not a boolean")
    return ComponentInput(
        name=_required_text(node, "name"),
        required=bool(required),
        default=_text(node, "default"),
        description=_text(node, "description"),
        regex=_text(node, "regex"),
        # GraphQL spells the enum in capitals (STRING); the spec spells it as users write it.
        type=(_text(node, "type") or "string").lower(),
    )


def _lint_result(answer: dict[str, Any]) -> LintResult:
    if not isinstance(answer.get("valid"), bool):
        raise _BadShape("no boolean `valid`")
    return LintResult(answer["valid"], _texts(answer, "errors"), _texts(answer, "warnings"))


# -- reading an answer: each field the type GitLab documents, or _BadShape ------------------------


def _mapping(node: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = node.get(key)
    if value is not None and not isinstance(value, dict):
        raise _BadShape(f"`{key}` is not an object")
    return value


def _nodes(connection_: dict[str, Any]) -> list[dict[str, Any]]:
    """A GraphQL connection's `nodes`, null entries (hidden from the caller) left out."""
    nodes = connection_.get("nodes") or []
    if not isinstance(nodes, list) or not all(node is None or isinstance(node, dict) for node in nodes):
        raise _BadShape("`nodes` is not a list of objects")
    return [node for node in nodes if node is not None]


def _text(node: dict[str, Any], key: str) -> str | None:
    value = node.get(key)
    if value is not None and not isinstance(value, str):
        raise _BadShape(f"`{key}` is a {type(value).__name__}, not a string")
    return value


def _required_text(node: dict[str, Any], key: str) -> str:
    value = _text(node, key)
    if value is None:
        raise _BadShape(f"`{key}` is missing")
    return value


def _texts(node: dict[str, Any], key: str) -> list[str]:
    value = node.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _BadShape(f"`{key}` is not a list of strings")
    return value


# -- errors: one message per failure, each naming the host and the fix ---------------------------


def _who(connection: Connection) -> str:
    return f"the token in ${connection.token_variable}" if connection.token else "an anonymous caller"


def _error(connection: Connection, kind: ErrorKind, message: str) -> RemoteError:
    return RemoteError(kind, connection.scrub(message))


def _unauthorized(connection: Connection) -> RemoteError:
    if not connection.token:
        return _error(
            connection,
            "auth",
            f"GitLab at {connection.host} requires a sign-in (401 Unauthorized): "
            f"export a personal access token as ${connection.token_variable}",
        )
    return _error(
        connection,
        "auth",
        f"GitLab at {connection.host} refused the token in ${connection.token_variable} (401 Unauthorized): "
        "it is wrong, expired or revoked; create a personal access token (scope read_api, or api for lint) "
        f"on {connection.host} and export it as ${connection.token_variable}",
    )


def _rest_error(connection: Connection, error: gitlab.exceptions.GitlabError, project: str | None) -> RemoteError:
    code = error.response_code
    if code == 401 or isinstance(error, gitlab.exceptions.GitlabAuthenticationError):
        return _unauthorized(connection)
    if code == 404 and project is not None:
        return _error(
            connection,
            "not-found",
            f"GitLab at {connection.host} has no project {project} that {_who(connection)} can see (404): "
            "check the ID or path (group/project), or use a token of a member of the project",
        )
    if code == 403:
        return _forbidden(connection, project)
    if code == 429:
        return _error(connection, "http", f"GitLab at {connection.host} is rate-limiting requests (429): wait, retry")
    if isinstance(error, gitlab.exceptions.GitlabParsingError):
        return _bad_answer(connection, str(error))
    if isinstance(error, gitlab.exceptions.RedirectError):
        return _error(connection, "http", f"GitLab at {connection.host} redirected the request: {error}")
    status = f"HTTP {code}" if code else "an error"
    hint = ": the instance or a proxy before it failed; try again later" if code and code >= 500 else ""
    detail = _first_line(str(error.error_message))
    return _error(connection, "http", f"GitLab at {connection.host} answered {status} ({detail}){hint}")


def _forbidden(connection: Connection, project: str | None) -> RemoteError:
    where = f"in project {project} " if project else ""
    fix = (
        f"export a token of a project member as ${connection.token_variable}"
        if not connection.token
        else "linting needs the Developer role in the project and a token with the api scope"
    )
    return _error(
        connection, "forbidden", f"GitLab at {connection.host} refused {_who(connection)} {where}(403 Forbidden): {fix}"
    )


def _query_error(connection: Connection, error: TransportQueryError, status: int, resource: str | None) -> RemoteError:
    if status == 401:
        return _unauthorized(connection)
    if status == 403:
        return _forbidden(connection, resource)
    messages = [str(item.get("message", item)) if isinstance(item, dict) else str(item) for item in error.errors or []]
    if resource is not None and any(message.startswith(RESOURCE_ACCESS_ERROR) for message in messages):
        return _not_catalog(connection, resource)
    return _error(
        connection,
        "graphql",
        f"GitLab at {connection.host} rejected the catalog query: {'; '.join(messages) or error}"
        " (an older GitLab may lack the CI/CD catalog API fields this asks for)",
    )


def _not_catalog(connection: Connection, full_path: str) -> RemoteError:
    return _error(
        connection,
        "not-catalog",
        f"{full_path} on {connection.host} is not a CI/CD catalog resource that {_who(connection)} can read: "
        "check the path; its owner turns the catalog on under Settings > General > CI/CD Catalog project, "
        f"and a private project needs a member's token in ${connection.token_variable}",
    )


def _no_version(connection: Connection, resource: CatalogResource, version: str) -> RemoteError:
    known = ", ".join(item.name for item in resource.versions) or "none published"
    return _error(
        connection,
        "not-found",
        f"{resource.full_path} on {connection.host} has no catalog version {version} (versions: {known})",
    )


def _bad_answer(connection: Connection, detail: str) -> RemoteError:
    return _error(
        connection,
        "bad-answer",
        f"{connection.url} did not answer as GitLab's API does ({_first_line(detail)}): "
        "check that --gitlab names the GitLab instance itself (e.g. https://gitlab.com), not a page or a proxy",
    )


def _transport_error(connection: Connection, error: BaseException) -> RemoteError:
    if isinstance(error, Redirected):
        return _error(
            connection,
            "redirect",
            f"GitLab at {connection.host} answered {error} instead: no redirect is followed, so the token goes "
            f"only to {connection.host} and never to {error.target_host}; if the instance moved, give its new "
            "URL with --gitlab",
        )
    if isinstance(error, AnswerTooLarge):
        return _bad_answer(connection, f"an answer larger than {MAX_ANSWER_BYTES // (1024 * 1024)} MiB")
    if isinstance(error, httpx.TimeoutException | requests.exceptions.Timeout | DeadlinePassed):
        return _error(
            connection,
            "timeout",
            f"GitLab at {connection.host} did not answer within {connection.timeout:g}s: "
            "try again later, or allow longer with --timeout",
        )
    return _error(
        connection,
        "unreachable",
        f"cannot reach GitLab at {connection.host} ({_reason(error)}): check the --gitlab URL, "
        "that the host name resolves and the server is up, and any proxy between",
    )


def _reason(error: BaseException) -> str:
    """The innermost cause's text: 'Connection refused' rather than a chain of wrappers."""
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    text = str(error) or type(error).__name__
    return _first_line(text.rsplit("] ", 1)[-1] if text.startswith("[Errno") else text)


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 200 else line[:197] + "..."
