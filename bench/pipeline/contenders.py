"""The contenders of the pipeline benchmark and how one repetition of each runs.

Each group owns a fixture project with a pipeline of real jobs, rendered from the
catalog's components by the harness. A group's cold contender runs with no cache; its warm
one runs right after, on the caches the cold run left, as the next pipeline would.

The jobs run with gitlab-ci-local's shell executor on this machine, with its Python,
whatever CI_CATALOG_EXECUTOR says: the seed baseline and the floors are measured on the
machine, and the results compare with earlier ones.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pipelines import HOST_PYTHON_VERSION as PYTHON_VERSION
from pipelines import (
    FixtureProject,
    files_changed_since,
    render_component,
    require_gitlab_ci_local,
)

from .cachezip import LEVELS, cache_costs
from .steps import STEPS, Mark, Marks, command, job_logs, job_steps

POETRY_VERSION = "2.5.1"  # the poetry-test component's default, so that both run the same Poetry
TEST_COMMAND = "python -m pytest --junitxml=report.xml --cov --cov-report=term --cov-report=xml:coverage.xml"
# Any digest will do: nothing pulls the image, but the consumer template insists on one.
DEPS_IMAGE = "registry.example.invalid/demo/deps@sha256:" + "0" * 64


@dataclass(frozen=True)
class Fixtures:
    uv: Path
    poetry: Path


@dataclass
class Setting:
    """Where the groups work and how the jobs reach a package index."""

    fixtures: Fixtures
    work: Path
    tools: Path
    # Job variables that point the tools at an index other than PyPI (--local-index).
    index_variables: dict[str, str] = field(default_factory=dict)
    # A runner's zip cost depends only on the files: measured once per repetition for
    # each distinct cache content (the link modes share one).
    zip_costs: dict[tuple[int, int], dict[str, dict[str, float]]] = field(default_factory=dict)

    def zip_cost(self, cache: Path) -> dict[str, dict[str, float]]:
        content = fingerprint(cache)
        if content not in self.zip_costs:
            self.zip_costs[content] = cache_costs([cache], self.work)
        return self.zip_costs[content]


def fingerprint(folder: Path) -> tuple[int, int]:
    """How many files `folder` holds and their total size."""
    count = size = 0
    for root, _, files in os.walk(folder):
        for name in files:
            count += 1
            size += os.lstat(os.path.join(root, name)).st_size
    return count, size


Result = dict[str, Any]


def run_gitlab_ci_local(
    project: FixtureProject, home: Path, variables: dict[str, str]
) -> tuple[list[tuple[float, str]], int]:
    """Run the project's pipeline from a fresh checkout; gitlab-ci-local's output and the start time."""
    # A runner's job starts from a clean checkout with an empty home: nothing from the last
    # run may help, but the caches the pipeline declares.
    shutil.rmtree(project.path / ".gitlab-ci-local" / "builds", ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    project.home = home
    environment = project._environment()
    environment["XDG_CACHE_HOME"] = str(home / ".cache")
    command_line = [str(require_gitlab_ci_local()), "--force-shell-executor", "--shell-isolation", "--no-color"]
    command_line.append("--timestamps")
    for name, value in variables.items():
        command_line += ["--variable", f"{name}={value}"]
    started = time.time_ns()
    stamped = []
    with subprocess.Popen(
        command_line, cwd=project.path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        # Each line stamped when it arrives: gitlab-ci-local writes them as the job prints them.
        for line in process.stdout:
            stamped.append((time.perf_counter(), line.rstrip("\n")))
    return stamped, started


class Group:
    """Contenders sharing one fixture project and pipeline."""

    contenders: tuple[str, ...] = ()
    jobs: ClassVar[dict[str, Marks]] = {}

    def __init__(self, setting: Setting, name: str) -> None:
        self.setting = setting
        self.folder = setting.work / name
        self.runs = 0

    def prepare(self) -> None:
        """Untimed setup before the first repetition."""

    def repeat(self) -> dict[str, Result]:
        raise NotImplementedError

    def make_project(self, fixture: Path, jobs: dict[str, Any]) -> FixtureProject:
        shutil.rmtree(self.folder, ignore_errors=True)
        project = FixtureProject(
            str(fixture), self.folder / "project", self.setting.tools, self.folder / "home", executor="shell"
        )
        project.use_pipeline(jobs, ["test"])
        return project

    def caches(self, project: FixtureProject) -> Path:
        return project.path / ".gitlab-ci-local" / "cache"

    def run(self, project: FixtureProject, cold: bool, variables: dict[str, str] | None = None) -> Result:
        """One pipeline run, measured: per job and summed, with a runner's cache transfer added."""
        caches = self.caches(project)
        if cold:
            shutil.rmtree(caches, ignore_errors=True)
        before = {key.name for key in caches.iterdir()} if caches.exists() else set()
        self.runs += 1
        stamped, started = run_gitlab_ci_local(
            project, self.folder / f"home-{self.runs}", {**self.setting.index_variables, **(variables or {})}
        )
        output = "\n".join(line for _, line in stamped)
        failed = [job for job in self.jobs if not passed(output, job)]
        if failed:
            raise RuntimeError(f"{', '.join(failed)} did not pass:\n{output[-4000:]}")
        keys = sorted(key for key in caches.iterdir()) if caches.exists() else []
        changed = {key.name: key.name not in before or bool(files_changed_since(key, started)) for key in keys}
        costs = {key.name: self.setting.zip_cost(key) for key in keys}
        logs = job_logs(stamped, list(self.jobs))
        per_job = {job: job_steps(logs[job], marks) for job, marks in self.jobs.items()}
        return measured(per_job, logs, costs, changed)


