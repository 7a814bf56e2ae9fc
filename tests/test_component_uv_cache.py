"""uv-cache, end to end: its jobs rendered by the harness and run by gitlab-ci-local on a uv project.

What catalog.yml's test cases for uv-cache express (`ci-catalog test`: jobs that pass or fail
with their messages, reports left, the warm run restoring the environment and leaving the
cache as restored, the alpine image, switched-off jobs) is not repeated here; these tests
check what the cases cannot: package counts in the logs, what the cache holds, the reports'
contents, pipelines changed between runs.
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
    cached_files,
    files_changed_since,
    is_cobertura,
    job_tools,
    junit_counts,
    render_component,
    run_cold_then_warm,
)

JOBS = ["uv-warm", "uv-lint", "uv-test", "users-own-job"]
UPDATES = "uv-cache: the cached environment was made for another uv.lock, project or directory: uv updates it"
SAVED = re.compile(r"uv-cache: environment saved to the cache \(\d+ KiB\): the runner uploads it")

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


def uv_ran(log: str) -> bool:
    """Whether uv resolved or installed anything in the job (it says `Resolved …` whenever it syncs)."""
    return re.search(r"^Resolved \d+ packages?", log, re.MULTILINE) is not None


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
def test_cold_pipeline_builds_the_environment_once_and_every_other_job_unpacks_it(runs) -> None:
    """The lint and test jobs only read the cache (`policy: pull`): in the cold pipeline they run after
    the warm job, so they unpack what it saved instead of installing again."""
    log = runs.cold.log("uv-warm")
    assert packages_fetched(log) == 19
    assert SAVED.search(log), log[-2000:]
    for job in JOBS[1:]:
        assert not uv_ran(runs.cold.log(job)), job


@pytest.mark.e2e
def test_warm_pipeline_runs_no_install_and_downloads_nothing(runs) -> None:
    """On a fresh checkout uv would rebuild the project's own package: no job runs uv sync at all."""
    for job in JOBS:
        assert runs.warm.passed(job), runs.warm.output[-3000:]
        assert not uv_ran(runs.warm.log(job)), job
        assert packages_fetched(runs.warm.log(job)) == 0, job
    assert not SAVED.search(runs.warm.log("uv-warm"))


@pytest.mark.e2e
def test_cache_holds_the_environment_as_one_compressed_file_and_its_stamp(runs) -> None:
    assert cached_files(runs.project) == [".uv-cache/venv.stamp", ".uv-cache/venv.tar"]


@pytest.mark.e2e
def test_environment_changed_under_the_same_key_is_saved(tmp_path: Path) -> None:
    """`sync_args` changed, uv.lock did not: the key is the same, the environment is not."""
    project = uv_project(tmp_path, sync_args="--no-dev", lint=False, test=False)
    assert project.run("uv-warm").passed("uv-warm")
    uv_project_pipeline(project, lint=False, test=False)
    began = time.time_ns()
    run = project.run("uv-warm")
    assert run.passed("uv-warm"), run.output[-3000:]
    log = run.log("uv-warm")
    assert UPDATES in log
    assert re.search(r"^Installed \d+ packages", log, re.MULTILINE), log[-2000:]
    assert SAVED.search(log)
    (cache,) = project.caches.iterdir()
    changed = [path for path in files_changed_since(cache, began) if (cache / path).is_file()]
    assert sorted(changed) == [".uv-cache/venv.stamp", ".uv-cache/venv.tar"]


@pytest.mark.e2e
def test_project_in_another_directory_updates_the_cached_environment_without_downloading(tmp_path: Path) -> None:
    """The environment is relocatable: in the new directory uv reinstalls only the project itself."""
    project = uv_project(tmp_path, lint=False)
    assert project.run().passed("uv-warm")
    # In a container the project's path comes from its remote; in shell mode each job has a
    # directory of its own, named after the job. The cache key stays the same.
    project.set_remote("https://gitlab.example.com/moved-group/moved-project.git")
    moved = render_component("uv-cache", {"python_version": PYTHON_VERSION, "job_prefix": "moved", "lint": False})
    project.use_pipeline(moved, ["test"])
    run = project.run()
    assert run.passed("moved-warm") and run.passed("moved-test"), run.output[-3000:]
    log = run.log("moved-warm")
    assert UPDATES in log
    assert re.search(r"^Installed 1 package in", log, re.MULTILINE), log[-2000:]
    assert packages_fetched(log) == 0
    assert "uv-cache: environment restored from the cache" in run.log("moved-test")
    assert junit_counts(run.artifact("moved-test", "report.xml")) == ("3", "0")


@pytest.mark.e2e
def test_damaged_archive_is_built_anew_by_the_warm_job(tmp_path: Path) -> None:
    project = uv_project(tmp_path, lint=False, test=False)
    assert project.run("uv-warm").passed("uv-warm")
    (archive,) = project.caches.glob("*/.uv-cache/venv.tar")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    run = project.run("uv-warm")
    assert run.passed("uv-warm"), run.output[-3000:]
    log = run.log("uv-warm")
    assert "uv-cache: the cached environment is damaged (its checksum differs): uv builds it anew" in log
    assert SAVED.search(log)


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
