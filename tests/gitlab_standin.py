"""A stand-in GitLab on 127.0.0.1 for the `remote` tests: its GraphQL catalog and project CI Lint.

It answers `POST /api/graphql` by executing the query with graphql-core against a schema
written from GitLab's type definitions for the catalog (`CiCatalogResource`, its versions,
components and inputs, with their argument names), so a field or argument GitLab does not have
fails here too, and aliases, variables, nulls and cursors behave as GraphQL defines them. It
answers `POST /api/v4/projects/:id/ci/lint` with the documented `Entities::Ci::Lint::Result`
fields and the API's 401/403/404 bodies. The lint verdict itself is whatever the test sets in
`lint_answer`: this is not a linter.

Like GitLab, it takes the token in `PRIVATE-TOKEN` or `Authorization: Bearer`, answers a wrong
token with 401 (GraphQL: `{"errors": [{"message": "Invalid token"}]}`), shows anonymous callers
public projects only, and hides what a caller may not see behind 404 / the resource-access error.

For the hostile-server tests it can also answer every request with a redirect, an answer
that drips one byte at a time forever, or an answer of a given (huge) size.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from graphql import GraphQLError, build_schema, graphql_sync

# Gitlab::Graphql::Authorize::AuthorizeResource::RESOURCE_ACCESS_ERROR
RESOURCE_ACCESS_ERROR = (
    "The resource that you are attempting to access does not exist or you don't have permission to perform this action"
)

SCHEMA = build_schema("""
type Query {
  ciCatalogResources(scope: CiCatalogResourceScope, search: String, sort: CiCatalogResourceSort,
                     verificationLevel: String, topics: [String!],
                     first: Int, last: Int, after: String, before: String): CiCatalogResourceConnection
  ciCatalogResource(id: ID, fullPath: ID): CiCatalogResource
}
enum CiCatalogResourceScope { ALL }
enum CiCatalogResourceSort { NAME_ASC NAME_DESC LATEST_RELEASED_AT_ASC LATEST_RELEASED_AT_DESC CREATED_ASC CREATED_DESC }
scalar Time
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
type CiCatalogResourceConnection { count: Int! nodes: [CiCatalogResource] pageInfo: PageInfo! }
type CiCatalogResource {
  id: ID! name: String description: String topics: [String!] icon: String fullPath: ID webPath: String
  versions(name: String, search: String, first: Int, after: String): CiCatalogResourceVersionConnection
  latestReleasedAt: Time starCount: Int! last30DayUsageCount: Int!
}
type CiCatalogResourceVersionConnection { count: Int! nodes: [CiCatalogResourceVersion] pageInfo: PageInfo! }
type CiCatalogResourceVersion {
  id: ID! createdAt: Time releasedAt: Time name: String path: String readme: String
  components(first: Int, after: String): CiCatalogResourceComponentConnection
}
type CiCatalogResourceComponentConnection { nodes: [CiCatalogResourceComponent] pageInfo: PageInfo! }
type CiCatalogResourceComponent { id: ID! name: String includePath: String inputs: [CiCatalogResourceComponentInput!] }
type CiCatalogResourceComponentInput {
  name: String required: Boolean default: String description: String regex: String
  type: CiCatalogResourceComponentInputType
}
enum CiCatalogResourceComponentInputType { ARRAY BOOLEAN NUMBER STRING }
""")


@dataclass
class CatalogVersion:
    name: str
    released_at: str
    components: list[dict[str, Any]]
    """In GraphQL's shape: {name, includePath, inputs: [{name, required, default, description, regex, type}]}."""


@dataclass
class Project:
    id: int
    full_path: str
    description: str = ""
    public: bool = True
    developer: bool = True
    """Whether the token's user may create pipelines here (Developer role or more)."""
    versions: list[CatalogVersion] | None = None
    """None: not a catalog resource. Newest first, as GitLab orders them (by semantic version)."""


