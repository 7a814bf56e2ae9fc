"""The commands of the images jobs name, as ci-catalog ships them for the
`command-not-in-image` rule: written by scripts/images/tool-lists, about the real images."""

from __future__ import annotations

import os
import subprocess
from importlib import resources
from pathlib import Path

import pytest

from ci_catalog.lint.imagetools import known_images, normalize, tools_for
from conftest import ROOT

TOOL_LISTS = ROOT / "scripts" / "images" / "tool-lists"
# The images this catalog's components name, with their defaults and each option.
CATALOG_IMAGES = [
    "ghcr.io/astral-sh/uv:0.13.8-python3.13-trixie-slim",
    "ghcr.io/astral-sh/uv:0.13.8-python3.13-alpine",
    "python:3.11-slim",
    "python:3.12-slim",
    "python:3.13-slim",
    "python:3.14-slim",
    "quay.io/skopeo/stable:v1.20.0",
    "quay.io/buildah/stable:v1.42.1",
]


def test_the_shipped_lists_are_what_tool_lists_writes_from_the_look_alikes_lists(tmp_path: Path) -> None:
    env = {**os.environ, "TOOL_DATA_DIR": str(tmp_path)}
    done = subprocess.run([TOOL_LISTS, "--data"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    shipped = resources.files("ci_catalog.lint.images")
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == sorted(item.name for item in shipped.iterdir() if item.name.endswith(".txt"))
    for name in written:
        assert (tmp_path / name).read_text() == shipped.joinpath(name).read_text(encoding="utf-8"), name


@pytest.mark.parametrize("reference", CATALOG_IMAGES)
def test_every_image_the_components_name_has_a_list(reference: str) -> None:
    assert tools_for(reference) is not None


@pytest.mark.parametrize(
    "reference",
    [
        "ghcr.io/astral-sh/uv:0.13.8-python3.13-trixie",  # uv-cache's base_layer: trixie, with git
        "ghcr.io/astral-sh/uv:0.13.8-trixie-slim",  # no Python
        "ghcr.io/astral-sh/uv:0.13.8-alpine",  # no Python
        "python:3.13",
        "alpine:3.22",
        "registry.example.com/astral-sh/uv:0.13.8-python3.13-trixie-slim",
    ],
)
def test_an_image_without_a_list_is_not_known(reference: str) -> None:
    assert tools_for(reference) is None


def test_no_two_lists_describe_the_same_image() -> None:
    for reference in CATALOG_IMAGES:
        full = normalize(reference)
        assert len([image for image in known_images() if image.matches(full)]) == 1, reference


@pytest.mark.parametrize(
    ("reference", "full"),
    [
        ("python:3.13-slim", "docker.io/library/python:3.13-slim"),
        ("library/python:3.13-slim", "docker.io/library/python:3.13-slim"),
        ("index.docker.io/library/python:3.13-slim", "docker.io/library/python:3.13-slim"),
        ("bitnami/kubectl:1.31", "docker.io/bitnami/kubectl:1.31"),
        ("localhost/tool:1", "localhost/tool:1"),
        ("localhost:5000/tool:1", "localhost:5000/tool:1"),
        ("ghcr.io/astral-sh/uv:0.13.8@sha256:" + "0" * 64, "ghcr.io/astral-sh/uv:0.13.8"),
    ],
)
def test_references_are_normalized_as_docker_does(reference: str, full: str) -> None:
    assert normalize(reference) == full


@pytest.mark.parametrize("reference", ["python:3.13-slim", "ghcr.io/astral-sh/uv:0.13.8-python3.13-trixie-slim"])
def test_the_slim_images_have_no_git_curl_wget_zstd_or_xz(reference: str) -> None:
    tools = tools_for(reference)
    assert tools is not None
    assert [name for name in ("git", "curl", "wget", "zstd", "xz", "sudo") if tools.provides(name)] == []
    assert all(tools.provides(name) for name in ("bash", "sh", "apt-get", "python3", "pip", "sha256sum", "paste"))


def test_the_python_images_have_the_commands_of_their_own_version() -> None:
    tools = tools_for("python:3.12-slim")
    assert tools is not None
    assert all(tools.provides(name) for name in ("python3.12", "pip3.12", "python3-config", "idle3"))
    # Debian's own Python helpers are the look-alike's, not the real image's.
    assert not any(tools.provides(name) for name in ("py3compile", "pdb3"))


def test_the_alpine_images_have_busybox_but_no_bash_or_apt() -> None:
    tools = tools_for("ghcr.io/astral-sh/uv:0.13.8-python3.13-alpine")
    assert tools is not None
    assert all(tools.provides(name) for name in ("sh", "ash", "comm", "find", "wget", "apk", "pgrep", "uv", "uvx"))
    assert not any(tools.provides(name) for name in ("bash", "git", "curl", "zstd", "apt-get", "dpkg", "xz"))
    assert tools.stand_in  # the list says what of it is not known of the real image


@pytest.mark.parametrize(
    ("reference", "tool"), [("quay.io/skopeo/stable:v1.20.0", "skopeo"), ("quay.io/buildah/stable:v1.42.1", "buildah")]
)
def test_the_fedora_images_have_dnf_and_their_tool_but_not_apt(reference: str, tool: str) -> None:
    tools = tools_for(reference)
    assert tools is not None
    assert tools.provides(tool) and tools.provides("dnf") and tools.provides("sha256sum")
    assert not tools.provides("apt-get") and not tools.provides("git")
