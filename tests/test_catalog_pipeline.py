"""The catalog's own .gitlab-ci.yml: valid, its component includes resolve at this commit, and
gitlab-ci-local reads it the way GitLab would (`--preview`).

gitlab-ci-local treats `$CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>@$CI_COMMIT_SHA` as a local
component when the project path is its git remote's and the ref is HEAD, so the preview
runs on a copy of the committed catalog with a remote named like the catalog's project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ci_catalog.catalog import load_catalog
from conftest import ROOT
from gitcatalog import GIT_ENV
from pipelines import require_gitlab_ci_local

PIPELINE = ROOT / ".gitlab-ci.yml"
COMPONENTS = ("uv-cache", "poetry-test", "deps-image", "pypi-publish")


def test_the_catalog_pipeline_is_valid(cli) -> None:
    result = cli("validate", PIPELINE)
    assert (result.code, result.out, result.err) == (0, "", "")


def test_every_component_include_resolves_at_this_commit_and_the_merged_pipeline_validates(cli) -> None:
    result = cli("resolve", PIPELINE, "--catalog", ROOT)
    assert result.code == 0, result.out
    assert result.out.endswith("resolved 5 component include(s); the merged pipeline is valid\n")
    for name in COMPONENTS:
        assert f"$CI_SERVER_FQDN/$CI_PROJECT_PATH/{name}@$CI_COMMIT_SHA -> " in result.out


def test_the_catalog_pipeline_has_no_lint_findings(cli) -> None:
    result = cli("lint", PIPELINE)
    assert (result.code, result.out) == (0, "")


@pytest.fixture(scope="module")
def committed_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalog's tracked files, committed in a fresh repository with the catalog's remote."""
    copy = tmp_path_factory.mktemp("catalog-copy")
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    project = load_catalog(ROOT).project
    env = {**os.environ, **GIT_ENV}
    for command in (
        ["init", "-q", "-b", "main"],
        # catalog.yml's `<group>` stands for the user's group: any group will do here.
        ["remote", "add", "origin", f"https://gitlab.example.com/{project.replace('<group>', 'acme')}.git"],
        ["add", "-A"],
        ["commit", "-q", "-m", "catalog"],
    ):
        subprocess.run(["git", "-C", str(copy), *command], check=True, capture_output=True, env=env)
    return copy


@pytest.mark.e2e
def test_gitlab_ci_local_previews_the_pipeline_with_every_component_job(committed_copy: Path) -> None:
    tool = require_gitlab_ci_local()
    done = subprocess.run(
        [str(tool), "--preview", "--no-color"], cwd=committed_copy, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for job in (
        "catalog-test:",
        "selftest-uv-test:",
        "selftest-poetry-test:",
        "selftest-deps-build:",
        "selftest-publish-build:",
        "release:",
        "pages:",
    ):
        assert f"\n{job}\n" in done.stdout, job


@pytest.mark.e2e
def test_uv_lock_is_current_with_pyproject_toml() -> None:
    """catalog-warm runs `uv sync --locked`: a stale uv.lock fails the catalog's pipeline."""
    uv = Path(sys.executable).parent / "uv"
    done = subprocess.run([str(uv), "lock", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"run `uv lock` and commit uv.lock:\n{done.stderr}"
