"""Commands import only what they use: reading a catalog loads no lint rule."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT


def imported_modules(*args: str) -> set[str]:
    """The `ci_catalog` modules `python -X importtime -m ci_catalog ARGS...` imports (it must succeed)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ci_catalog", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(re.findall(r"\|\s+(ci_catalog[\w.]*)\s*$", done.stderr, re.MULTILINE))


@pytest.mark.parametrize("args", [("show", "uv-cache"), ("list",)], ids=["show", "list"])
def test_reading_the_catalog_imports_no_lint_rule(args: tuple[str, ...]) -> None:
    modules = imported_modules(*args)
    assert "ci_catalog.interface" in modules  # the command did read the components
    assert sorted(name for name in modules if name.startswith("ci_catalog.lint.rules")) == []


def test_rules_imports_the_rules() -> None:
    assert "ci_catalog.lint.rules.shellcheck" in imported_modules("rules")
