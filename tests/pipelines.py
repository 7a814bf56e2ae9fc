"""Run a component's jobs on a fixture project with gitlab-ci-local, as the end-to-end tests do.

The component is rendered by the harness into a plain pipeline, put into a fresh git
copy of a fixture project, and run by gitlab-ci-local with one of two executors, chosen
by CI_CATALOG_EXECUTOR:

- `container` (the default): as a runner's Docker executor does, each job runs in a fresh
  container of the image its `image:` names, through podman. The images are look-alikes
  that scripts/setup-images builds under the real images' names (docs/images.md), so a
  script that calls a tool its image lacks fails here as it would on GitLab. The project
  is copied into the container's build directory, caches and artifacts travel between
  jobs through gitlab-ci-local's state folder.
- `shell`, for machines without podman: each job runs on this machine in a build
  directory of its own (`--shell-isolation`); the `image:` keys are dropped and the
  machine provides what the images would hold: the test setup puts the pinned uv and this
  machine's Python on the jobs' PATH (`job_tools`).
"""

from __future__ import annotations

import base64
import functools
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import yaml

from ci_catalog.render import RenderOptions, render_path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GITLAB_CI_LOCAL = ROOT / ".tools" / "node_modules" / ".bin" / "gitlab-ci-local"
SETUP_IMAGES = ROOT / "scripts" / "setup-images"
# podman on the store of look-alike images, which gitlab-ci-local runs the jobs with.
JOB_PODMAN = ROOT / "scripts" / "images" / "job-podman"
EXECUTORS = ("container", "shell")
EXECUTOR = os.environ.get("CI_CATALOG_EXECUTOR", "container")
if EXECUTOR not in EXECUTORS:
    raise RuntimeError(f"CI_CATALOG_EXECUTOR={EXECUTOR!r}: use one of {', '.join(EXECUTORS)}")
# The Python the jobs run: in containers that of the images the components name by
# default (uv's python3.13 images, python:3.13-slim), in shell mode this machine's.
HOST_PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
PYTHON_VERSION = "3.13" if EXECUTOR == "container" else HOST_PYTHON_VERSION
# The pinned uv, a test dependency installed next to this interpreter.
UV = Path(sys.executable).parent / "uv"
# A job's CI_PROJECT_DIR in a container: gitlab-ci-local's /builds/<group>/<project>, with the
# group and project it falls back to for a repository without a remote (src/git-data.ts).
CONTAINER_PROJECT_DIR = Path("/builds/fallback.group/fallback.project")
# Where a machine that trusts certificate authorities of its own (a proxy that intercepts
# TLS) keeps them; the jobs' containers then get this machine's bundle, as a runner's
# configuration would give it.
_LOCAL_AUTHORITIES = Path("/usr/local/share/ca-certificates")
_HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Where gitlab-ci-local's --ca-file puts the bundle in a job's container.
_CONTAINER_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

# Variables of this process that must not reach a job: they would point it at the
# harness's own virtual environment or configuration instead of the job's.
_PRIVATE_VARIABLES = re.compile(
    r"^(VIRTUAL_ENV|PYTHON\w*|UV_\w*|POETRY_\w*|CI\w*|GITLAB\w*|GCL_\w*|PYTEST\w*|COV_\w*)$"
)


def require_gitlab_ci_local() -> Path:
    if not GITLAB_CI_LOCAL.exists():
        raise AssertionError(f"{GITLAB_CI_LOCAL} is missing: run `scripts/setup --test` to install gitlab-ci-local")
    return GITLAB_CI_LOCAL


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
    """The certificate bundle the jobs' containers are given: CI_CATALOG_JOB_CA_FILE (empty for none),
    or this machine's bundle when it trusts authorities of its own, so that the jobs reach PyPI through
    the same proxy as this machine."""
    explicit = os.environ.get("CI_CATALOG_JOB_CA_FILE")
    if explicit is not None:
        return Path(explicit) if explicit else None
    if _HOST_CA_BUNDLE.is_file() and any(_LOCAL_AUTHORITIES.rglob("*.crt")):
        return _HOST_CA_BUNDLE
    return None


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


