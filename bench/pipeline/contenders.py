"""The contenders of the pipeline benchmark and how one repetition of each runs.

Each group owns a fixture project with a pipeline of real jobs, rendered from the
catalog's components by the harness. A group's cold contender runs with no cache; its warm
one runs right after, on the caches the cold run left, as the next pipeline would.

The jobs run as the end-to-end tests run them (CI_CATALOG_EXECUTOR): by default each in
a fresh container of the look-alike image its `image:` names, so that no contender can
lean on a tool its image lacks; with `shell`, on this machine with its Python. The seed
baseline runs in `python:<version>-slim`, as a seed pipeline would, and the deps-image
consumer in an image made here the way deps-image makes one (see DepsImageConsumer).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ci_catalog.local.runner import CONTAINER_CA_BUNDLE
from pipelines import (
    EXECUTOR,
    PYTHON_VERSION,
    FixtureProject,
    PipelineRun,
    cache_entries_changed_since,
    dockerfile_run_commands,
    documented_dockerfile,
    job_ca_file,
    job_podman,
    render_component,
    require_job_images,
)

from . import ROOT
from .cachezip import MODELS, cache_costs
from .steps import STEPS, Mark, Marks, command, job_logs, job_steps

# What a runner spends on a pipeline's caches, in each model: seconds to extract and to
# archive, and megabytes to download and upload.
TRANSFER = ("restore", "save", "download", "upload")

POETRY_VERSION = "2.5.1"  # the poetry-test component's default, so that both run the same Poetry
TEST_COMMAND = "python -m pytest --junitxml=report.xml --cov --cov-report=term --cov-report=xml:coverage.xml"
# Any digest will do: the job names the image it runs in itself, but the consumer template
# insists on a pinned reference in DEPS_IMAGE.
DEPS_IMAGE = "registry.example.invalid/demo/deps@sha256:" + "0" * 64
# The seed pipeline's image: the one poetry-test uses for the same Python.
SEED_IMAGE = f"docker.io/library/python:{PYTHON_VERSION}-slim"
# uv-cache's default image, on which the deps-image consumer's image is made.
UV_IMAGE = f"ghcr.io/astral-sh/uv:0.13.8-python{PYTHON_VERSION}-trixie-slim"
# The dependencies image the consumer runs in (a local image: nothing pulls it).
CONSUMER_IMAGE = "localhost/ci-catalog-bench/deps:latest"


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
    # A git revision whose components' cold jobs run too, as `… cold (before)` (--before).
    before: str | None = None

    def render(self, name: str, inputs: dict[str, Any], revision: str | None = None) -> dict[str, Any]:
        """A component's jobs, from the checkout or, with `revision`, from its template at that revision."""
        if revision is None:
            return render_component(name, inputs)
        shown = subprocess.run(
            ["git", "show", f"{revision}:templates/{name}/template.yml"], cwd=ROOT, capture_output=True, text=True
        )
        if shown.returncode != 0:
            raise RuntimeError(f"--before {revision}: no templates/{name}/template.yml there: {shown.stderr.strip()}")
        templates = self.work / "before" / "templates"
        (templates / name).mkdir(parents=True, exist_ok=True)
        (templates / name / "template.yml").write_text(shown.stdout, encoding="utf-8")
        return render_component(name, inputs, templates)

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


class StampedLines(io.StringIO):
    """Where gitlab-ci-local's output goes as it runs: each line with the moment it arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple[float, str]] = []

    def write(self, line: str, /) -> int:
        self.lines.append((time.perf_counter(), line.rstrip("\n")))
        return len(line)


def run_gitlab_ci_local(
    project: FixtureProject, home: Path, variables: dict[str, str]
) -> tuple[PipelineRun, list[tuple[float, str]], int]:
    """Run the project's pipeline from a fresh checkout: the run, its stamped output and its start time."""
    # A runner's job starts from a clean checkout with an empty home: nothing from the last
    # run may help, but the caches the pipeline declares.
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    project.home = home
    stamped = StampedLines()
    started = time.time_ns()
    run = project.run(
        variables=variables, timeout=1800, environment={"XDG_CACHE_HOME": str(home / ".cache")}, echo=stamped
    )
    return run, stamped.lines, started