def passed(output: str, job: str) -> bool:
    """Whether gitlab-ci-local's summary says PASS for `job` (with `--timestamps`, after its duration)."""
    return re.search(rf"^\s*PASS\s+(\[[^\]]*\]\s+)?{re.escape(job)}(\s|$)", output, re.MULTILINE) is not None


def measured(
    per_job: dict[str, dict[str, float]],
    logs: Any,
    costs: dict[str, dict[str, dict[str, float]]],
    changed: dict[str, bool],
) -> Result:
    """The steps summed over the jobs, with gitlab-ci-local's copies replaced by a runner's zip and unzip."""
    steps = {step: sum(job[step] for job in per_job.values()) for step in (*STEPS, "job")}
    transfer = {level: {"restore": 0.0, "save": 0.0} for level in LEVELS}
    for job in per_job:
        for _, text in logs[job].lines:
            imported = _cache_key(text, "imported cache '")
            created = _cache_key(text, "cache created in '.gitlab-ci-local/cache/")
            for level in LEVELS:
                if imported in costs:
                    transfer[level]["restore"] += costs[imported][level]["extract"]
                if created in costs and changed.get(created, True):
                    transfer[level]["save"] += costs[created][level]["archive"]
    return {
        "steps": steps,
        "gitlab_ci_local_cache_copy": {"restore": steps["cache restore"], "save": steps["cache save"]},
        "transfer": transfer,
        "cache_megabytes": {level: sum(cost[level]["megabytes"] for cost in costs.values()) for level in LEVELS},
        "cache_changed": changed,
        "jobs": per_job,
    }


def _cache_key(text: str, prefix: str) -> str | None:
    if not text.startswith(prefix):
        return None
    return text[len(prefix) :].split("'", 1)[0]


