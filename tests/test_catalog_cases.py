"""catalog.yml's test cases (`tests:` per component): read into cases, every mistake reported at its place.

The cases themselves run with `ci-catalog test` (tests/test_selftest.py); here only what is
read, refused and selected, which needs no job to run.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from ci_catalog.catalog import load_catalog
from ci_catalog.catalog_cases import Expectation

COMPONENT = (
    "spec:\n  inputs:\n    greeting:\n      default: hello\n---\nbuild:\n  script: [echo $[[ inputs.greeting ]]]\n"
)


def catalog_with(root: Path, tests: str) -> Path:
    """A catalog with one component, `build`, whose catalog.yml entry has `tests` (YAML, as written under it)."""
    (root / "templates").mkdir(parents=True)
    (root / "templates" / "build.yml").write_text(COMPONENT)
    (root / "fixtures" / "app").mkdir(parents=True)
    (root / "fixtures" / "app" / "README.md").write_text("an app\n")
    body = textwrap.indent(textwrap.dedent(tests).strip("\n"), " " * 6)
    (root / "catalog.yml").write_text(f"version: 1.0.0\ncomponents:\n  build:\n    tests:\n{body}\n")
    return root


FULL_CASE = """
- name: cold then warm
  fixture: fixtures/app
  inputs: {greeting: hi}
  variables: {COUNT: 3, VERBOSE: true}
  files: {notes.txt: "some text", README.md: null}
  pipeline:
    extra: {script: [echo extra]}
  jobs: [build, extra]
  expect:
    - {job: build, log: hi}
    - {job: build, not_in_log: Traceback}
    - {job: extra, fails_with: boom}
    - {job: build, artifact: out/report.xml}
    - {job: build, dotenv: IMAGE}
    - {job: build, coverage: 100}
  warm:
    expect:
      - {downloads: 0}
      - {caches_unchanged: true}
      - {job: build, passes: true}
