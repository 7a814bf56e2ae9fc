"""pypi-publish, end to end: its jobs rendered by the harness and run by gitlab-ci-local on a
small package, publishing to a real package index (pypiserver) on 127.0.0.1.

The index is private like a GitLab project's registry: listing, downloading and uploading
all need the password, which the jobs get from a CI/CD variable whose name is an input.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines import EXECUTOR, PYTHON_VERSION, FixtureProject, PipelineRun, job_tools, render_component
from servers import ServerProcess, free_port

PACKAGE = "ci-catalog-fixture-greeting"
FILES = ["ci_catalog_fixture_greeting-0.1.0-py3-none-any.whl", "ci_catalog_fixture_greeting-0.1.0.tar.gz"]
USER = "__token__"
# Looks like a token, and is unique enough that finding it in a log cannot be a coincidence.
TOKEN = "pypi-test-Zq8vR2kW5mXy7T3nHc9"
TAG = {"CI_COMMIT_TAG": "v0.1.0", "CI_COMMIT_REF_PROTECTED": "true"}
# The index's address is a variable of the run, so that one pipeline can talk to several indexes.
INPUTS = {
    "target": "custom",
    "publish_url": "http://127.0.0.1:$TEST_INDEX_PORT/",
    "check_url": "http://127.0.0.1:$TEST_INDEX_PORT/simple/",
    "token_variable": "TEST_INDEX_TOKEN",
    "python_version": PYTHON_VERSION,
}

# Every run of this module, for the test that no log shows the token.
RUNS: list[PipelineRun] = []


@pytest.fixture(scope="session")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pypiserver, with passlib for its htpasswd authentication, in a virtual environment of its own."""
    venv = tmp_path_factory.mktemp("pypiserver") / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "pypiserver==2.4.2", "passlib==1.7.4"],
        check=True,
    )
    return venv


class Index:
    """A pypiserver on 127.0.0.1 whose uploads, listings and downloads (by default) need USER and TOKEN."""

    def __init__(self, venv: Path, folder: Path, authenticate: str = "update,list,download") -> None:
        self.packages = folder / "packages"
        self.packages.mkdir(parents=True)
        htpasswd = folder / "htpasswd"
        subprocess.run(
            [
                venv / "bin" / "python",
                "-c",
                "import sys; from passlib.apache import HtpasswdFile; "
                "f = HtpasswdFile(sys.argv[1], new=True); f.set_password(sys.argv[2], sys.argv[3]); f.save()",
                htpasswd,
                USER,
                TOKEN,
            ],
            check=True,
        )
        self.server = ServerProcess(
            lambda port: [
                str(venv / "bin" / "pypi-server"),
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--authenticate",
                authenticate,
                "--passwords",
                str(htpasswd),
                "--disable-fallback",
                str(self.packages),
            ],
            folder / "server.log",
            ready_path="/health",
        )
        self.port = self.server.port

    def files(self) -> dict[str, str]:
        """The files on the index and their sha256."""
        return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(self.packages.iterdir())}

    def variables(self, token: str = TOKEN, **more: str) -> dict[str, str]:
        return {"TEST_INDEX_PORT": str(self.port), "TEST_INDEX_TOKEN": token, **TAG, **more}


@pytest.fixture
def index(pypiserver: Path, tmp_path: Path) -> Iterator[Index]:
    """An empty index for one test."""
    started = Index(pypiserver, tmp_path / "index")
    yield started
    started.server.stop()


