"""Run a merged pipeline with gitlab-ci-local, as a runner would run it: `run` and `test` use this.

Every run starts from a fresh checkout of the project (`local/checkout.py`) in a state
folder outside the project: the project's work tree is never written to. The state folder
holds, per project:

- `checkout/`: the fresh checkout, made again for every run;
- `pipeline.yml`: the merged pipeline the run was given (for the shell executor without
  its `image:` keys, which that executor cannot honour: the machine provides the tools);
- `gitlab-ci-local/`: gitlab-ci-local's own state: `cache/` (one folder per cache key,
  kept from run to run as a runner's cache is, emptied by `cold`), `artifacts/` (a job's
  are replaced when it runs again), `builds/` and `output/` (emptied at every run);
- `logs/`: each job's log of the last run, the default logs folder.

The jobs run with one of gitlab-ci-local's executors:

- `container`: each job in a fresh container of its `image:`, started by the container
  engine (podman, or docker), as a runner's Docker executor runs it; images are pulled only
  when the engine does not have them. A machine that trusts certificate authorities of its
  own (an intercepting proxy) gives the jobs its bundle (`ca_file`), as a runner's
  configuration would.
- `shell`: each job on this machine in a build folder of its own (`--shell-isolation`),
  with the machine's tools.

The results are read from gitlab-ci-local's report (`PASS`/`WARN`/`FAIL`, one line a
job), its `finished in` lines (each job's time) and its state folder (logs, artifacts,
dotenv reports), as `src/commander.ts` and `src/job.ts` of gitlab-ci-local 4.72.0 write
them.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from ci_catalog.emit import to_yaml
from ci_catalog.exits import UsageError
from ci_catalog.local.checkout import CheckoutError, fresh_checkout
from ci_catalog.local.gitlab_ci_local import ensure_installed
from ci_catalog.userdirs import cache_home
from ci_catalog.writing import replace_tree

EXECUTORS = ("container", "shell")
# Where gitlab-ci-local's --ca-file puts the bundle in a job's container.
CONTAINER_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# A job's CI_PROJECT_DIR in a container for a repository without a remote: gitlab-ci-local's
# /builds/<group>/<project> with the names it falls back to (src/git-data.ts).
CONTAINER_PROJECT_DIR = Path("/builds/fallback.group/fallback.project")
# A machine that trusts authorities of its own keeps them here (Debian's update-ca-certificates).
_LOCAL_AUTHORITIES = Path("/usr/local/share/ca-certificates")
_HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Variables of this process that must not reach gitlab-ci-local or a shell job: they describe
# this machine's Python environment and tools (ci-catalog's own), an outer CI job, or are
# gitlab-ci-local's own options (GCL_*), not the pipeline's.
_PRIVATE_VARIABLES = re.compile(
    r"^(VIRTUAL_ENV|PYTHON\w*|UV_\w*|POETRY_\w*|CI\w*|GITLAB\w*|GCL_\w*|PYTEST\w*|COV_\w*)$"
)
# Proxy settings that lead nowhere (the discard port), for a shell job that must not download.
_NOWHERE = "http://127.0.0.1:9"
_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
_REPORT_LINE = re.compile(r"^ (?P<status>PASS|WARN|FAIL) +(?P<rest>.*?) *$", re.MULTILINE)
# `<job> starting <image or shell> (<stage>)`: the jobs that started (src/job.ts).
_STARTING_LINE = re.compile(r"^(?P<name>\S.*?) +starting .* \([^()]*\)$", re.MULTILINE)
_UNITS = {"ns": 1e-9, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0}


class RunError(Exception):
    """The pipeline could not be run at all (not a job that failed): the message says why."""


@dataclass
class RunOptions:
    executor: str = "shell"
    jobs: Sequence[str] = ()
    # With `jobs`: also the jobs they need (or, without `needs:`, those of earlier stages).
    needs: bool = True
    variables: Mapping[str, str] = field(default_factory=dict)
    cold: bool = False
    # No job may download anything: in containers no network, in the shell proxies that lead nowhere.
    offline: bool = False
    container_executable: str = "podman"
    networks: Sequence[str] = ()
    volumes: Sequence[str] = ()  # host:container, mounted into every job's container
    ca_file: Path | None = None
    # Added to this process's environment (less the private variables) for gitlab-ci-local
    # and the shell jobs: PATH and HOME, say.
    environment: Mapping[str, str] = field(default_factory=dict)
    # In containers: copy each job's build folder out of its volume before it is removed.
    keep_builds: bool = False
    timeout: float | None = None
    # Where gitlab-ci-local's output goes while it runs (nowhere: None).
    echo: TextIO | None = None


@dataclass(frozen=True)
class State:
    """A project's state folder (see the module's documentation)."""

    folder: Path

    @property
    def checkout(self) -> Path:
        return self.folder / "checkout"

    @property
    def pipeline_file(self) -> Path:
        return self.folder / "pipeline.yml"

    @property
    def tool(self) -> Path:
        return self.folder / "gitlab-ci-local"

    @property
    def caches(self) -> Path:
        return self.tool / "cache"

    @property
    def artifacts(self) -> Path:
        return self.tool / "artifacts"

    @property
    def builds(self) -> Path:
        return self.tool / "builds"

    @property
    def output(self) -> Path:
        return self.tool / "output"

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Held for a whole run: two runs on one state folder would mix their caches and checkouts."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UsageError(
                    f"another run is using the state folder {self.folder}: wait for it, or give --state-dir"
                ) from None
            yield


def default_state_folder(root: Path, kind: str = "runs") -> Path:
    """The state folder of the project at `root`: in ci-catalog's cache, by the project's path."""
    resolved = root.resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    name = re.sub(r"[^\w.-]+", "-", resolved.name, flags=re.ASCII).strip("-.") or "project"
    return cache_home() / kind / f"{name}-{digest}"


@dataclass
class JobResult:
    name: str
    status: str  # passed, failed, or allowed to fail (`warned`)
    seconds: float | None
    coverage: str | None = None
    log_file: Path | None = None


@dataclass
class PipelineRun:
    """What a run did: gitlab-ci-local's exit code and output, and each job's result.

    The logs and dotenv reports are read when the run ends (the next run replaces the files);
    artifacts and build folders are the state folder's (see `artifact`, `build_dir`).
    """

    returncode: int
    output: str
    project: Path  # the project's folder, which the run was made from and left alone
    state: State
    executor: str
    results: list[JobResult] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)  # by job name
    dotenv_reports: dict[str, dict[str, str]] = field(default_factory=dict)  # by job name
    logs_folder: Path | None = None
    seconds: float = 0.0

    @property
    def failures(self) -> list[JobResult]:
        return [job for job in self.results if job.status == "failed"]

    @property
    def ok(self) -> bool:
        """Every job that ran passed (or was allowed to fail), and gitlab-ci-local ran the pipeline."""
        return self.returncode == 0 and not self.failures

    def result(self, job: str) -> JobResult | None:
        return next((found for found in self.results if found.name == job), None)

    def passed(self, job: str) -> bool:
        found = self.result(job)
        return found is not None and found.status == "passed"

    def failed(self, job: str) -> bool:
        found = self.result(job)
        return found is not None and found.status in ("failed", "warned")

    def coverage(self, job: str) -> str | None:
        """The coverage figure gitlab-ci-local read from the job's log with its `coverage:` regex."""
        found = self.result(job)
        return found.coverage if found else None

    def log(self, job: str) -> str:
        """Everything the job printed."""
        assert job in self.logs, f"no log for {job!r}; gitlab-ci-local said:\n{self.output[-3000:]}"
        return self.logs[job]

    def dotenv(self, job: str) -> dict[str, str]:
        """The variables of a job's dotenv reports, as the jobs after it receive them."""
        assert job in self.dotenv_reports, f"{job} left no dotenv report:\n{self.output[-3000:]}"
        return self.dotenv_reports[job]

    def artifact(self, job: str, path: str) -> Path:
        """Where an artifact of the job is, `path` relative to the project (as `artifacts:paths` names it)."""
        return self.state.artifacts / safe_job_name(job) / path

    def build_dir(self, job: str) -> Path:
        """The job's build folder as the job left it (in containers only with `keep_builds`)."""
        return self.state.builds / safe_job_name(job)

    def ci_project_dir(self, job: str) -> Path:
        """The job's CI_PROJECT_DIR as the job saw it (in containers: for a project without a remote)."""
        return CONTAINER_PROJECT_DIR if self.executor == "container" else self.build_dir(job)