class Group:
    """Contenders sharing one fixture project and pipeline."""

    contenders: tuple[str, ...] = ()
    # The jobs of the group's pipeline that are measured, and where their steps start.
    JOBS: ClassVar[dict[str, Marks]] = {}

    def __init__(self, setting: Setting, name: str) -> None:
        self.jobs = dict(self.JOBS)
        self.setting = setting
        self.folder = setting.work / name
        self.runs = 0

    def prepare(self) -> None:
        """Untimed setup before the first repetition."""

    def repeat(self) -> dict[str, Result]:
        raise NotImplementedError

    def make_project(self, fixture: Path, jobs: dict[str, Any]) -> FixtureProject:
        shutil.rmtree(self.folder, ignore_errors=True)
        project = FixtureProject(str(fixture), self.folder / "project", self.setting.tools, self.folder / "home")
        project.use_pipeline(jobs, ["test"])
        return project

    def run(self, project: FixtureProject, cold: bool, variables: dict[str, str] | None = None) -> Result:
        """One pipeline run, measured: per job and summed, with a runner's cache transfer added."""
        caches = project.caches
        if cold:
            shutil.rmtree(caches, ignore_errors=True)
        before = {key.name for key in caches.iterdir()} if caches.exists() else set()
        self.runs += 1
        run, stamped, started = run_gitlab_ci_local(
            project, self.folder / f"home-{self.runs}", {**self.setting.index_variables, **(variables or {})}
        )
        failed = [job for job in self.jobs if not run.passed(job)]
        if failed:
            raise RuntimeError(f"{', '.join(failed)} did not pass:\n{run.output[-4000:]}")
        keys = sorted(key for key in caches.iterdir()) if caches.exists() else []
        changed = {key.name: key.name not in before or bool(cache_entries_changed_since(key, started)) for key in keys}
        costs = {key.name: self.setting.zip_cost(key) for key in keys}
        logs = job_logs(stamped, list(self.jobs))
        per_job = {job: job_steps(logs[job], marks) for job, marks in self.jobs.items()}
        return measured(per_job, logs, costs, changed)


def measured(
    per_job: dict[str, dict[str, float]],
    logs: Any,
    costs: dict[str, dict[str, dict[str, float]]],
    changed: dict[str, bool],
) -> Result:
    """The steps summed over the jobs, with gitlab-ci-local's copies replaced by a runner's archiving
    and extracting in each model of it, and the megabytes the runner would download and upload."""
    steps = {step: sum(job[step] for job in per_job.values()) for step in (*STEPS, "job")}
    transfer = {model: dict.fromkeys(TRANSFER, 0.0) for model in MODELS}
    for job in per_job:
        for _, text in logs[job].lines:
            imported = _cache_key(_IMPORTED_CACHE, text)
            created = _cache_key(_CREATED_CACHE, text)
            # A runner uploads a cache only when a file in it changed.
            saved = created if created in costs and changed.get(created, True) else None
            for model in MODELS:
                if imported in costs:
                    transfer[model]["restore"] += costs[imported][model]["extract"]
                    transfer[model]["download"] += costs[imported][model]["megabytes"]
                if saved is not None:
                    transfer[model]["save"] += costs[saved][model]["archive"]
                    transfer[model]["upload"] += costs[saved][model]["megabytes"]
    return {
        "steps": steps,
        "gitlab_ci_local_cache_copy": {"restore": steps["cache restore"], "save": steps["cache save"]},
        "transfer": transfer,
        "cache_megabytes": {model: sum(cost[model]["megabytes"] for cost in costs.values()) for model in MODELS},
        "cache_changed": changed,
        "jobs": per_job,
    }


