"""uv-cache and poetry-test on a project in a subfolder of the repository (`project_dir`), as in a monorepo."""

from __future__ import annotations

import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from test_component_uv_cache import packages_fetched

from ci_catalog.render import RenderOptions, render_path
from pipelines import (
    PYTHON_VERSION,
    ROOT,
    ColdAndWarm,
    FixtureProject,
    is_cobertura,
    job_tools,
    junit_counts,
    merged_jobs,
    render_component,
    run_cold_then_warm,
)

# Where the fixture projects sit in this catalog's own repository.
UV_DIR = "tests/fixtures/uv-project"
POETRY_DIR = "tests/fixtures/poetry-project"
UV_JOBS = ["uv-lint", "uv-test", "users-own-job"]
POETRY_JOB = f"poetry-test: [{PYTHON_VERSION}]"

# A job of the user's own pipeline, built on uv-cache's hidden template: it runs in project_dir.
USERS_OWN_JOB = {
    "extends": ".uv-job",
    "stage": "test",
    "script": ["uv run --no-sync python -c 'import greeting, httpx; print(\"imports work\")'"],
}


def uv_project(base: Path, project_dir: str) -> FixtureProject:
    project = FixtureProject("uv-project", base / "repo", job_tools(base / "bin"), base / "home", subfolder=project_dir)
    jobs = render_component("uv-cache", {"python_version": PYTHON_VERSION, "project_dir": project_dir})
    project.use_pipeline({**jobs, "users-own-job": USERS_OWN_JOB}, ["test"])
    return project


def poetry_project(base: Path, project_dir: str) -> FixtureProject:
    project = FixtureProject(
        "poetry-project", base / "repo", job_tools(base / "bin"), base / "home", subfolder=project_dir
    )
    jobs = render_component("poetry-test", {"python_versions": [PYTHON_VERSION], "project_dir": project_dir})
    project.use_pipeline(jobs, ["test"])
    return project


@pytest.fixture(scope="module")
def uv_runs(tmp_path_factory: pytest.TempPathFactory) -> ColdAndWarm:
    return run_cold_then_warm(uv_project(tmp_path_factory.mktemp("uv-subfolder"), UV_DIR))


@pytest.fixture(scope="module")
def poetry_runs(tmp_path_factory: pytest.TempPathFactory) -> ColdAndWarm:
    return run_cold_then_warm(poetry_project(tmp_path_factory.mktemp("poetry-subfolder"), POETRY_DIR))


def lock_key_files(component: str, project_dir: str) -> list[str]:
    """The `cache:key:files` of the cache keyed on the lock file, in the component's test job."""
    jobs = merged_jobs(component, {"project_dir": project_dir})
    if component == "uv-cache":
        return jobs["uv-test"]["cache"]["key"]["files"]
    caches = jobs["poetry-test"]["cache"]
    return next(cache["key"]["files"] for cache in caches if isinstance(cache["key"], dict))


def gitlab_file_paths(report: Path, ci_project_dir: Path, repository: Path) -> list[str | None]:
    """The repository path GitLab gives each file of a Cobertura report, or None when it finds none.

    As GitLab's parser does: a `<source>` below the project directory is taken relative to
    it and joined to each class's `filename`; the first that is a file of the repository
    wins. With no such source, the `filename` is taken as it is.
    """
    listed = subprocess.run(["git", "ls-files"], cwd=repository, capture_output=True, text=True, check=True)
    tracked = set(listed.stdout.split())
    root = ElementTree.parse(report).getroot()
    project_dir = ci_project_dir.resolve()
    sources = [
        Path(source.text.strip()).resolve().relative_to(project_dir).as_posix()
        for source in root.iter("source")
        if source.text and Path(source.text.strip()).resolve().is_relative_to(project_dir)
    ]
    sources = [source for source in sources if source != "."]
    filenames = [entry.get("filename", "") for entry in root.iter("class")]
    if not sources:
        return [name if name in tracked else None for name in filenames]
    return [next((f"{s}/{name}" for s in sources if f"{s}/{name}" in tracked), None) for name in filenames]


