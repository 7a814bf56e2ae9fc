"""The uv Dockerfile docs/components.md gives for deps-image, built as written, and its consumer job.

The image is built by podman (Buildah, chroot isolation) from the uv look-alike image and a
context of the uv fixture's pyproject.toml and uv.lock only, as deps-image's build job gives
it the hashed files. Then the documented consumer job's variables and script run in a
container of it without any network: the project must build, as editable, and its tests
pass from the image alone.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_catalog.local.runner import CONTAINER_CA_BUNDLE
from pipelines import (
    EXECUTOR,
    FIXTURES,
    built_job_image,
    documented_block,
    documented_dockerfile,
    job_ca_file,
    job_podman,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(EXECUTOR != "container", reason="builds and runs an image: needs the container executor"),
]

IMAGE = f"localhost/ci-catalog-test/docs-deps-{os.getpid()}:latest"


def documented_consumer_job() -> dict[str, Any]:
    (job,) = yaml.safe_load(documented_block("yaml", "extends: .deps-image-consumer")).values()
    return dict(job)


def with_machine_settings(dockerfile: str) -> str:
    """The Dockerfile with this machine's settings after FROM, as the jobs get them: its
    certificate bundle (uv reads SSL_CERT_FILE) and few downloads at once. Its own lines are
    unchanged."""
    settings = ["ENV UV_CONCURRENT_DOWNLOADS=4"]
    if job_ca_file() is not None:
        settings.append(f"ENV SSL_CERT_FILE={CONTAINER_CA_BUNDLE}")
    first, rest = dockerfile.split("\n", 1)
    return "\n".join([first, *settings, rest])


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    context = tmp_path_factory.mktemp("docs-deps-context")
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(FIXTURES / "uv-project" / name, context / name)
    dockerfile = with_machine_settings(documented_dockerfile())
    (context / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    options = ["--network", "host"]
    ca_file = job_ca_file()
    if ca_file is not None:
        options += ["--volume", f"{ca_file}:{CONTAINER_CA_BUNDLE}:ro"]
    with built_job_image(context, IMAGE, *options) as image:
        yield image


def test_the_documented_consumer_job_syncs_offline() -> None:
    assert documented_consumer_job()["script"][0].split("#")[0].split() == ["uv", "sync", "--locked", "--offline"]


def test_consumer_builds_the_project_and_passes_its_tests_from_the_documented_image_alone(
    image: str, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "uv-project", project)
    job = documented_consumer_job()
    environment = [option for name, value in job["variables"].items() for option in ("--env", f"{name}={value}")]
    # The job's script, each line as the runner runs it (stopping at the first that fails),
    # then where Python imports the project from: its sources, as an editable install.
    script = [*job["script"], "uv run --no-sync python -c 'import greeting; print(greeting.__file__)'"]
    output = job_podman(
        "run", "--rm", "--network", "none", "--volume", f"{project}:/p", "--workdir", "/p", *environment, image,
        "sh", "-ec", "\n".join(["exec 2>&1", *script]),
    )  # fmt: skip
    assert re.search(r"^ \+ greeting==0\.1\.0 \(from file:///p\)$", output, re.MULTILINE), output
    assert re.search(r"=+ 3 passed in ", output), output
    assert output.rstrip().endswith("/p/src/greeting/__init__.py"), output
