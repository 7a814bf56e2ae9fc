"""The linter over the real public components in ../shared/real-components.

It must finish without a crash, report the known bug (an untyped input whose default is
a list), and find what the golden file records: per file, how many findings of each
rule. After a deliberate rule change, regenerate the golden file with
`CI_CATALOG_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_lint_real_components.py`
and review its diff.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from ci_catalog.lint import lint_file
from ci_catalog.lint.config import LintConfig
from conftest import SHARED, shared_path

# GitLab's schema tests and third-party components are other people's files, in ../shared.
pytestmark = pytest.mark.shared_data

GOLDEN = Path(__file__).parent / "golden" / "real_components_lint.json"
REAL = SHARED / "real-components"


def summary() -> dict[str, dict[str, int]]:
    root = shared_path("real-components")
    result: dict[str, dict[str, int]] = {}
    for path in sorted(root.glob("*/templates/**/*.yml")):
        counts = Counter(problem.code for problem in lint_file(path, LintConfig()))
        result[path.relative_to(root).as_posix()] = dict(sorted(counts.items()))
    return result


@pytest.fixture(scope="module")
def findings() -> dict[str, dict[str, int]]:
    return summary()


def test_the_linter_reads_every_real_component(findings: dict[str, dict[str, int]]) -> None:
    assert len(findings) == 23
    assert all("load" not in counts for counts in findings.values())


def test_the_known_broken_default_is_reported() -> None:
    path = shared_path("real-components", "Moselwal-Digitalagentur__release-tools", "templates",
                       "typo3-extension-release", "template.yml")
    (problem,) = [p for p in lint_file(path, LintConfig(select={"untyped-input-non-string-default"}))]
    assert "needs-config" in problem.message and "type: array" in problem.message
    assert (problem.line, problem.severity) == (41, "error")


def test_findings_match_the_golden_summary(findings: dict[str, dict[str, int]]) -> None:
    if os.environ.get("CI_CATALOG_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(findings, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert findings == json.loads(GOLDEN.read_text(encoding="utf-8"))