def run_pipeline(root: Path, pipeline: dict[str, Any], state: State, options: RunOptions) -> PipelineRun:
    """Run `pipeline` (the merged pipeline, as `expand` builds it) on a fresh checkout of the project at `root`."""
    if options.executor not in EXECUTORS:
        raise UsageError(f"executor {options.executor!r}: use one of {', '.join(EXECUTORS)}")
    if state.folder.resolve().is_relative_to(root.resolve()):
        raise UsageError(
            f"state folder {state.folder} is inside the project {root}: the fresh checkout would copy it, and the "
            "run would write into the project; give a --state-dir outside it"
        )
    if options.executor == "shell" and shutil.which("rsync") is None:
        # gitlab-ci-local copies caches and artifacts with rsync and ignores its absence:
        # every job would pass, and nothing would be cached.
        raise UsageError(
            "the shell executor needs rsync, which gitlab-ci-local copies caches and artifacts with, and it is "
            "not on PATH: install it (Debian: `apt-get install rsync`)"
        )
    with state.locked():
        tool = ensure_installed(options.echo)
        _prepare(root, pipeline, state, options)
        marker = _run_marker() if options.keep_builds and options.executor == "container" else None
        if marker is not None:
            options = replace(options, volumes=[*options.volumes, f"{marker}:{_MARKER_MOUNT}:ro"])
        began = time.monotonic()
        returncode, output = _gitlab_ci_local(tool, state, options)
        seconds = time.monotonic() - began
        if marker is not None:
            _copy_out_builds(state, options.container_executable, marker)
        run = PipelineRun(returncode, output, root, state, options.executor, seconds=seconds)
        run.results = job_results(output)
        run.logs = _job_logs(state, run.results)
        run.dotenv_reports = _dotenv_reports(state, run.results)
        return run