"""


def test_a_case_is_read_with_everything_it_says(tmp_path: Path) -> None:
    catalog = load_catalog(catalog_with(tmp_path, FULL_CASE))
    assert catalog.problems == []
    (case,) = catalog.components[0].cases
    assert (case.component, case.name, case.fixture, case.jobs) == (
        "build",
        "cold then warm",
        "fixtures/app",
        ["build", "extra"],
    )
    assert case.inputs == {"greeting": "hi"}
    assert case.variables == {"COUNT": "3", "VERBOSE": "true"}
    assert case.files == {"notes.txt": "some text", "README.md": None}
    assert case.pipeline == {"extra": {"script": ["echo extra"]}}
    assert [(item.check, item.job, item.value) for item in case.expect] == [
        ("log", "build", "hi"),
        ("not_in_log", "build", "Traceback"),
        ("fails_with", "extra", "boom"),
        ("artifact", "build", "out/report.xml"),
        ("dotenv", "build", "IMAGE"),
        ("coverage", "build", "100"),
    ]
    assert case.warm is not None
    assert [(item.check, item.job, item.value) for item in case.warm] == [
        ("downloads", None, 0),
        ("caches_unchanged", None, True),
        ("passes", "build", True),
    ]


def test_a_case_without_warm_runs_once(tmp_path: Path) -> None:
    case_yaml = "- {name: once, fixture: fixtures/app, jobs: [build], expect: [{job: build, passes: true}]}"
    (case,) = load_catalog(catalog_with(tmp_path, case_yaml)).components[0].cases
    assert case.warm is None
    assert case.expect == [Expectation("passes", True, "build", case.expect[0].line, case.expect[0].column)]


BASE = "name: c\n  fixture: fixtures/app\n  jobs: [build]\n  expect: [{job: build, passes: true}]\n"
# (what is written under `tests:`, the text the problem is reported at, the message)
BAD_CASES = {
    "tests that are no list": ("{name: c}", "tests:", "must be a list of test cases"),
    "a case that is no mapping": ("- just text", "just text", "each test case must be a mapping"),
    "no name": (
        "- fixture: fixtures/app\n  jobs: [build]\n  expect: [{job: build, passes: true}]",
        "fixture: fixtures/app",
        "`name` must be text (it is required)",
    ),
    "an unknown key": ("- " + BASE + "  fixtures: x", "fixtures: x", "unknown key `fixtures` in a test case"),
    "a fixture outside the catalog": (
        "- name: c\n  fixture: ../elsewhere\n  jobs: [build]\n  expect: [{job: build, passes: true}]",
        "fixture: ../elsewhere",
        "fixture `../elsewhere` must be a folder of the catalog",
    ),
    "a fixture that is not there": (
        "- name: c\n  fixture: fixtures/none\n  jobs: [build]\n  expect: [{job: build, passes: true}]",
        "fixture: fixtures/none",
        "fixture `fixtures/none` is not a folder of the catalog",
    ),
    "no jobs": (
        "- name: c\n  fixture: fixtures/app\n  expect: [{job: build, passes: true}]",
        "name: c",
        "`jobs` must list the names of the jobs that run",
    ),
    "no expectation": (
        "- name: c\n  fixture: fixtures/app\n  jobs: [build]",
        "name: c",
        "`expect` must list what must happen",
    ),
    "an expectation of no known kind": (
        "- name: c\n  fixture: fixtures/app\n  jobs: [build]\n  expect: [{job: build, succeeds: true}]",
        "{job: build",
        "an expectation is a mapping with one of passes, fails_with",
    ),
    "two checks in one expectation": (
        "- name: c\n  fixture: fixtures/app\n  jobs: [build]\n  expect: [{job: build, passes: true, log: x}]",
        "{job: build",
        "an expectation is a mapping with one of",
    ),
    "a job that is not among the case's jobs": (
        "- name: c\n  fixture: fixtures/app\n  jobs: [build]\n  expect: [{job: deploy, passes: true}]",
        "job: deploy",
        "`passes` needs `job`, one of the case's jobs (build)",
    ),
    "passes that is not a boolean": (
        "- name: c\n  fixture: fixtures/app\n  jobs: [build]\n  expect: [{job: build, passes: yes please}]",
        "passes: yes please",
        "`passes`: must be true or false",
    ),
    "downloads other than 0": (
        "- name: c\n  fixture: fixtures/app\n  jobs: [build]\n  expect: [{downloads: 2}]",
        "downloads: 2",
        "`downloads`: only 0 can be checked",
    ),
    "a run check with a job": (
        "- name: c\n  fixture: fixtures/app\n  jobs: [build]\n  expect: [{job: build, downloads: 0}]",
        "job: build",
        "`downloads` is about the whole run: leave `job` out",
    ),
    "caches_unchanged in the first run": (
        "- name: c\n  fixture: fixtures/app\n  jobs: [build]\n  expect: [{caches_unchanged: true}]",
        "{caches_unchanged: true",
        "`caches_unchanged` needs caches restored by a first run: put it under `warm`",
    ),
    "an artifact outside the project": (
        "- name: c\n  fixture: fixtures/app\n  jobs: [build]\n  expect: [{job: build, artifact: ../x}]",
        "artifact: ../x",
        "`artifact`: must be a path in the project",
    ),
    "a file outside the project": (
        "- " + BASE + "  files: {/etc/passwd: x}",
        "/etc/passwd: x",
        "`/etc/passwd` must be a path in the project",
    ),
    "a file given a list": (
        "- " + BASE + "  files: {a.txt: [1]}",
        "a.txt: [1",
        "`a.txt` must be given text, or null to delete the file",
    ),
    "a variable given a mapping": ("- " + BASE + "  variables: {A: {b: c}}", "A: {b: c", "variable `A` must be text"),
    "inputs that are no mapping": ("- " + BASE + "  inputs: [a]", "inputs: [a", "`inputs` must be a mapping"),
    "an include in the pipeline": (
        "- " + BASE + "  pipeline: {include: x.yml}",
        "include: x.yml",
        "`include` is the case's own",
    ),
    "warm without expect": (
        "- " + BASE + "  warm: {runs: 2}",
        "warm: {runs: 2",
        "`warm` must be a mapping with `expect`",
    ),
    "two cases of one name": ("- " + BASE + "- " + BASE, "name: c", "a second case named `c`"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_a_bad_case_is_a_problem_at_its_place_and_is_not_kept(tmp_path: Path, case: str) -> None:
    written, place, message = BAD_CASES[case]
    root = catalog_with(tmp_path, written)
    catalog = load_catalog(root)
    assert catalog.problems, "no problem reported"
    problem = catalog.problems[0]
    reported_at = (root / "catalog.yml").read_text().splitlines()[problem.line - 1][problem.column - 1 :]
    assert reported_at.startswith(place), (reported_at, problem.message)
    assert message in problem.message
    assert catalog.problems[0].message.startswith("`build` tests: ")
    assert catalog.problems[0].file == str(root / "catalog.yml")
    if case != "two cases of one name":
        assert catalog.components[0].cases == []


def test_test_with_a_bad_case_is_exit_1_naming_its_place_and_runs_nothing(cli, tmp_path: Path) -> None:
    root = catalog_with(
        tmp_path / "catalog",
        "- name: c\n  fixture: fixtures/none\n  jobs: [build]\n  expect: [{job: build, passes: true}]",
    )
    result = cli("test", "--catalog", root, "--state-dir", tmp_path / "state")
    assert result.code == 1
    assert re.search(
        rf"^{re.escape(str(root / 'catalog.yml'))}:6:9: error: .*fixture `fixtures/none` is not a folder",
        result.err,
        re.M,
    )
    assert "no case runs" in result.err
    assert result.out == "" and not (tmp_path / "state").exists()


def test_test_of_a_component_the_catalog_lacks_is_a_usage_error(cli, tmp_path: Path) -> None:
    root = catalog_with(tmp_path, "- " + BASE)
    result = cli("test", "deploy", "--catalog", root)
    assert result.code == 2
    assert "no component deploy in this catalog (it has build)" in result.err


def test_test_of_a_case_name_no_selected_component_has_is_a_usage_error(cli, tmp_path: Path) -> None:
    root = catalog_with(tmp_path, "- " + BASE)
    result = cli("test", "--catalog", root, "--case", "warm")
    assert result.code == 2
    assert "no case named 'warm' among the selected ones" in result.err


def test_test_of_a_catalog_without_cases_runs_nothing_and_says_so(cli, tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "build.yml").write_text(COMPONENT)
    result = cli(
        "test", "--catalog", tmp_path, "--state-dir", tmp_path.parent / "state", "--junit", tmp_path.parent / "r.xml"
    )
    assert result.code == 0, result.err
    assert result.out.startswith("0 case(s): 0 passed, 0 failed")
    assert 'tests="0"' in (tmp_path.parent / "r.xml").read_text()
