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

from ci_catalog.lint import lint_file, lint_files, shellcheck_runner, sort_problems
from ci_catalog.lint.cache import findings_cache
from ci_catalog.lint.config import LintConfig
from conftest import ROOT, SHARED, shared_path

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
    path = shared_path(
        "real-components",
        "Moselwal-Digitalagentur__release-tools",
        "templates",
        "typo3-extension-release",
        "template.yml",
    )
    (problem,) = [p for p in lint_file(path, LintConfig(select={"untyped-input-non-string-default"}))]
    assert "needs-config" in problem.message and "type: array" in problem.message
    assert (problem.line, problem.severity) == (41, "error")


def test_findings_match_the_golden_summary(findings: dict[str, dict[str, int]]) -> None:
    if os.environ.get("CI_CATALOG_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(findings, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert findings == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_findings_are_the_same_cached_or_not_in_parallel_or_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real components and this catalog's: one batch over every core, each file alone
    with one ShellCheck at a time, a cold cache and a warm one all give the same findings."""
    paths = sorted(shared_path("real-components").glob("*/templates/**/*.yml")) + sorted(
        (ROOT / "templates").glob("*/template.yml")
    )
    config = LintConfig()
    together = lint_files(paths, config)
    cold = findings_cache(config, tmp_path)
    cached = lint_files(paths, config, cold)
    warm = findings_cache(config, tmp_path)
    from_cache = lint_files(paths, config, warm)
    monkeypatch.setattr(shellcheck_runner, "default_workers", lambda: 1)
    alone = sort_problems([problem for path in paths for problem in lint_file(path, config)])
    assert (cold.hits, warm.hits) == (0, len(paths))
    assert sum(problem.code == "shellcheck" for problem in together) > 100
    assert together == cached == from_cache == alone