def _prepare(root: Path, pipeline: dict[str, Any], state: State, options: RunOptions) -> None:
    if options.cold:
        shutil.rmtree(state.tool, ignore_errors=True)
    # A runner starts each pipeline from a fresh checkout, and its logs are this run's.
    for folder in (state.builds, state.output):
        shutil.rmtree(folder, ignore_errors=True)
    try:
        fresh_checkout(root, state.checkout)
    except CheckoutError as error:
        raise RunError(f"cannot make a fresh checkout of {root}: {error}") from None
    if options.executor == "shell":
        pipeline = without_images(pipeline)
    state.pipeline_file.write_text(to_yaml(pipeline), encoding="utf-8")


def without_images(pipeline: dict[str, Any]) -> dict[str, Any]:
    """The pipeline without `image:` keys (jobs, hidden jobs, `default`): the shell executor runs
    every job on the machine, which provides the image's tools."""
    return {
        key: ({name: part for name, part in value.items() if name != "image"} if isinstance(value, dict) else value)
        for key, value in pipeline.items()
        if key != "image"
    }


def _gitlab_ci_local(tool: Path, state: State, options: RunOptions) -> tuple[int, str]:
    """Run gitlab-ci-local in the checkout; its exit code and what it printed (stdout and stderr as one)."""
    checkout = state.checkout
    command = [
        str(tool),
        "--no-color",
        # Relative to the checkout: gitlab-ci-local joins them to its working folder.
        "--file",
        os.path.relpath(state.pipeline_file, checkout),
        "--state-dir",
        os.path.relpath(state.tool, checkout),
        "--no-artifacts-to-source",
        *_executor_options(options),
    ]
    for name, value in options.variables.items():
        command += ["--variable", f"{name}={value}"]
    if options.jobs and options.needs:
        command.append("--needs")
    command += list(options.jobs)
    try:
        process = subprocess.Popen(
            command,
            cwd=checkout,
            env=job_environment(options),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except OSError as error:
        raise RunError(f"cannot start gitlab-ci-local ({tool}): {error}") from None
    return _follow(process, options)


def _follow(process: subprocess.Popen[str], options: RunOptions) -> tuple[int, str]:
    """Read the process's output to its end, echoing it; stop it at the timeout or an interrupt."""
    lines: list[str] = []
    deadline = None if options.timeout is None else time.monotonic() + options.timeout
    assert process.stdout is not None
    try:
        for line in process.stdout:
            lines.append(line)
            if options.echo is not None:
                options.echo.write(line)
                options.echo.flush()
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"gitlab-ci-local ran longer than {options.timeout} s:\n{''.join(lines)[-3000:]}")
        return process.wait(), "".join(lines)
    except BaseException:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        raise


