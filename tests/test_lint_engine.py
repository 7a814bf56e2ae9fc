"""The lint engine: configuration, inline suppressions, report formats and the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from ci_catalog.exits import UsageError
from ci_catalog.lint import lint_text
from ci_catalog.lint.config import LintConfig, find_config, parse_config
from ci_catalog.report import Report, as_codequality, as_junit

PIPELINE = """\
build:
  script: make
  only: [main]
test:
  script: make test
  except: [tags]  # ci-catalog: ignore[only-except]
"""

# GitLab's documented Code Quality report: an array of issues with these fields
# (docs: ci/testing/code_quality, "Code Quality report format").
CODE_QUALITY_FORMAT = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def test_a_finding_names_rule_place_and_severity() -> None:
    (problem,) = lint_text(PIPELINE, "p.yml", LintConfig(select={"only-except"}))
    assert (problem.code, problem.file, problem.line, problem.column, problem.severity) == (
        "only-except",
        "p.yml",
        3,
        3,
        "warning",
    )


def test_an_inline_comment_suppresses_that_rule_on_that_line_only() -> None:
    lines = [problem.line for problem in lint_text(PIPELINE, "p.yml", LintConfig(select={"only-except"}))]
    assert lines == [3]


def test_a_bare_ignore_comment_suppresses_every_rule_on_the_line() -> None:
    text = PIPELINE.replace("only: [main]", "only: [main]  # ci-catalog: ignore")
    assert lint_text(text, "p.yml", LintConfig(select={"only-except"})) == []


def test_ignore_and_severity_come_from_the_configuration() -> None:
    config = parse_config({"severity": {"only-except": "error"}}, "catalog.yml: lint")
    assert [p.severity for p in lint_text(PIPELINE, "p.yml", config)] == ["error"]
    assert lint_text(PIPELINE, "p.yml", parse_config({"ignore": ["only-except"]}, "x")) == []


@pytest.mark.parametrize(
    ("section", "complaint"),
    [
        ({"select": ["no-such-rule"]}, "no such rule no-such-rule"),
        ({"severity": {"only-except": "fatal"}}, "severity must be error or warning"),
        ({"colour": "blue"}, "unknown key(s) colour"),
        ("everything", "expected a mapping"),
    ],
)
def test_configuration_mistakes_name_the_fix(section: object, complaint: str) -> None:
    with pytest.raises(UsageError, match=complaint.replace("(", r"\(").replace(")", r"\)")):
        parse_config(section, "catalog.yml: lint")


def test_configuration_is_read_from_catalog_yml_or_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ci-catalog]\nignore = ["only-except"]\n', encoding="utf-8")
    assert find_config(tmp_path).ignore == {"only-except"}
    (tmp_path / "catalog.yml").write_text("lint:\n  select: [only-except]\n", encoding="utf-8")
    assert find_config(tmp_path).select == {"only-except"}


def test_code_quality_report_follows_gitlabs_format(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    path = tmp_path / "templates" / "a.yml"
    problems = lint_text(
        PIPELINE.replace("# ci-catalog: ignore[only-except]", ""), str(path), LintConfig(select={"only-except"})
    )
    report = json.loads(as_codequality(Report(problems + problems)))
    jsonschema.validate(report, CODE_QUALITY_FORMAT)
    assert report[0]["location"] == {"path": "templates/a.yml", "lines": {"begin": 3}}
    assert report[0]["severity"] == "minor" and report[0]["check_name"] == "only-except"
    assert len({issue["fingerprint"] for issue in report}) == len(report) == 4


def _fingerprints(cli, path: Path, text: str) -> list[str]:
    """The Code Quality fingerprints of `lint` over `text`, written at `path`, in report order."""
    path.write_text(text, encoding="utf-8")
    result = cli("lint", path, "--format", "codequality")
    assert result.code == 1, result.err
    return [issue["fingerprint"] for issue in json.loads(result.out)]


def test_a_code_quality_fingerprint_stays_when_lines_are_inserted_above_the_finding(
    cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GitLab matches findings across a merge request by fingerprint: one that moved is not fixed.
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    text = "build:\n  script: make\n  only: [main]\n"
    before = _fingerprints(cli, tmp_path / "p.yml", text)
    moved = _fingerprints(cli, tmp_path / "p.yml", "# the build\nlint:\n  script: ruff check\n\n" + text)
    assert len(before) == 1 and moved == before


def test_identical_findings_in_one_file_get_distinct_fingerprints(
    cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    text = "a:\n  script: make\n  only: [main]\nb:\n  script: make\n  only: [main]\n"
    fingerprints = _fingerprints(cli, tmp_path / "p.yml", text)
    assert len(set(fingerprints)) == len(fingerprints) == 2


def test_a_code_quality_fingerprint_changes_with_the_flagged_text(
    cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    main = _fingerprints(cli, tmp_path / "p.yml", "build:\n  script: make\n  only: [main]\n")
    tags = _fingerprints(cli, tmp_path / "p.yml", "build:\n  script: make\n  only: [tags]\n")
    assert len(main) == len(tags) == 1 and main != tags


def test_junit_report_has_a_case_per_file_and_a_failure_per_finding() -> None:
    problems = lint_text(PIPELINE, "p.yml", LintConfig(select={"only-except"}))
    root = ElementTree.fromstring(as_junit(Report(problems, ["p.yml", "clean.yml"])))
    suite = root.find("testsuite")
    assert root.tag == "testsuites" and suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {"p.yml", "clean.yml"}
    failure = cases["p.yml"].find("failure")
    assert failure is not None and failure.get("message", "").startswith("[only-except] Job `build` uses `only`")
    assert cases["clean.yml"].find("failure") is None


def test_lint_command_exits_1_on_findings_and_writes_the_chosen_format(cli, tmp_path: Path) -> None:
    path = tmp_path / "p.yml"
    path.write_text(PIPELINE, encoding="utf-8")
    result = cli("lint", path, "--format", "json")
    assert result.code == 1
    assert [(row["rule"], row["line"]) for row in json.loads(result.out)] == [("only-except", 3)]


def test_lint_command_exits_0_when_clean(cli, tmp_path: Path) -> None:
    path = tmp_path / "p.yml"
    path.write_text("build:\n  script: make\n", encoding="utf-8")
    assert cli("lint", path, "--format", "text").code == 0


def test_lint_command_rejects_a_missing_path_as_usage(cli, tmp_path: Path) -> None:
    result = cli("lint", tmp_path / "nope.yml")
    assert result.code == 2 and "no such file or folder" in result.err


def test_lint_command_reports_a_broken_configuration_as_a_problem_of_its_file(cli, tmp_path: Path) -> None:
    (tmp_path / "catalog.yml").write_text("lint:\n  ignore: [made-up]\n", encoding="utf-8")
    (tmp_path / "p.yml").write_text("build:\n  script: make\n", encoding="utf-8")
    result = cli("lint", tmp_path / "p.yml")
    assert result.code == 1
    assert (
        result.out
        == f"{tmp_path / 'catalog.yml'}:1:1: error: lint.ignore: no such rule made-up (see `ci-catalog rules`)\n"
    )


def test_rules_command_lists_and_documents_rules(cli) -> None:
    listing = cli("rules")
    assert listing.code == 0 and "only-except" in listing.out
    page = cli("rules", "only-except")
    assert "## Why is this bad?" in page.out
    assert cli("rules", "nope").code == 2


def test_a_catalog_yml_that_cannot_be_read_is_a_problem_naming_the_place_once(cli, tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "catalog.yml").write_text("version: 1\ncomponents: [\n", encoding="utf-8")
    result = cli("lint", tmp_path)
    assert result.code == 1
    expected = f"{tmp_path / 'catalog.yml'}:3:1: error: (<unknown>): did not find expected node content"
    (line,) = [line for line in result.out.splitlines() if "catalog.yml" in line]
    assert line.startswith(expected)


def test_check_reports_a_catalog_yml_that_is_not_a_mapping(cli, tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "catalog.yml").write_text("- a\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# c\n", encoding="utf-8")
    result = cli("check", tmp_path)
    assert result.code == 1
    assert (
        result.out.splitlines()[0]
        == f"{tmp_path / 'catalog.yml'}:1:1: error: catalog.yml must be a mapping (version, components, lint)"
    )


# ----- what a file may hold that a report must not pass on raw -----

HOSTILE_JOB = 'spec:\n  inputs: {}\n---\n"build\\e[2J\\e[H\\rci.yml: clean":\n  script: [make]\n'


def test_lint_text_shows_control_characters_in_job_names_escaped(cli, tmp_path: Path) -> None:
    path = tmp_path / "evil.yml"
    path.write_text(HOSTILE_JOB, encoding="utf-8")
    result = cli("lint", path)
    assert result.code == 1
    assert "\x1b" not in result.out and "\r" not in result.out
    assert "Job `build\\x1b[2J\\x1b[H\\rci.yml: clean` has a fixed name" in result.out


def test_junit_is_well_formed_xml_when_a_message_holds_control_characters(cli, tmp_path: Path) -> None:
    path = tmp_path / "evil.yml"
    path.write_text(HOSTILE_JOB, encoding="utf-8")
    report = ElementTree.fromstring(cli("lint", path, "--format", "junit").out)
    (failure,) = [f for f in report.iter("failure") if "fixed name" in (f.get("message") or "")]
    assert "build\\x1b[2J" in (failure.get("message") or "")


def _run_in_child(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """A child process: its stdout is bytes as a CI job stores them, not a test's text capture."""
    command = [sys.executable, "-m", "ci_catalog", *map(os.fsdecode, args)]
    return subprocess.run(command, capture_output=True, cwd=cwd, env={**os.environ, "CI_PROJECT_DIR": str(cwd)})


