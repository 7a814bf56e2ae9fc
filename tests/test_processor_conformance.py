"""GitLab's pipeline semantics, case by case, through `ci-catalog validate FILE`.

The cases (tests/data/semantic-cases.yaml, a copy of the public sample) are taken from
GitLab's specs and code: each is a whole `.gitlab-ci.yml` that GitLab accepts, or
refuses with the message given (compared case-insensitively, as the sample says; GitLab
may report other errors beside it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

CASES_FILE = Path(__file__).parent / "data" / "semantic-cases.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))


def test_the_sample_holds_46_cases_19_accepted_and_27_refused() -> None:
    assert len(CASES) == 46
    assert sum(1 for case in CASES if case.get("expect_valid")) == 19
    assert sum(1 for case in CASES if "expect_error" in case) == 27
    assert len({case["id"] for case in CASES}) == 46


@pytest.mark.parametrize("case", [c for c in CASES if c.get("expect_valid")], ids=lambda c: c["id"])
def test_gitlab_accepts_it_so_validate_exits_0(case: dict[str, Any], cli, tmp_path: Path) -> None:
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text(case["content"], encoding="utf-8")
    result = cli("validate", path)
    assert (result.code, result.out) == (0, ""), f"{case['source']}: {case['test']}"


@pytest.mark.parametrize("case", [c for c in CASES if "expect_error" in c], ids=lambda c: c["id"])
def test_gitlab_refuses_it_so_validate_exits_1_with_gitlabs_message(case: dict[str, Any], cli, tmp_path: Path) -> None:
    path = tmp_path / ".gitlab-ci.yml"
    path.write_text(case["content"], encoding="utf-8")
    result = cli("validate", path)
    assert result.code == 1
    assert case["expect_error"].lower() in result.out.lower(), f"{case['source']}: {case['test']}\n{result.out}"
    # Every problem is placed in the file: `path:line:column: error: ...`.
    for line in result.out.splitlines():
        assert line.startswith(f"{path}:"), line
