"""`ci-catalog test`: catalog.yml's test cases run through the machinery of `run`, reported as text and JUnit.

A small catalog of one component shows each kind of expectation holding and failing; then
this catalog's own cases run, one test per component (what the catalog-selftest job of
`.gitlab-ci.yml` runs on GitLab).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from ci_catalog.catalog import load_catalog
from pipelines import EXECUTOR, JOB_PODMAN, ROOT, require_job_images

pytestmark = pytest.mark.e2e

COMPONENT = """\
spec:
  inputs:
    message:
      default: hello
    fail:
      type: boolean
      default: false
---
counter:
  image: docker.io/library/python:3.13-slim
  cache:
    key: count
    paths: [.count]
  script:
    - mkdir -p .count && echo run >> .count/runs && echo "runs $(wc -l < .count/runs)"
    - echo "$[[ inputs.message ]] $WHO"
    - cat data.txt
    - echo "RESULT=ok" > result.env
    - if [ "$[[ inputs.fail ]]" = true ]; then echo "told to fail"; exit 1; fi
  artifacts:
    paths: [data.txt]
    reports:
      dotenv: result.env

fetcher:
  image: docker.io/library/python:3.13-slim
  script:
    - python3 -c "import urllib.request; urllib.request.urlopen('https://pypi.org/simple/', timeout=20)"
"""

CASES = """\
    tests:
      - name: green
        fixture: fixtures/app
        variables: {WHO: world}
        jobs: [counter, fetcher]
        expect:
          - {job: counter, log: hello world}
          - {job: counter, log: the fixture's data}
          - {job: counter, not_in_log: told to fail}
          - {job: counter, artifact: data.txt}
          - {job: counter, dotenv: RESULT}
        warm:
          expect:
            - {job: counter, log: runs 2}
      - name: red
        fixture: fixtures/app
        inputs: {fail: true}
        files: {data.txt: "changed by the case"}
        jobs: [counter, fetcher]
        expect:
          - {job: counter, passes: true}
          - {job: counter, log: the fixture's data}
          - {job: counter, not_in_log: told to fail}
          - {job: counter, dotenv: MISSING}
      - name: failing as expected
        fixture: fixtures/app
        inputs: {fail: true}
        jobs: [counter, fetcher]
        expect:
          - {job: counter, fails_with: told to fail}
      - name: a cache that changes
        fixture: fixtures/app
        pipeline:
          fetcher: {rules: [{when: never}]}
        jobs: [counter]
        expect:
          - {job: counter, log: runs 1}
        warm:
          expect:
            - {caches_unchanged: true}
      - name: offline
        fixture: fixtures/app
        jobs: [counter, fetcher]
        expect:
          - {downloads: 0}
"""


@pytest.fixture(scope="module")
def small_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small") / "catalog"
    (root / "templates").mkdir(parents=True)
    (root / "templates" / "demo.yml").write_text(COMPONENT)
    (root / "fixtures" / "app").mkdir(parents=True)
    (root / "fixtures" / "app" / "data.txt").write_text("the fixture's data\n")
    (root / "catalog.yml").write_text(f"version: 1.0.0\nproject: acme/ci\ncomponents:\n  demo:\n{CASES}")
    return root


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """How this machine runs jobs: in containers, podman on the look-alike images' store."""
    if EXECUTOR == "container":
        require_job_images()
        monkeypatch.setenv("CI_CATALOG_CONTAINER_EXECUTABLE", str(JOB_PODMAN))
    monkeypatch.setenv("CI_CATALOG_EXECUTOR", EXECUTOR)


@pytest.fixture(scope="module")
def small_run(
    small_catalog: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path]:
    folder = tmp_path_factory.mktemp("small-run")
    environment = {**os.environ, "CI_CATALOG_EXECUTOR": EXECUTOR}
    if EXECUTOR == "container":
        require_job_images()
        environment["CI_CATALOG_CONTAINER_EXECUTABLE"] = str(JOB_PODMAN)
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "ci-catalog"),
            "test",
            "--catalog",
            str(small_catalog),
            "--state-dir",
            str(folder / "state"),
            "--logs",
            str(folder / "logs"),
            "--junit",
            str(folder / "report.xml"),
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=1800,
    )
    return done, folder


