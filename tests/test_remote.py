"""`ci-catalog remote list|show|lint`: a GitLab instance's CI/CD Catalog and CI Lint, through python-gitlab.

No GitLab server can run here, so these tests talk to a stand-in on 127.0.0.1
(`gitlab_standin.py`) that answers with GitLab's documented response shapes: the catalog's
GraphQL types executed by graphql-core, the CI Lint API's result and error bodies, and GitLab's
answers to a wrong token or a hidden project. They prove the client's requests, parsing, paging,
messages and exit codes against those shapes, not GitLab's own behaviour; the last test runs
`remote list` against a real instance when GITLAB_URL and GITLAB_TOKEN are set.

Every test runs with a token in the environment and checks that it never reaches stdout or stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from conftest import Run
from gitlab_standin import CatalogVersion, GitLabStandin, Project, RunningStandin
from servers import free_port

TOKEN = "glpat-standin-Secret-7f3a9c"
EXIT_REMOTE = 4

UV_CACHE = {
    "name": "uv-cache",
    "includePath": "gitlab.example.com/ci/python-ci/uv-cache@1.2.0",
    "inputs": [
        {
            "name": "python_version",
            "required": False,
            "default": "3.13",
            "description": "Python to run",
            "regex": r"^3\.\d+$",
            "type": "STRING",
        },
        {
            "name": "stage",
            "required": True,
            "default": None,
            "description": "the stage of the jobs",
            "regex": None,
            "type": "STRING",
        },
        {"name": "parallel", "required": False, "default": "2", "description": None, "regex": None, "type": "NUMBER"},
    ],
}
PUBLISH = {"name": "pypi-publish", "includePath": "gitlab.example.com/ci/python-ci/pypi-publish@1.2.0", "inputs": []}


def catalog_projects() -> list[Project]:
    return [
        Project(
            1,
            "ci/python-ci",
            "Python CI components",
            versions=[
                CatalogVersion("1.2.0", "2025-05-02T10:00:00Z", [UV_CACHE, PUBLISH]),
                CatalogVersion("1.1.0", "2025-03-01T10:00:00Z", [{**UV_CACHE, "inputs": UV_CACHE["inputs"][:1]}]),
            ],
        ),
        Project(2, "ci/docker", "Image builds", versions=[CatalogVersion("0.3.0", "2025-01-01T00:00:00Z", [])]),
        Project(3, "team/secret-ci", "Private components", public=False, versions=[]),
        Project(4, "web/site", "Not a catalog project"),
        Project(5, "web/readonly", "Visible, but no Developer role", developer=False),
    ]


@pytest.fixture
def gitlab(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitLabStandin]:
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    with RunningStandin(GitLabStandin(token=TOKEN, projects=catalog_projects())) as standin:
        yield standin


@pytest.fixture
def remote(cli, gitlab: GitLabStandin):
    """Run `ci-catalog remote ...` against the stand-in; fails the test if the token leaks."""

    def run(*args: str, url: str | None = None) -> Run:
        command, *rest = args
        result = cli("remote", command, "--gitlab", url or gitlab.url, *rest)
        assert TOKEN not in result.out and TOKEN not in result.err
        return result

    return run


@pytest.fixture
def ci_file(tmp_path):
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text("test:\n  script: [pytest]\n", encoding="utf-8")
    return path


# -- list ---------------------------------------------------------------------------------------


def test_list_shows_every_catalog_resource_with_its_latest_version(remote) -> None:
    result = remote("list")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "PROJECT         LATEST  DESCRIPTION",
        "ci/python-ci    1.2.0   Python CI components",
        "ci/docker       0.3.0   Image builds",
        "team/secret-ci  -       Private components",
    ]


def test_list_follows_the_cursor_across_pages(remote, gitlab: GitLabStandin) -> None:
    gitlab.max_page_size = 2
    result = remote("list", "--format", "json")
    assert [entry["full_path"] for entry in json.loads(result.out)] == ["ci/python-ci", "ci/docker", "team/secret-ci"]
    graphql_calls = [request for request in gitlab.requests if request["path"] == "/api/graphql"]
    assert len(graphql_calls) == 2
    assert json.loads(graphql_calls[1]["body"])["variables"]["after"] is not None


def test_list_json_gives_name_path_description_and_latest_version(remote) -> None:
    entry = json.loads(remote("list", "--format", "json").out)[0]
    assert entry == {
        "name": "python-ci",
        "full_path": "ci/python-ci",
        "description": "Python CI components",
        "web_path": "/ci/python-ci",
        "latest_version": "1.2.0",
        "latest_released_at": "2025-05-02T10:00:00Z",
    }


def test_list_passes_the_search_text_to_gitlab(remote) -> None:
    result = remote("list", "--search", "image", "--format", "json")
    assert [entry["full_path"] for entry in json.loads(result.out)] == ["ci/docker"]


def test_list_sends_the_token_as_a_bearer_header(remote, gitlab: GitLabStandin) -> None:
    remote("list")
    assert gitlab.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"


def test_list_without_a_token_reads_public_resources_only(remote, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITLAB_TOKEN")
    result = remote("list", "--format", "json")
    assert result.code == 0
    assert "team/secret-ci" not in [entry["full_path"] for entry in json.loads(result.out)]


def test_list_with_nothing_found_says_so_and_succeeds(remote) -> None:
    result = remote("list", "--search", "nothing-like-this")
    assert (result.code, result.out) == (0, "")
    assert "no CI/CD catalog resources matching 'nothing-like-this'" in result.err


# -- show ---------------------------------------------------------------------------------------


def test_show_prints_the_latest_version_its_components_and_their_inputs(remote) -> None:
    result = remote("show", "ci/python-ci")
    assert result.code == 0, result.err
    assert result.out.splitlines()[:9] == [
        "ci/python-ci - Python CI components",
        "version 1.2.0, released 2025-05-02T10:00:00Z",
        "versions: 1.2.0, 1.1.0",
        "",
        "component uv-cache",
        "  include: gitlab.example.com/ci/python-ci/uv-cache@1.2.0",
        "  INPUT           TYPE    REQUIRED  DEFAULT  REGEX     DESCRIPTION",
        r"  python_version  string  no        3.13     ^3\.\d+$  Python to run",
        "  stage           string  yes       -        -         the stage of the jobs",
    ]


def test_show_one_component_of_a_named_version(remote) -> None:
    result = remote("show", "ci/python-ci", "uv-cache", "--version", "1.1.0", "--format", "json")
    report = json.loads(result.out)
    assert report["version"]["name"] == "1.1.0"
    assert [component["name"] for component in report["components"]] == ["uv-cache"]
    assert [item["name"] for item in report["components"][0]["inputs"]] == ["python_version"]


def test_show_json_gives_each_input_as_gitlab_describes_it(remote) -> None:
    report = json.loads(remote("show", "ci/python-ci", "uv-cache", "--format", "json").out)
    assert report["components"][0]["inputs"][2] == {
        "name": "parallel",
        "required": False,
        "default": "2",
        "description": None,
        "regex": None,
        "type": "number",
    }


def test_show_a_project_that_is_not_a_catalog_resource(remote) -> None:
    result = remote("show", "web/site")
    assert (result.code, result.out) == (EXIT_REMOTE, "")
    assert "web/site on 127.0.0.1:" in result.err
    assert "is not a CI/CD catalog resource" in result.err and "CI/CD Catalog project" in result.err


def test_show_a_private_resource_without_a_token_names_the_token_variable(remote, monkeypatch) -> None:
    monkeypatch.delenv("GITLAB_TOKEN")
    result = remote("show", "team/secret-ci")
    assert result.code == EXIT_REMOTE
    assert "that an anonymous caller can read" in result.err and "$GITLAB_TOKEN" in result.err


def test_show_an_unknown_version_lists_the_published_ones(remote) -> None:
    result = remote("show", "ci/python-ci", "--version", "9.9.9")
    assert result.code == EXIT_REMOTE
    assert "has no catalog version 9.9.9 (versions: 1.2.0, 1.1.0)" in result.err


def test_show_an_unknown_component_lists_the_components(remote) -> None:
    result = remote("show", "ci/python-ci", "nope")
    assert result.code == EXIT_REMOTE
    assert "ci/python-ci@1.2.0 on 127.0.0.1:" in result.err and "(components: uv-cache, pypi-publish)" in result.err


# -- versions -----------------------------------------------------------------------------------


def test_versions_prints_every_published_version_one_a_line(remote) -> None:
    result = remote("versions", "ci/python-ci")
    assert (result.code, result.out) == (0, "1.2.0\n1.1.0\n")


def test_versions_follows_the_cursor_across_pages(remote, gitlab: GitLabStandin) -> None:
    many = [CatalogVersion(f"1.{number}.0", "2025-01-01T00:00:00Z", []) for number in range(250)]
    gitlab.projects.append(Project(9, "ci/many", "Many releases", versions=many))
    result = remote("versions", "ci/many")
    assert result.out.splitlines() == [version.name for version in many]


def test_versions_of_a_project_that_is_not_a_catalog_resource_is_exit_4(remote) -> None:
    result = remote("versions", "web/site")
    assert result.code == EXIT_REMOTE
    assert "is not a CI/CD catalog resource" in result.err


def test_resolve_takes_the_published_versions_for_the_releases(remote, cli, tmp_path) -> None:
    """`remote versions` writes the file `resolve --released-only` reads: an unpublished tag is no release."""
    from gitcatalog import GitCatalog

    catalog = GitCatalog(tmp_path / "catalog", project="ci/python-ci")
    for tag in ("1.1.0", "1.2.0", "1.3.0"):  # 1.3.0 was tagged, but its release job never ran
        catalog.release(tag)
    released = tmp_path / "released.txt"
    released.write_text(remote("versions", "ci/python-ci").out, encoding="utf-8")
    pipeline = tmp_path / ".gitlab-ci.yml"
    pipeline.write_text("include:\n  - component: gitlab.example.com/ci/python-ci/build@~latest\n", encoding="utf-8")
    common = ("resolve", pipeline, "--catalog", catalog.root, "--server-fqdn", "gitlab.example.com")
    assert "-> 1.3.0 (~latest" in cli(*common).out
    assert "-> 1.2.0 (~latest" in cli(*common, "--released-only", released).out


# -- lint ---------------------------------------------------------------------------------------


def test_lint_a_valid_file_exits_0(remote, gitlab: GitLabStandin, ci_file) -> None:
    gitlab.lint_answer = {"valid": True, "errors": [], "warnings": ["jobs:test may allow multiple pipelines to run"]}
    result = remote("lint", "--project", "ci/python-ci", str(ci_file))
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"{ci_file}: valid (GitLab CI Lint at {gitlab.url.removeprefix('http://')}, project ci/python-ci)",
        f"{ci_file}: warning: jobs:test may allow multiple pipelines to run",
    ]


def test_lint_an_invalid_file_prints_gitlabs_errors_and_exits_1(remote, gitlab: GitLabStandin, ci_file) -> None:
    gitlab.lint_answer = {"valid": False, "errors": ["jobs:test config contains unknown keys: scirpt"], "warnings": []}
    result = remote("lint", "--project", "1", str(ci_file))
    assert result.code == 1
    assert result.out.splitlines()[1:] == [f"{ci_file}: error: jobs:test config contains unknown keys: scirpt"]


def test_lint_posts_the_file_to_the_projects_lint_endpoint(remote, gitlab: GitLabStandin, ci_file) -> None:
    remote("lint", "--project", "ci/python-ci", "--dry-run", "--ref", "main", str(ci_file))
    (request,) = gitlab.requests
    assert request["path"] == "/api/v4/projects/ci%2Fpython-ci/ci/lint"
    assert request["headers"]["PRIVATE-TOKEN"] == TOKEN
    assert json.loads(request["body"]) == {"content": ci_file.read_text(), "dry_run": True, "ref": "main"}


def test_lint_json_reports_the_verdict(remote, gitlab: GitLabStandin, ci_file) -> None:
    gitlab.lint_answer = {"valid": False, "errors": ["e1"], "warnings": ["w1"]}
    report = json.loads(remote("lint", "--project", "1", "--format", "json", str(ci_file)).out)
    assert report == {"path": str(ci_file), "project": "1", "valid": False, "errors": ["e1"], "warnings": ["w1"]}


def test_lint_in_a_project_the_caller_cannot_see(remote, ci_file) -> None:
    result = remote("lint", "--project", "no/such-project", str(ci_file))
    assert result.code == EXIT_REMOTE
    assert "has no project no/such-project that the token in $GITLAB_TOKEN can see (404)" in result.err


def test_lint_without_the_developer_role_says_what_is_needed(remote, ci_file) -> None:
    result = remote("lint", "--project", "web/readonly", str(ci_file))
    assert result.code == EXIT_REMOTE
    assert "(403 Forbidden): linting needs the Developer role" in result.err


def test_lint_without_a_token_asks_for_one(remote, monkeypatch, ci_file) -> None:
    monkeypatch.delenv("GITLAB_TOKEN")
    result = remote("lint", "--project", "ci/python-ci", str(ci_file))
    assert result.code == EXIT_REMOTE
    assert "refused an anonymous caller in project ci/python-ci (403 Forbidden)" in result.err
    assert "$GITLAB_TOKEN" in result.err


def test_lint_a_missing_file_is_a_usage_error(remote, tmp_path) -> None:
    result = remote("lint", "--project", "1", str(tmp_path / "absent.yml"))
    assert result.code == 2 and "cannot read it" in result.err


# -- the token ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [("list",), ("show", "ci/python-ci")])
def test_a_refused_token_is_named_by_its_variable_never_shown(remote, gitlab, monkeypatch, command) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-wrong-token-1234")
    result = remote(*command)
    assert (result.code, result.out) == (EXIT_REMOTE, "")
    assert "refused the token in $GITLAB_TOKEN (401 Unauthorized)" in result.err
    assert "127.0.0.1:" in result.err and "glpat-wrong-token-1234" not in result.err


def test_a_refused_token_on_lint_is_named_by_its_variable_never_shown(remote, monkeypatch, ci_file) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-wrong-token-1234")
    result = remote("lint", "--project", "1", str(ci_file))
    assert result.code == EXIT_REMOTE
    assert "refused the token in $GITLAB_TOKEN (401 Unauthorized)" in result.err
    assert "glpat-wrong-token-1234" not in result.err


def test_the_token_can_come_from_another_variable(remote, gitlab, monkeypatch) -> None:
    monkeypatch.delenv("GITLAB_TOKEN")
    monkeypatch.setenv("CATALOG_READ_TOKEN", TOKEN)
    result = remote("list", "--token-variable", "CATALOG_READ_TOKEN", "--format", "json")
    assert "team/secret-ci" in result.out


def test_a_named_token_variable_that_is_unset_is_a_usage_error(remote, monkeypatch) -> None:
    monkeypatch.delenv("CATALOG_READ_TOKEN", raising=False)
    result = remote("list", "--token-variable", "CATALOG_READ_TOKEN")
    assert result.code == 2 and "$CATALOG_READ_TOKEN is not set" in result.err


def test_an_unexpected_failure_reports_a_traceback_without_the_token(remote, monkeypatch) -> None:
    def explode(connection, search=None):
        raise ValueError(f"request with headers {{'Authorization': 'Bearer {connection.token}'}} failed")

    monkeypatch.setattr("ci_catalog.remote.client.list_catalog", explode)
    result = remote("list")
    assert result.code == 3
    assert "Traceback" in result.err and "Bearer [token]" in result.err


# -- an instance that is away, slow or not GitLab -------------------------------------------------


def test_a_closed_port_is_reported_as_unreachable(remote) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = remote("list", url=url)
    assert result.code == EXIT_REMOTE
    assert result.err.startswith(f"ci-catalog: error: cannot reach GitLab at {url.removeprefix('http://')}")
    assert "Connection refused" in result.err and "check the --gitlab URL" in result.err


def test_a_closed_port_on_lint_is_reported_as_unreachable(remote, ci_file) -> None:
    result = remote("lint", "--project", "1", str(ci_file), url=f"http://127.0.0.1:{free_port()}")
    assert result.code == EXIT_REMOTE and "cannot reach GitLab at 127.0.0.1:" in result.err


def test_a_host_name_that_does_not_resolve_is_reported_as_unreachable(remote) -> None:
    result = remote("list", "--timeout", "10", url="http://gitlab.invalid")
    assert result.code == EXIT_REMOTE and "cannot reach GitLab at gitlab.invalid" in result.err


def test_a_slow_instance_times_out_with_the_limit_named(remote, gitlab: GitLabStandin) -> None:
    gitlab.delay = 2
    result = remote("list", "--timeout", "0.3")
    assert result.code == EXIT_REMOTE
    assert "did not answer within 0.3s" in result.err and "--timeout" in result.err


def test_an_answer_that_is_not_json_names_the_url_to_check(remote, gitlab: GitLabStandin, ci_file) -> None:
    gitlab.override = (200, "text/html", b"<html><body>Sign in</body></html>")
    for args in (("list",), ("lint", "--project", "1", str(ci_file))):
        result = remote(*args)
        assert result.code == EXIT_REMOTE, args
        assert f"{gitlab.url} did not answer as GitLab's API does" in result.err


def test_graphql_errors_are_reported_with_gitlabs_messages(remote, gitlab: GitLabStandin) -> None:
    message = "Field 'ciCatalogResources' doesn't exist on type 'Query'"
    gitlab.override = (200, "application/json", json.dumps({"errors": [{"message": message}]}).encode())
    result = remote("list")
    assert result.code == EXIT_REMOTE
    assert f"rejected the catalog query: {message}" in result.err


def test_a_gitlab_url_without_a_scheme_is_a_usage_error(remote) -> None:
    result = remote("list", url="gitlab.com")
    assert result.code == 2 and "e.g. https://gitlab.com" in result.err


def test_a_gitlab_url_with_credentials_is_refused(remote) -> None:
    result = remote("list", url="https://user:pw@gitlab.com")
    assert result.code == 2 and "the token goes in $GITLAB_TOKEN" in result.err


def test_a_failing_instance_is_reported_with_its_status_on_one_line(remote, gitlab: GitLabStandin) -> None:
    gitlab.override = (502, "text/html", b"<html>\n<h1>502 Bad Gateway</h1>\n</html>")
    result = remote("list")
    assert result.code == EXIT_REMOTE
    assert len(result.err.splitlines()) == 1 and "answered HTTP 502" in result.err and "try again later" in result.err


# -- a real instance ------------------------------------------------------------------------------


@pytest.mark.live
@pytest.mark.skipif(
    not (os.environ.get("GITLAB_URL") and os.environ.get("GITLAB_TOKEN")),
    reason="set GITLAB_URL and GITLAB_TOKEN to run `remote list` against a real GitLab",
)
def test_remote_list_against_a_real_gitlab(cli) -> None:
    token = os.environ["GITLAB_TOKEN"]
    result = cli("remote", "list", "--gitlab", os.environ["GITLAB_URL"], "--format", "json")
    assert token not in result.out and token not in result.err
    assert result.code == 0, result.err
    assert all({"name", "full_path", "latest_version"} <= set(entry) for entry in json.loads(result.out))


# -- hostile servers: redirects, echoes, escapes, malformed and endless answers ------------------


@pytest.fixture
def other_host() -> Iterator[GitLabStandin]:
    """A second server, on `localhost` rather than 127.0.0.1: where a redirect would send the token."""
    with RunningStandin(GitLabStandin(token=TOKEN, projects=catalog_projects())) as standin:
        standin.url = standin.url.replace("127.0.0.1", "localhost")
        yield standin


REMOTE_COMMANDS = {
    "list": lambda ci_file: ("list",),
    "show": lambda ci_file: ("show", "ci/python-ci"),
    "lint": lambda ci_file: ("lint", "--project", "1", str(ci_file)),
}


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("command", list(REMOTE_COMMANDS))
def test_a_redirect_is_exit_4_naming_where_it_pointed_and_the_token_goes_nowhere(
    remote, gitlab: GitLabStandin, other_host: GitLabStandin, ci_file, command: str, status: int
) -> None:
    target = f"{other_host.url}/api/v4/projects/1/ci/lint"
    gitlab.redirect = (status, target)
    result = remote(*REMOTE_COMMANDS[command](ci_file))
    assert (result.code, result.out) == (EXIT_REMOTE, "")
    host = gitlab.url.removeprefix("http://")
    assert f"GitLab at {host} answered {status} " in result.err and f" to {target} instead" in result.err
    assert f"never to {other_host.url.removeprefix('http://')}" in result.err and "--gitlab" in result.err
    assert other_host.requests == []


def test_a_token_read_from_a_file_with_crlf_line_ends_is_trimmed_with_a_warning(remote, monkeypatch, ci_file) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN + "\r\n")
    for args in (("list",), ("lint", "--project", "1", str(ci_file))):
        result = remote(*args)
        assert result.code == 0, result.err
        assert "warning: $GITLAB_TOKEN has spaces or a line end around the token" in result.err
        assert "\r" not in result.err


@pytest.mark.parametrize("token", [f"{TOKEN}\x1bx", f"glpat-{TOKEN} second", f"{TOKEN}é"])
def test_a_token_with_a_character_no_token_has_is_refused_without_showing_it(remote, monkeypatch, token: str) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", token)
    result = remote("list")
    assert result.code == 2
    assert "$GITLAB_TOKEN holds a character no token has" in result.err
    assert TOKEN not in result.err


@pytest.mark.parametrize("echo", [TOKEN.upper(), TOKEN.lower(), json.dumps(TOKEN + "\r")])
@pytest.mark.parametrize("command", list(REMOTE_COMMANDS))
def test_a_server_that_echoes_the_token_in_any_form_never_gets_it_printed(
    remote, gitlab: GitLabStandin, ci_file, command: str, echo: str
) -> None:
    gitlab.override = (500, "text/plain", f"bad token {echo} in request".encode())
    result = remote(*REMOTE_COMMANDS[command](ci_file))
    assert result.code == EXIT_REMOTE
    assert "answered HTTP 500" in result.err
    assert TOKEN.lower() not in result.err.lower()


HOSTILE_TEXT = "\x1b[2J\x1b[H\rci.yml: valid\x07\u202e"
HOSTILE_SHOWN = "\\x1b[2J\\x1b[H\\rci.yml: valid\\x07\\u202e"


def test_list_shows_control_characters_in_names_and_descriptions_escaped(remote, gitlab: GitLabStandin) -> None:
    gitlab.projects = [Project(1, f"ci/evil{HOSTILE_TEXT}", HOSTILE_TEXT, versions=[])]
    result = remote("list")
    assert result.code == 0
    assert "\x1b" not in result.out and "\r" not in result.out and "\u202e" not in result.out
    assert f"ci/evil{HOSTILE_SHOWN}" in result.out and result.out.count("\\x1b[2J\\x1b[H") == 2


def test_show_shows_control_characters_in_components_and_inputs_escaped(remote, gitlab: GitLabStandin) -> None:
    component = {
        "name": f"build{HOSTILE_TEXT}",
        "includePath": f"x/build@1{HOSTILE_TEXT}",
        "inputs": [
            {
                "name": f"in{HOSTILE_TEXT}",
                "default": HOSTILE_TEXT,
                "description": HOSTILE_TEXT,
                "regex": HOSTILE_TEXT,
                "required": False,
                "type": "STRING",
            }
        ],
    }
    gitlab.projects = [
        Project(1, "ci/x", HOSTILE_TEXT, versions=[CatalogVersion(f"1{HOSTILE_TEXT}", "t", [component])])
    ]
    result = remote("show", "ci/x")
    assert result.code == 0, result.err
    assert not any(char in result.out for char in "\x1b\r\x07\u202e")
    assert result.out.count("\\x1b[2J\\x1b[H") == 9


def test_lint_shows_control_characters_in_gitlabs_messages_escaped(remote, gitlab: GitLabStandin, ci_file) -> None:
    gitlab.lint_answer = {"valid": False, "errors": [HOSTILE_TEXT], "warnings": [f"w\n{ci_file}: valid"]}
    result = remote("lint", "--project", "1", str(ci_file))
    assert result.code == 1
    assert result.out.splitlines()[1:] == [
        f"{ci_file}: error: {HOSTILE_SHOWN}",
        f"{ci_file}: warning: w\\n{ci_file}: valid",
    ]


MALFORMED = {
    "a description that is a list": {
        "data": {
            "ciCatalogResources": {
                "nodes": [{"name": "a", "fullPath": "a/b", "description": ["x"]}],
                "pageInfo": {"hasNextPage": False, "endCursor": None},
            }
        }
    },
    "neither data nor errors": {"extensions": {}},
    "data and errors both null": {"data": None, "errors": None},
    "an empty errors list": {"errors": []},
    "nodes that are not a list": {"data": {"ciCatalogResources": {"nodes": 3, "pageInfo": {}}}},
    "a page info without hasNextPage": {"data": {"ciCatalogResources": {"nodes": [], "pageInfo": {}}}},
    "a version name that is a number": {
        "data": {
            "ciCatalogResources": {
                "nodes": [{"name": "a", "versions": {"nodes": [{"name": 1}]}}],
                "pageInfo": {"hasNextPage": False, "endCursor": None},
            }
        }
    },
}


@pytest.mark.parametrize("answer", list(MALFORMED))
def test_a_graphql_answer_not_shaped_as_gitlab_documents_is_exit_4(remote, gitlab: GitLabStandin, answer: str) -> None:
    gitlab.override = (200, "application/json", json.dumps(MALFORMED[answer]).encode())
    result = remote("list")
    assert (result.code, result.out) == (EXIT_REMOTE, "")
    assert f"{gitlab.url} did not answer as GitLab's API does" in result.err and "Traceback" not in result.err


@pytest.mark.parametrize(
    "answer", [{"valid": True, "errors": "x"}, {"valid": True, "warnings": [{"a": 1}]}, {"valid": "yes"}, [1]]
)
def test_a_lint_answer_not_shaped_as_gitlab_documents_is_exit_4(remote, gitlab: GitLabStandin, ci_file, answer) -> None:
    gitlab.override = (200, "application/json", json.dumps(answer).encode())
    result = remote("lint", "--project", "1", str(ci_file))
    assert (result.code, result.out) == (EXIT_REMOTE, "")
    assert f"{gitlab.url} did not answer as GitLab's API does" in result.err


def test_a_cursor_that_never_advances_is_exit_4_not_a_silent_stop(remote, gitlab: GitLabStandin) -> None:
    page = {"data": {"ciCatalogResources": {"nodes": [], "pageInfo": {"hasNextPage": True, "endCursor": "same"}}}}
    gitlab.override = (200, "application/json", json.dumps(page).encode())
    result = remote("list")
    assert result.code == EXIT_REMOTE and "gives the same page cursor again" in result.err


def test_pagination_that_never_ends_is_exit_4_after_the_page_limit(remote, gitlab: GitLabStandin, monkeypatch) -> None:
    monkeypatch.setattr("ci_catalog.remote.client.MAX_PAGES", 2)
    gitlab.max_page_size = 1
    result = remote("list")
    assert (result.code, result.out) == (EXIT_REMOTE, "")
    assert "listed more than 2 pages of 100 catalog resources" in result.err and "--search" in result.err


def test_an_answer_larger_than_the_cap_is_exit_4_and_never_held_whole(remote, gitlab: GitLabStandin, ci_file) -> None:
    gitlab.answer_bytes = 40 * 1024 * 1024
    for args in (("list",), ("lint", "--project", "1", str(ci_file))):
        result = remote(*args)
        assert result.code == EXIT_REMOTE, args
        assert "did not answer as GitLab's API does (an answer larger than 32 MiB)" in result.err


@pytest.mark.parametrize("command", ["list", "lint"])
def test_a_server_that_drips_its_answer_is_cut_off_at_the_timeout(gitlab: GitLabStandin, ci_file, command) -> None:
    """Each read gets a byte in time, so only a deadline for the whole request ends it (a child
    process, so that a command that never ends fails the test instead of hanging it). `list`
    asks through httpx (GraphQL), `lint` through requests (REST); `show` shares `list`'s client."""
    gitlab.drip = 0.2
    args = ["remote", *REMOTE_COMMANDS[command](ci_file), "--gitlab", gitlab.url, "--timeout", "1"]
    done = subprocess.run([sys.executable, "-m", "ci_catalog", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == EXIT_REMOTE, done.stderr
    assert "did not answer within 1s" in done.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1"])
def test_a_timeout_that_is_no_positive_number_of_seconds_is_a_usage_error(remote, value: str) -> None:
    result = remote("list", f"--timeout={value}")
    assert result.code == 2 and "give a number of seconds above 0" in result.err
