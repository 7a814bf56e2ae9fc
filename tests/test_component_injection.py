"""Hostile input values never run as shell code in a component's jobs.

Every input that reaches a shell, pasted into a script or handed to one through a job
variable, gets each value of HOSTILE. An input restricted by `regex`, `options` or its
type is refused by GitLab before any job exists (checked on the rendered component). The
free-form ones run end to end: one gitlab-ci-local pipeline per component holds a copy of
the component for each hostile value (`job_prefix` tells them apart), with several inputs
set at once where one does not stop the job before the next is used. Afterwards no
`pwned` file exists anywhere in the project, the jobs' checkouts are intact, and each job
either used the value literally or failed with a clear message.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from faults import assert_secret_absent
from test_component_deps_image import Setup
from test_component_pypi_publish import INPUTS, TOKEN, Index

from ci_catalog.render import RenderOptions, render_path
from pipelines import (
    FIXTURES,
    PYTHON_VERSION,
    FixtureProject,
    PipelineRun,
    job_tools,
    render_component,
)
from registry import Registry, install_container_tools, push_base_image, storage_environment

ROOT = Path(__file__).resolve().parent.parent

HOSTILE = {
    "command-substitution": "$(touch pwned)",
    "backticks": "`touch pwned`",
    "command-separator": "; rm -rf .",
    "single-quote": "x' ; touch pwned ; '",
    "double-quote": 'x" ; touch pwned ; "',
    "newline": "x\ntouch pwned",
    # 10,000 characters, ending in a command substitution.
    "long": "x" * 9_986 + "$(touch pwned)",
}
IDS = list(HOSTILE)
# What `posix_escape` leaves as is: characters the shell takes literally.
LITERAL = re.compile(r"[A-Za-z0-9_\-.,:+/@]*")

# Inputs that reach a shell but are restricted (regex, options, boolean): GitLab refuses a
# hostile value before the pipeline exists.
RESTRICTED = {
    "uv-cache": [
        "python_version",
        "cache_dir",
        "link_mode",
        "junit_path",
        "coverage_path",
        "compile_bytecode",
        "prune_cache",
        "coverage",
    ],
    "poetry-test": ["job_prefix", "poetry_version", "junit_path", "coverage_path", "install_root", "coverage"],
    "deps-image": [
        "job_prefix",
        "unprotected_suffix",
        "tag_prefix",
        "dockerfile",
        "platform",
        "registry_password",
        "force_rebuild",
        "registry_tls_verify",
    ],
    "pypi-publish": [
        "project_dir",
        "python_version",
        "build_tool",
        "target",
        "token_variable",
        "on_existing",
        "twine_version",
        "poetry_version",
        "verify_version",
        "require_protected_ref",
    ],
}


@pytest.mark.parametrize("value", HOSTILE.values(), ids=IDS)
@pytest.mark.parametrize(
    ("component", "name"), [(component, name) for component, names in RESTRICTED.items() for name in names]
)
def test_restricted_input_refuses_a_hostile_value_before_any_job_runs(component: str, name: str, value: str) -> None:
    result = render_path(ROOT / "templates" / component / "template.yml", RenderOptions(inputs={name: value}))
    if result.problems:
        assert re.match(
            rf"`{name}` input: (provided value does not match required RegEx pattern|provided value is not a boolean"
            r"|`.*` cannot be used because it is not in the list of allowed options)",
            result.problems[0].message,
            re.DOTALL,
        ), result.problems[0].message
    else:  # the regex let it through: then it holds only characters the shell takes literally
        assert LITERAL.fullmatch(value), (name, value[:40])


def no_harm_done(run: PipelineRun, fixture: str, jobs: list[str]) -> None:
    """No `pwned` file anywhere in the project or its state folder (the jobs' checkouts, caches, artifacts),
    and each job's checkout still holds the fixture's files."""
    assert not [str(path) for folder in (run.project, run.state.folder) for path in folder.rglob("pwned")]
    for job in jobs:
        build = run.build_dir(job)
        assert build.is_dir(), f"{job} did not run:\n{run.output[-2000:]}"
        for original in (FIXTURES / fixture).rglob("*"):
            if original.is_file() and "__pycache__" not in original.parts:
                copy = build / original.relative_to(FIXTURES / fixture)
                assert copy.is_file() and copy.read_bytes() == original.read_bytes(), f"{job}: {copy} changed"


def copies(component: str, prefix: str, inputs_for: Any) -> dict[str, Any]:
    """The component once per hostile value, as `<prefix><n>`, with the inputs `inputs_for(value)` gives."""
    jobs: dict[str, Any] = {}
    for number, value in enumerate(HOSTILE.values()):
        jobs.update(render_component(component, {"job_prefix": f"{prefix}{number}", **inputs_for(value)}))
    return jobs


def job_of(prefix: str, value_id: str, suffix: str) -> str:
    return f"{prefix}{IDS.index(value_id)}-{suffix}"


# --- uv-cache: sync_args and pytest_args ------------------------------------------------


@pytest.fixture(scope="module")
def uv_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    base = tmp_path_factory.mktemp("uv-injection")
    project = FixtureProject("uv-project", base / "project", job_tools(base / "bin"), base / "home")
    common = {"python_version": PYTHON_VERSION, "lint": False}
    # The default copy's warm job fills the cache in `.pre`; the hostile copies then sync from it.
    jobs = render_component("uv-cache", {**common, "test": False})
    jobs.update(
        copies("uv-cache", "sync", lambda value: {**common, "test": False, "warm_stage": "test", "sync_args": value})
    )
    tests = copies("uv-cache", "pytest", lambda value: {**common, "pytest_args": value})
    jobs.update({name: job for name, job in tests.items() if not name.endswith("-warm")})
    project.use_pipeline(jobs, ["test"])
    return project.run(keep_builds=True)


@pytest.mark.e2e
@pytest.mark.parametrize("value_id", IDS)
def test_uv_cache_sync_args_are_arguments_never_code(uv_run: PipelineRun, value_id: str) -> None:
    job = job_of("sync", value_id, "warm")
    no_harm_done(uv_run, "uv-project", [job])
    assert uv_run.failed(job), uv_run.output[-3000:]
    log = uv_run.log(job)
    assert "error: unexpected argument" in log
    assert "uv-cache: 'uv sync --locked' failed (exit 2)" in log


@pytest.mark.e2e
@pytest.mark.parametrize("value_id", IDS)
def test_uv_cache_pytest_args_are_arguments_never_code(uv_run: PipelineRun, value_id: str) -> None:
    job = job_of("pytest", value_id, "test")
    no_harm_done(uv_run, "uv-project", [job])
    assert uv_run.failed(job), uv_run.output[-3000:]
    first_word = HOSTILE[value_id].split()[0][:200]
    assert re.search(r"ERROR: (file or directory not found|.*File name too long)", uv_run.log(job)), uv_run.log(job)[
        -2000:
    ]
    assert first_word in uv_run.log(job)


# --- poetry-test: system_packages, install_args, pytest_args -----------------------------


@pytest.fixture(scope="module")
def poetry_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    base = tmp_path_factory.mktemp("poetry-injection")
    project = FixtureProject("poetry-project", base / "project", job_tools(base / "bin"), base / "home")
    common = {"python_versions": [PYTHON_VERSION], "coverage": False}
    # A first job in `.pre` installs Poetry into the shared tool cache and fills the
    # packages' download cache.
    jobs = render_component("poetry-test", {**common, "stage": ".pre"})
    jobs.update(copies("poetry-test", "packages", lambda value: {**common, "system_packages": ["git", value]}))
    jobs.update(copies("poetry-test", "install", lambda value: {**common, "install_args": value}))
    jobs.update(copies("poetry-test", "pytest", lambda value: {**common, "pytest_args": value}))
    project.use_pipeline(jobs, ["test"])
    return project.run(keep_builds=True)


def poetry_job(prefix: str, value_id: str) -> str:
    return f"{job_of(prefix, value_id, 'test')}: [{PYTHON_VERSION}]"


@pytest.mark.e2e
@pytest.mark.parametrize("value_id", IDS)
def test_poetry_system_packages_are_checked_names_never_code(poetry_run: PipelineRun, value_id: str) -> None:
    job = poetry_job("packages", value_id)
    no_harm_done(poetry_run, "poetry-project", [job])
    assert poetry_run.failed(job), poetry_run.output[-3000:]
    log = poetry_run.log(job)
    if '"' in HOSTILE[value_id] or "\n" in HOSTILE[value_id]:
        # GitLab writes such an element with a backslash escape: the job says it cannot pass it on.
        assert "poetry-test: system_packages: an element holds a quote or a backslash" in log
    else:
        assert "poetry-test: not Debian package names in system_packages: " in log
    assert "installing system packages" not in log


@pytest.mark.e2e
@pytest.mark.parametrize("value_id", IDS)
def test_poetry_install_args_are_arguments_never_code(poetry_run: PipelineRun, value_id: str) -> None:
    job = poetry_job("install", value_id)
    no_harm_done(poetry_run, "poetry-project", [job])
    assert poetry_run.failed(job), poetry_run.output[-3000:]
    log = poetry_run.log(job)
    assert "poetry-test: 'poetry sync' failed (see above)" in log
    assert re.search(r"No arguments expected|does not exist|Too many arguments", log), log[-2000:]


@pytest.mark.e2e
@pytest.mark.parametrize("value_id", IDS)
def test_poetry_pytest_args_are_arguments_never_code(poetry_run: PipelineRun, value_id: str) -> None:
    job = poetry_job("pytest", value_id)
    no_harm_done(poetry_run, "poetry-project", [job])
    assert poetry_run.failed(job), poetry_run.output[-3000:]
    log = poetry_run.log(job)
    assert re.search(r"ERROR: (file or directory not found|.*File name too long)", log), log[-2000:]
    assert HOSTILE[value_id].split()[0][:200] in log


# --- deps-image: hash_files, build_args, registry_user, image_repository ------------------


@pytest.fixture(scope="module")
def deps_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PipelineRun, Setup]]:
    install_container_tools()
    folder = tmp_path_factory.mktemp("deps-injection")
    registry = Registry(folder / "registry")
    registry.start()
    try:
        storage = storage_environment(folder / "containers")
        setup = Setup(registry, storage)
        push_base_image(registry, storage, folder / "base", setup.base_image)
        project = FixtureProject("deps-project", folder / "project", job_tools(folder / "bin"), folder / "home")
        base = f"BASE_IMAGE={setup.base_image}"
        files = ["pyproject.toml", "uv.lock", "Dockerfile"]
        jobs = copies(
            "deps-image",
            "files",
            lambda value: setup.inputs(hash_files=[*files, value], build_args=[base, f"HOSTILE={value}"]),
        )
        jobs.update(copies("deps-image", "user", lambda value: setup.inputs(registry_user=value)))
        jobs.update(copies("deps-image", "repository", lambda value: setup.inputs(image_repository=value)))
        project.use_pipeline(jobs, ["test"])
        yield project.run(variables=setup.variables(), keep_builds=True), setup
    finally:
        registry.stop()


@pytest.mark.e2e
@pytest.mark.parametrize("value_id", IDS)
def test_deps_image_hash_files_and_build_args_are_data_never_code(deps_run, value_id: str) -> None:
    run, setup = deps_run
    resolve, build = job_of("files", value_id, "resolve"), job_of("files", value_id, "build")
    no_harm_done(run, "deps-project", [resolve])
    assert_secret_absent(run, setup.registry.password)
    value = HOSTILE[value_id]
    if '"' in value or "\n" in value:
        # GitLab writes such an element with a backslash escape: the job says it cannot pass it on.
        assert run.failed(resolve)
        assert "deps-image: hash_files: an element holds a quote or a backslash" in run.log(resolve)
        return
    assert run.passed(resolve), run.log(resolve)[-3000:]
    assert run.passed(build), run.log(build)[-3000:]
    # The hostile file name is a missing file, hashed as absent; the build argument reached Buildah as is.
    assert run.dotenv(resolve)["DEPS_BUILD_NEEDED"] == "true"
    # Each case hashes its own file name, so each builds and pushes a tag of its own (into
    # one repository, at the same time, sharing the base image's layers).
    assert f"deps-image: built and pushed {setup.registry.host}/" in run.log(build), run.log(build)[-2000:]
    assert (run.artifact(resolve, ".files" + str(IDS.index(value_id)) + "/build-args")).read_text() == (
        f"BASE_IMAGE={setup.base_image}\nHOSTILE={value}\n"
    )


@pytest.mark.e2e
@pytest.mark.parametrize("value_id", IDS)
def test_deps_image_registry_user_is_a_user_name_never_code(deps_run, value_id: str) -> None:
    run, _ = deps_run
    resolve = job_of("user", value_id, "resolve")
    no_harm_done(run, "deps-project", [resolve])
    assert run.failed(resolve), run.output[-3000:]
    assert re.search(
        r"deps-image: (cannot query registry \(auth\)|registry unreachable or failing) while logging in",
        run.log(resolve),
    )
    assert not run.passed(job_of("user", value_id, "build"))


@pytest.mark.e2e
@pytest.mark.parametrize("value_id", IDS)
def test_deps_image_repository_is_checked_before_any_request(deps_run, value_id: str) -> None:
    run, _ = deps_run
    resolve = job_of("repository", value_id, "resolve")
    no_harm_done(run, "deps-project", [resolve])
    assert run.failed(resolve), run.output[-3000:]
    assert "is not an image repository: enable the project's container registry" in run.log(resolve)
    assert "logging in" not in run.log(resolve)


# --- pypi-publish: publish_url, check_url, username ---------------------------------------


@pytest.fixture(scope="module")
def publish_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PipelineRun, Index]]:
    folder = tmp_path_factory.mktemp("publish-injection")
    venv = folder / "pypiserver"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "pypiserver==2.4.2", "passlib==1.7.4"], check=True
    )
    index = Index(venv, folder / "index")
    try:
        project = FixtureProject("publish-project", folder / "project", job_tools(folder / "bin"), folder / "home")
        jobs = render_component("pypi-publish", INPUTS)
        # Every copy's publish job takes the files of the one build job.
        for prefix, inputs_for in (
            ("urls", lambda value: {**INPUTS, "publish_url": value, "check_url": value}),
            ("user", lambda value: {**INPUTS, "username": value}),
        ):
            for name, job in copies("pypi-publish", prefix, inputs_for).items():
                if name.endswith("-publish"):
                    job["needs"] = [{"job": "pypi-build", "artifacts": True}]
                    jobs[name] = job
                elif not name.endswith("-build"):
                    jobs[name] = job
        del jobs["pypi-publish"]
        project.use_pipeline(jobs, ["deploy"])
        yield project.run(variables=index.variables(), keep_builds=True), index
    finally:
        index.server.stop()


@pytest.mark.e2e
@pytest.mark.parametrize("value_id", IDS)
def test_pypi_publish_urls_are_checked_before_any_request(publish_run, value_id: str) -> None:
    run, index = publish_run
    job = job_of("urls", value_id, "publish")
    no_harm_done(run, "publish-project", [job])
    assert run.failed(job), run.output[-3000:]
    assert "is not an http(s) URL" in run.log(job)
    assert index.files() == {}
    assert_secret_absent(run, TOKEN)


@pytest.mark.e2e
@pytest.mark.parametrize("value_id", IDS)
def test_pypi_publish_username_is_a_user_name_never_code(publish_run, value_id: str) -> None:
    run, index = publish_run
    job = job_of("user", value_id, "publish")
    no_harm_done(run, "publish-project", [job])
    assert run.failed(job), run.output[-3000:]
    assert re.search(
        r"pypi-publish: (http://\S+ refused the credentials|looking up \S+ on \S+ failed|cannot reach the index)",
        run.log(job),
    )
    assert index.files() == {}
    assert_secret_absent(run, TOKEN)