def case_block(out: str, name: str) -> str:
    """A case's result line and the failure lines under it."""
    found = re.search(rf"^(PASS|FAIL)  demo: {re.escape(name)}  .*\n(?:      .*\n)*", out, re.M)
    assert found, out
    return found[0]


def test_a_failing_case_makes_test_exit_1(small_run) -> None:
    done, _ = small_run
    assert done.returncode == 1, done.stderr[-3000:]
    assert re.search(r"^5 case\(s\): 2 passed, 3 failed; logs in ", done.stdout, re.M), done.stdout


def test_a_case_whose_expectations_hold_in_both_runs_passes(small_run) -> None:
    block = case_block(small_run[0].stdout, "green")
    assert block.startswith("PASS  demo: green  (2 run(s), "), block


def test_each_expectation_that_does_not_hold_says_what_happened_and_where_the_log_is(small_run) -> None:
    done, folder = small_run
    block = case_block(done.stdout, "red")
    log = folder / "logs" / "demo" / "red" / "cold" / "counter.log"
    assert block.startswith("FAIL  demo: red  (1 run(s), "), block
    assert f"cold run: counter: expected to have passed, but it failed; its log: {log}" in block
    assert f'cold run: counter: its log does not say "the fixture\'s data" (failed); its log: {log}' in block
    # A failed job's reports are not collected: artifacts (reports too) are `when: on_success` by default.
    assert "cold run: counter: its dotenv report has no MISSING (it has: nothing)" in block
    assert f"cold run: counter: its log says 'told to fail' (failed); its log: {log}" in block
    assert "changed by the case" in log.read_text()


def test_a_job_expected_to_fail_with_its_message_passes_the_case(small_run) -> None:
    assert case_block(small_run[0].stdout, "failing as expected").startswith("PASS")


def test_a_warm_run_that_changes_a_cache_fails_caches_unchanged(small_run) -> None:
    block = case_block(small_run[0].stdout, "a cache that changes")
    assert block.startswith("FAIL  demo: a cache that changes  (2 run(s), "), block
    assert re.search(r"warm run: caches changed, so a runner would upload them again: count/\.count", block), block


def test_a_run_that_needs_the_network_fails_downloads_0(small_run) -> None:
    block = case_block(small_run[0].stdout, "offline")
    assert "cold run: made without network, fetcher failed: something had to be downloaded" in block, block
    assert "counter" not in block.split("made without network", 1)[1]


def test_the_junit_report_has_one_test_case_a_case_with_its_failures(small_run) -> None:
    _, folder = small_run
    suite = ElementTree.parse(folder / "report.xml").getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("ci-catalog test", "5", "3")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == ["green", "red", "failing as expected", "a cache that changes", "offline"]
    assert {case.get("classname") for case in cases.values()} == {"ci-catalog.test.demo"}
    assert cases["green"].find("failure") is None
    failure = cases["red"].find("failure")
    assert failure is not None and failure.get("message", "").startswith("cold run: counter: expected to have passed")
    assert "its dotenv report has no MISSING" in (failure.text or "")
    assert float(cases["green"].get("time", "0")) > 0


def test_the_cases_leave_the_catalog_as_it_was(small_run, small_catalog: Path) -> None:
    assert sorted(str(path.relative_to(small_catalog)) for path in small_catalog.rglob("*")) == [
        "catalog.yml",
        "fixtures",
        "fixtures/app",
        "fixtures/app/data.txt",
        "templates",
        "templates/demo.yml",
    ]


# --- this catalog's own cases -----------------------------------------------------------

COMPONENTS = [component.name for component in load_catalog(ROOT).components if component.cases]


@pytest.mark.slow
@pytest.mark.parametrize("component", COMPONENTS)
def test_the_catalogs_own_cases_pass(cli, component: str, machine: None, tmp_path: Path) -> None:
    """The cases use the components' default images, with Python 3.13: in shell mode the machine must have it."""
    if EXECUTOR == "shell" and shutil.which("python3.13") is None:
        pytest.skip("CI_CATALOG_EXECUTOR=shell without python3.13: the catalog-selftest job runs these cases")
    result = cli("test", component, "--catalog", ROOT, "--state-dir", tmp_path / "state", "--quiet")
    assert result.code == 0, result.out + result.err[-3000:]
    cases = len(next(c for c in load_catalog(ROOT).components if c.name == component).cases)
    assert f"{cases} case(s): {cases} passed, 0 failed" in result.out
