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
from typing import Any

import pytest

from ci_catalog.cimodel import never_runs
from ci_catalog.render import RenderOptions, render_path
from pipelines import (
    PYTHON_VERSION,
    ROOT,
    UV,
    ColdAndWarm,
    FixtureProject,
    add_a_failing_test,
    bytecode_in,
    cache_entries_changed_since,
    cached_archive_names,
    cached_files,
    is_cobertura,
    job_tools,
    junit_counts,
    merged_jobs,
    render_component,
    run_cold_then_warm,
)

# The jobs of each way of writing the cache: the test job after its tests (the default), or
# the warm job before every other job (`warm_job: true`).
JOBS = {
    "test job writes": ["uv-lint", "uv-test", "users-own-job"],
    "warm job writes": ["uv-warm", "uv-lint", "uv-test", "users-own-job"],
}
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
    """The default pipeline, cold then warm: the test job writes the cache."""
    return run_cold_then_warm(uv_project(tmp_path_factory.mktemp("uv-cache")))


@pytest.fixture(scope="module")
def runs_with_warm_job(tmp_path_factory: pytest.TempPathFactory) -> ColdAndWarm:
    return run_cold_then_warm(uv_project(tmp_path_factory.mktemp("uv-cache-warm-job"), warm_job=True))


@pytest.fixture(params=list(JOBS))
def each_writer(request: pytest.FixtureRequest) -> tuple[ColdAndWarm, list[str]]:
    """Each way of writing the cache: its runs, cold then warm, and its jobs."""
    fixture = "runs" if request.param == "test job writes" else "runs_with_warm_job"
    return request.getfixturevalue(fixture), JOBS[request.param]