@pytest.mark.parametrize("component", ["uv-cache", "poetry-test"])
@pytest.mark.parametrize("value", ["$(touch pwned)", "../x", "/abs", "a b"])
def test_hostile_project_dir_is_refused_with_gitlabs_message(component: str, value: str) -> None:
    result = render_path(ROOT / "templates" / component / "template.yml", RenderOptions(inputs={"project_dir": value}))
    assert [problem.message for problem in result.problems] == [
        "`project_dir` input: provided value does not match required RegEx pattern"
    ]


@pytest.mark.parametrize("component", ["uv-cache", "poetry-test"])
@pytest.mark.parametrize("value", ["services/api/", "./services/api", "services//api", "services/./api"])
def test_project_dir_spelled_other_than_the_repositorys_path_is_refused(component: str, value: str) -> None:
    # GitLab looks a `cache:key:files` entry up by its exact path in the repository.
    result = render_path(ROOT / "templates" / component / "template.yml", RenderOptions(inputs={"project_dir": value}))
    assert [problem.message for problem in result.problems] == [
        "`project_dir` input: provided value does not match required RegEx pattern"
    ]


@pytest.mark.parametrize(
    ("component", "project_dir", "lock_file"),
    [
        ("uv-cache", ".", "uv.lock"),
        ("uv-cache", "services/api", "services/api/uv.lock"),
        ("poetry-test", ".", "poetry.lock"),
        ("poetry-test", "services/api", "services/api/poetry.lock"),
    ],
)
def test_cache_key_names_the_lock_file_by_its_path_in_the_repository(
    component: str, project_dir: str, lock_file: str
) -> None:
    assert lock_key_files(component, project_dir) == [lock_file]


@pytest.mark.parametrize("component", ["uv-cache", "poetry-test"])
def test_project_dir_kind_that_contradicts_project_dir_is_refused(component: str) -> None:
    inputs = {"project_dir": "services/api", "project_dir_kind": "root"}
    result = render_path(ROOT / "templates" / component / "template.yml", RenderOptions(inputs=inputs))
    assert [problem.message for problem in result.problems] == [
        "`project_dir_kind` input: `root` cannot be used because it is not in the list of allowed options"
    ]


@pytest.mark.e2e
def test_uv_cache_in_a_subfolder_passes_cold_and_downloads_the_locked_packages(uv_runs) -> None:
    cold = uv_runs.cold
    assert [job for job in UV_JOBS if cold.passed(job)] == UV_JOBS, cold.output[-3000:]
    assert packages_fetched(cold.log("uv-test")) == 19


@pytest.mark.e2e
def test_uv_cache_in_a_subfolder_warm_run_downloads_no_package(uv_runs) -> None:
    warm = uv_runs.warm
    assert [job for job in UV_JOBS if warm.passed(job)] == UV_JOBS, warm.output[-3000:]
    for job in UV_JOBS:
        assert packages_fetched(warm.log(job)) == 0, job
    for job in UV_JOBS:
        assert "uv-cache: environment restored from the cache" in warm.log(job), job
    assert "imports work" in warm.log("users-own-job")


@pytest.mark.e2e
def test_uv_cache_in_a_subfolder_warm_run_leaves_the_cache_as_restored(uv_runs) -> None:
    assert list(uv_runs.changed.values()) == [[]]


@pytest.mark.e2e
def test_uv_cache_in_a_subfolder_caches_the_environment_inside_project_dir(uv_runs) -> None:
    [cache] = uv_runs.project.caches.iterdir()
    archives = [entry.relative_to(cache).as_posix() for entry in cache.glob("**/venv.tar")]
    assert archives == [f"{UV_DIR}/.uv-cache/venv.tar"]


@pytest.mark.e2e
def test_uv_cache_in_a_subfolder_leaves_reports_in_project_dir(uv_runs) -> None:
    warm = uv_runs.warm
    assert junit_counts(warm.artifact("uv-test", f"{UV_DIR}/report.xml")) == ("3", "0")
    assert is_cobertura(warm.artifact("uv-test", f"{UV_DIR}/coverage.xml"))
    assert warm.coverage("uv-test") == "100"


