"""poetry-test, end to end: its jobs rendered by the harness and run by gitlab-ci-local on a Poetry project.

What catalog.yml's test cases for poetry-test express (`ci-catalog test`: the cold job
installing Poetry, the warm one unpacking the .venv without starting Poetry or reaching the
network and leaving the caches as restored, the reports, the failures with their messages)
is not repeated here; these tests check what the cases cannot: what the caches hold, reports'
contents, caches changed between runs, another project path or Python, a full disk, the matrix.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from faults import full_filesystem

from pipelines import (
    EXECUTOR,
    PYTHON_VERSION,
    ColdAndWarm,
    FixtureProject,
    add_a_failing_test,
    built_job_image,
    bytecode_in,
    cache_entries_changed_since,
    cached_archive_names,
    cached_files,
    is_cobertura,
    job_tools,
    junit_counts,
    render_component,
    require_gitlab_ci_local,
    run_cold_then_warm,
)

JOB = f"poetry-test: [{PYTHON_VERSION}]"
SAVED = re.compile(r"poetry-test: \.venv saved to the cache \(\d+ KiB\): the runner uploads it")


def poetry_project(base: Path, **inputs: object) -> FixtureProject:
    project = FixtureProject("poetry-project", base / "project", job_tools(base / "bin"), base / "home")
    use_component(project, **inputs)
    return project


def use_component(project: FixtureProject, **inputs: object) -> None:
    jobs = render_component("poetry-test", {"python_versions": [PYTHON_VERSION], **inputs})
    project.use_pipeline(jobs, ["test"])


@pytest.fixture(scope="module")
def warmed(tmp_path_factory: pytest.TempPathFactory) -> ColdAndWarm:
    return run_cold_then_warm(poetry_project(tmp_path_factory.mktemp("poetry-test")))


@pytest.mark.e2e
def test_job_leaves_junit_and_cobertura_reports(warmed) -> None:
    warm = warmed.warm
    assert junit_counts(warm.artifact(JOB, "report.xml")) == ("3", "0")
    assert is_cobertura(warm.artifact(JOB, "coverage.xml"))


@pytest.mark.e2e
def test_caches_hold_the_venv_and_poetry_each_as_one_file_with_its_stamp(warmed) -> None:
    assert cached_files(warmed.project) == [
        ".poetry-test/poetry.stamp",
        ".poetry-test/poetry.tar",
        ".poetry-test/venv.stamp",
        ".poetry-test/venv.tar",
    ]


def cached_poetry_packages(project: FixtureProject) -> set[str]:
    """The top-level names in site-packages of the Poetry environment the cache holds."""
    found = (
        re.match(r"poetry/lib/python[^/]+/site-packages/([^/]+)/", name)
        for name in cached_archive_names(project, ".poetry-test/poetry.tar")
    )
    return {match[1] for match in found if match}


@pytest.mark.e2e
def test_poetry_is_cached_without_a_pip_of_its_own(warmed) -> None:
    """The image's pip installs Poetry into its environment (python:*-slim's pip is 22.3 or later)."""
    packages = cached_poetry_packages(warmed.project)
    assert "poetry" in packages
    assert "pip" not in packages
    assert "gets its own" not in warmed.cold.log(JOB)


@pytest.mark.e2e
def test_cached_venv_holds_bytecode_only_for_what_the_tests_imported(warmed) -> None:
    """Saved after the tests: httpx's client was imported by them, pydantic's v1 modules never."""
    names = cached_archive_names(warmed.project, ".poetry-test/venv.tar")
    assert bytecode_in(names) == {
        "never imported, source": True,
        "never imported, bytecode": False,
        "imported, bytecode": True,
    }


@pytest.mark.e2e
def test_venv_is_compiled_whole_where_python_writes_no_bytecode(tmp_path: Path) -> None:
    """With PYTHONDONTWRITEBYTECODE the tests write no bytecode: every module is compiled at install."""
    project = poetry_project(tmp_path)
    run = project.run(variables={"PYTHONDONTWRITEBYTECODE": "1"})
    assert run.passed(JOB), run.output[-3000:]
    assert bytecode_in(cached_archive_names(project, ".poetry-test/venv.tar"))["never imported, bytecode"]


@pytest.mark.e2e
def test_cold_job_starts_poetry_once_and_saves_the_venv(warmed) -> None:
    log = warmed.cold.log(JOB)
    assert "Package operations: 18 installs" in log
    assert SAVED.search(log), log[-2000:]


@pytest.mark.e2e
def test_warm_job_neither_starts_poetry_nor_saves_anything(warmed) -> None:
    log = warmed.warm.log(JOB)
    assert "poetry-test: using the cached .venv" in log
    for started_poetry in ("installing Poetry", "Poetry 2.5.1 restored", "Package operations", "Installing"):
        assert started_poetry not in log
    assert not SAVED.search(log)


@pytest.mark.e2e
def test_changed_pyproject_updates_the_venv_and_saves_it_under_the_same_key(tmp_path: Path) -> None:
    """Only the lock file is in the key: a pyproject.toml change the lock allows is seen by the stamp."""
    project = poetry_project(tmp_path)
    assert project.run().passed(JOB)
    pyproject = (project.path / "pyproject.toml").read_text()
    project.write("pyproject.toml", pyproject.replace('description = "', 'description = "Changed: '))
    project.commit("a new description")
    began = time.time_ns()
    run = project.run()
    assert run.passed(JOB), run.output[-3000:]
    log = run.log(JOB)
    assert "poetry-test: updating the cached .venv: it was made for another poetry.lock or project" in log
    assert "Poetry 2.5.1 restored from the cache" in log
    assert SAVED.search(log)
    changed = [
        path
        for key in project.caches.iterdir()
        for path in cache_entries_changed_since(key, began)
        if (key / path).is_file()
    ]
    assert sorted(changed) == [".poetry-test/venv.stamp", ".poetry-test/venv.tar"]


@pytest.mark.e2e
def test_venv_restored_from_another_project_path_is_discarded_and_rebuilt(warmed, tmp_path: Path) -> None:
    project = warmed.project
    # The same cache key now restores a .venv made under a different CI_PROJECT_DIR: in shell
    # mode another job name is another build directory; in a container the project's
    # path (from its remote) is, as when a project moves to another group.
    use_component(project, job_prefix="moved")
    project.set_remote("https://gitlab.example.com/moved-group/moved-project.git")
    run = project.run()
    job = f"moved-test: [{PYTHON_VERSION}]"
    assert run.passed(job), run.output[-3000:]
    assert "poetry-test: discarding incompatible cached .venv" in run.log(job)
    assert "Package operations: 18 installs" in run.log(job)


@pytest.mark.e2e
def test_venv_made_with_another_python_is_discarded_and_rebuilt(warmed) -> None:
    project = warmed.project
    use_component(project, job_prefix="otherpy")
    # What the stamp of a .venv made in another image says.
    (stamp,) = project.caches.glob("*/.poetry-test/venv.stamp")
    made_from = stamp.read_text().split("\n", 1)
    stamp.write_text("image python:3.9-slim, Python 3.9, Poetry 2.5.1\n" + made_from[1])
    run = project.run()
    job = f"otherpy-test: [{PYTHON_VERSION}]"
    assert run.passed(job), run.output[-3000:]
    assert "poetry-test: discarding incompatible cached .venv (made for image python:3.9-slim, Python 3.9," in run.log(
        job
    )
    assert "Package operations: 18 installs" in run.log(job)


@pytest.mark.e2e
def test_report_written_to_a_full_disk_fails_the_job_clearly(warmed, tmp_path: Path) -> None:
    project = warmed.project
    with full_filesystem(tmp_path / "full") as mount:
        (project.path / "reports").symlink_to(mount)
        use_component(project, junit_path="reports/report.xml", coverage_path="reports/coverage.xml")
        try:
            # In a container the link leads to the full filesystem mounted at the same path.
            run = project.run(volumes=[f"{mount}:{mount}"])
        finally:
            # gitlab-ci-local copies the artifacts back into the project, over the link.
            link = project.path / "reports"
            shutil.rmtree(link) if link.is_dir() and not link.is_symlink() else link.unlink()
            use_component(project)
    assert run.failed(JOB), run.output[-3000:]
    log = run.log(JOB)
    assert "No space left on device" in log
    assert "poetry-test: reports/report.xml is empty or cut short (is the disk full?)" in log


@pytest.mark.e2e
def test_stale_lock_fails_and_says_to_run_poetry_lock(tmp_path: Path) -> None:
    project = poetry_project(tmp_path)
    pyproject = (project.path / "pyproject.toml").read_text()
    project.write("pyproject.toml", pyproject.replace('"pydantic>=2.7",', '"pydantic>=2.7",\n    "idna>=3",'))
    project.commit("add a dependency without locking it")
    run = project.run()
    assert run.failed(JOB)
    log = run.log(JOB)
    assert "pyproject.toml changed significantly since poetry.lock was last generated" in log
    assert "run 'poetry lock' and commit poetry.lock" in log


@pytest.mark.e2e
def test_failing_test_is_counted_in_the_report(tmp_path: Path) -> None:
    run = add_a_failing_test(poetry_project(tmp_path)).run()
    assert run.failed(JOB)
    assert junit_counts(run.artifact(JOB, "report.xml")) == ("4", "1")


@pytest.mark.e2e
def test_venv_built_by_a_job_whose_tests_fail_is_cached_for_the_next_run(tmp_path: Path) -> None:
    """A merge request with a failing test does not build the .venv again on its next push."""
    project = add_a_failing_test(poetry_project(tmp_path))
    first = project.run()
    assert first.failed(JOB)
    assert SAVED.search(first.log(JOB)), first.log(JOB)[-2000:]
    assert cached_files(project) == [
        ".poetry-test/poetry.stamp",
        ".poetry-test/poetry.tar",
        ".poetry-test/venv.stamp",
        ".poetry-test/venv.tar",
    ]
    second = project.run()
    assert second.failed(JOB)
    assert "poetry-test: using the cached .venv" in second.log(JOB)
    assert "1 failed, 3 passed" in second.log(JOB)


@pytest.mark.e2e
def test_system_package_names_are_checked_before_apt_get_runs(tmp_path: Path) -> None:
    project = poetry_project(tmp_path, system_packages=["libpq-dev", "evil; touch pwned"])
    run = project.run(keep_builds=True)
    assert run.failed(JOB)
    assert "poetry-test: not Debian package names in system_packages: evil; touch pwned" in run.log(JOB)
    assert not (run.build_dir(JOB) / "pwned").exists()


@pytest.mark.e2e
def test_python_versions_become_one_job_each(tmp_path: Path) -> None:
    versions = ["3.11", "3.12", "3.13", "3.14"]
    project = FixtureProject("poetry-project", tmp_path / "project", tmp_path / "bin", tmp_path / "home")
    use_component(project, python_versions=versions)
    listed = subprocess.run(
        [require_gitlab_ci_local(), "--list-json"], cwd=project.path, capture_output=True, text=True, check=True
    )
    jobs = json.loads(listed.stdout[listed.stdout.index("[") :])
    assert [job["name"] for job in jobs] == [f"poetry-test: [{version}]" for version in versions]


@pytest.mark.e2e
@pytest.mark.skipif(EXECUTOR != "container", reason="builds an image: needs the container executor")
def test_image_without_pip_gives_poetry_a_pip_of_its_own(tmp_path: Path) -> None:
    """A Python with venv but no pip (Debian's python3 with python3-venv, say) still gets Poetry."""
    context = tmp_path / "context"
    context.mkdir()
    (context / "Containerfile").write_text(
        f"FROM docker.io/library/python:{PYTHON_VERSION}-slim\n"
        "RUN rm -rf /usr/lib/python3/dist-packages/pip /usr/local/lib/python3*/site-packages/pip"
        " && ! python3 -m pip --version\n"
    )
    tag = f"localhost/ci-catalog-test/python-without-pip-{os.getpid()}:{PYTHON_VERSION}"
    with built_job_image(context, tag) as image:
        project = poetry_project(tmp_path, image=image)
        run = project.run()
        assert run.passed(JOB), run.output[-3000:]
    log = run.log(JOB)
    assert "poetry-test: the image's Python has no pip that installs into another environment" in log
    assert "Package operations: 18 installs" in log
    assert "pip" in cached_poetry_packages(project)
