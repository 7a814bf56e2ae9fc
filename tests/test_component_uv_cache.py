"""uv-cache, end to end: its jobs rendered by the harness and run by gitlab-ci-local on a uv project."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from pipelines import (
    EXECUTOR,
    PYTHON_VERSION,
    UV,
    ColdAndWarm,
    FixtureProject,
    PipelineRun,
    files_changed_since,
    is_cobertura,
    job_tools,
    junit_counts,
    render_component,
    run_cold_then_warm,
)

JOBS = ["uv-warm", "uv-lint", "uv-test", "users-own-job"]

# A job of the user's own pipeline, built on the component's hidden template.
USERS_OWN_JOB = {
    "extends": ".uv-job",
    "stage": "test",
    "script": ["uv run --no-sync python -c 'import greeting, httpx, pydantic; print(\"imports work\")'"],
}


def uv_project(base: Path, **inputs: object) -> FixtureProject:
    project = FixtureProject("uv-project", base / "project", job_tools(base / "bin"), base / "home")
    uv_project_pipeline(project, **inputs)
    return project


def uv_project_pipeline(project: FixtureProject, **inputs: object) -> None:
    jobs = render_component("uv-cache", {"python_version": PYTHON_VERSION, **inputs})
    project.use_pipeline({**jobs, "users-own-job": USERS_OWN_JOB}, ["test"])


def packages_fetched(log: str) -> int:
    """How many packages uv fetched from the index: those it prepared, less the local projects it built."""
    prepared = sum(int(count) for count in re.findall(r"^Prepared (\d+) packages?", log, re.MULTILINE))
    built_here = len(re.findall(r"^\s*Built \S+ @ file://", log, re.MULTILINE))
    return prepared - built_here


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> ColdAndWarm:
    return run_cold_then_warm(uv_project(tmp_path_factory.mktemp("uv-cache")))


def test_version_the_tests_run_is_the_pinned_default() -> None:
    installed = subprocess.run([UV, "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    jobs = render_component("uv-cache", {})
    assert jobs[".uv-job"]["image"] == f"ghcr.io/astral-sh/uv:{installed}-python3.13-trixie-slim"


@pytest.mark.e2e
def test_cold_pipeline_downloads_the_locked_packages_and_passes(runs) -> None:
    cold = runs.cold
    assert [job for job in JOBS if cold.passed(job)] == JOBS, cold.output[-3000:]
    assert "uv-cache: no cache restored" in cold.log("uv-warm")
    assert packages_fetched(cold.log("uv-warm")) == 19


@pytest.mark.e2e
def test_warm_pipeline_downloads_no_package(runs) -> None:
    warm = runs.warm
    assert [job for job in JOBS if warm.passed(job)] == JOBS, warm.output[-3000:]
    for job in JOBS:
        assert "uv-cache: cache restored" in warm.log(job)
        assert packages_fetched(warm.log(job)) == 0, job
    assert "imports work" in warm.log("users-own-job")


@pytest.mark.e2e
def test_warm_job_leaves_the_cache_as_restored_so_the_runner_does_not_upload_it(runs) -> None:
    """The warm run starts from a fresh checkout, as on a runner, where uv rebuilds the project's own wheel."""
    assert list(runs.changed.values()) == [[]]
    assert "uv-cache: no package added to the cache: the runner does not need to upload it again" in runs.warm.log(
        "uv-warm"
    )


@pytest.mark.e2e
def test_a_package_added_under_the_same_key_is_saved(tmp_path: Path) -> None:
    project = uv_project(tmp_path, sync_args="--no-dev", lint=False, test=False)
    assert project.run("uv-warm").passed("uv-warm")
    uv_project_pipeline(project, lint=False, test=False)
    began = time.time_ns()
    run = project.run("uv-warm")
    assert run.passed("uv-warm"), run.output[-3000:]
    assert re.search(r"uv-cache: \d+ files added to the cache: the runner saves it", run.log("uv-warm"))
    (cache,) = (project.path / ".gitlab-ci-local" / "cache").iterdir()
    assert any("/pytest/" in path for path in files_changed_since(cache, began))


@pytest.fixture(scope="module")
def alpine_runs(tmp_path_factory: pytest.TempPathFactory) -> ColdAndWarm:
    """The same pipelines in uv's alpine image, whose userland is BusyBox (docs/images.md says
    what its look-alike cannot prove: musl libc)."""
    if EXECUTOR != "container":
        pytest.skip("CI_CATALOG_EXECUTOR=shell: the jobs do not run in their images")
    return run_cold_then_warm(uv_project(tmp_path_factory.mktemp("uv-cache-alpine"), base_layer="alpine"))


