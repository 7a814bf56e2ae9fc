"""What the components do when the infrastructure fails them, end to end: a registry or a
package index that answers with errors (through `faults.FailingProxy` in front of the real
server), a GitLab cache cut short, a disk that fills up while a report is written, and two
pipelines building the same dependencies image at once. Each ends in a clear failure, or a
recovery, never in a silent success; and no log shows a password or token.

Faults proven elsewhere are not repeated here (see docs/reliability.md): a registry that is
down or refuses the credentials (test_component_deps_image.py), an index that is down or
refuses the token (test_component_pypi_publish.py), a stale or missing lock file and a
`.venv` from another path (test_component_uv_cache.py, test_component_poetry_test.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from faults import FailingProxy, assert_secret_absent, full_filesystem, registry_writes
from test_component_deps_image import (
    BUILD,
    DIGEST_REFERENCE,
    RESOLVE,
    DepsRun,
    Setup,
    registry_with_base_image,
    run_pipeline,
)
from test_component_poetry_test import JOB as POETRY_JOB
from test_component_poetry_test import SAVED as POETRY_SAVED
from test_component_poetry_test import poetry_project
from test_component_pypi_publish import PACKAGE, TOKEN, Index, publish_project
from test_component_uv_cache import packages_fetched

from pipelines import EXECUTOR, PYTHON_VERSION, FixtureProject, PipelineRun, job_tools, render_component
from registry import storage_environment

pytestmark = pytest.mark.e2e

# --- deps-image ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    with registry_with_base_image(tmp_path_factory.mktemp("faults-registry")) as setup:
        yield setup


def deps_pipeline(base: Path, setup: Setup, registry_host: str, repository: str, **inputs: Any) -> FixtureProject:
    """deps-image's two jobs, pushing to `registry_host/repository`, the base image read from there too."""
    project = FixtureProject("deps-project", base / "project", job_tools(base / "bin"), base / "home")
    jobs = render_component(
        "deps-image",
        setup.inputs(
            image_repository=f"{registry_host}/{repository}",
            build_args=[f"BASE_IMAGE={registry_host}/base:1"],
            **inputs,
        ),
    )
    project.use_pipeline(jobs, ["test"])
    return project


