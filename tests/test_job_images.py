"""The images the components' jobs run in: every image a component names has a look-alike
(scripts/images/*.image, built by scripts/setup-images), or is listed as one without, in
docs/images.md too; and the jobs really run in them.
"""

from __future__ import annotations

import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pipelines import EXECUTOR, JOB_PODMAN, ROOT, FixtureProject, job_tools, render_component

RECIPES = ROOT / "scripts" / "images"
DOCS = ROOT / "docs" / "images.md"
UV_IMAGE = "ghcr.io/astral-sh/uv:0.13.8-python3.13-trixie-slim"
# Images the components can name that have no look-alike, and why.
WITHOUT_LOOK_ALIKE = {
    "docker.io/library/python:3.12-slim": "no Debian release has Python 3.12",
    "docker.io/library/python:3.14-slim": "no Debian release has Python 3.14",
    "ghcr.io/astral-sh/uv:0.13.8-python3.13-trixie": "uv-cache's base_layer: trixie (the full Debian image)",
}


def recipe_names() -> dict[str, str]:
    """Each look-alike image name, and the recipe that builds it."""
    names = {}
    for recipe in sorted(RECIPES.glob("*.image")):
        found = re.search(r'^NAMES="([^"]+)"$', recipe.read_text(), re.MULTILINE)
        assert found, f"{recipe} has no NAMES line"
        names.update(dict.fromkeys(found.group(1).split(), recipe.stem))
    return names


def full_name(image: str) -> str:
    """An image name as podman stores it: Docker Hub's names in full (`python:3.13-slim`
    is `docker.io/library/python:3.13-slim`)."""
    first, _, rest = image.partition("/")
    if not rest:
        return f"docker.io/library/{image}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{image}"
    return image


def images_of(jobs: dict[str, Any]) -> set[str]:
    """The images the rendered jobs name, with a parallel matrix's values put in."""
    named: set[str] = set()
    for job in jobs.values():
        image = job.get("image") if isinstance(job, dict) else None
        if isinstance(image, dict):
            image = image.get("name")
        if not isinstance(image, str) or image.startswith("$"):
            continue  # deps-image's consumer runs in the image it built
        matrix = (job.get("parallel") or {}).get("matrix") or [{}]
        for entry in matrix:
            values = {name: value if isinstance(value, list) else [value] for name, value in entry.items()}
            expanded = [image]
            for name, options in values.items():
                expanded = [text.replace(f"${{{name}}}", option) for text in expanded for option in options]
            named.update(full_name(text) for text in expanded)
    return named


def component_images() -> set[str]:
    """Every image the components name: with their defaults, and with each base_layer of uv-cache."""
    named: set[str] = set()
    for component in ("uv-cache", "poetry-test", "deps-image", "pypi-publish"):
        named |= images_of(render_component(component, {}))
    for base_layer in ("trixie-slim", "trixie", "alpine"):
        named |= images_of(render_component("uv-cache", {"base_layer": base_layer}))
    return named


def test_every_image_a_component_names_has_a_look_alike_or_is_listed_without_one() -> None:
    names = recipe_names()
    named = component_images()
    assert {image for image in named if image not in names} == set(WITHOUT_LOOK_ALIKE)
    assert "docker.io/firecow/gitlab-ci-local-util:latest" in names, "gitlab-ci-local's helper image"


def test_images_doc_has_a_table_for_each_look_alike_and_lists_the_images_without_one() -> None:
    text = DOCS.read_text()
    headings = set(re.findall(r"^## `([^`]+)`", text, re.MULTILINE))
    for name, recipe in recipe_names().items():
        if name.startswith("docker.io/library/python:3.13-slim-"):
            continue  # the same image as python:3.13-slim
        assert name in headings, f"docs/images.md has no section for {name} (scripts/images/{recipe}.image)"
    for name in WITHOUT_LOOK_ALIKE:
        assert f"`{name}`" in text, f"docs/images.md does not say that {name} has no look-alike"


def job_in_uv_image(base: Path, job: str, script: list[str], executor: str = "container") -> FixtureProject:
    """A project whose pipeline is one job, in uv's image, running `script`."""
    project = FixtureProject("uv-project", base / "project", job_tools(base / "bin"), base / "home", executor=executor)
    project.use_pipeline({job: {"image": UV_IMAGE, "stage": "test", "script": script}}, ["test"])
    return project


def run_git_in_the_uv_image(base: Path, executor: str):
    """A job in uv's image whose script calls git, which the real image does not hold."""
    return job_in_uv_image(base, "uses-git", ["git --version"], executor).run()


@pytest.mark.e2e
def test_script_calling_git_fails_in_the_uv_image(tmp_path: Path) -> None:
    """The proof that the jobs run in their images: this job passes on this machine (next test)."""
    if EXECUTOR != "container":
        pytest.skip("CI_CATALOG_EXECUTOR=shell: no job runs in a container")
    run = run_git_in_the_uv_image(tmp_path, "container")
    assert run.failed("uses-git"), run.output[-3000:]
    assert "git: command not found" in run.log("uses-git")


@pytest.mark.e2e
def test_script_calling_git_passes_in_shell_mode(tmp_path: Path) -> None:
    run = run_git_in_the_uv_image(tmp_path, "shell")
    assert run.passed("uses-git"), run.output[-3000:]
    assert "git version" in run.log("uses-git")


@pytest.mark.e2e
def test_two_runs_at_once_each_keep_only_their_own_build_folders_and_leave_no_volume(tmp_path: Path) -> None:
    """gitlab-ci-local leaves each job's build volume for the run to copy out: a run must take its own
    only, even when a run started after it leaves its own meanwhile (the first ends while it runs)."""
    if EXECUTOR != "container":
        pytest.skip("CI_CATALOG_EXECUTOR=shell: no job runs in a container")
    first = job_in_uv_image(tmp_path / "first", "first-job", ["sleep 8", "echo first > made-here"])
    second = job_in_uv_image(tmp_path / "second", "second-job", ["sleep 25", "echo second > made-here"])
    with ThreadPoolExecutor(2) as pool:
        first_run = pool.submit(first.run, keep_builds=True)
        time.sleep(3)  # the second run's job starts while the first's runs, and ends after it
        second_run = pool.submit(second.run, keep_builds=True)
        runs = {"first": first_run.result(), "second": second_run.result()}
    for name, run in runs.items():
        assert run.passed(f"{name}-job"), run.output[-3000:]
        assert (run.build_dir(f"{name}-job") / "made-here").read_text() == f"{name}\n"
    assert not runs["first"].build_dir("second-job").exists()
    volumes = subprocess.run([JOB_PODMAN, "volume", "ls", "--quiet"], capture_output=True, text=True, check=True)
    assert not [name for name in volumes.stdout.split() if "first-job" in name or "second-job" in name]
