"""uv-cache, end to end: its jobs rendered by the harness and run by gitlab-ci-local on a uv project.

What catalog.yml's test cases for uv-cache express (`ci-catalog test`: jobs that pass or fail
with their messages, reports left, the warm run restoring the cache and leaving it as
restored, the alpine image, switched-off jobs) is not repeated here; these tests check what
the cases cannot: package counts in the logs, the reports' contents, pipelines changed
between runs.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from pipelines import (
    PYTHON_VERSION,
    UV,
    ColdAndWarm,
    FixtureProject,
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
def test_warm_pipeline_downloads_no_package_where_the_cold_one_downloaded_them_all(runs) -> None:
    """Every job syncs: the lint and test jobs only read the cache (`policy: pull`), so a package they
    downloaded would never show in the cache; their logs say what uv fetched."""
    assert packages_fetched(runs.cold.log("uv-warm")) == 19
    for job in JOBS:
        assert runs.warm.passed(job), runs.warm.output[-3000:]
        assert packages_fetched(runs.warm.log(job)) == 0, job


@pytest.mark.e2e
def test_a_package_added_under_the_same_key_is_saved(tmp_path: Path) -> None:
    project = uv_project(tmp_path, sync_args="--no-dev", lint=False, test=False)
    assert project.run("uv-warm").passed("uv-warm")
    uv_project_pipeline(project, lint=False, test=False)
    began = time.time_ns()
    run = project.run("uv-warm")
    assert run.passed("uv-warm"), run.output[-3000:]
    assert re.search(r"uv-cache: \d+ files added to the cache: the runner saves it", run.log("uv-warm"))
    (cache,) = project.caches.iterdir()
    assert any("/pytest/" in path for path in files_changed_since(cache, began))


@pytest.mark.e2e
def test_test_job_leaves_junit_and_cobertura_reports(runs) -> None:
    warm = runs.warm
    assert junit_counts(warm.artifact("uv-test", "report.xml")) == ("3", "0")
    assert is_cobertura(warm.artifact("uv-test", "coverage.xml"))


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
def test_failing_test_is_counted_in_the_report(tmp_path: Path) -> None:
    project = uv_project(tmp_path)
    project.write("tests/test_broken.py", "def test_broken():\n    assert 1 + 1 == 3\n")
    project.commit("a failing test")
    run = project.run("uv-test")
    assert run.failed("uv-test")
    assert junit_counts(run.artifact("uv-test", "report.xml")) == ("4", "1")