@pytest.mark.parametrize("fmt", ["json", "codequality", "junit", "text"])
def test_a_file_name_that_is_not_utf8_is_reported_in_every_format_without_raw_bytes(tmp_path: Path, fmt: str) -> None:
    name = os.fsdecode(b"build-\xff.yml")
    (tmp_path / name).write_text(PIPELINE, encoding="utf-8")
    done = _run_in_child("lint", name, "--format", fmt, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert b"\xff" not in done.stdout
    text = done.stdout.decode("utf-8")
    if fmt in ("json", "codequality"):
        paths = [row["file"] if fmt == "json" else row["location"]["path"] for row in json.loads(text)]
        assert paths and all(os.fsencode(path) == b"build-\xff.yml" for path in paths)
    elif fmt == "junit":
        assert ElementTree.fromstring(text).find("testsuite/testcase").get("name") == "build-\\xff.yml"
    else:
        assert text.startswith("build-\\xff.yml:3:3: warning: [only-except]")


@pytest.mark.parametrize("command", ["lint", "check"])
def test_a_pyproject_toml_that_is_not_utf8_is_a_problem_naming_it(cli, tmp_path: Path, command: str) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.ci-catalog]\nignore = ['caf\xe9']\n")
    result = cli(command, tmp_path)
    assert result.code == 1
    assert f"{tmp_path / 'pyproject.toml'}: error: " in result.out
    assert "cannot read pyproject.toml: 'utf-8' codec can't decode byte 0xe9" in result.out