def _executor_options(options: RunOptions) -> list[str]:
    if options.executor == "shell":
        return ["--force-shell-executor", "--shell-isolation"]
    command = ["--container-executable", options.container_executable, "--pull-policy", "if-not-present"]
    if options.keep_builds:
        command.append("--no-cleanup")  # the build volumes are copied out, then removed (_copy_out_builds)
    for network in ["none"] if options.offline else options.networks:
        command += ["--network", network]
    if options.ca_file is not None:
        # gitlab-ci-local mounts it over the image's bundle and sets SSL_CERT_FILE, which OpenSSL,
        # pip and uv read; requests (Poetry) reads only its own variable.
        command += ["--ca-file", str(options.ca_file), "--variable", f"REQUESTS_CA_BUNDLE={CONTAINER_CA_BUNDLE}"]
    for volume in options.volumes:
        command += ["--volume", volume]
    return command


def job_environment(options: RunOptions) -> dict[str, str]:
    """gitlab-ci-local's environment, which shell jobs inherit: this process's, less the private variables
    and ci-catalog's own bin folder on PATH, plus `options.environment`."""
    environment = {name: value for name, value in os.environ.items() if not _PRIVATE_VARIABLES.match(name)}
    own_bin = str(Path(sys.executable).parent)
    environment["PATH"] = os.pathsep.join(
        entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry and entry != own_bin
    )
    environment.update(options.environment)
    if options.offline and options.executor == "shell":
        environment.update(dict.fromkeys(_PROXY_VARIABLES, _NOWHERE))
        environment["NO_PROXY"] = environment["no_proxy"] = ""
    return environment


def machine_ca_file() -> Path | None:
    """The bundle the jobs' containers are given: CI_CATALOG_JOB_CA_FILE (empty for none), or this machine's
    bundle when it trusts authorities of its own, so that the jobs pass the same proxy as this machine."""
    explicit = os.environ.get("CI_CATALOG_JOB_CA_FILE")
    if explicit is not None:
        return Path(explicit) if explicit else None
    if _HOST_CA_BUNDLE.is_file() and any(_LOCAL_AUTHORITIES.rglob("*.crt")):
        return _HOST_CA_BUNDLE
    return None


