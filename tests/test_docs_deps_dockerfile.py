"""The uv Dockerfile docs/components.md gives for deps-image, built as written, and its consumer job.

The image is built by podman (Buildah, chroot isolation) from the uv look-alike image and a
context of the uv fixture's pyproject.toml and uv.lock only, as deps-image's build job gives
it the hashed files. Then the consumer's commands, as the docs' example runs them, run in a
container of it without any network: the project must build and its tests pass from the
image alone.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ci_catalog.local.runner import CONTAINER_CA_BUNDLE
from pipelines import EXECUTOR, FIXTURES, ROOT, job_ca_file, job_podman, require_job_images

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(EXECUTOR != "container", reason="builds and runs an image: needs the container executor"),
]

DOCS = ROOT / "docs" / "components.md"
IMAGE = "localhost/ci-catalog-test/docs-deps:latest"
OFFLINE_SYNC = "uv sync --locked --offline"


def documented_dockerfile() -> str:
    found = re.search(r"```dockerfile\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    assert found, f"{DOCS} has no dockerfile block"
    return found.group(1)


def with_machine_certificates(dockerfile: str) -> str:
    """The Dockerfile with this machine's certificate bundle named after FROM, as the jobs get it
    (uv reads SSL_CERT_FILE); its own lines are unchanged."""
    if job_ca_file() is None:
        return dockerfile
    first, rest = dockerfile.split("\n", 1)
    return f"{first}\nENV SSL_CERT_FILE={CONTAINER_CA_BUNDLE}\n{rest}"


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_job_images()
    context = tmp_path_factory.mktemp("docs-deps-context")
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(FIXTURES / "uv-project" / name, context / name)
    (context / "Dockerfile").write_text(with_machine_certificates(documented_dockerfile()), encoding="utf-8")
    options = ["--isolation", "chroot", "--network", "host"]
    ca_file = job_ca_file()
    if ca_file is not None:
        options += ["--volume", f"{ca_file}:{CONTAINER_CA_BUNDLE}:ro"]
    job_podman("build", "--quiet", *options, "--tag", IMAGE, str(context))
    yield IMAGE
    job_podman("rmi", "--force", IMAGE)


def test_the_documented_consumer_job_syncs_offline() -> None:
    assert f"- {OFFLINE_SYNC}" in DOCS.read_text(encoding="utf-8")


def test_consumer_builds_the_project_and_passes_its_tests_from_the_documented_image_alone(
    image: str, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "uv-project", project)
    environment = ["--env", "UV_PROJECT_ENVIRONMENT=/deps/venv", "--env", "UV_CACHE_DIR=/deps/uv-cache"]
    output = job_podman(
        "run", "--rm", "--network", "none", "--volume", f"{project}:/p", "--workdir", "/p", *environment, image,
        "sh", "-c", f"{OFFLINE_SYNC} 2>&1 && uv run --no-sync python -m pytest -q -p no:cacheprovider",
    )  # fmt: skip
    assert re.search(r"^ \+ greeting==0\.1\.0 \(from file:///p\)$", output, re.MULTILINE), output
    assert "Installed 1 package" in output, output
    assert re.search(r"^3 passed", output, re.MULTILINE), output