@pytest.mark.e2e
def test_alpine_image_cold_pipeline_downloads_the_locked_packages_and_passes(alpine_runs) -> None:
    cold = alpine_runs.cold
    assert [job for job in JOBS if cold.passed(job)] == JOBS, cold.output[-3000:]
    assert "python3.13-alpine" in cold.output
    assert packages_fetched(cold.log("uv-warm")) == 19


@pytest.mark.e2e
def test_alpine_image_warm_pipeline_downloads_nothing_and_leaves_the_cache_as_restored(alpine_runs) -> None:
    warm = alpine_runs.warm
    assert [job for job in JOBS if warm.passed(job)] == JOBS, warm.output[-3000:]
    for job in JOBS:
        assert packages_fetched(warm.log(job)) == 0, job
    assert list(alpine_runs.changed.values()) == [[]]
    assert "uv-cache: no package added to the cache: the runner does not need to upload it again" in warm.log("uv-warm")


@pytest.mark.e2e
def test_test_job_leaves_junit_and_cobertura_reports(runs) -> None:
    warm = runs.warm
    assert junit_counts(warm.artifact("uv-test", "report.xml")) == ("3", "0")
    assert is_cobertura(warm.artifact("uv-test", "coverage.xml"))
    assert warm.coverage("uv-test") == "100"


@pytest.mark.e2e
def test_stale_lock_fails_and_says_to_run_uv_lock(tmp_path: Path) -> None:
    project = uv_project(tmp_path)
    pyproject = (project.path / "pyproject.toml").read_text()
    project.write("pyproject.toml", pyproject.replace('"pydantic>=2.7",', '"pydantic>=2.7",\n    "idna>=3",'))
    project.commit("add a dependency without locking it")
    run = project.run("uv-warm")
    assert run.failed("uv-warm")
    log = run.log("uv-warm")
    assert "needs to be updated, but `--locked` was provided" in log
    assert "run 'uv lock' and commit it" in log


@pytest.mark.e2e
def test_missing_lock_fails_and_says_to_run_uv_lock(tmp_path: Path) -> None:
    project = uv_project(tmp_path)
    (project.path / "uv.lock").unlink()
    project.commit("no lock file")
    run = project.run("uv-warm")
    assert run.failed("uv-warm")
    assert "uv.lock is missing: run 'uv lock' and commit uv.lock" in run.log("uv-warm")


@pytest.mark.e2e
def test_failing_test_fails_the_job_and_still_reports_it(tmp_path: Path) -> None:
    project = uv_project(tmp_path)
    project.write("tests/test_broken.py", "def test_broken():\n    assert 1 + 1 == 3\n")
    project.commit("a failing test")
    run = project.run("uv-test")
    assert run.failed("uv-test")
    assert junit_counts(run.artifact("uv-test", "report.xml")) == ("4", "1")


@pytest.mark.e2e
def test_no_tests_collected_is_an_error(tmp_path: Path) -> None:
    project = uv_project(tmp_path, pytest_args="-k no_test_has_this_name")
    run = project.run("uv-test")
    assert run.failed("uv-test")
    assert "pytest collected no tests: check pytest_args" in run.log("uv-test")


@pytest.fixture(scope="module")
def without_tools(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """The lint and test jobs on a project with neither ruff nor pytest among its dependencies."""
    base = tmp_path_factory.mktemp("uv-cache-without-tools")
    project = FixtureProject("publish-project", base / "project", job_tools(base / "bin"), base / "home")
    pyproject = (project.path / "pyproject.toml").read_text()
    assert "ruff" not in pyproject and "pytest" not in pyproject
    project.use_pipeline(render_component("uv-cache", {"python_version": PYTHON_VERSION}), ["test"])
    return project.run("uv-lint", "uv-test")


@pytest.mark.e2e
def test_lint_job_without_ruff_in_the_project_says_how_to_add_it(without_tools: PipelineRun) -> None:
    assert without_tools.failed("uv-lint"), without_tools.output[-3000:]
    log = without_tools.log("uv-lint")
    assert (
        "uv-cache: ruff is not in the project's environment: add it to the dev dependencies ('uv add --dev ruff'" in log
    )
    assert "Failed to spawn" not in log


@pytest.mark.e2e
def test_test_job_without_pytest_in_the_project_says_how_to_add_it(without_tools: PipelineRun) -> None:
    assert without_tools.failed("uv-test"), without_tools.output[-3000:]
    log = without_tools.log("uv-test")
    assert (
        "uv-cache: pytest is not in the project's environment: add it to the dev dependencies ('uv add --dev pytest'"
        in log
    )
    assert "No module named pytest" not in log


@pytest.mark.e2e
def test_switched_off_jobs_do_not_run(tmp_path: Path) -> None:
    project = uv_project(tmp_path, lint=False, test=False)
    run = project.run()
    assert run.passed("uv-warm") and run.passed("users-own-job")
    assert not run.passed("uv-lint") and not run.failed("uv-lint")
    assert not run.passed("uv-test") and not run.failed("uv-test")
