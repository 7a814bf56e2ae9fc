"""Run a component's jobs on a fixture project, as the end-to-end tests do: a thin layer over the
runner of `ci-catalog run` (ci_catalog.local.runner), which owns gitlab-ci-local.

The component is rendered by the harness into a plain pipeline, committed into a git copy
of a fixture project, and run as `ci-catalog run` runs a pipeline: from a fresh checkout,
with the state (caches, artifacts, logs) in a folder beside the project, with one of two
executors, chosen by CI_CATALOG_EXECUTOR:

- `container` (the default): each job in a fresh container of the image its `image:`
  names, through podman on the store of look-alike images that scripts/setup-images
  builds under the real images' names (docs/images.md): a script that calls a tool its
  image lacks fails here as it would on GitLab. The jobs have the host's network (the
  test servers listen on 127.0.0.1) and, on a machine that trusts certificate
  authorities of its own, its certificate bundle: a runner's configuration of this machine.
- `shell`, for machines without podman: each job on this machine in a build folder of its
  own; the machine provides what the images would hold: the pinned uv and this machine's
  Python on the jobs' PATH (`job_tools`).

What is here and not in the runner is the tests' own: fixture projects, the jobs' tools and
home folder, and helpers that read reports.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from xml.etree import ElementTree

import yaml

from ci_catalog.local import gitlab_ci_local
from ci_catalog.local.cases import cache_entries_changed_since
from ci_catalog.local.runner import (
    CONTAINER_PROJECT_DIR,
    EXECUTORS,
    PipelineRun,
    RunOptions,
    State,
    job_environment,
    machine_ca_file,
    run_pipeline,
    without_images,
)
from ci_catalog.problems import Marks
from ci_catalog.processor.extends import extend_all
from ci_catalog.render import RenderOptions, render_path

__all__ = [
    "CONTAINER_PROJECT_DIR",
    "EXECUTOR",
    "FIXTURES",
    "GITLAB_CI_LOCAL",
    "HOST_PYTHON_VERSION",
    "PYTHON_VERSION",
    "ROOT",
    "UV",
    "ColdAndWarm",
    "FixtureProject",
    "PipelineRun",
    "cache_entries_changed_since",
    "cached_files",
    "is_cobertura",
    "job_ca_file",
    "job_podman",
    "job_tools",
    "junit_counts",
    "render_component",
    "require_gitlab_ci_local",
    "require_job_images",
    "run_cold_then_warm",
    "without_images",
]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The components' guide, whose deps-image Dockerfile the tests build and the benchmark follows.
COMPONENTS_GUIDE = ROOT / "docs" / "components.md"
GITLAB_CI_LOCAL = gitlab_ci_local.executable()
SETUP_IMAGES = ROOT / "scripts" / "setup-images"
# podman on the store of look-alike images, which gitlab-ci-local runs the jobs with.
JOB_PODMAN = ROOT / "scripts" / "images" / "job-podman"
EXECUTOR = os.environ.get("CI_CATALOG_EXECUTOR", "container")
if EXECUTOR not in EXECUTORS:
    raise RuntimeError(f"CI_CATALOG_EXECUTOR={EXECUTOR!r}: use one of {', '.join(EXECUTORS)}")
# The Python the jobs run: in containers that of the images the components name by
# default (uv's python3.13 images, python:3.13-slim), in shell mode this machine's.
HOST_PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
PYTHON_VERSION = "3.13" if EXECUTOR == "container" else HOST_PYTHON_VERSION
# The pinned uv, a test dependency installed next to this interpreter.
UV = Path(sys.executable).parent / "uv"


def require_gitlab_ci_local() -> Path:
    """The pinned gitlab-ci-local (installed into the cache folder first if it is not there)."""
    return gitlab_ci_local.ensure_installed()


@functools.cache
def require_job_images() -> None:
    """The look-alike images, built by scripts/setup-images unless they are up to date (about a second)."""
    done = subprocess.run([str(SETUP_IMAGES)], capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(
            f"{SETUP_IMAGES} failed (exit {done.returncode}); on a machine without podman, run the tests "
            f"with CI_CATALOG_EXECUTOR=shell:\n{done.stderr[-3000:]}"
        )


def job_ca_file() -> Path | None:
    """The certificate bundle the jobs' containers are given (see `machine_ca_file`)."""
    return machine_ca_file()


@contextlib.contextmanager
def built_job_image(context: Path, tag: str, *options: str) -> Iterator[str]:
    """`tag`, built by podman (Buildah, chroot isolation) from `context` into the look-alike
    images' store for as long as the block runs, then removed. No intermediate images: a
    failed build leaves nothing behind in the store."""
    require_job_images()
    try:
        job_podman("build", "--quiet", "--isolation", "chroot", "--layers=false", *options, "--tag", tag, str(context))
        yield tag
    finally:
        job_podman("rmi", "--force", "--ignore", tag)