@dataclass
class GitLabStandin:
    token: str
    projects: list[Project] = field(default_factory=list)
    max_page_size: int = 100
    lint_answer: dict[str, Any] = field(default_factory=lambda: {"valid": True, "errors": [], "warnings": []})
    delay: float = 0.0
    """Seconds to wait before each answer: a slow instance."""
    override: tuple[int, str, bytes] | None = None
    """(status, content type, body) to answer every request with: a proxy page, an old GitLab."""
    redirect: tuple[int, str] | None = None
    """(status, Location) to answer every request with: a proxy or a hostile server sending the client on."""
    drip: float | None = None
    """Seconds between the bytes of an endless answer: a server that never finishes answering."""
    answer_bytes: int = 0
    """With a value: answer every request with this many bytes of a JSON string, sent as they are made."""
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    # -- who asks ----------------------------------------------------------------------------

    def caller(self, headers: Any) -> str | None:
        """'user', 'anonymous', or None for a token GitLab does not know."""
        sent = headers.get("PRIVATE-TOKEN") or (headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if not sent:
            return "anonymous"
        return "user" if sent == self.token else None

    def visible(self, project: Project, caller: str) -> bool:
        return project.public or caller == "user"

    def find(self, key: str) -> Project | None:
        key = unquote(key)
        return next((p for p in self.projects if str(p.id) == key or p.full_path == key), None)

    # -- GraphQL -------------------------------------------------------------------------------

    def graphql(self, body: dict[str, Any], caller: str) -> dict[str, Any]:
        result = graphql_sync(
            SCHEMA,
            body.get("query") or "",
            root_value=_Root(self, caller),
            variable_values=body.get("variables"),
            operation_name=body.get("operationName"),
        )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [error.formatted for error in result.errors]
        return answer

    def resource_node(self, project: Project) -> dict[str, Any]:
        versions = project.versions or []
        return {
            "id": f"gid://gitlab/Ci::Catalog::Resource/{project.id}",
            "name": project.full_path.rsplit("/", 1)[-1],
            "description": project.description,
            "fullPath": project.full_path,
            "webPath": "/" + project.full_path,
            "latestReleasedAt": versions[0].released_at if versions else None,
            "starCount": 0,
            "last30DayUsageCount": 0,
            "versions": lambda info, **args: _versions(project, **args),
        }

    # -- REST ----------------------------------------------------------------------------------

    def lint(self, project_key: str, body: dict[str, Any], caller: str) -> tuple[int, dict[str, Any]]:
        project = self.find(project_key)
        if project is None or not self.visible(project, caller):
            return 404, {"message": "404 Project Not Found"}
        if caller != "user" or not project.developer:
            return 403, {"message": "403 Forbidden"}
        if not isinstance(body.get("content"), str):
            return 400, {"error": "content is missing"}
        return 200, {"merged_yaml": body["content"], "includes": [], **self.lint_answer}


class _Root:
    """The Query type's fields, for graphql-core's default resolver."""

    def __init__(self, standin: GitLabStandin, caller: str) -> None:
        self.standin, self.caller = standin, caller

    def ciCatalogResources(
        self, info: Any, search: str | None = None, first: int | None = None, after: str | None = None, **_: Any
    ) -> dict[str, Any]:
        found = [
            p
            for p in self.standin.projects
            if p.versions is not None and self.standin.visible(p, self.caller)
            if not search or search.lower() in (p.full_path + " " + p.description).lower()
        ]
        return _page([self.standin.resource_node(p) for p in found], first, after, self.standin.max_page_size)

    def ciCatalogResource(self, info: Any, fullPath: str | None = None, id: str | None = None) -> dict[str, Any]:
        if (fullPath is None) == (id is None):
            raise GraphQLError("Exactly one of 'id' or 'full_path' arguments is required.")
        project = self.standin.find(fullPath or "")
        if project is None or not self.standin.visible(project, self.caller) or project.versions is None:
            raise GraphQLError(RESOURCE_ACCESS_ERROR)
        return self.standin.resource_node(project)


def _versions(
    project: Project, name: str | None = None, first: int | None = None, after: str | None = None, **_: Any
) -> dict[str, Any]:
    versions = [v for v in project.versions or [] if name is None or v.name == name]
    nodes = [
        {
            "id": f"gid://gitlab/Ci::Catalog::Resources::Version/{index}",
            "name": v.name,
            "releasedAt": v.released_at,
            "createdAt": v.released_at,
            "path": f"/{project.full_path}/-/tags/{v.name}",
            "components": {"nodes": v.components, "pageInfo": _page_info(False, None)},
        }
        for index, v in enumerate(versions)
    ]
    return _page(nodes, first, after, 100)


def _page(nodes: list[dict[str, Any]], first: int | None, after: str | None, max_page_size: int) -> dict[str, Any]:
    start = int(json.loads(base64.b64decode(after))["offset"]) if after else 0
    size = min(first or max_page_size, max_page_size)  # GitLab caps `first` at its max_page_size
    page = nodes[start : start + size]
    more = start + size < len(nodes)
    return {
        "count": len(nodes),
        "nodes": page,
        "pageInfo": _page_info(more, _cursor(start + len(page)) if page else None),
    }


def _page_info(more: bool, end: str | None) -> dict[str, Any]:
    return {"hasNextPage": more, "hasPreviousPage": False, "startCursor": None, "endCursor": end}


def _cursor(offset: int) -> str:
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def _handler(standin: GitLabStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            standin.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "body": raw})
            time.sleep(standin.delay)
            if standin.redirect is not None:
                return self._redirect(*standin.redirect)
            if standin.drip is not None:
                return self._drip(standin.drip)
            if standin.answer_bytes:
                return self._huge(standin.answer_bytes)
            if standin.override is not None:
                status, content_type, body = standin.override
                return self._send(status, body, content_type)
            caller = standin.caller(self.headers)
            if self.path == "/api/graphql":
                if caller is None:
                    return self._json(401, {"errors": [{"message": "Invalid token"}]})
                return self._json(200, standin.graphql(json.loads(raw or b"{}"), caller))
            prefix, suffix = "/api/v4/projects/", "/ci/lint"
            if self.path.startswith(prefix) and self.path.endswith(suffix):
                if caller is None:
                    return self._json(401, {"message": "401 Unauthorized"})
                project_key = self.path[len(prefix) : -len(suffix)]
                return self._json(*standin.lint(project_key, json.loads(raw or b"{}"), caller))
            return self._json(404, {"error": "404 Not Found"})

        def _redirect(self, status: int, location: str) -> None:
            self.send_response(status)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _drip(self, interval: float) -> None:
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(10**9))
                self.end_headers()
                self.wfile.write(b'{"data": "')
                while True:
                    time.sleep(interval)
                    self.wfile.write(b"x")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _huge(self, size: int) -> None:
            chunk = b"x" * (1024 * 1024)
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(size + 4))
                self.end_headers()
                self.wfile.write(b'["')
                for _ in range(size // len(chunk)):
                    self.wfile.write(chunk)
                self.wfile.write(b'"]')
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _json(self, status: int, data: Any) -> None:
            self._send(status, json.dumps(data).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first (the timeout test): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class RunningStandin:
    """The stand-in served from a thread of this process, on a port of 127.0.0.1 the OS picks."""

    def __init__(self, standin: GitLabStandin) -> None:
        self.standin = standin
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(standin))
        self.server.daemon_threads = True
        standin.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> GitLabStandin:
        self.thread.start()
        return self.standin

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
