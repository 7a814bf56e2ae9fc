"""Every case of tests/data/interpolation-cases.yaml, through `ci-catalog render`.

The cases are GitLab's behaviours as data (the public sample, kept in this repository):
each becomes a component file, inputs/variables/component-context files and feature
flags, exactly as a user would hand them to the command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import DATA

CASES_FILE = DATA / "interpolation-cases.yaml"


def _cases() -> list[dict[str, Any]]:
    return yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1 << 20)


def case_text(case: dict[str, Any]) -> str:
    """The component file a case describes: its raw text, or header + `---` + content."""
    if "raw" in case:
        return case["raw"]
    content = "" if case.get("content") is None else _dump(case["content"])
    if case.get("spec") is None:
        return content
    return _dump({"spec": case["spec"]}) + "---\n" + content


def render_args(case: dict[str, Any], folder: Path) -> list[str]:
    component = folder / "component.yml"
    component.write_text(case_text(case), encoding="utf-8")
    args = ["render", str(component), "--format", "json"]
    files = {
        "--inputs-file": case.get("inputs"),
        "--variables-file": case.get("variables"),
        "--component-context": case.get("component_context"),
    }
    for flag, data in files.items():
        if data is not None or flag == "--inputs-file":
            path = folder / (flag.strip("-") + ".yml")
            path.write_text(_dump(data if data is not None else {}), encoding="utf-8")
            args += [flag, str(path)]
    for flag, enabled in (case.get("feature_flags") or {}).items():
        if enabled:
            args += ["--feature", flag]
    return args


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case["id"])
def test_render_matches_gitlab(case: dict[str, Any], tmp_path: Path, cli) -> None:
    result = cli(*render_args(case, tmp_path))
    if "expect_error" in case:
        expected = case["expect_error"]
        assert result.code == 1, result.out
        for fragment in expected if isinstance(expected, list) else [expected]:
            assert fragment in result.err.splitlines()[0]
    else:
        assert result.code == 0, result.err
        assert json.loads(result.out) == case["expect"]


def test_the_case_file_holds_the_whole_public_sample() -> None:
    assert len(_cases()) >= 113
