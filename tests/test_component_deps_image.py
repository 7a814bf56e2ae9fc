"""deps-image, end to end: its jobs rendered by the harness and run by gitlab-ci-local against a
real container registry (Debian's docker-registry on 127.0.0.1, htpasswd auth), building with
Buildah (vfs storage, chroot isolation) on a tiny busybox base image made by the test setup.

In containers the resolve job runs in the skopeo look-alike, the build job builds and
pushes with Buildah inside the Buildah look-alike, and the consumer job runs in the image
that was built, pulled from the registry by its digest. In shell mode Buildah and skopeo
are this machine's, with a store of the test's own, and the consumer job opens the image
with Buildah.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipelines import EXECUTOR, FIXTURES, FixtureProject, PipelineRun, job_tools, render_component
from registry import Registry, install_container_tools, push_base_image, storage_environment
from servers import free_port

RESOLVE, BUILD = "deps-image-resolve", "deps-image-build"
CONSUMER, LOST_CONSUMER = "use-deps", "lost-consumer"
REPOSITORY = "demo/app/deps"
DIGEST_REFERENCE = re.compile(r"^(?P<repository>[^@\s]+)@(?P<digest>sha256:[0-9a-f]{64})$")


class Setup:
    """The registry, the store Buildah uses, and the base image the fixture's Dockerfile builds on."""

    def __init__(self, registry: Registry, storage: dict[str, str]) -> None:
        self.registry = registry
        self.storage = storage
        self.base_image = f"{registry.host}/base:1"
        self._pull_environment: dict[str, str] | None = None

    def inputs(self, **overrides: Any) -> dict[str, Any]:
        return {
            "image_repository": f"{self.registry.host}/{REPOSITORY}",
            "registry_tls_verify": False,
            "build_args": [f"BASE_IMAGE={self.base_image}"],
            **overrides,
        }

    def variables(self, **overrides: str) -> dict[str, str]:
        """The jobs' variables; in shell mode they also point the jobs' Buildah at the test's store
        (in containers each job has the store of its own container)."""
        return {
            "CI_REGISTRY_USER": self.registry.user,
            "CI_REGISTRY_PASSWORD": self.registry.password,
            **(self.storage if EXECUTOR == "shell" else {}),
            **overrides,
        }

    def pull_environment(self) -> dict[str, str]:
        """What podman needs to pull the built image, for a job that runs in it: the registry's
        plain HTTP and its credentials (on GitLab, the runner's access to the project's registry)."""
        if self._pull_environment is None:
            folder = self.registry.folder / "pull"
            folder.mkdir(exist_ok=True)
            registries = folder / "registries.conf"
            registries.write_text(f'[[registry]]\nlocation = "{self.registry.host}"\ninsecure = true\n')
            token = base64.b64encode(f"{self.registry.user}:{self.registry.password}".encode()).decode()
            auth = folder / "auth.json"
            auth.write_text(json.dumps({"auths": {self.registry.host: {"auth": token}}}))
            self._pull_environment = {"CONTAINERS_REGISTRIES_CONF": str(registries), "REGISTRY_AUTH_FILE": str(auth)}
        return self._pull_environment


@contextlib.contextmanager
def registry_with_base_image(folder: Path) -> Iterator[Setup]:
    """A running registry in `folder`, holding the base image the fixture's Dockerfile builds on."""
    install_container_tools()
    registry = Registry(folder / "registry")
    registry.start()
    try:
        storage = storage_environment(folder / "containers")
        result = Setup(registry, storage)
        push_base_image(registry, storage, folder / "base", result.base_image)
        yield result
    finally:
        registry.stop()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    with registry_with_base_image(tmp_path_factory.mktemp("deps-image-registry")) as result:
        yield result


# What the consumer job shows of the image it runs in.
SHOW_THE_IMAGE = """cat /deps/installed; echo "ready=$DEPS_READY"; ls /deps"""


def consumer_jobs() -> dict[str, Any]:
    """A job of the user's that `needs` the build job and runs in the image.

    In shell mode, where no job runs in an image, it opens the image with Buildah."""
    if EXECUTOR == "container":
        script = [SHOW_THE_IMAGE]
    else:
        pull = 'buildah from --quiet --tls-verify=false --creds "$CI_REGISTRY_USER:$CI_REGISTRY_PASSWORD" "$DEPS_IMAGE"'
        script = [
            f"container=$({pull})",
            f"""buildah run --isolation chroot "$container" -- sh -c '{SHOW_THE_IMAGE}'""",
            'buildah rm "$container" >/dev/null',
        ]
    return {CONSUMER: {"extends": ".deps-image-consumer", "stage": "test", "script": script}}