def job_podman(*args: str) -> str:
    """Run podman on the look-alike images' store; its output."""
    done = subprocess.run([str(JOB_PODMAN), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def job_tools(bin_dir: Path) -> Path:
    """A folder of what the job images hold: the pinned uv and a Python interpreter."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    if not UV.exists():
        raise AssertionError(f"{UV} is missing: run `scripts/setup --test` (uv is a test dependency)")
    base_python = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    links = {"uv": UV, "python": base_python, "python3": base_python, f"python{PYTHON_VERSION}": base_python}
    for name, target in links.items():
        link = bin_dir / name
        if not link.exists():
            link.symlink_to(target)
    return bin_dir


def render_component(name: str, inputs: dict[str, Any], templates: Path = ROOT / "templates") -> dict[str, Any]:
    """The jobs a component gives for `inputs`, rendered by the harness (from another `templates` folder:
    the pipeline benchmark's templates of an earlier revision)."""
    result = render_path(templates / name / "template.yml", RenderOptions(inputs=inputs))
    assert not result.problems, [problem.message for problem in result.problems]
    return result.data


def merged_jobs(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """A component's jobs for `inputs`, each with its `extends` merged in by the harness, as GitLab merges them."""
    extended = extend_all(render_component(name, inputs), Marks())
    assert extended.error is None, extended.error
    return extended.data


def cached_files(project: FixtureProject) -> list[str]:
    """The files of every cache the project's runs left, relative to its key's folder."""
    return sorted(
        path.relative_to(key).as_posix()
        for key in project.caches.iterdir()
        for path in key.rglob("*")
        if path.is_file()
    )


def cached_archive_names(project: FixtureProject, archive: str) -> list[str]:
    """The names in a tar file the project's cache holds, by its path in the cache (`.uv-cache/venv.tar`)."""
    (path,) = project.caches.glob(f"*/{archive}")
    with tarfile.open(path) as cached:
        return cached.getnames()


def bytecode_in(names: list[str]) -> dict[str, bool]:
    """Whether a cached environment's archive (its `names`) holds the source of a module the fixture
    projects' tests never import (pydantic's v1 models), its bytecode, and the bytecode of one they
    import (httpx's client)."""
    return {
        "never imported, source": any(name.endswith("/site-packages/pydantic/v1/main.py") for name in names),
        "never imported, bytecode": any(
            "/site-packages/pydantic/v1/" in name and name.endswith(".pyc") for name in names
        ),
        "imported, bytecode": any(
            re.search(r"/site-packages/httpx/__pycache__/_client\.cpython-3\d+\.pyc$", name) for name in names
        ),
    }


def add_a_failing_test(project: FixtureProject) -> FixtureProject:
    """The project, with a test that fails committed to it (one failure among its tests)."""
    project.write("tests/test_broken.py", "def test_broken():\n    assert 1 + 1 == 3\n")
    project.commit("a failing test")
    return project


def junit_counts(path: Path) -> tuple[str | None, str | None]:
    """The `tests` and `failures` counts of a JUnit report."""
    root = ElementTree.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None, f"{path} has no testsuite"
    return suite.get("tests"), suite.get("failures")


def is_cobertura(path: Path) -> bool:
    return ElementTree.parse(path).getroot().tag == "coverage"


@dataclass
class ColdAndWarm:
    """A pipeline run twice on one project: first with no cache, then with the caches of the first run."""

    project: FixtureProject
    cold: PipelineRun
    warm: PipelineRun
    # For each cache folder, the entries the warm run changed (see `cache_entries_changed_since`).
    changed: dict[str, list[str]]


def run_cold_then_warm(project: FixtureProject) -> ColdAndWarm:
    cold = project.run()
    time.sleep(0.05)  # so that the warm run's start is later than any time the cold run wrote
    warm_began = time.time_ns()
    warm = project.run()
    caches = project.caches.iterdir()
    return ColdAndWarm(
        project, cold, warm, {cache.name: cache_entries_changed_since(cache, warm_began) for cache in caches}
    )


class FixtureProject:
    """A git repository made from a fixture project, with a pipeline to run on it; its state folder
    (caches, artifacts, logs) is beside it, `<path>.state`."""

    def __init__(
        self,
        fixture: str,
        path: Path,
        tools: Path,
        home: Path,
        subfolder: str | None = None,
        executor: str = EXECUTOR,
    ) -> None:
        # `subfolder`: where in the repository the fixture goes (a project of a monorepo).
        assert executor in EXECUTORS, executor
        shutil.copytree(FIXTURES / fixture, path / subfolder if subfolder else path)
        self.path = path
        self.tools = tools
        self.home = home
        self.executor = executor
        self.state = State(path.parent / f"{path.name}.state")
        home.mkdir(parents=True, exist_ok=True)
        self._git("init", "-q", "-b", "main")
        self.commit("fixture project")

    @property
    def caches(self) -> Path:
        """gitlab-ci-local's cache folder: one folder per cache key, kept from run to run."""
        return self.state.caches

    def use_pipeline(self, jobs: dict[str, Any], stages: list[str]) -> None:
        pipeline = {"stages": stages, **(jobs if self.executor == "container" else without_images(jobs))}
        (self.path / ".gitlab-ci.yml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
        self.commit("pipeline")

    def write(self, relative: str, text: str) -> None:
        (self.path / relative).write_text(text)

    def tag(self, name: str) -> None:
        self._git("tag", name)

    def set_remote(self, url: str) -> None:
        """Give the repository an `origin`: gitlab-ci-local takes the project's path from it, and a job's
        CI_PROJECT_DIR in a container is /builds/<that path>."""
        self._git("remote", "remove", "origin", check=False)
        self._git("remote", "add", "origin", url)

    def commit(self, message: str) -> None:
        self._git("add", "-A")
        self._git(
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            message,
        )

    def run(
        self,
        *jobs: str,
        variables: dict[str, str] | None = None,
        timeout: float = 600,
        volumes: Sequence[str] = (),
        environment: dict[str, str] | None = None,
        keep_builds: bool = False,
        echo: TextIO | None = None,
    ) -> PipelineRun:
        """Run the pipeline (or only `jobs`, without the jobs they need) as `ci-catalog run` does.

        `volumes` (`host:container`) are mounted into every job's container, as a runner's
        `volumes` setting would; `environment` is added to gitlab-ci-local's (and podman's);
        `keep_builds` copies each job's build folder out of its container (`build_dir`);
        `echo` is given gitlab-ci-local's output line by line as it comes.
        """
        pipeline = yaml.safe_load((self.path / ".gitlab-ci.yml").read_text())
        options = self._options(jobs, variables, timeout, volumes, environment, keep_builds)
        options.echo = echo
        return run_pipeline(self.path, pipeline, self.state, options)

    def _options(
        self,
        jobs: Sequence[str],
        variables: dict[str, str] | None,
        timeout: float,
        volumes: Sequence[str],
        environment: dict[str, str] | None,
        keep_builds: bool,
    ) -> RunOptions:
        if self.executor == "container":
            require_job_images()
        return RunOptions(
            executor=self.executor,
            jobs=jobs,
            needs=False,
            variables=variables or {},
            container_executable=str(JOB_PODMAN),
            # The host's network: the test servers (registry, package index) listen on 127.0.0.1.
            networks=["host"],
            volumes=volumes,
            ca_file=job_ca_file(),
            environment={**self._own_environment(), **(environment or {})},
            keep_builds=keep_builds,
            timeout=timeout,
        )

    def _own_environment(self) -> dict[str, str]:
        """What the tests add to the jobs' environment: the job tools first on PATH, a home of their own,
        and few downloads at once (many parallel DNS look-ups stall on this machine)."""
        path = job_environment(RunOptions())["PATH"]
        return {
            "PATH": os.pathsep.join([str(self.tools), path]),
            "HOME": str(self.home),
            "UV_CONCURRENT_DOWNLOADS": "4",
            "POETRY_INSTALLER_MAX_WORKERS": "2",
        }

    def _git(self, *args: str, check: bool = True) -> None:
        subprocess.run(["git", *args], cwd=self.path, check=check, capture_output=True)


def documented_block(language: str, holding: str) -> str:
    """The first fenced block of `language` in docs/components.md that holds `holding`."""
    for block in re.findall(rf"```{language}\n(.*?)```", COMPONENTS_GUIDE.read_text(encoding="utf-8"), re.DOTALL):
        if holding in block:
            return str(block)
    raise AssertionError(f"{COMPONENTS_GUIDE} has no {language} block holding {holding!r}")


def documented_dockerfile() -> str:
    """The uv Dockerfile docs/components.md gives for deps-image."""
    return documented_block("dockerfile", "FROM ")


def dockerfile_run_commands(dockerfile: str) -> str:
    """The shell commands of a Dockerfile's RUN instructions, joined with `&&` (comments and
    line continuations as Docker reads them)."""
    lines = [line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")]
    instructions = re.split(r"\n(?=[A-Z]+ )", "\n".join(lines).replace("\\\n", " "))
    return " && ".join(line.removeprefix("RUN ").strip() for line in instructions if line.startswith("RUN "))