@pytest.mark.e2e
def test_uv_cache_in_a_subfolder_coverage_report_maps_to_the_repositorys_files(uv_runs) -> None:
    warm = uv_runs.warm
    report = warm.artifact("uv-test", f"{UV_DIR}/coverage.xml")
    paths = gitlab_file_paths(report, warm.ci_project_dir("uv-test"), uv_runs.project.path)
    assert paths == [f"{UV_DIR}/src/greeting/__init__.py", f"{UV_DIR}/tests/test_greeting.py"]


@pytest.mark.e2e
def test_poetry_test_in_a_subfolder_passes_cold_and_installs_the_locked_packages(poetry_runs) -> None:
    cold = poetry_runs.cold
    assert cold.passed(POETRY_JOB), cold.output[-3000:]
    assert "Package operations: 18 installs" in cold.log(POETRY_JOB)


@pytest.mark.e2e
def test_poetry_test_in_a_subfolder_warm_run_reuses_the_venv_and_installs_nothing(poetry_runs) -> None:
    warm = poetry_runs.warm
    assert warm.passed(POETRY_JOB), warm.output[-3000:]
    log = warm.log(POETRY_JOB)
    assert "installing Poetry" not in log
    assert "poetry-test: using the cached .venv" in log
    assert "Package operations" not in log


@pytest.mark.e2e
def test_poetry_test_in_a_subfolder_warm_run_leaves_both_caches_as_restored(poetry_runs) -> None:
    changed = {name.split("-")[1]: entries for name, entries in poetry_runs.changed.items()}
    assert changed == {"tool": [], "venv": []}


@pytest.mark.e2e
def test_poetry_test_in_a_subfolder_caches_the_venv_inside_project_dir(poetry_runs) -> None:
    [cache] = [c for c in poetry_runs.project.caches.iterdir() if "-venv-" in c.name]
    archives = [entry.relative_to(cache).as_posix() for entry in cache.glob("**/venv.tar")]
    assert archives == [f"{POETRY_DIR}/.poetry-test/venv.tar"]


@pytest.mark.e2e
def test_poetry_test_in_a_subfolder_leaves_reports_in_project_dir(poetry_runs) -> None:
    warm = poetry_runs.warm
    assert junit_counts(warm.artifact(POETRY_JOB, f"{POETRY_DIR}/report.xml")) == ("3", "0")
    assert is_cobertura(warm.artifact(POETRY_JOB, f"{POETRY_DIR}/coverage.xml"))
    assert warm.coverage(POETRY_JOB) == "100"


@pytest.mark.e2e
def test_poetry_test_in_a_subfolder_coverage_report_maps_to_the_repositorys_files(poetry_runs) -> None:
    warm = poetry_runs.warm
    report = warm.artifact(POETRY_JOB, f"{POETRY_DIR}/coverage.xml")
    paths = gitlab_file_paths(report, warm.ci_project_dir(POETRY_JOB), poetry_runs.project.path)
    assert paths == [f"{POETRY_DIR}/src/greeting/__init__.py", f"{POETRY_DIR}/tests/test_greeting.py"]


@pytest.mark.e2e
def test_uv_cache_project_dir_that_is_not_a_directory_fails_and_names_the_input(tmp_path: Path) -> None:
    project = FixtureProject("uv-project", tmp_path / "repo", job_tools(tmp_path / "bin"), tmp_path / "home")
    project.use_pipeline(render_component("uv-cache", {"project_dir": "services/api"}), ["test"])
    run = project.run("uv-test")
    assert run.failed("uv-test")
    assert "uv-cache: project_dir 'services/api' is not a directory of the repository" in run.log("uv-test")


@pytest.mark.e2e
def test_poetry_test_project_dir_that_is_not_a_directory_fails_and_names_the_input(tmp_path: Path) -> None:
    project = FixtureProject("poetry-project", tmp_path / "repo", job_tools(tmp_path / "bin"), tmp_path / "home")
    jobs = render_component("poetry-test", {"python_versions": [PYTHON_VERSION], "project_dir": "services/api"})
    project.use_pipeline(jobs, ["test"])
    run = project.run()
    assert run.failed(POETRY_JOB)
    assert "poetry-test: project_dir 'services/api' is not a directory of the repository" in run.log(POETRY_JOB)