# A job of the user's that forgot to `needs` the build job.
LOST_CONSUMER_JOB = {
    "extends": ".deps-image-consumer",
    "stage": "test",
    "needs": [],
    "script": ["echo this must not run"],
}


def deps_project(base: Path, setup: Setup, consumers: bool = True, **inputs: Any) -> FixtureProject:
    project = FixtureProject("deps-project", base / "project", job_tools(base / "bin"), base / "home")
    jobs = render_component("deps-image", setup.inputs(**inputs))
    if consumers:
        jobs.update(consumer_jobs())
    project.use_pipeline(jobs, ["test"])
    return project


@dataclass
class DepsRun:
    """A pipeline run, with the tags of the protected and the unprotected repository when it ended."""

    run: PipelineRun
    tags: dict[str, list[str]]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.run, name)


def run_pipeline(project: FixtureProject, setup: Setup, *jobs: str, **variables: str) -> DepsRun:
    run = project.run(*jobs, variables=setup.variables(**variables), environment=setup.pull_environment())
    tags = {name: setup.registry.tags(name) for name in (REPOSITORY, f"{REPOSITORY}-unprotected")}
    return DepsRun(run, tags)


def canonical_hash(project: Path, files: list[str], build_args: list[str], dockerfile: str, platform: str) -> str:
    """The hash the component documents, computed independently of its shell script."""
    stream = b""
    for path in sorted({*files, dockerfile}):
        file = project / path
        stream += path.encode() + b"\0" + (file.read_bytes() if file.is_file() else b"<absent>") + b"\0"
    for arg in build_args:
        stream += b"build-arg\0" + arg.encode() + b"\0"
    stream += b"dockerfile\0" + dockerfile.encode() + b"\0platform\0" + platform.encode() + b"\0format\0deps-image/1\0"
    return hashlib.sha256(stream).hexdigest()