# gitlab-ci-local's lines on a job's caches, after the job's name.
_IMPORTED_CACHE = re.compile(r"^imported cache '(?P<key>[^']+)'")
_CREATED_CACHE = re.compile(r"^cache created in '(?:[^']*/)?cache/(?P<key>[^'/]+)'")


def _cache_key(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.match(text)
    return found["key"] if found else None


class SeedBaseline(Group):
    """What the seeds did: `pip install poetry`, then `poetry install`, in every job, nothing cached."""

    contenders = ("seed baseline",)
    JOBS: ClassVar[dict[str, Marks]] = {
        "seed-baseline": Marks(
            tool=Mark(r"^> seed: installing Poetry"),
            dependencies=Mark(r"^> seed: installing the dependencies"),
            tests=Mark(r"^> seed: running the tests"),
        )
    }

    def prepare(self) -> None:
        job = {
            "image": SEED_IMAGE,
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

    contenders: tuple[str, ...] = ("poetry-test cold", "poetry-test warm")
    # Poetry's own install is part of the before_script (a warm job skips it): counted with
    # the dependencies, which run to the script's start (the before_script is one entry).
    JOBS: ClassVar[dict[str, Marks]] = {
        f"poetry-test: [{PYTHON_VERSION}]": Marks(dependencies=command(1), tests=command(2))
    }

    revision: str | None = None

    def prepare(self) -> None:
        jobs = self.setting.render("poetry-test", {"python_versions": [PYTHON_VERSION]}, self.revision)
        self.project = self.make_project(self.setting.fixtures.poetry, jobs)

    def repeat(self) -> dict[str, Result]:
        cold = self.run(self.project, cold=True)
        return {"poetry-test cold": cold, "poetry-test warm": self.run(self.project, cold=False)}


class PoetryTestBefore(PoetryTest):
    """The poetry-test component at the --before revision: its cold job."""

    contenders = ("poetry-test cold (before)",)
    # The template before #18: Poetry ran in the script too, to install the project itself.
    JOBS: ClassVar[dict[str, Marks]] = {
        f"poetry-test: [{PYTHON_VERSION}]": Marks(
            tool=command(1),
            dependencies=Mark(r"^> poetry-test: (using the cached|no cached|discarding)"),
            # After `poetry install --only-root`, the project itself: pytest starts then.
            tests=Mark(r"^> Installing the current project"),
        )
    }

    def __init__(self, setting: Setting, name: str) -> None:
        super().__init__(setting, name)
        self.revision = setting.before

    def repeat(self) -> dict[str, Result]:
        return {"poetry-test cold (before)": self.run(self.project, cold=True)}


# uv-cache's test job; its warm job, which runs only with `warm_job: true` (and in the
# templates before 2026-12-07, which always had it).
UV_TEST_JOB = {"uv-test": Marks(dependencies=command(1), tests=command(2))}
UV_WARM_JOB = {"uv-warm": Marks(dependencies=command(1))}


class UvCache(Group):
    """The uv-cache component (its test job, and its warm job where it runs) with one link mode,
    pruned or not."""

    def __init__(
        self,
        setting: Setting,
        link_mode: str = "hardlink",
        prune: bool = False,
        cold: bool = True,
        before: bool = False,
        warm_job: bool = False,
    ) -> None:
        # `before`: the component at the --before revision, its cold run only.
        label = f"uv-cache {link_mode}{' pruned' if prune else ''}{' warm job' if warm_job else ''}"
        super().__init__(setting, label.replace(" ", "-") + ("-before" if before else ""))
        self.inputs = {"python_version": PYTHON_VERSION, "lint": False, "link_mode": link_mode, "prune_cache": prune}
        if warm_job:
            self.inputs["warm_job"] = True
        self.jobs = {**UV_WARM_JOB, **UV_TEST_JOB} if warm_job or before else UV_TEST_JOB
        self.revision = setting.before if before else None
        self.cold_name = f"{label} cold (before)" if before else f"{label} cold"
        self.warm_name = None if before else f"{label} warm"
        self.with_cold = cold
        names = (self.cold_name if cold else None, self.warm_name)
        self.contenders = tuple(name for name in names if name is not None)

    def prepare(self) -> None:
        jobs = self.setting.render("uv-cache", self.inputs, self.revision)
        self.project = self.make_project(self.setting.fixtures.uv, jobs)
        if not self.with_cold:
            self.run(self.project, cold=True)  # fills the cache the warm runs start from

    def repeat(self) -> dict[str, Result]:
        results = {self.cold_name: self.run(self.project, cold=True)} if self.with_cold else {}
        if self.warm_name is not None:
            results[self.warm_name] = self.run(self.project, cold=False)
        return results


class DepsImageConsumer(Group):
    """A job in the image deps-image builds: the dependencies are there, the job builds the project and tests.

    The image is made outside the timed runs, from pyproject.toml and uv.lock only, by the
    RUN commands of the Dockerfile in docs/components.md: uv's image with `uv sync --locked
    --no-install-project` run into /deps/venv, and the project's build backend installed
    into a throwaway environment, so that uv's cache in /deps/uv-cache holds what building
    the project as editable needs (hatchling and `editables`). The consumer job then runs
    `uv sync --locked --offline`: it builds and installs only the project, from the image
    alone. (Until 2026-12-07 the image was made with `uv build --wheel`, which left out
    `editables`, and the job synced online, so each consumer job asked the index again.)
    In containers it is a real image, committed from a container of uv's look-alike image,
    and each job starts a fresh container of it;
    in shell mode a virtual environment on this machine stands in for it, copied afresh
    before each run. Pulling the image is not counted.
    """

    contenders = ("deps-image consumer",)
    # By their echoes: the template's before_script echoes a line per entry first.
    JOBS: ClassVar[dict[str, Marks]] = {
        "deps-consumer": Marks(dependencies=Mark(r"^\$ uv sync "), tests=Mark(r"^\$ uv run "))
    }

    def prepare(self) -> None:
        # Beside the group's folder, which making the project empties.
        self.image = self.setting.work / "deps-image"
        # The installed dependencies, on this machine: the floors copy them.
        self.pristine = self.image / "venv.pristine"
        build = self.setting.work / "deps-image-build"
        shutil.rmtree(self.image, ignore_errors=True)
        shutil.rmtree(build, ignore_errors=True)
        self.image.mkdir(parents=True)
        # The build context: the hashed files deps-image gives its build, not the sources.
        build.mkdir(parents=True)
        for name in ("pyproject.toml", "uv.lock"):
            shutil.copy(self.setting.fixtures.uv / name, build / name)
        if EXECUTOR == "container":
            place = self._make_image(build)
        else:
            place = self._make_environment(build)
        consumer = render_component("deps-image", {})[".deps-image-consumer"]
        job = {
            "extends": ".deps-image-consumer",
            "image": CONSUMER_IMAGE,
            "stage": "test",
            "variables": {
                "UV_PROJECT_ENVIRONMENT": f"{place}/venv",
                "UV_CACHE_DIR": f"{place}/uv-cache",
                "UV_PYTHON": PYTHON_VERSION,
                "UV_PYTHON_DOWNLOADS": "never",
                "UV_NO_PROGRESS": "1",
            },
            "script": ["uv sync --locked --offline", f"uv run --no-sync {TEST_COMMAND}"],
        }
        jobs = {".deps-image-consumer": {key: value for key, value in consumer.items() if key != "needs"}}
        self.project = self.make_project(self.setting.fixtures.uv, {**jobs, "deps-consumer": job})

    def _make_image(self, build: Path) -> str:
        """The dependencies image, committed from a container of uv's image; where in it they are."""
        require_job_images()
        container = f"ci-catalog-bench-deps-{os.getpid()}"
        environment = {
            "UV_PROJECT_ENVIRONMENT": "/deps/venv",
            "UV_CACHE_DIR": "/deps/uv-cache",
            "UV_CONCURRENT_DOWNLOADS": "4",
            "UV_PYTHON_DOWNLOADS": "never",
            **self.setting.index_variables,
        }
        options = ["--network", "host", "--volume", f"{build}:/project", "--workdir", "/project"]
        ca_file = job_ca_file()
        if ca_file is not None:  # as gitlab-ci-local gives it to the jobs (uv reads SSL_CERT_FILE)
            options += [
                "--volume",
                f"{ca_file}:{CONTAINER_CA_BUNDLE}:ro",
                "--env",
                f"SSL_CERT_FILE={CONTAINER_CA_BUNDLE}",
            ]
        for name, value in environment.items():
            options += ["--env", f"{name}={value}"]
        script = dockerfile_run_commands(documented_dockerfile())
        job_podman("rm", "--force", container)
        try:
            job_podman("run", "--name", container, *options, UV_IMAGE, "sh", "-c", script)
            job_podman("commit", "--quiet", container, CONSUMER_IMAGE)
            job_podman("cp", f"{container}:/deps/venv", str(self.pristine))
        finally:
            job_podman("rm", "--force", container)
        return "/deps"

    def _make_environment(self, build: Path) -> str:
        """The dependencies on this machine, as the image would hold them; where they are."""
        environment = {
            **_uv_environment(self.setting),
            "UV_PROJECT_ENVIRONMENT": str(self.pristine),
            "UV_CACHE_DIR": str(self.image / "uv-cache"),
        }
        subprocess.run(
            ["sh", "-c", dockerfile_run_commands(documented_dockerfile())], cwd=build, env=environment, check=True
        )
        return str(self.image)

    def repeat(self) -> dict[str, Result]:
        if EXECUTOR != "container":
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
        return {
            "steps": steps,
            "transfer": {model: dict.fromkeys(TRANSFER, 0.0) for model in MODELS},
            "jobs": {name: steps},
        }


def _uv_environment(setting: Setting) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("UV_", "VIRTUAL_ENV"))}
    environment["PATH"] = f"{setting.tools}:{environment.get('PATH', '')}"
    environment["UV_CONCURRENT_DOWNLOADS"] = "4"
    environment["UV_PYTHON"] = PYTHON_VERSION
    environment["UV_PYTHON_DOWNLOADS"] = "never"
    environment.update(setting.index_variables)
    return environment