@pytest.fixture(scope="module")
def shared_index(pypiserver: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    """The index the package is published to once, then published to again."""
    started = Index(pypiserver, tmp_path_factory.mktemp("shared-index"))
    yield started
    started.server.stop()


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The jobs' tools, and one home folder for every project, so that pip's cache is shared."""
    base = tmp_path_factory.mktemp("pypi-publish-tools")
    return job_tools(base / "bin"), base / "home"


def publish_project(base: Path, tools: tuple[Path, Path], **inputs: object) -> FixtureProject:
    bin_dir, home = tools
    project = FixtureProject("publish-project", base / "project", bin_dir, home)
    project.use_pipeline(render_component("pypi-publish", {**INPUTS, **inputs}), ["deploy"])
    return project


def run(project: FixtureProject, *jobs: str, variables: dict[str, str]) -> PipelineRun:
    result = project.run(*jobs, variables=variables)
    RUNS.append(result)
    return result


@pytest.fixture(scope="module")
def first(shared_index: Index, tools, tmp_path_factory: pytest.TempPathFactory) -> tuple[FixtureProject, PipelineRun]:
    """The tag v0.1.0 published to the shared index, the first time. The project keeps the
    build job's artifacts, so that later tests can run its publish job alone."""
    project = publish_project(tmp_path_factory.mktemp("first"), tools)
    return project, run(project, variables=shared_index.variables())


@pytest.fixture(scope="module")
def skipping(first, shared_index: Index, tools, tmp_path_factory) -> tuple[FixtureProject, PipelineRun]:
    """The same tag built again, with `on_existing: skip`, and published to the shared index."""
    project = publish_project(tmp_path_factory.mktemp("skipping"), tools, on_existing="skip")
    return project, run(project, variables=shared_index.variables())


def test_defaults_run_on_protected_release_tags_in_the_uv_image() -> None:
    jobs = render_component("pypi-publish", {})
    assert jobs["pypi-publish"]["needs"] == [{"job": "pypi-build", "artifacts": True}]
    rule = jobs[".pypi-job"]["rules"][0]["if"]
    assert "$CI_COMMIT_TAG =~" in rule and '$CI_COMMIT_REF_PROTECTED == "true"' in rule
    assert jobs[".pypi-job"]["image"] == "ghcr.io/astral-sh/uv:0.13.8-python3.13-trixie-slim"
    assert jobs["pypi-build"]["artifacts"]["paths"] == ["./dist/"]


def test_only_trusted_publishing_gets_an_id_token() -> None:
    pypi = render_component("pypi-publish", {"target": "pypi"})
    assert pypi["pypi-publish"]["extends"][-1] == ".pypi-internal-target-pypi"
    assert pypi[".pypi-internal-target-pypi"]["id_tokens"] == {"PYPI_ID_TOKEN": {"aud": "pypi"}}
    gitlab = render_component("pypi-publish", {})
    assert gitlab["pypi-publish"]["extends"][-1] == ".pypi-internal-target-gitlab"
    assert "id_tokens" not in gitlab[".pypi-internal-target-gitlab"]


@pytest.mark.e2e
def test_tag_builds_checks_and_publishes_the_package(first, shared_index: Index, tmp_path: Path) -> None:
    _, result = first
    assert result.passed("pypi-build") and result.passed("pypi-publish"), result.output[-4000:]
    build = re.sub(r"\x1b\[[0-9;]*m", "", result.log("pypi-build"))
    assert "Checking dist/ci_catalog_fixture_greeting-0.1.0-py3-none-any.whl: PASSED" in build
    assert "pypi-publish: the version 0.1.0 matches the tag v0.1.0" in build
    publish = result.log("pypi-publish")
    assert f"pypi-publish: {PACKAGE} is not on http://127.0.0.1:{shared_index.port}/simple/ yet" in publish
    assert "pypi-publish: published 2 files" in publish
    assert sorted(shared_index.files()) == FILES

    # pip finds and installs it from the index.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    index_url = f"http://{USER}:{TOKEN}@127.0.0.1:{shared_index.port}/simple/"
    subprocess.run(
        [
            venv / "bin" / "python",
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-cache-dir",
            "--index-url",
            index_url,
            f"{PACKAGE}==0.1.0",
        ],
        check=True,
    )
    said = subprocess.run(
        [venv / "bin" / "python", "-c", "from ci_catalog_fixture_greeting import greet; print(greet('index'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert said.stdout.strip() == "Hello, index!"


@pytest.mark.e2e
def test_publishing_the_same_version_again_fails_before_uploading(first, shared_index: Index) -> None:
    project, _ = first
    before = shared_index.files()
    again = run(project, variables=shared_index.variables())
    assert again.passed("pypi-build")
    assert again.failed("pypi-publish")
    assert (
        f"pypi-publish: {PACKAGE} 0.1.0 already exists on http://127.0.0.1:{shared_index.port}/ "
        f"({', '.join(FILES)}); bump the version"
    ) in again.log("pypi-publish")
    assert "Uploading" not in again.log("pypi-publish")
    assert shared_index.files() == before


@pytest.mark.e2e
def test_skip_passes_when_the_files_there_are_identical(skipping, shared_index: Index) -> None:
    _, result = skipping
    assert result.passed("pypi-build") and result.passed("pypi-publish"), result.output[-4000:]
    assert (
        f"pypi-publish: {PACKAGE} 0.1.0 is already on http://127.0.0.1:{shared_index.port}/ with identical files; "
        "skipping the upload (on_existing: skip)"
    ) in result.log("pypi-publish")
    assert "Uploading" not in result.log("pypi-publish")
    assert sorted(shared_index.files()) == FILES


@pytest.mark.e2e
def test_skip_finishes_a_partial_upload(skipping, shared_index: Index, index: Index) -> None:
    """The wheel went up, the sdist did not: publishing again uploads the sdist only."""
    project, _ = skipping
    wheel = FILES[0]
    (index.packages / wheel).write_bytes((shared_index.packages / wheel).read_bytes())
    result = run(project, "pypi-publish", variables=index.variables())
    assert result.passed("pypi-publish"), result.output[-4000:]
    log = result.log("pypi-publish")
    assert "pypi-publish: 1 of 2 files already on the index, identical; uploading the rest" in log
    assert f"Uploading {FILES[1]}" in log and f"Uploading {wheel}" not in log
    assert index.files() == shared_index.files()


@pytest.mark.e2e
def test_skip_still_fails_on_a_different_file_with_the_same_name(
    first, shared_index: Index, tools, tmp_path: Path
) -> None:
    before = shared_index.files()
    project = publish_project(tmp_path, tools, on_existing="skip")
    module = "src/ci_catalog_fixture_greeting/__init__.py"
    project.write(module, (project.path / module).read_text().replace("Hello", "Hi"))
    project.commit("changed without bumping the version")
    result = run(project, variables=shared_index.variables())
    assert result.passed("pypi-build")
    assert result.failed("pypi-publish")
    log = result.log("pypi-publish")
    assert (
        "a different file with the same name, ci_catalog_fixture_greeting-0.1.0-py3-none-any.whl, is already on" in log
    )
    assert "bump the version" in log
    assert shared_index.files() == before


@pytest.mark.e2e
def test_poetry_builds_the_package_it_publishes(index: Index, tools, tmp_path: Path) -> None:
    project = publish_project(tmp_path, tools, build_tool="poetry")
    # Poetry resolves the build backend here only through PyPI's simple index.
    pyproject = (project.path / "pyproject.toml").read_text()
    project.write(
        "pyproject.toml",
        pyproject
        + '\n[[tool.poetry.source]]\nname = "pypi-simple"\nurl = "https://pypi.org/simple/"\npriority = "primary"\n',
    )
    project.commit("Poetry source")
    result = run(project, variables=index.variables())
    assert result.passed("pypi-build") and result.passed("pypi-publish"), result.output[-4000:]
    assert "Poetry (version 2.5.1)" in result.log("pypi-build")
    assert sorted(index.files()) == FILES


@pytest.mark.e2e
def test_version_read_from_the_git_tag_is_built_and_published(index: Index, tools, tmp_path: Path) -> None:
    """dynamic_version: hatch-vcs reads the version from the tag with git, which uv's image does not
    hold (the build job installs it there; this machine has it)."""
    project = publish_project(tmp_path, tools, dynamic_version=True)
    pyproject = (project.path / "pyproject.toml").read_text()
    pyproject = pyproject.replace('version = "0.1.0"', 'dynamic = ["version"]')
    pyproject = pyproject.replace('requires = ["hatchling>=1.27"]', 'requires = ["hatchling>=1.27", "hatch-vcs>=0.4"]')
    project.write("pyproject.toml", pyproject + '\n[tool.hatch.version]\nsource = "vcs"\n')
    project.commit("the version from git")
    project.tag("v0.3.0")
    result = run(project, variables=index.variables(CI_COMMIT_TAG="v0.3.0"))
    assert result.passed("pypi-build") and result.passed("pypi-publish"), result.output[-4000:]
    log = result.log("pypi-build")
    assert ("pypi-publish: installing git" in log) == (EXECUTOR == "container")
    assert "pypi-publish: the version 0.3.0 matches the tag v0.3.0" in log
    assert sorted(index.files()) == [name.replace("0.1.0", "0.3.0") for name in FILES]


@pytest.mark.e2e
def test_wrong_token_fails_with_an_authentication_error(first, index: Index) -> None:
    project, _ = first
    result = run(project, "pypi-publish", variables=index.variables(token="not-the-token"))
    assert result.failed("pypi-publish")
    assert re.search(
        rf"pypi-publish: http://127\.0\.0\.1:{index.port}/simple/ refused the credentials \(HTTP 40[13]\) "
        rf"when looking up {PACKAGE}: check the token \(token_variable\)",
        result.log("pypi-publish"),
    )
    assert index.files() == {}


@pytest.mark.e2e
def test_upload_refused_by_an_index_with_public_reads_fails_with_an_authentication_error(
    first, pypiserver: Path, tmp_path: Path
) -> None:
    project, _ = first
    public = Index(pypiserver, tmp_path / "public-index", authenticate="update")
    try:
        result = run(project, "pypi-publish", variables=public.variables(token="not-the-token"))
        assert result.failed("pypi-publish")
        log = result.log("pypi-publish")
        assert "status code 403" in log
        assert (
            f"pypi-publish: http://127.0.0.1:{public.port}/ refused the credentials (see above): "
            "check the token (token_variable) and its upload rights"
        ) in log
        assert public.files() == {}
    finally:
        public.server.stop()


@pytest.mark.e2e
def test_unset_token_variable_fails_before_any_request(first, index: Index) -> None:
    project, _ = first
    variables = index.variables()
    del variables["TEST_INDEX_TOKEN"]
    result = run(project, "pypi-publish", variables=variables)
    assert result.failed("pypi-publish")
    assert (
        "pypi-publish: variable TEST_INDEX_TOKEN (token_variable) is empty or not set; "
        "is it protected, and is this tag protected?"
    ) in result.log("pypi-publish")
    assert "looking up" not in result.log("pypi-publish")


@pytest.mark.e2e
def test_index_down_fails_clearly(first) -> None:
    project, _ = first
    variables = {"TEST_INDEX_PORT": str(free_port()), "TEST_INDEX_TOKEN": TOKEN, **TAG}
    result = run(project, "pypi-publish", variables=variables)
    assert result.failed("pypi-publish")
    assert re.search(
        r"pypi-publish: cannot reach the index at http://127\.0\.0\.1:\d+/simple/ \(.*refused.*\): "
        r"is it up, and is the URL right\?",
        result.log("pypi-publish"),
    )


@pytest.mark.e2e
def test_publish_job_refuses_an_unprotected_ref(first, index: Index) -> None:
    """Run on an unprotected tag anyway (gitlab-ci-local runs a job named on its command line
    whatever its rules say), the publish job refuses before any request."""
    project, _ = first
    result = run(project, "pypi-publish", variables=index.variables(CI_COMMIT_REF_PROTECTED="false"))
    assert result.failed("pypi-publish")
    assert (
        "pypi-publish: publishing requires a protected ref (CI_COMMIT_REF_PROTECTED=false): "
        "protect the tag, or set require_protected_ref: false"
    ) in result.log("pypi-publish")
    assert index.files() == {}


@pytest.mark.e2e
def test_branch_and_unprotected_tag_pipelines_run_no_job(index: Index, tools, tmp_path: Path) -> None:
    project = publish_project(tmp_path, tools)
    branch = run(project, variables={"TEST_INDEX_PORT": str(index.port), "TEST_INDEX_TOKEN": TOKEN})
    unprotected = run(project, variables=index.variables(CI_COMMIT_REF_PROTECTED="false"))
    not_a_release = run(project, variables=index.variables(CI_COMMIT_TAG="nightly-2026-11-21"))
    for result in (branch, unprotected, not_a_release):
        for job in ("pypi-build", "pypi-publish"):
            assert not result.passed(job) and not result.failed(job), result.output[-2000:]
    assert index.files() == {}


@pytest.mark.e2e
def test_trusted_publishing_needs_gitlab_com_and_the_id_token(tools, tmp_path: Path) -> None:
    """Checked before any request, so PyPI is never contacted."""
    project = publish_project(tmp_path, tools, target="pypi", publish_url="", check_url="", token_variable="")
    elsewhere = run(project, variables={**TAG, "CI_SERVER_HOST": "gitlab.example.org"})
    assert elsewhere.passed("pypi-build") and elsewhere.failed("pypi-publish"), elsewhere.output[-4000:]
    assert (
        "pypi-publish: PyPI trusted publishing supports GitLab.com only, not gitlab.example.org: "
        "use a PyPI API token in a CI/CD variable and name it in token_variable"
    ) in elsewhere.log("pypi-publish")

    no_token = run(project, "pypi-publish", variables={**TAG, "CI_SERVER_HOST": "gitlab.com"})
    assert no_token.failed("pypi-publish")
    assert (
        "pypi-publish: PYPI_ID_TOKEN is not set: trusted publishing needs the ID token this component declares"
    ) in no_token.log("pypi-publish")
    assert "looking up" not in no_token.log("pypi-publish")


@pytest.mark.e2e
def test_the_token_appears_in_no_log(first, skipping) -> None:
    """Last in the module: every run above, and gitlab-ci-local's own output, without the token."""
    assert len(RUNS) >= 2
    for result in RUNS:
        assert TOKEN not in result.output
        for name, text in result.logs.items():
            assert TOKEN not in text, name