class SeedBaseline(Group):
    """What the seeds did: `pip install poetry`, then `poetry install`, in every job, nothing cached."""

    contenders = ("seed baseline",)
    jobs: ClassVar[dict[str, Marks]] = {
        "seed-baseline": Marks(
            tool=Mark(r"^> seed: installing Poetry"),
            dependencies=Mark(r"^> seed: installing the dependencies"),
            tests=Mark(r"^> seed: running the tests"),
        )
    }

    def prepare(self) -> None:
        job = {
            "stage": "test",
            "variables": {"POETRY_VIRTUALENVS_IN_PROJECT": "true", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
            "script": [
                'echo "seed: installing Poetry"',
                # The image's own pip installs Poetry; a bare venv stands in for the image's
                # site-packages, which the shell executor must not write to.
                "python3 -m venv --without-pip .seed-poetry",
                f'python3 -m pip --python .seed-poetry/bin/python install --quiet "poetry=={POETRY_VERSION}"',
                'echo "seed: installing the dependencies"',
                ".seed-poetry/bin/poetry install -n",
                'echo "seed: running the tests"',
                f".seed-poetry/bin/poetry run {TEST_COMMAND}",
            ],
        }
        self.project = self.make_project(self.setting.fixtures.poetry, {"seed-baseline": job})

    def repeat(self) -> dict[str, Result]:
        return {"seed baseline": self.run(self.project, cold=True)}


class PoetryTest(Group):
    """The poetry-test component: a cold job, then a warm one on its caches."""

    contenders = ("poetry-test cold", "poetry-test warm")
    jobs: ClassVar[dict[str, Marks]] = {
        f"poetry-test: [{PYTHON_VERSION}]": Marks(
            tool=command(1),
            dependencies=Mark(r"^> poetry-test: (using the cached|no cached|discarding)"),
            # After `poetry install --only-root`, the project itself: pytest starts then.
            tests=Mark(r"^> Installing the current project"),
        )
    }

    def prepare(self) -> None:
        jobs = render_component("poetry-test", {"python_versions": [PYTHON_VERSION]})
        self.project = self.make_project(self.setting.fixtures.poetry, jobs)

    def repeat(self) -> dict[str, Result]:
        cold = self.run(self.project, cold=True)
        return {"poetry-test cold": cold, "poetry-test warm": self.run(self.project, cold=False)}


UV_JOBS = {
    "uv-warm": Marks(dependencies=command(1)),
    "uv-test": Marks(dependencies=command(1), tests=command(2)),
}


class UvCache(Group):
    """The uv-cache component (its warm job and its test job) with one link mode, pruned or not."""

    jobs: ClassVar[dict[str, Marks]] = UV_JOBS

    def __init__(self, setting: Setting, link_mode: str = "hardlink", prune: bool = False, cold: bool = True) -> None:
        label = f"uv-cache {link_mode}{' pruned' if prune else ''}"
        super().__init__(setting, label.replace(" ", "-"))
        self.inputs = {"python_version": PYTHON_VERSION, "lint": False, "link_mode": link_mode, "prune_cache": prune}
        self.cold_name, self.warm_name = f"{label} cold", f"{label} warm"
        self.with_cold = cold
        self.contenders = (self.cold_name, self.warm_name) if cold else (self.warm_name,)

    def prepare(self) -> None:
        self.project = self.make_project(self.setting.fixtures.uv, render_component("uv-cache", self.inputs))
        if not self.with_cold:
            self.run(self.project, cold=True)  # fills the cache the warm runs start from

    def repeat(self) -> dict[str, Result]:
        results = {self.cold_name: self.run(self.project, cold=True)} if self.with_cold else {}
        results[self.warm_name] = self.run(self.project, cold=False)
        return results


class DepsImageConsumer(Group):
    """A job in the image deps-image builds: the dependencies are there, the job builds the project and tests.

    No container engine runs here. The image is stood in for by a virtual environment made
    outside the timed run with `uv sync --locked --no-install-project`, as the image's
    Dockerfile would, and uv's cache from that build (which holds the project's build
    backend, so that building the project needs no network). Each run starts from a fresh
    copy of it, as each job starts from the pulled image; pulling the image is not counted.
    """

    contenders = ("deps-image consumer",)
    jobs: ClassVar[dict[str, Marks]] = {"deps-consumer": Marks(dependencies=command(1), tests=command(3))}

    def prepare(self) -> None:
        # Beside the group's folder, which making the project empties.
        self.image = self.setting.work / "deps-image"
        self.pristine = self.image / "venv.pristine"
        build = self.setting.work / "deps-image-build"
        shutil.rmtree(self.image, ignore_errors=True)
        shutil.rmtree(build, ignore_errors=True)
        shutil.copytree(self.setting.fixtures.uv, build)
        environment = {
            **_uv_environment(self.setting),
            "UV_PROJECT_ENVIRONMENT": str(self.pristine),
            "UV_CACHE_DIR": str(self.image / "uv-cache"),
        }
        subprocess.run(["uv", "sync", "--locked", "--no-install-project"], cwd=build, env=environment, check=True)
        # Puts the build backend into the image's uv cache.
        subprocess.run(["uv", "build", "--wheel", "-o", str(build / "dist")], cwd=build, env=environment, check=True)
        consumer = render_component("deps-image", {})[".deps-image-consumer"]
        consumer = {key: value for key, value in consumer.items() if key not in ("needs", "image")}
        job = {
            "extends": ".deps-image-consumer",
            "stage": "test",
            "variables": {
                "UV_PROJECT_ENVIRONMENT": str(self.image / "venv"),
                "UV_CACHE_DIR": str(self.image / "uv-cache"),
                "UV_PYTHON": PYTHON_VERSION,
                "UV_PYTHON_DOWNLOADS": "never",
                "UV_NO_PROGRESS": "1",
            },
            "script": ["uv sync --locked", f"uv run --no-sync {TEST_COMMAND}"],
        }
        self.project = self.make_project(
            self.setting.fixtures.uv, {".deps-image-consumer": consumer, "deps-consumer": job}
        )

    def repeat(self) -> dict[str, Result]:
        venv = self.image / "venv"
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run(["cp", "-a", str(self.pristine), str(venv)], check=True)
        return {"deps-image consumer": self.run(self.project, cold=True, variables={"DEPS_IMAGE": DEPS_IMAGE})}


class PhysicalFloor(Group):
    """The least any job can spend to have the installed files: copy them, or hard-link them."""

    contenders = ("floor: copy .venv (cp -a)", "floor: hard-link .venv (cp -al)")

    def __init__(self, setting: Setting, source: DepsImageConsumer) -> None:
        super().__init__(setting, "floor")
        self.source = source

    def repeat(self) -> dict[str, Result]:
        return {name: self._copy(flag, name) for name, flag in zip(self.contenders, ("-a", "-al"), strict=True)}

    def _copy(self, flag: str, name: str) -> Result:
        target = self.folder / "copy"
        shutil.rmtree(target, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        subprocess.run(["cp", flag, str(self.source.pristine), str(target)], check=True)
        elapsed = time.perf_counter() - start
        shutil.rmtree(target, ignore_errors=True)
        steps = dict.fromkeys((*STEPS, "job"), 0.0)
        steps["dependency install"] = steps["job"] = elapsed
        zero = {level: {"restore": 0.0, "save": 0.0} for level in LEVELS}
        return {"steps": steps, "transfer": zero, "jobs": {name: steps}}


def _uv_environment(setting: Setting) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("UV_", "VIRTUAL_ENV"))}
    environment["PATH"] = f"{setting.tools}:{environment.get('PATH', '')}"
    environment["UV_CONCURRENT_DOWNLOADS"] = "4"
    environment["UV_PYTHON"] = PYTHON_VERSION
    environment["UV_PYTHON_DOWNLOADS"] = "never"
    environment.update(setting.index_variables)
    return environment


def groups(setting: Setting, quick: bool) -> list[Group]:
    """Every contender group; `quick` keeps one uv link mode besides the default."""
    consumer = DepsImageConsumer(setting, "deps-image-consumer")
    link_modes = ("copy",) if quick else ("copy", "clone")
    return [
        SeedBaseline(setting, "seed-baseline"),
        PoetryTest(setting, "poetry-test"),
        UvCache(setting),
        *(UvCache(setting, mode, cold=False) for mode in link_modes),
        UvCache(setting, prune=True),
        consumer,
        PhysicalFloor(setting, consumer),
    ]