def test_version_the_tests_run_is_the_pinned_default() -> None:
    installed = subprocess.run([UV, "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    jobs = render_component("uv-cache", {})
    assert jobs[".uv-job"]["image"] == f"ghcr.io/astral-sh/uv:{installed}-python3.13-trixie-slim"


def cache_role(job: dict[str, Any]) -> tuple[object, ...]:
    """What a job does with the cache: whether it runs, its policy, when it saves, whether it saves."""
    cache = job["cache"]
    return (
        "never runs" if never_runs(job) else "runs",
        cache["policy"],
        cache.get("when"),
        job["variables"]["UV_CACHE_SAVES"],
    )


@pytest.mark.parametrize(
    ("inputs", "warm", "test"),
    [
        ({}, ("never runs", "pull-push", None, "true"), ("runs", "pull-push", "always", "true")),
        ({"warm_job": True}, ("runs", "pull-push", None, "true"), ("runs", "pull", None, "false")),
        ({"test": False}, ("runs", "pull-push", None, "true"), ("never runs", "pull", None, "false")),
    ],
    ids=[
        "by default the test job writes",
        "with warm_job the warm job writes",
        "without the test job the warm job writes",
    ],
)
def test_one_job_writes_the_cache(
    inputs: dict[str, object], warm: tuple[object, ...], test: tuple[object, ...]
) -> None:
    jobs = merged_jobs("uv-cache", {**inputs, "fallback_keys": ["uv-main"], "unprotect_cache": True})
    assert (cache_role(jobs["uv-warm"]), cache_role(jobs["uv-test"])) == (warm, test)
    assert cache_role(jobs["uv-lint"])[1:] == ("pull", None, "false")


def test_the_writing_test_job_keeps_the_cache_key_paths_and_fallbacks() -> None:
    cache = merged_jobs("uv-cache", {"fallback_keys": ["uv-main"], "unprotect_cache": True})["uv-test"]["cache"]
    assert cache["key"] == {"files": ["uv.lock"], "prefix": "uv-venv-0.13.8-py3.13-trixie-slim"}
    assert cache["paths"] == [".uv-cache/venv.tar", ".uv-cache/venv.stamp"]
    assert (cache["fallback_keys"], cache["unprotect"]) == (["uv-main"], True)


def test_cache_writer_that_contradicts_warm_job_is_refused() -> None:
    inputs = {"warm_job": True, "cache_writer": "test"}
    result = render_path(ROOT / "templates" / "uv-cache" / "template.yml", RenderOptions(inputs=inputs))
    assert [problem.message for problem in result.problems] == [
        "`cache_writer` input: `test` cannot be used because it is not in the list of allowed options"
    ]


@pytest.mark.e2e
def test_cold_pipeline_test_job_saves_the_environment_after_its_tests(runs) -> None:
    """The default: no warm job runs, so the test job builds the environment and saves it once its
    tests ran; the lint job and the user's own job, in the same stage, install for themselves."""
    assert "uv-warm" not in runs.cold.output
    log = runs.cold.log("uv-test")
    assert packages_fetched(log) == 19
    saved = SAVED.search(log)
    assert saved, log[-2000:]
    assert log.index("3 passed") < saved.start()
    for job in ("uv-lint", "users-own-job"):
        assert runs.cold.passed(job), runs.cold.output[-3000:]
        assert uv_ran(runs.cold.log(job)), job
        assert not SAVED.search(runs.cold.log(job)), job


@pytest.mark.e2e
def test_cold_pipeline_with_the_warm_job_builds_the_environment_once(runs_with_warm_job) -> None:
    """With `warm_job`, the lint and test jobs only read the cache (`policy: pull`): they run after the
    warm job, so they unpack what it saved instead of installing again."""
    cold = runs_with_warm_job.cold
    log = cold.log("uv-warm")
    assert packages_fetched(log) == 19
    assert SAVED.search(log), log[-2000:]
    for job in JOBS["warm job writes"][1:]:
        assert not uv_ran(cold.log(job)), job
        assert not SAVED.search(cold.log(job)), job


@pytest.mark.e2e
def test_warm_pipeline_runs_no_install_and_downloads_nothing(each_writer) -> None:
    """On a fresh checkout uv would rebuild the project's own package: no job runs uv sync at all,
    and no job saves the environment again."""
    runs, jobs = each_writer
    for job in jobs:
        assert runs.warm.passed(job), runs.warm.output[-3000:]
        assert not uv_ran(runs.warm.log(job)), job
        assert packages_fetched(runs.warm.log(job)) == 0, job
        assert not SAVED.search(runs.warm.log(job)), job


@pytest.mark.e2e
def test_cache_holds_the_environment_as_one_compressed_file_and_its_stamp(each_writer) -> None:
    runs, _ = each_writer
    assert cached_files(runs.project) == [".uv-cache/venv.stamp", ".uv-cache/venv.tar"]


@pytest.mark.e2e
def test_environment_saved_by_the_test_job_holds_bytecode_only_for_what_the_tests_imported(runs) -> None:
    """httpx's client was imported by the tests, pydantic's v1 modules never."""
    names = cached_archive_names(runs.project, ".uv-cache/venv.tar")
    assert bytecode_in(names) == {
        "never imported, source": True,
        "never imported, bytecode": False,
        "imported, bytecode": True,
    }


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
    changed = [path for path in cache_entries_changed_since(cache, began) if (cache / path).is_file()]
    assert sorted(changed) == [".uv-cache/venv.stamp", ".uv-cache/venv.tar"]


@pytest.mark.e2e
def test_project_in_another_directory_updates_the_cached_environment_without_downloading(tmp_path: Path) -> None:
    """The environment is relocatable: in the new directory uv reinstalls only the project itself."""
    project = uv_project(tmp_path, lint=False)
    assert project.run().passed("uv-test")
    # In a container the project's path comes from its remote; in shell mode each job has a
    # directory of its own, named after the job. The cache key stays the same.
    project.set_remote("https://gitlab.example.com/moved-group/moved-project.git")
    moved = render_component("uv-cache", {"python_version": PYTHON_VERSION, "job_prefix": "moved", "lint": False})
    project.use_pipeline(moved, ["test"])
    run = project.run()
    assert run.passed("moved-test"), run.output[-3000:]
    log = run.log("moved-test")
    assert UPDATES in log
    assert re.search(r"^Installed 1 package in", log, re.MULTILINE), log[-2000:]
    assert packages_fetched(log) == 0
    assert SAVED.search(log), log[-2000:]
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
    run = project.run("uv-test")
    assert run.failed("uv-test")
    log = run.log("uv-test")
    assert "needs to be updated, but `--locked` was provided" in log
    assert "run 'uv lock' and commit it" in log


@pytest.mark.e2e
def test_failing_test_is_counted_in_the_report(tmp_path: Path) -> None:
    run = add_a_failing_test(uv_project(tmp_path)).run("uv-test")
    assert run.failed("uv-test")
    assert junit_counts(run.artifact("uv-test", "report.xml")) == ("4", "1")


@pytest.mark.e2e
def test_environment_built_by_a_test_job_whose_tests_fail_is_cached_for_the_next_run(tmp_path: Path) -> None:
    """A merge request with a failing test does not build the environment again on its next push."""
    project = add_a_failing_test(uv_project(tmp_path))
    first = project.run("uv-test")
    assert first.failed("uv-test")
    assert SAVED.search(first.log("uv-test")), first.log("uv-test")[-2000:]
    second = project.run("uv-test")
    assert second.failed("uv-test")
    assert "uv-cache: environment restored from the cache" in second.log("uv-test")
    assert "1 failed, 3 passed" in second.log("uv-test")