def container_engine_works(executable: str) -> bool:
    """Whether the container engine answers (`podman info`): then the jobs can run in their images."""
    try:
        done = subprocess.run(
            [executable, "info"], capture_output=True, stdin=subprocess.DEVNULL, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


# ----- reading the results -----


def job_results(output: str) -> list[JobResult]:
    """Each job of gitlab-ci-local's closing report, with its time from the job's `finished in` line.

    Only jobs that started count: gitlab-ci-local also writes warnings that begin with ` WARN `."""
    started = {found["name"] for found in _STARTING_LINE.finditer(output)}
    results: dict[str, JobResult] = {}
    for found in _REPORT_LINE.finditer(output):
        status, rest = found["status"], found["rest"]
        if status == "WARN" and rest.endswith(" after_script"):
            continue  # the job's own result is on a line of its own
        coverage = re.search(r" +(\S+)% coverage$", rest) if status == "PASS" else None
        if coverage:
            rest = rest[: coverage.start()]
        name = rest.removesuffix(" pre_script").rstrip()
        if name not in started:
            continue
        kind = {"PASS": "passed", "WARN": "warned", "FAIL": "failed"}[status]
        results[name] = JobResult(name, kind, _seconds(output, name), coverage[1] if coverage else None)
    return list(results.values())


def _seconds(output: str, job: str) -> float | None:
    found = re.search(
        rf"^{re.escape(job)} +finished in (?P<value>[\d.]+) (?P<unit>ns|μs|ms|s|min|h)\b", output, re.MULTILINE
    )
    return float(found["value"]) * _UNITS[found["unit"]] if found else None


def safe_job_name(job: str) -> str:
    """gitlab-ci-local's file name for a job: each run of other characters base64-encoded (Utils.safeDockerString)."""
    return re.sub(
        r"[^\w-]+", lambda run: base64.b64encode(run.group().encode()).decode().rstrip("="), job, flags=re.ASCII
    )


def _job_logs(state: State, results: list[JobResult]) -> dict[str, str]:
    logs: dict[str, str] = {}
    for job in results:
        try:
            logs[job.name] = (state.output / f"{safe_job_name(job.name)}.log").read_text(errors="replace")
        except OSError:
            continue  # a job that wrote no log
    return logs


def _dotenv_reports(state: State, results: list[JobResult]) -> dict[str, dict[str, str]]:
    reports: dict[str, dict[str, str]] = {}
    for job in results:
        folder = state.artifacts / safe_job_name(job.name) / ".gitlab-ci-reports" / "dotenv"
        for report in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if report.is_file():
                lines = report.read_text(encoding="utf-8", errors="replace").splitlines()
                pairs = (line.split("=", 1) for line in lines if "=" in line)
                reports.setdefault(job.name, {}).update((name, value) for name, value in pairs)
    return reports


def write_logs(run: PipelineRun, folder: Path) -> Path:
    """Each job's log in `folder` (replaced whole: it holds this run's logs only), named after the job."""
    check_logs_folder(folder)
    files: dict[str, str] = {}
    for job in run.results:
        if job.name in run.logs:
            name = log_file_name(job.name, files)
            files[name] = run.logs[job.name]
            job.log_file = folder / name
    replace_tree(folder, files)
    run.logs_folder = folder
    return folder


def log_file_name(job: str, taken: Mapping[str, object] = {}) -> str:
    """A file name for the job's log: its name with what a file name should not hold made `-`."""
    stem = re.sub(r"[^\w.-]+", "-", job, flags=re.ASCII).strip("-.") or "job"
    name, number = f"{stem}.log", 1
    while name in taken:
        number += 1
        name = f"{stem}-{number}.log"
    return name


def check_logs_folder(folder: Path) -> None:
    """The logs folder is replaced whole: refuse one that holds anything but job logs."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise UsageError(f"logs folder {folder}: it is a file; name a folder")
    others = [entry.name for entry in folder.iterdir() if not (entry.is_file() and entry.suffix == ".log")]
    if others:
        raise UsageError(
            f"logs folder {folder} holds other things than job logs ({', '.join(sorted(others)[:3])}): "
            "it is replaced at every run, so name a new or empty folder"
        )


# ----- build folders out of containers -----


# gitlab-ci-local names a job's volumes by the job's name and a random number, and leaves
# them (`--no-cleanup`) with the job's container. Another run on the machine may be leaving
# its own at the same time: this run's are found through a volume of its own, mounted
# into every job container it starts.
_MARKER_MOUNT = "/run/ci-catalog-run"


def _run_marker() -> str:
    return f"ci-catalog-run-{secrets.token_hex(8)}"


def _copy_out_builds(state: State, engine: str, marker: str) -> None:
    """Each job's build volume copied to its build folder, then the run's containers and volumes removed,
    which gitlab-ci-local was told to leave (`--no-cleanup`)."""
    containers = _engine(engine, "ps", "--all", "--quiet", "--filter", f"volume={marker}").split()
    volumes: set[str] = set()
    if containers:
        mounted = _engine(engine, "inspect", "--format", "{{range .Mounts}}{{.Name}} {{end}}", *containers)
        volumes = {name for name in mounted.split() if name.startswith("gcl-")}
    for volume in sorted(volumes):
        found = re.fullmatch(r"gcl-(?P<job>.+)-\d+-build", volume)
        if found:
            source = Path(_engine(engine, "volume", "inspect", "--format", "{{.Mountpoint}}", volume).strip())
            shutil.rmtree(state.builds / found["job"], ignore_errors=True)
            shutil.copytree(source, state.builds / found["job"], symlinks=True)
    if containers:
        _engine(engine, "rm", "--force", "--volumes", *containers)
    _engine(engine, "volume", "rm", "--force", marker, *sorted(volumes))


def _engine(executable: str, *args: str) -> str:
    done = subprocess.run([executable, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RunError(f"{executable} {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout
