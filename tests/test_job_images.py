"""The images the components' jobs run in: every image a component names has a look-alike
(scripts/images/*.image, built by scripts/setup-images), or is listed as one without, in
docs/images.md too; and the jobs really run in them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pipelines import EXECUTOR, ROOT, FixtureProject, job_tools, render_component

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


def run_git_in_the_uv_image(base: Path, executor: str):
    """A job in uv's image whose script calls git, which the real image does not hold."""
    project = FixtureProject("uv-project", base / "project", job_tools(base / "bin"), base / "home", executor=executor)
    project.use_pipeline({"uses-git": {"image": UV_IMAGE, "stage": "test", "script": ["git --version"]}}, ["test"])
    return project.run()


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