@pytest.fixture(scope="module")
def push_answered_500(registry_setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """A pipeline whose pushes the registry answers with 500 (reads work), and its project."""
    with FailingProxy(registry_setup.registry.host, registry_writes, status=500) as proxy:
        project = deps_pipeline(tmp_path_factory.mktemp("push-500"), registry_setup, proxy.host, "faults/deps500")
        run = run_pipeline(project, registry_setup)
        yield project, run, proxy


def test_deps_image_push_answered_with_500_fails_clearly_and_hands_out_nothing(
    push_answered_500, registry_setup: Setup
) -> None:
    _, run, proxy = push_answered_500
    assert run.passed(RESOLVE), run.output[-3000:]
    assert run.failed(BUILD)
    log = run.log(BUILD)
    assert "deps-image: building" in log
    assert re.search(
        r"deps-image: pushing \S+ failed \(exit \d+, see above\): the registry failed or is unreachable", log
    )
    assert "500" in log
    assert proxy.refused, "the push never reached the registry"
    assert "DEPS_IMAGE" not in run.dotenv_reports.get(BUILD, {})
    assert registry_setup.registry.tags("faults/deps500-unprotected") == []
    assert_secret_absent(run.run, registry_setup.registry.password)


def manifest_writes(method: str, path: str) -> bool:
    return method == "PUT" and "/manifests/" in path


def test_deps_image_push_that_lands_but_is_answered_with_an_error_uses_the_image_that_landed(
    registry_setup: Setup, tmp_path: Path
) -> None:
    """As when another pipeline's push of the same tag lands while this one's fails: the
    registry holds the tag, so the job hands on the image the tag names instead of failing."""
    with FailingProxy(registry_setup.registry.host, manifest_writes, status=500, forward_first=True) as proxy:
        project = deps_pipeline(tmp_path, registry_setup, proxy.host, "faults/landed")
        run = run_pipeline(project, registry_setup)
    assert proxy.refused, "the push never reached the registry"
    assert run.passed(BUILD), run.output[-3000:]
    log = run.log(BUILD)
    assert "but its push failed while another pipeline pushed the same tag: using that image" in log
    assert registry_setup.registry.tags("faults/landed-unprotected") != []
    assert DIGEST_REFERENCE.fullmatch(run.dotenv_reports[BUILD]["DEPS_IMAGE"]), run.dotenv_reports


def test_deps_image_build_job_with_a_wrong_password_fails_at_login_without_showing_it(
    push_answered_500, registry_setup: Setup
) -> None:
    """The resolve job of the run above said "build"; the build job alone, with another password."""
    project, _, _ = push_answered_500
    wrong = "Wr0ng-registry-pa$$word-31337"
    run = project.run(BUILD, variables=registry_setup.variables(CI_REGISTRY_PASSWORD=wrong))
    assert run.failed(BUILD)
    log = run.log(BUILD)
    assert "deps-image: buildah login to 127.0.0.1:" in log and "failed (see above): check registry_user" in log
    assert "deps-image: building" not in log
    assert_secret_absent(run, wrong)


def test_deps_image_push_the_registry_forbids_fails_with_a_permission_message(
    registry_setup: Setup, tmp_path: Path
) -> None:
    with FailingProxy(registry_setup.registry.host, registry_writes, status=403) as proxy:
        project = deps_pipeline(tmp_path, registry_setup, proxy.host, "faults/deps403")
        run = run_pipeline(project, registry_setup)
    assert run.passed(RESOLVE) and run.failed(BUILD), run.output[-3000:]
    assert "deps-image: the registry refused to let ci-user push" in run.log(BUILD)
    assert "DEPS_IMAGE" not in run.dotenv_reports.get(BUILD, {})
    assert registry_setup.registry.tags("faults/deps403-unprotected") == []
    assert_secret_absent(run.run, registry_setup.registry.password)


def test_two_pipelines_building_the_same_hash_at_once_end_with_one_image_and_both_green(
    registry_setup: Setup, tmp_path: Path
) -> None:
    """Two projects with the same files, started together (no resource_group in gitlab-ci-local),
    each with its own Buildah store, as two runners would have (in containers, each build job's
    container has its own)."""
    host, repository = registry_setup.registry.host, "race/deps"
    projects = [deps_pipeline(tmp_path / name, registry_setup, host, repository) for name in ("a", "b")]
    runs: dict[int, DepsRun] = {}

    def run(number: int) -> None:
        storage = storage_environment(tmp_path / f"store-{number}") if EXECUTOR == "shell" else {}
        runs[number] = run_pipeline(projects[number], registry_setup, **storage)

    threads = [threading.Thread(target=run, args=(number,)) for number in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=900)
    assert sorted(runs) == [0, 1]
    for result in runs.values():
        assert result.passed(RESOLVE) and result.passed(BUILD), result.output[-3000:]
        assert_secret_absent(result.run, registry_setup.registry.password)
    tags = registry_setup.registry.tags(f"{repository}-unprotected")
    assert len(tags) == 1, tags
    digest = registry_setup.registry.digest(f"{repository}-unprotected", tags[0])
    images = {result.dotenv(BUILD)["DEPS_IMAGE"] for result in runs.values()}
    assert images == {f"{host}/{repository}-unprotected@{digest}"}
    assert all(DIGEST_REFERENCE.match(image) for image in images)


# --- pypi-publish ----------------------------------------------------------------------


def index_variables(port: int) -> dict[str, str]:
    return {
        "TEST_INDEX_PORT": str(port),
        "TEST_INDEX_TOKEN": TOKEN,
        "CI_COMMIT_TAG": "v0.1.0",
        "CI_COMMIT_REF_PROTECTED": "true",
    }


@pytest.fixture(scope="module")
def index_fault_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    """An empty pypiserver index (pypiserver in a virtual environment of its own)."""
    venv = tmp_path_factory.mktemp("faults-pypiserver") / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "pypiserver==2.4.2", "passlib==1.7.4"], check=True
    )
    index = Index(venv, tmp_path_factory.mktemp("faults-index"))
    yield index
    index.server.stop()


