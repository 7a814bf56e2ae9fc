"""The report layer: a problem has one shape in every command's JSON and one line in every text output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ci_catalog.problems import Problem
from ci_catalog.report import FORMATS, Report, text_line
from gitcatalog import GitCatalog, component

PROBLEM_KEYS = ["file", "line", "column", "rule", "severity", "message", "json_path"]
# A header GitLab refuses: an input type that does not exist.
BROKEN = "spec:\n  inputs:\n    n:\n      type: nope\n---\nbroken-job:\n  script: make\n"
# `summary` must be text: a problem of catalog.yml that every command reads.
MANIFEST = "version: 1.0.0\nproject: acme/ci\ncomponents:\n  build:\n    summary: [not, text]\n"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> GitCatalog:
    repo = GitCatalog(tmp_path_factory.mktemp("catalog"))
    repo.release("1.0.0", {"templates/build/template.yml": component("1")})
    repo.commit("broken", {"templates/broken.yml": BROKEN, "catalog.yml": MANIFEST})
    return repo


def _problems(command: str, data: Any) -> list[dict[str, Any]]:
    """The problem objects of a command's JSON output, wherever the command puts them."""
    if command == "lint":
        return list(data)
    if command in ("validate", "check"):
        return [problem for report in data for problem in report["problems"]]
    return list(data["problems"])


@pytest.mark.parametrize("command", ["validate", "check", "lint", "resolve", "diff", "list", "show"])
def test_every_command_writes_a_problem_in_json_with_the_same_fields(
    cli, catalog: GitCatalog, tmp_path: Path, command: str
) -> None:
    root, broken = catalog.root, catalog.root / "templates" / "broken.yml"
    pipeline = tmp_path / ".gitlab-ci.yml"
    pipeline.write_text("include:\n  - component: gitlab.com/acme/ci/build@9.9.9\n", encoding="utf-8")
    args = {
        "validate": ["validate", broken],
        "check": ["check", root],
        "lint": ["lint", root],
        "resolve": ["resolve", pipeline, "--catalog", root],
        "diff": ["diff", "1.0.0", "HEAD", "--catalog", root],
        "list": ["list", root],
        "show": ["show", "broken", "--catalog", root],
    }[command]
    result = cli(*args, "--format", "json")
    assert result.code == 1, result.err
    problems = _problems(command, json.loads(result.out))
    assert problems
    assert [list(problem) for problem in problems] == [PROBLEM_KEYS] * len(problems)
    assert all(problem["file"] and problem["rule"] and problem["severity"] for problem in problems)


def test_validate_json_names_the_file_and_the_json_path_apart(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("job:\n  script: 42\n", encoding="utf-8")
    (report,) = json.loads(cli("validate", bad, "--format", "json").out)
    assert (report["file"], report["valid"]) == (str(bad), False)
    assert report["problems"] == [
        {
            "file": str(bad),
            "line": 2,
            "column": 3,
            "rule": "gitlab",
            "severity": "error",
            "message": "jobs:job:script config should be a string or a nested array of strings up to 10 levels deep",
            "json_path": "job.script",
        }
    ]


def test_lint_and_check_print_a_problem_of_catalog_yml_as_the_same_line(cli, catalog: GitCatalog) -> None:
    def manifest_lines(command: str) -> list[str]:
        return [line for line in cli(command, catalog.root).out.splitlines() if "summary must be text" in line]

    (line,) = manifest_lines("lint")
    assert manifest_lines("check") == [line]
    assert line.startswith(f"{catalog.root / 'catalog.yml'}:5:") and ": error: catalog.yml `build` summary" in line


def test_a_text_line_tags_a_lint_rule_and_ends_with_the_json_path() -> None:
    problem = Problem("Job `b` uses `only`", "p.yml", 3, 3, "b.only", code="only-except", severity="warning")
    assert text_line(problem, {"only-except"}) == "p.yml:3:3: warning: [only-except] Job `b` uses `only` [b.only]"
    assert text_line(problem) == "p.yml:3:3: warning: Job `b` uses `only` [b.only]"
    assert text_line(problem, note="example: x").endswith("[b.only] (example: x)")


def test_a_text_line_shows_control_characters_escaped() -> None:
    problem = Problem("bad\x1b[2J\rname", "a\x1b.yml", 1, 2, "job\r")
    assert text_line(problem) == "a\\x1b.yml:1:2: error: bad\\x1b[2J\\rname [job\\r]"


def test_the_formats_are_named_as_the_lint_command_offers_them() -> None:
    assert list(FORMATS) == ["text", "json", "junit", "codequality"]
    assert FORMATS["text"](Report([])) == ""
    assert json.loads(FORMATS["json"](Report([]))) == []
