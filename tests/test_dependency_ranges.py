"""The dependency ranges pyproject.toml declares hold at both ends.

`.ci/run` tests what uv.lock pins; a user's `pip install ci-catalog` may get any version
inside the declared ranges. So the tests that depend most on the libraries' behaviour
(YAML reading and its limits, RE2, the schema, the GitLab client, tree-sitter's bash
grammar) run again in two fresh environments: the lowest version of every direct
dependency, and the newest the index serves. The hostile-file tests inside run under both YAML parsers (libyaml and PyYAML's
pure-Python one), so each end is proven with and without libyaml.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"
SENSITIVE = [
    "tests/test_hostile_files.py",
    "tests/test_loading.py",
    "tests/test_render.py",
    "tests/test_conformance_interpolation.py",
    "tests/test_expressions.py",
    "tests/test_header.py",
    "tests/test_remote.py",
    "tests/test_cli.py",
    "tests/test_lint_shellcheck.py",
    "tests/test_lint_command_not_in_image.py",
    "tests/test_schema_fast.py",
    "tests/test_yaml_parsers.py",
]
# GitLab's limits, measured in child processes (minutes under the pure-Python parser): at
# the newest end, where PyYAML 6.0.4's libyaml brings a nesting limit of its own.
LIMITS = ["tests/test_hostile_limits.py"]

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def environment(resolution: str, folder: Path) -> Path:
    """A fresh virtual environment holding ci-catalog[test] resolved with `resolution`."""
    env = {**os.environ, "UV_CONCURRENT_DOWNLOADS": "4"}
    subprocess.run([UV, "venv", "-q", folder, "--python", sys.executable], check=True, env=env)
    python = folder / "bin" / "python"
    install = [UV, "pip", "install", "-q", "--python", python, "--resolution", resolution, f"{ROOT}[test]"]
    done = subprocess.run(install, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return python


def installed_version(python: Path, package: str) -> str:
    done = subprocess.run([UV, "pip", "show", "--python", python, package], capture_output=True, text=True)
    return next(line.split(":", 1)[1].strip() for line in done.stdout.splitlines() if line.startswith("Version:"))


@pytest.mark.parametrize(
    ("resolution", "pyyaml", "tests"),
    [("lowest-direct", "6.0.1", SENSITIVE), ("highest", None, SENSITIVE + LIMITS)],
    ids=["lowest-declared", "newest"],
)
def test_the_library_sensitive_tests_pass_at_each_end_of_the_ranges(
    resolution: str, pyyaml: str | None, tests: list[str], tmp_path: Path
) -> None:
    python = environment(resolution, tmp_path / "venv")
    if pyyaml is not None:
        assert installed_version(python, "pyyaml") == pyyaml
    # The installed package is tested, not this checkout's src/ (which is not on the path).
    command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not e2e and not slow", *tests]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]