@pytest.fixture(scope="module")
def upload_refused(index_fault_setup: Index, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """The package built and published through a proxy that answers its upload with 409."""
    base = tmp_path_factory.mktemp("upload-409")
    project = publish_project(base, (job_tools(base / "bin"), base / "home"))
    uploads = lambda method, path: method == "POST"  # noqa: E731
    with FailingProxy(f"127.0.0.1:{index_fault_setup.port}", uploads, status=409) as proxy:
        run = project.run(variables=index_variables(proxy.port))
    return project, run, proxy


def test_upload_the_index_refuses_with_409_fails_clearly_and_stores_nothing(upload_refused, index_fault_setup) -> None:
    _, run, proxy = upload_refused
    assert run.passed("pypi-build"), run.output[-4000:]
    assert run.failed("pypi-publish")
    log = run.log("pypi-publish")
    assert "409" in log
    assert "pypi-publish: 'uv publish' failed (exit" in log
    assert "run the job again with on_existing: skip to finish" in log
    assert "pypi-publish: published" not in log
    assert proxy.refused
    assert index_fault_setup.files() == {}
    assert_secret_absent(run, TOKEN)


def test_index_answering_the_look_up_with_500_fails_before_uploading(upload_refused, index_fault_setup) -> None:
    project, _, _ = upload_refused
    lookups = lambda method, path: method == "GET"  # noqa: E731
    with FailingProxy(f"127.0.0.1:{index_fault_setup.port}", lookups, status=500) as proxy:
        run = project.run("pypi-publish", variables=index_variables(proxy.port))
    assert run.failed("pypi-publish")
    log = run.log("pypi-publish")
    assert re.search(
        rf"pypi-publish: looking up {PACKAGE} on "
        rf"http://127\.0\.0\.1:{proxy.port}/simple/ failed: HTTP 500",
        log,
    )
    assert "Uploading" not in log
    assert index_fault_setup.files() == {}
    assert_secret_absent(run, TOKEN)


# --- uv-cache --------------------------------------------------------------------------


def uv_pipeline(project: FixtureProject, **inputs: object) -> None:
    project.use_pipeline(render_component("uv-cache", {"python_version": PYTHON_VERSION, **inputs}), ["test"])


@pytest.fixture(scope="module")
def uv_warmed(tmp_path_factory: pytest.TempPathFactory) -> tuple[FixtureProject, PipelineRun]:
    base = tmp_path_factory.mktemp("uv-faults")
    project = FixtureProject("uv-project", base / "project", job_tools(base / "bin"), base / "home")
    uv_pipeline(project, lint=False)
    return project, project.run("uv-test")


def uv_cache_archive(project: FixtureProject) -> Path:
    (cache,) = project.caches.iterdir()
    return cache / ".uv-cache" / "venv.tar"


def cut_short(archive: Path, cut: Callable[[Path], int]) -> None:
    """The archive ending where `cut` says, as a cache archive that was cut short restores."""
    archive.write_bytes(archive.read_bytes()[: cut(archive)])


def cut_half_way(archive: Path) -> int:
    """Where the archive ends when it is cut in the middle of a file's bytes: tar fails on it."""
    return archive.stat().st_size // 2


def cut_between_two_files(archive: Path) -> int:
    """Where the archive ends when it is cut just before a file's header: tar reads it without an
    error and leaves half of the environment."""
    with tarfile.open(archive) as cached:
        members = cached.getmembers()
    return members[len(members) // 2].offset


@pytest.mark.parametrize("cut", [cut_half_way, cut_between_two_files])
def test_uv_cache_archive_cut_short_is_rebuilt_and_the_next_pipeline_downloads_nothing(
    uv_warmed, cut: Callable[[Path], int]
) -> None:
    """As a cache archive that is cut short restores: the environment's archive ends early. The test
    job, which writes the cache, finds its checksum changed, builds the environment and saves it."""
    project, warm = uv_warmed
    assert warm.passed("uv-test"), warm.output[-3000:]
    archive = uv_cache_archive(project)
    cut_short(archive, cut)

    run = project.run()
    assert run.passed("uv-test"), run.output[-3000:]
    log = run.log("uv-test")
    assert "uv-cache: the cached environment is damaged (its checksum differs): uv builds it anew" in log
    assert packages_fetched(log) == 19
    assert "uv-cache: environment saved to the cache" in log
    again = project.run()
    assert again.passed("uv-test"), again.output[-3000:]
    assert packages_fetched(again.log("uv-test")) == 0, "the rebuilt environment was not saved"
    assert "uv-cache: environment restored from the cache" in again.log("uv-test")


@pytest.fixture(scope="module")
def poetry_warmed(tmp_path_factory: pytest.TempPathFactory) -> FixtureProject:
    project = poetry_project(tmp_path_factory.mktemp("poetry-faults"))
    first = project.run()
    assert first.passed(POETRY_JOB), first.output[-3000:]
    return project


@pytest.mark.parametrize("cut", [cut_half_way, cut_between_two_files])
def test_poetry_test_venv_archive_cut_short_is_built_anew_and_saved(
    poetry_warmed: FixtureProject, cut: Callable[[Path], int]
) -> None:
    (archive,) = poetry_warmed.caches.glob("*/.poetry-test/venv.tar")
    cut_short(archive, cut)
    run = poetry_warmed.run()
    assert run.passed(POETRY_JOB), run.output[-3000:]
    log = run.log(POETRY_JOB)
    assert "poetry-test: the cached .venv is damaged (its checksum is not its stamp's): Poetry installs it anew" in log
    assert POETRY_SAVED.search(log), log[-2000:]
    again = poetry_warmed.run()
    assert "poetry-test: using the cached .venv" in again.log(POETRY_JOB), again.output[-3000:]


def run_needing_poetry(project: FixtureProject) -> PipelineRun:
    """A run whose .venv Poetry must install: the .venv's stamp is gone, so Poetry starts."""
    (stamp,) = project.caches.glob("*/.poetry-test/venv.stamp")
    stamp.unlink()
    return project.run()


def poetry_cut_half_way(archive: Path) -> None:
    cut_short(archive, cut_half_way)


def poetry_without_its_console(archive: Path) -> None:
    """The archive without Poetry's `poetry/console/` package, as an archive cut between two files
    can be: tar reads it without an error and Poetry's version still reads right, but
    `python -m poetry` cannot start."""
    kept = archive.with_suffix(".kept")
    with tarfile.open(archive) as source, tarfile.open(kept, "w") as target:
        for member in source.getmembers():
            if "/site-packages/poetry/console/" not in member.name:
                target.addfile(member, source.extractfile(member) if member.isfile() else None)
    kept.replace(archive)


@pytest.mark.parametrize("damage", [poetry_cut_half_way, poetry_without_its_console])
def test_poetry_test_poetry_archive_damaged_is_installed_anew_and_saved(
    poetry_warmed: FixtureProject, damage: Callable[[Path], None]
) -> None:
    """Poetry's own archive, damaged, is not used: a Poetry missing some of its files would fail
    the install with an import error, in every job until its version changed."""
    (archive,) = poetry_warmed.caches.glob("*/.poetry-test/poetry.tar")
    damage(archive)
    run = run_needing_poetry(poetry_warmed)
    assert run.passed(POETRY_JOB), run.output[-3000:]
    log = run.log(POETRY_JOB)
    assert "poetry-test: Poetry's cached archive is damaged (its checksum is not its stamp's)" in log
    assert "poetry-test: installing Poetry" in log
    again = run_needing_poetry(poetry_warmed)
    assert again.passed(POETRY_JOB), again.output[-3000:]
    assert re.search(r"poetry-test: Poetry \S+ restored from the cache", again.log(POETRY_JOB)), again.output[-3000:]


def test_poetry_test_poetry_archive_without_a_stamp_is_installed_anew_and_saved(poetry_warmed: FixtureProject) -> None:
    """As a cache an older poetry-test saved: Poetry's archive, with no stamp to check it against."""
    (stamp,) = poetry_warmed.caches.glob("*/.poetry-test/poetry.stamp")
    stamp.unlink()
    run = run_needing_poetry(poetry_warmed)
    assert run.passed(POETRY_JOB), run.output[-3000:]
    log = run.log(POETRY_JOB)
    assert "poetry-test: Poetry's cached archive has no stamp (an older poetry-test saved it)" in log
    assert "poetry-test: installing Poetry" in log
    assert list(poetry_warmed.caches.glob("*/.poetry-test/poetry.stamp")), "the new archive's stamp was not saved"


def test_report_written_to_a_full_disk_fails_the_test_job_clearly(uv_warmed, tmp_path: Path) -> None:
    project, _ = uv_warmed
    with full_filesystem(tmp_path / "full") as mount:
        (project.path / "reports").symlink_to(mount)
        uv_pipeline(project, lint=False, junit_path="reports/report.xml", coverage_path="reports/coverage.xml")
        try:
            # In a container the link leads to the full filesystem mounted at the same path.
            run = project.run("uv-test", volumes=[f"{mount}:{mount}"])
        finally:
            # gitlab-ci-local copies the artifacts back into the project, over the link.
            link = project.path / "reports"
            shutil.rmtree(link) if link.is_dir() and not link.is_symlink() else link.unlink()
            uv_pipeline(project, lint=False)
    assert run.failed("uv-test"), run.output[-3000:]
    log = run.log("uv-test")
    assert "No space left on device" in log
    assert "uv-cache: reports/report.xml is empty or cut short (is the disk full?)" in log