def groups(setting: Setting, quick: bool, only: Sequence[str] = ()) -> list[Group]:
    """The contender groups; `quick` keeps one uv link mode besides the default.

    With `only`, the groups with a contender whose name starts with one of its words, and
    the seed baseline, which every ratio needs (and the deps-image consumer when a floor,
    which copies its environment, is chosen).
    """
    chosen = _every_group(setting, quick)
    if not only:
        return chosen
    wanted = {group for group in chosen if any(name.startswith(tuple(only)) for name in group.contenders)}
    wanted |= {group.source for group in wanted if isinstance(group, PhysicalFloor)}
    return [group for group in chosen if group in wanted or isinstance(group, SeedBaseline)]


def _every_group(setting: Setting, quick: bool) -> list[Group]:
    consumer = DepsImageConsumer(setting, "deps-image-consumer")
    link_modes = ("copy",) if quick else ("copy", "clone")
    before: list[Group] = []
    if setting.before is not None:
        before = [PoetryTestBefore(setting, "poetry-test-before"), UvCache(setting, before=True)]
    return [
        SeedBaseline(setting, "seed-baseline"),
        PoetryTest(setting, "poetry-test"),
        UvCache(setting),
        UvCache(setting, warm_job=True),
        *(UvCache(setting, mode, cold=False) for mode in link_modes),
        UvCache(setting, prune=True),
        *before,
        consumer,
        PhysicalFloor(setting, consumer),
    ]
