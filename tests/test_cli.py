"""The command-line contract other tools build on: arguments, outputs, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

COMPONENT = """\
spec:
  inputs:
    stage:
      default: test
    n:
      type: number
      default: 1
    who:
      default: world
---
"$[[ inputs.stage ]]-job":
  stage: $[[ inputs.stage ]]
  parallel: $[[ inputs.n ]]
  script:
    - echo "hello $[[ inputs.who | expand_vars ]]"
"""


@pytest.fixture
def component(tmp_path: Path) -> Path:
    path = tmp_path / "component.yml"
    path.write_text(COMPONENT, encoding="utf-8")
    return path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_render_prints_the_rendered_body_as_yaml(cli, component: Path) -> None:
    result = cli("render", component)
    assert result.code == 0
    assert result.out == 'test-job:\n  stage: test\n  parallel: 1\n  script:\n  - echo "hello world"\n'


def test_render_coerces_string_inputs_like_pipeline_inputs(cli, component: Path) -> None:
    result = cli("render", component, "--input", "n=4", "--input", "stage=build", "--format", "json")
    assert result.code == 0
    assert json.loads(result.out)["build-job"]["parallel"] == 4


def test_render_reads_inputs_variables_and_flags_from_files(cli, component: Path, tmp_path: Path) -> None:
    inputs = write(tmp_path, "inputs.yml", "who: $NAME\n")
    variables = write(tmp_path, "vars.yml", "- {key: NAME, value: Ada, masked: false}\n")
    result = cli("render", component, "--inputs-file", inputs, "--variables-file", variables, "--format", "json")
    assert json.loads(result.out)["test-job"]["script"] == ['echo "hello Ada"']


def test_input_flags_override_the_inputs_file(cli, component: Path, tmp_path: Path) -> None:
    inputs = write(tmp_path, "inputs.yml", "stage: build\n")
    result = cli("render", component, "--inputs-file", inputs, "--input", "stage=deploy", "--format", "json")
    assert "deploy-job" in json.loads(result.out)


def test_an_inputs_file_that_is_not_a_mapping_gets_gitlabs_message(cli, component: Path, tmp_path: Path) -> None:
    inputs = write(tmp_path, "inputs.yml", "- a\n- b\n")
    result = cli("render", component, "--inputs-file", inputs)
    assert (result.code, result.err.splitlines()[0]) == (1, "Given inputs must be a hash")


def test_a_rejected_render_prints_gitlabs_text_then_each_place(cli, component: Path) -> None:
    result = cli("render", component, "--input", "n=many", "--input", "color=red")
    lines = result.err.splitlines()
    assert result.code == 1 and result.out == ""
    assert lines[0] == "unknown input arguments: color, `n` input: provided value is not a number"
    assert lines[2] == f"  {component}:5:5: `n` input: provided value is not a number"


@pytest.mark.parametrize(
    "args",
    [
        ["render"],
        ["render", "{component}", "--input", "novalue"],
        ["render", "{component}", "--format", "xml"],
        ["render", "{missing}"],
        ["render", "{component}", "--inputs-file", "{missing}"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2_with_a_message(cli, component: Path, tmp_path: Path, args: list[str]) -> None:
    filled = [arg.format(component=component, missing=tmp_path / "nope.yml") for arg in args]
    result = cli(*filled)
    assert result.code == 2
    assert "error" in result.err and result.out == ""


def test_a_broken_variables_file_is_a_usage_error_naming_the_place(cli, component: Path, tmp_path: Path) -> None:
    variables = write(tmp_path, "vars.yml", "- key: A\n  value: [\n")
    result = cli("render", component, "--variables-file", variables)
    assert result.code == 2
    assert f"--variables-file {variables}:" in result.err


def test_component_context_fills_component_fields(cli, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.yml",
        "spec:\n  component: [name, version]\n---\nj: $[[ component.name ]]@$[[ component.version ]]\n",
    )
    context = write(tmp_path, "ctx.yml", "name: uv-cache\nsha: abc\nversion: '1.2.0'\nreference: '1.2'\n")
    result = cli("render", path, "--component-context", context, "--format", "json")
    assert json.loads(result.out) == {"j": "uv-cache@1.2.0"}


def test_validate_json_lists_each_file_with_its_problems(cli, component: Path, tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yml", "job:\n  script: 42\n")
    result = cli("validate", "--format", "json", component, bad)
    assert result.code == 1
    good, wrong = json.loads(result.out)
    assert good == {"file": str(component), "valid": True, "problems": []}
    assert wrong["valid"] is False and wrong["file"] == str(bad)
    assert {"file": str(bad), "line": 2, "column": 3, "json_path": "job.script"}.items() <= wrong["problems"][0].items()


def test_validate_renders_a_component_with_its_defaults(cli, component: Path) -> None:
    assert cli("validate", component).code == 0


def test_validate_reports_required_inputs_missing(cli, tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", "spec:\n  inputs:\n    target:\n---\nj:\n  script: $[[ inputs.target ]]\n")
    result = cli("validate", path)
    assert result.code == 1
    assert f"{path}:3:5: error: `target` input: required value has not been provided" in result.out


def test_check_renders_every_example_of_every_component(cli, tmp_path: Path) -> None:
    write(
        tmp_path,
        "catalog.yml",
        "version: 1.0.0\ncomponents:\n  a:\n    examples:\n      - {name: one, inputs: {}}\n"
        "      - {name: two, inputs: {who: x}}\n",
    )
    write(tmp_path, "README.md", "# A catalog\n")
    (tmp_path / "templates").mkdir()
    described = COMPONENT.replace("      default:", "      description: An input.\n      default:")  # no lint finding
    described = described.replace("| expand_vars ]]", "| expand_vars | posix_escape ]]")  # input-in-shell-unescaped
    write(tmp_path / "templates", "a.yml", described)
    result = cli("check", tmp_path)
    assert (result.code, result.out.strip()) == (0, "checked 1 components, 2 input sets, 0 lint findings")


def test_check_reports_an_example_that_gitlab_would_reject(cli, tmp_path: Path) -> None:
    write(tmp_path, "catalog.yml", "components:\n  a:\n    examples:\n      - {name: bad, inputs: {n: lots}}\n")
    (tmp_path / "templates" / "a").mkdir(parents=True)
    write(tmp_path / "templates" / "a", "template.yml", COMPONENT)
    result = cli("check", tmp_path)
    assert result.code == 1
    assert (
        "templates/a/template.yml:5:5: error: `n` input: provided value is not a number [spec.inputs.n] (example: bad)"
        in result.out
    )


def test_check_reports_manifest_and_templates_that_disagree(cli, tmp_path: Path) -> None:
    write(tmp_path, "catalog.yml", "components:\n  gone: {summary: x}\n")
    (tmp_path / "templates").mkdir()
    write(tmp_path / "templates", "here.yml", COMPONENT)
    write(tmp_path / "templates", "ignored.yaml", COMPONENT)
    result = cli("check", tmp_path)
    assert result.code == 1
    assert "Component `here` (`templates/here.yml`) has no entry in `catalog.yml`" in result.out
    assert "Entry `gone` in `catalog.yml` has no component" in result.out
    assert not [line for line in result.out.splitlines() if "ignored" in line and "(example:" in line]


def test_check_passes_on_this_catalog(cli) -> None:
    result = cli("check", ROOT)
    assert result.code == 0, result.out + result.err


def test_the_installed_command_runs_as_a_program(component: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ci_catalog", "render", str(component), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0 and json.loads(completed.stdout)["test-job"]["stage"] == "test"


PIPE_JOB = "job:\n  script: [make]\n"


def test_render_of_a_folder_says_it_is_a_folder_not_that_it_does_not_exist(cli, tmp_path: Path) -> None:
    result = cli("render", tmp_path)
    assert result.code == 2
    assert result.err == f"ci-catalog: error: {tmp_path} is a folder, not a file: name a component or pipeline file\n"


@pytest.mark.parametrize("command", ["render", "validate"])
def test_a_dash_reads_standard_input_in_render_and_validate(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ci_catalog", command, "-", "--format", "json"],
        input=PIPE_JOB.replace("[make]", "make"),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data == {"job": {"script": "make"}} if command == "render" else data[0]["file"] == "<stdin>"


@pytest.mark.parametrize("command", ["render", "validate"])
def test_a_fifo_or_dev_null_is_read_as_any_file_is(cli, tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "pipe.yml"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"printf '{PIPE_JOB}' > '{fifo}'"])
    try:
        assert cli(command, fifo).code == 0
    finally:
        writer.wait(timeout=10)
    empty = tmp_path / "empty.yml"
    empty.write_text("", encoding="utf-8")
    assert cli(command, "/dev/null").out == cli(command, empty).out.replace(str(empty), "/dev/null")


def test_an_unknown_feature_flag_is_a_usage_error_naming_the_known_ones(cli, component: Path) -> None:
    result = cli("render", component, "--feature", "ci_interpolation_splt_function")
    assert result.code == 2
    assert "--feature ci_interpolation_splt_function: no such GitLab feature flag here" in result.err
    assert "(known: ci_interpolation_split_function)" in result.err


@pytest.mark.parametrize("command", ["validate", "lint"])
def test_files_named_after_options_are_checked_too(cli, tmp_path: Path, command: str) -> None:
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text("job:\n  script: [make]\n")
    bad.write_text(
        "job:\n  script: 1\n" if command == "validate" else "job:\n  script: [curl https://x.example | sh]\n"
    )
    result = cli(command, good, "--format", "json", bad)
    assert result.code == 1, result.err
    assert str(bad) in result.out


def test_an_unknown_option_among_files_is_named_alone(cli, tmp_path: Path) -> None:
    good = tmp_path / "good.yml"
    good.write_text("job:\n  script: [make]\n")
    result = cli("lint", good, "--bogus", good)
    assert result.code == 2
    assert result.err.endswith("ci-catalog: error: unrecognized arguments: --bogus\n")


@pytest.mark.parametrize(
    ("command", "how_to_name_one"),
    [
        (["check", "{folder}"], "run it in a catalog or name one"),
        (["list", "{folder}"], "run it in a catalog or name one"),
        (["docs", "--check", "{folder}"], "run it in a catalog or name one"),
        (["show", "uv-cache", "--catalog", "{folder}"], "run it in a catalog or give --catalog"),
        (["site", "--catalog", "{folder}", "{folder}/site"], "run it in a catalog or give --catalog"),
        (["test", "--catalog", "{folder}"], "run it in a catalog or give --catalog"),
        (["release", "check", "--catalog", "{folder}"], "run it in a catalog or give --catalog"),
        (["lint", "{folder}"], "name a component file instead"),
    ],
)
def test_every_catalog_command_refuses_a_folder_without_templates_alike(
    cli, tmp_path: Path, command: list[str], how_to_name_one: str
) -> None:
    result = cli(*(part.format(folder=tmp_path) for part in command))
    assert result.code == 2
    assert f"{tmp_path}: not a catalog (no templates/ folder); {how_to_name_one}" in result.err