def render_component(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The jobs a component gives for `inputs`, rendered by the harness."""
    result = render_path(ROOT / "templates" / name / "template.yml", RenderOptions(inputs=inputs))
    assert not result.problems, [problem.message for problem in result.problems]
    return result.data


def without_images(jobs: dict[str, Any]) -> dict[str, Any]:
    """The jobs with `image:` removed: the shell executor provides the image's tools."""
    return {name: _without_image(job) for name, job in jobs.items()}


def _without_image(job: Any) -> Any:
    if isinstance(job, dict):
        return {key: value for key, value in job.items() if key != "image"}
    return job


@dataclass
class PipelineRun:
    returncode: int
    output: str
    project: Path
    # Each job's log and dotenv report, read as soon as the run ends: the next run
    # overwrites the files.
    logs: dict[str, str]
    dotenv_reports: dict[str, dict[str, str]]
    executor: str = EXECUTOR

    def passed(self, job: str) -> bool:
        return re.search(rf"^\s*PASS\s+{re.escape(job)}(\s|$)", self.output, re.MULTILINE) is not None

    def failed(self, job: str) -> bool:
        return re.search(rf"^\s*FAIL\s+{re.escape(job)}(\s|$)", self.output, re.MULTILINE) is not None

    def coverage(self, job: str) -> str | None:
        """The coverage figure gitlab-ci-local read from the job's log with its `coverage:` regex."""
        found = re.search(rf"^\s*PASS\s+{re.escape(job)}\s+(\S+)% coverage", self.output, re.MULTILINE)
        return found.group(1) if found else None

    def dotenv(self, job: str) -> dict[str, str]:
        """The variables of a job's dotenv reports, as the jobs after it receive them."""
        name = _safe_job_name(job)
        assert name in self.dotenv_reports, f"{job} left no dotenv report:\n{self.output[-3000:]}"
        return self.dotenv_reports[name]

    def log(self, job: str) -> str:
        """Everything the job printed, from gitlab-ci-local's per-job log."""
        name = _safe_job_name(job)
        assert name in self.logs, f"no log for {job!r}; gitlab-ci-local said:\n{self.output[-3000:]}"
        return self.logs[name]

    def artifact(self, job: str, path: str) -> Path:
        return self.project / ".gitlab-ci-local" / "artifacts" / _safe_job_name(job) / path

    def build_dir(self, job: str) -> Path:
        """The job's checkout as the job left it (in containers: copied out of its build volume
        when the project was run with `keep_builds`)."""
        return self.project / ".gitlab-ci-local" / "builds" / _safe_job_name(job)

    def ci_project_dir(self, job: str) -> Path:
        """The job's CI_PROJECT_DIR as the job saw it."""
        return CONTAINER_PROJECT_DIR if self.executor == "container" else self.build_dir(job)


def files_changed_since(folder: Path, moment_ns: int) -> list[str]:
    """Entries under `folder` modified after `moment_ns`.

    A runner's cache archiver skips the archive and the upload ("Archive is up to date!")
    when no file in the cache paths is newer than its last archive; gitlab-ci-local keeps
    file times when it copies a cache, so this tells whether a runner would upload again.
    """
    return [str(path.relative_to(folder)) for path in folder.rglob("*") if path.lstat().st_mtime_ns > moment_ns]


def junit_counts(path: Path) -> tuple[str | None, str | None]:
    """The `tests` and `failures` counts of a JUnit report."""
    root = ElementTree.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None, f"{path} has no testsuite"
    return suite.get("tests"), suite.get("failures")


def is_cobertura(path: Path) -> bool:
    return ElementTree.parse(path).getroot().tag == "coverage"


def _safe_job_name(job: str) -> str:
    """gitlab-ci-local's file name for a job: each run of other characters base64-encoded."""
    return re.sub(
        r"[^\w-]+", lambda run: base64.b64encode(run.group().encode()).decode().rstrip("="), job, flags=re.ASCII
    )


@dataclass
class ColdAndWarm:
    """A pipeline run twice on one project: first with no cache, then with the caches of the first run."""

    project: FixtureProject
    cold: PipelineRun
    warm: PipelineRun
    # For each cache folder, the entries the warm run changed (see `files_changed_since`).
    changed: dict[str, list[str]]


def run_cold_then_warm(project: FixtureProject) -> ColdAndWarm:
    cold = project.run()
    # A runner checks the project out afresh in every pipeline; gitlab-ci-local would keep
    # the build folders, and with them what a fresh checkout makes tools redo.
    shutil.rmtree(project.path / ".gitlab-ci-local" / "builds", ignore_errors=True)
    time.sleep(0.05)  # so that the warm run's start is later than any time the cold run wrote
    warm_began = time.time_ns()
    warm = project.run()
    caches = (project.path / ".gitlab-ci-local" / "cache").iterdir()
    return ColdAndWarm(project, cold, warm, {cache.name: files_changed_since(cache, warm_began) for cache in caches})


class FixtureProject:
    """A git repository made from a fixture project, with a pipeline to run on it."""

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
        home.mkdir(parents=True, exist_ok=True)
        self._git("init", "-q", "-b", "main")
        self.commit("fixture project")

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
    ) -> PipelineRun:
        """Run the pipeline (or `jobs`) as gitlab-ci-local does.

        `volumes` (`host:container`) are mounted into every job's container, as a runner's
        `volumes` setting would; `environment` is added to gitlab-ci-local's (and podman's);
        `keep_builds` copies each job's build directory out of its container (`build_dir`).
        """
        command = [str(require_gitlab_ci_local()), "--no-color", *self._executor_options(volumes)]
        if keep_builds and self.executor == "container":
            command.append("--no-cleanup")
        for name, value in (variables or {}).items():
            command += ["--variable", f"{name}={value}"]
        command += list(jobs)
        volumes_before = self._job_volumes() if keep_builds and self.executor == "container" else set()
        done = subprocess.run(
            command,
            cwd=self.path,
            env={**self._environment(), **(environment or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if keep_builds and self.executor == "container":
            self._copy_out_builds(self._job_volumes() - volumes_before)
        return PipelineRun(
            done.returncode,
            done.stdout + done.stderr,
            self.path,
            self._job_logs(),
            self._dotenv_reports(),
            self.executor,
        )

    def _executor_options(self, volumes: Sequence[str]) -> list[str]:
        if self.executor == "shell":
            return ["--force-shell-executor", "--shell-isolation"]
        require_job_images()
        # The host's network: the test servers (registry, package index) listen on 127.0.0.1.
        options = ["--container-executable", str(JOB_PODMAN), "--pull-policy", "if-not-present", "--network", "host"]
        ca_file = job_ca_file()
        if ca_file is not None:
            # gitlab-ci-local mounts it over the image's bundle and sets SSL_CERT_FILE, which
            # OpenSSL, pip and uv read; requests (Poetry) reads only its own variable.
            options += ["--ca-file", str(ca_file), "--variable", f"REQUESTS_CA_BUNDLE={_CONTAINER_CA_BUNDLE}"]
        for volume in volumes:
            options += ["--volume", volume]
        return options

    def _job_volumes(self) -> set[str]:
        return {name for name in job_podman("volume", "ls", "--format", "{{.Name}}").split() if name.startswith("gcl-")}

    def _copy_out_builds(self, volumes: set[str]) -> None:
        """Each job's build volume copied to its build_dir; then the run's containers and volumes removed,
        which gitlab-ci-local was told to leave (`--no-cleanup`)."""
        builds = self.path / ".gitlab-ci-local" / "builds"
        for volume in sorted(volumes):
            found = re.fullmatch(r"gcl-(?P<job>.+)-\d+-build", volume)
            if found:
                source = Path(job_podman("volume", "inspect", "--format", "{{.Mountpoint}}", volume).strip())
                shutil.rmtree(builds / found["job"], ignore_errors=True)
                shutil.copytree(source, builds / found["job"], symlinks=True)
        for volume in volumes:
            containers = job_podman("ps", "--all", "--quiet", "--filter", f"volume={volume}").split()
            if containers:
                job_podman("rm", "--force", "--volumes", *containers)
        if volumes:
            job_podman("volume", "rm", "--force", *volumes)

    def _job_logs(self) -> dict[str, str]:
        folder = self.path / ".gitlab-ci-local" / "output"
        return {log.stem: log.read_text(errors="replace") for log in folder.glob("*.log")}

    def _dotenv_reports(self) -> dict[str, dict[str, str]]:
        reports: dict[str, dict[str, str]] = {}
        for job in (self.path / ".gitlab-ci-local" / "artifacts").glob("*"):
            for report in sorted((job / ".gitlab-ci-reports" / "dotenv").rglob("*")):
                if report.is_file():
                    lines = report.read_text().splitlines()
                    reports.setdefault(job.name, {}).update(line.split("=", 1) for line in lines if "=" in line)
        return reports

    def _environment(self) -> dict[str, str]:
        environment = {name: value for name, value in os.environ.items() if not _PRIVATE_VARIABLES.match(name)}
        system_path = [
            entry
            for entry in os.environ.get("PATH", "").split(os.pathsep)
            if entry and entry != str(Path(sys.executable).parent)
        ]
        environment["PATH"] = os.pathsep.join([str(self.tools), *system_path])
        environment["HOME"] = str(self.home)
        # Many parallel DNS look-ups stall on this machine: keep downloads few at a time.
        environment["UV_CONCURRENT_DOWNLOADS"] = "4"
        environment["POETRY_INSTALLER_MAX_WORKERS"] = "2"
        return environment

    def _git(self, *args: str, check: bool = True) -> None:
        subprocess.run(["git", *args], cwd=self.path, check=check, capture_output=True)