@pytest.fixture(scope="module")
def runs(setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> dict[str, DepsRun]:
    """One project's pipeline: first run, run again unchanged, after a lock change, then on a protected ref."""
    project = deps_project(tmp_path_factory.mktemp("deps-image"), setup)
    result = {"first": run_pipeline(project, setup)}
    result["again"] = run_pipeline(project, setup)
    lock = (project.path / "uv.lock").read_text()
    project.write("uv.lock", lock.replace('version = "3.10"', 'version = "3.11"'))
    project.commit("update idna")
    result["lock changed"] = run_pipeline(project, setup)
    result["protected"] = run_pipeline(project, setup, CI_COMMIT_REF_PROTECTED="true")
    return result


def test_defaults_are_pinned_and_the_build_is_daemonless() -> None:
    jobs = render_component("deps-image", {})
    assert jobs[RESOLVE]["image"]["name"] == "quay.io/skopeo/stable:v1.20.0"
    assert jobs[BUILD]["image"]["name"] == "quay.io/buildah/stable:v1.42.1"
    assert "services" not in jobs[BUILD]
    assert jobs[BUILD]["variables"]["STORAGE_DRIVER"] == "vfs"
    assert "--isolation chroot" in jobs[BUILD]["script"][1]
    assert jobs[BUILD]["resource_group"] == "deps-image-build"
    assert jobs[RESOLVE]["variables"]["DEPS_IMAGE_REPOSITORY"] == "$CI_REGISTRY_IMAGE/deps"
    assert (
        jobs[RESOLVE]["variables"]["DEPS_HASH_FILES"]
        == 'list: ["pyproject.toml", "poetry.lock", "uv.lock", "Dockerfile"]'
    )
    assert jobs[".deps-image-consumer"]["image"] == "$DEPS_IMAGE"
    assert jobs[".deps-image-consumer"]["needs"] == [{"job": BUILD, "artifacts": True}]


@pytest.mark.e2e
def test_first_run_builds_pushes_and_hands_out_the_image_pinned_by_digest(runs, setup: Setup) -> None:
    first = runs["first"]
    assert first.passed(RESOLVE) and first.passed(BUILD), first.output[-3000:]
    resolved = first.dotenv(RESOLVE)
    assert resolved["DEPS_BUILD_NEEDED"] == "true"
    assert "is not in the registry: deps-image-build will build it" in first.log(RESOLVE)
    assert "deps-image: building" in first.log(BUILD)
    image = DIGEST_REFERENCE.match(first.dotenv(BUILD)["DEPS_IMAGE"])
    assert image, first.dotenv(BUILD)
    # An unprotected ref (gitlab-ci-local's default) pushes to the separate repository.
    assert image["repository"] == f"{setup.registry.host}/{REPOSITORY}-unprotected"
    assert setup.registry.digest(f"{REPOSITORY}-unprotected", resolved["DEPS_TAG"]) == image["digest"]
    assert first.tags == {REPOSITORY: [], f"{REPOSITORY}-unprotected": [resolved["DEPS_TAG"]]}


@pytest.mark.e2e
def test_tag_is_the_documented_hash_of_the_dependency_files(runs, setup: Setup) -> None:
    files = ["pyproject.toml", "poetry.lock", "uv.lock", "Dockerfile"]
    build_args = [f"BASE_IMAGE={setup.base_image}"]
    # poetry.lock is not in the fixture project: it counts as absent.
    assert not (FIXTURES / "deps-project" / "poetry.lock").exists()
    first = canonical_hash(FIXTURES / "deps-project", files, build_args, "Dockerfile", "linux/amd64")
    assert runs["first"].dotenv(RESOLVE)["DEPS_HASH"] == first
    assert runs["first"].dotenv(RESOLVE)["DEPS_TAG"] == f"deps-{first}"
    # The project as the last run saw it, with its lock file changed.
    last = canonical_hash(runs["protected"].project, files, build_args, "Dockerfile", "linux/amd64")
    assert runs["protected"].dotenv(RESOLVE)["DEPS_HASH"] == last != first


@pytest.mark.e2e
def test_consumer_runs_in_the_built_image_made_from_the_hashed_files_only(runs) -> None:
    first = runs["first"]
    assert first.passed(CONSUMER), first.output[-3000:]
    log = first.log(CONSUMER)
    image = first.dotenv(BUILD)["DEPS_IMAGE"]
    assert f"deps-image: running in {image}" in log
    assert "dependencies installed" in log
    assert "ready=1" in log
    listing = log[log.index("ready=1") :]
    assert "uv.lock" in listing and "pyproject.toml" in listing
    # The build context is the hashed files: the application code never reaches the image.
    assert "src" not in listing.split()


@pytest.mark.e2e
def test_consumer_without_needs_fails_with_the_guard_message(setup: Setup, tmp_path: Path) -> None:
    """With the shell executor: its `image: $DEPS_IMAGE` expands to nothing, for which gitlab-ci-local's
    container mode pulls `:latest` and fails the whole pipeline, where a runner starts the job in its
    default image and the guard speaks."""
    project = FixtureProject(
        "deps-project", tmp_path / "project", job_tools(tmp_path / "bin"), tmp_path / "home", executor="shell"
    )
    project.use_pipeline({**render_component("deps-image", setup.inputs()), LOST_CONSUMER: LOST_CONSUMER_JOB}, ["test"])
    run = project.run(LOST_CONSUMER, variables=setup.variables())
    assert run.failed(LOST_CONSUMER)
    log = run.log(LOST_CONSUMER)
    assert "deps-image: DEPS_IMAGE not set: the job must `needs` deps-image-build" in log
    assert "this must not run" not in log.replace("echo this must not run", "")


@pytest.mark.e2e
def test_unchanged_run_builds_nothing_and_hands_out_the_same_digest(runs) -> None:
    first, again = runs["first"], runs["again"]
    assert again.passed(RESOLVE) and again.passed(BUILD) and again.passed(CONSUMER), again.output[-3000:]
    assert again.dotenv(RESOLVE)["DEPS_BUILD_NEEDED"] == "false"
    image = first.dotenv(BUILD)["DEPS_IMAGE"]
    assert again.dotenv(BUILD)["DEPS_IMAGE"] == image
    assert f"deps image up to date: {image}" in again.log(BUILD)
    assert "deps-image: building" not in again.log(BUILD)
    assert f"deps-image: running in {image}" in again.log(CONSUMER)


@pytest.mark.e2e
def test_lock_change_gives_a_new_tag_and_a_new_image(runs, setup: Setup) -> None:
    first, changed = runs["first"], runs["lock changed"]
    assert changed.passed(BUILD) and changed.passed(CONSUMER), changed.output[-3000:]
    old, new = first.dotenv(RESOLVE), changed.dotenv(RESOLVE)
    assert new["DEPS_TAG"] != old["DEPS_TAG"]
    assert new["DEPS_BUILD_NEEDED"] == "true"
    assert changed.dotenv(BUILD)["DEPS_IMAGE"] != first.dotenv(BUILD)["DEPS_IMAGE"]
    assert changed.tags[f"{REPOSITORY}-unprotected"] == sorted([old["DEPS_TAG"], new["DEPS_TAG"]])


@pytest.mark.e2e
def test_protected_ref_does_not_trust_the_unprotected_image(runs, setup: Setup) -> None:
    changed, protected = runs["lock changed"], runs["protected"]
    assert protected.passed(BUILD) and protected.passed(CONSUMER), protected.output[-3000:]
    resolved = protected.dotenv(RESOLVE)
    assert resolved["DEPS_TAG"] == changed.dotenv(RESOLVE)["DEPS_TAG"]
    assert resolved["DEPS_REPOSITORY"] == f"{setup.registry.host}/{REPOSITORY}"
    assert resolved["DEPS_BUILD_NEEDED"] == "true"
    image = DIGEST_REFERENCE.match(protected.dotenv(BUILD)["DEPS_IMAGE"])
    assert image and image["repository"] == f"{setup.registry.host}/{REPOSITORY}"
    assert protected.tags[REPOSITORY] == [resolved["DEPS_TAG"]]


@pytest.mark.e2e
def test_wrong_credentials_fail_with_an_authentication_message_and_build_nothing(setup: Setup, tmp_path: Path) -> None:
    project = deps_project(tmp_path, setup, consumers=False, image_repository=f"{setup.registry.host}/auth/deps")
    run = run_pipeline(project, setup, CI_REGISTRY_PASSWORD="not-the-password")
    assert run.failed(RESOLVE)
    assert not run.passed(BUILD)
    log = run.log(RESOLVE)
    assert "deps-image: cannot query registry (auth)" in log
    assert "not-the-password" not in log
    assert "will build it" not in log
    assert setup.registry.tags("auth/deps-unprotected") == []


@pytest.mark.e2e
def test_anonymous_query_refused_by_the_registry_is_an_authentication_failure_not_a_missing_tag(
    setup: Setup, tmp_path: Path
) -> None:
    project = deps_project(tmp_path, setup, consumers=False)
    run = run_pipeline(project, setup, RESOLVE, CI_REGISTRY_USER="", CI_REGISTRY_PASSWORD="")
    assert run.failed(RESOLVE)
    log = run.log(RESOLVE)
    assert "deps-image: cannot query registry (auth) while asking for" in log
    assert "will build it" not in log


@pytest.mark.e2e
def test_registry_that_is_down_fails_clearly(setup: Setup, tmp_path: Path) -> None:
    project = deps_project(tmp_path, setup, consumers=False, image_repository=f"127.0.0.1:{free_port()}/demo/deps")
    run = run_pipeline(project, setup)
    assert run.failed(RESOLVE)
    assert not run.passed(BUILD)
    log = run.log(RESOLVE)
    assert "deps-image: registry unreachable or failing while logging in to 127.0.0.1:" in log
    assert "connection refused" in log


@pytest.mark.e2e
def test_force_rebuild_builds_even_though_the_tag_exists(runs, setup: Setup, tmp_path: Path) -> None:
    # The same files and inputs as the first run of `runs`, whose tag is in the registry.
    project = deps_project(tmp_path, setup, consumers=False, force_rebuild=True)
    run = run_pipeline(project, setup)
    assert run.passed(BUILD), run.output[-3000:]
    resolved = run.dotenv(RESOLVE)
    assert resolved["DEPS_TAG"] == runs["first"].dotenv(RESOLVE)["DEPS_TAG"]
    assert "exists:" in run.log(RESOLVE)
    assert "force_rebuild is on" in run.log(RESOLVE)
    assert resolved["DEPS_BUILD_NEEDED"] == "true"
    assert "deps-image: built and pushed" in run.log(BUILD)
    assert DIGEST_REFERENCE.match(run.dotenv(BUILD)["DEPS_IMAGE"])
