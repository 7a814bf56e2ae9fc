"""The `inputs` lint rules: how components declare, type, use and constrain their inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_catalog.lint import lint_file, lint_text
from ci_catalog.lint.config import LintConfig
from conftest import shared_path

INPUT_RULES = (
    "input-without-description",
    "untyped-input-non-string-default",
    "unused-input",
    "undeclared-input",
    "hyphenated-input-indexed",
    "closed-input-without-options",
)


def findings(rule: str, text: str) -> list[tuple[int, int, str, str]]:
    """(line, column, JSON path, message) of each finding of `rule` in a component file."""
    problems = lint_text(text, "templates/example.yml", LintConfig(select={rule}))
    return [(p.line, p.column, p.json_path, p.message) for p in problems if p.code == rule]


def real_findings(rule: str, *parts: str) -> list[tuple[int, int, str]]:
    path = shared_path("real-components", *parts)
    return [(p.line, p.column, p.message) for p in lint_file(Path(path), LintConfig(select={rule}))]


# --------------------------------------------------------------------- all rules


PLAIN_PIPELINE = """\
variables:
  NAME: $[[ inputs.name-list[0] ]]
build:
  script:
    - '[ "$[[ inputs.mode ]]" = "a" ] || [ "$[[ inputs.mode ]]" = "b" ]'
"""

INVALID_HEADER = """\
spec:
  inputs:
    mode:
      default: [a]
      typo: 1
    other:
---
build:
  script: '[ "$[[ inputs.mode ]]" = "a" ] || [ "$[[ inputs.missing[0] ]]" = "b" ]'
"""


@pytest.mark.parametrize("rule", INPUT_RULES)
def test_rules_ignore_files_without_a_header(rule: str) -> None:
    assert findings(rule, PLAIN_PIPELINE) == []


@pytest.mark.parametrize("rule", INPUT_RULES)
def test_rules_skip_a_file_whose_header_is_invalid(rule: str) -> None:
    assert findings(rule, INVALID_HEADER) == []


# ---------------------------------------------------------- input-without-description


def test_input_without_description_is_reported_at_its_key() -> None:
    text = """\
spec:
  inputs:
    stage:
      description: Stage of the job.
      default: test
    image:
      default: alpine
---
job:
  stage: $[[ inputs.stage ]]
  image: $[[ inputs.image ]]
  script: echo
"""
    assert findings("input-without-description", text) == [
        (
            6,
            5,
            "spec.inputs.image",
            "Input `image` has no `description`; add one, as the CI/CD Catalog shows it in the inputs table",
        )
    ]


def test_input_declared_as_null_has_no_description() -> None:
    text = "spec:\n  inputs:\n    image:\n---\njob:\n  image: $[[ inputs.image ]]\n  script: echo\n"
    assert [place[:2] for place in findings("input-without-description", text)] == [(3, 5)]


def test_blank_description_counts_as_missing() -> None:
    text = "spec:\n  inputs:\n    image:\n      description: '  '\n---\njob:\n  image: $[[ inputs.image ]]\n  script: echo\n"
    assert [place[:2] for place in findings("input-without-description", text)] == [(3, 5)]


def test_numeric_description_counts_as_a_description() -> None:
    text = (
        "spec:\n  inputs:\n    image:\n      description: 42\n---\njob:\n  image: $[[ inputs.image ]]\n  script: echo\n"
    )
    assert findings("input-without-description", text) == []


@pytest.mark.shared_data
def test_inputs_without_description_in_a_real_component() -> None:
    found = real_findings("input-without-description", "hegerdes__gitlab-actions", "templates", "pre-commit.yml")
    assert [(line, column) for line, column, _ in found] == [(19, 5), (22, 5)]


# ---------------------------------------------------- untyped-input-non-string-default


def untyped(default: str) -> str:
    return f"spec:\n  inputs:\n    value:\n      description: A value.\n      default: {default}\n---\njob:\n  script: echo $[[ inputs.value ]]\n"


def test_untyped_list_default_asks_for_type_array() -> None:
    assert findings("untyped-input-non-string-default", untyped("[build, test]")) == [
        (
            5,
            7,
            "spec.inputs.value.default",
            'Input `value` has no `type`, so its default becomes the string `["build", "test"]`; add `type: array`',
        )
    ]


def test_untyped_mapping_default_cannot_keep_its_shape() -> None:
    assert findings("untyped-input-non-string-default", untyped("{job: build}")) == [
        (
            5,
            7,
            "spec.inputs.value.default",
            'Input `value` has no `type`, so its default becomes the string `{:job=>"build"}`; '
            "quote it as a string, or use `type: array` with a list",
        )
    ]


def test_untyped_number_default_asks_for_type_number_or_quotes() -> None:
    assert findings("untyped-input-non-string-default", untyped("1.20")) == [
        (
            5,
            7,
            "spec.inputs.value.default",
            "Input `value` has no `type`, so its default `1.2` is read as a string and GitLab's CI schema refuses it; "
            "add `type: number`, or quote the value if a string is meant",
        )
    ]


def test_untyped_boolean_default_asks_for_type_boolean() -> None:
    [(_, _, _, message)] = findings("untyped-input-non-string-default", untyped("false"))
    assert message == (
        "Input `value` has no `type`, so its default `false` is read as a string and GitLab's CI schema refuses it; "
        "add `type: boolean`, or quote the value if a string is meant"
    )


@pytest.mark.parametrize("default", ['"3"', "'true'", "null", "''", "text"])
def test_untyped_string_or_null_default_is_fine(default: str) -> None:
    assert findings("untyped-input-non-string-default", untyped(default)) == []


@pytest.mark.parametrize(("kind", "default"), [("array", "[]"), ("number", "3"), ("boolean", "true"), ("string", "x")])
def test_typed_inputs_are_left_to_the_schema(kind: str, default: str) -> None:
    text = untyped(default).replace("      default:", f"      type: {kind}\n      default:")
    assert findings("untyped-input-non-string-default", text) == []


def test_untyped_rule_default_list_is_reported_but_a_number_is_not() -> None:
    text = """\
spec:
  inputs:
    env:
      description: Environment.
      default: dev
    needs:
      description: Jobs to wait for.
      rules:
        - if: $[[ inputs.env ]] == "prod"
          default: 1
        - default: []
---
job:
  needs: $[[ inputs.needs ]]
  script: echo
"""
    assert findings("untyped-input-non-string-default", text) == [
        (
            11,
            11,
            "spec.inputs.needs.rules[1].default",
            "Input `needs` has no `type`, so the default of its rule 2 becomes the string `[]`; add `type: array`",
        )
    ]


@pytest.mark.shared_data
def test_untyped_list_default_in_a_real_component() -> None:
    found = real_findings(
        "untyped-input-non-string-default",
        "Moselwal-Digitalagentur__release-tools",
        "templates",
        "typo3-extension-release",
        "template.yml",
    )
    assert found == [
        (41, 7, "Input `needs-config` has no `type`, so its default becomes the string `[]`; add `type: array`")
    ]


# ------------------------------------------------------------------- unused-input


def test_unused_input_is_reported_at_its_key() -> None:
    text = """\
spec:
  inputs:
    stage:
      default: test
    push:
      type: boolean
      default: true
---
job:
  stage: $[[ inputs.stage ]]
  script: echo
"""
    assert findings("unused-input", text) == [
        (
            5,
            5,
            "spec.inputs.push",
            "Input `push` is declared but never used; use it as `$[[ inputs.push ]]` or remove it",
        )
    ]


def test_input_used_only_in_a_job_name_is_used() -> None:
    text = 'spec:\n  inputs:\n    prefix:\n      default: app\n---\n"$[[ inputs.prefix ]]-build":\n  script: echo\n'
    assert findings("unused-input", text) == []


def test_input_used_through_functions_or_an_index_is_used() -> None:
    text = """\
spec:
  inputs:
    name:
      default: app
    versions:
      type: array
      default: ["3.12"]
---
job:
  image: python:$[[ inputs.versions[0] ]]
  script: echo $[[inputs.name|truncate(0,3)]]
"""
    assert findings("unused-input", text) == []


def test_input_used_only_in_another_inputs_rules_is_used() -> None:
    text = """\
spec:
  inputs:
    env:
      default: dev
    size:
      rules:
        - if: $[[ inputs.env ]] == "prod"
          default: large
        - default: small
---
job:
  script: echo $[[ inputs.size ]]
"""
    assert findings("unused-input", text) == []


def test_input_referenced_only_by_its_own_rules_is_unused() -> None:
    text = """\
spec:
  inputs:
    size:
      rules:
        - if: $[[ inputs.size ]] == "xl"
          default: xl
        - default: small
---
job:
  script: echo
"""
    assert [place[:3] for place in findings("unused-input", text)] == [(3, 5, "spec.inputs.size")]


@pytest.mark.shared_data
def test_unused_inputs_in_a_real_component() -> None:
    found = real_findings("unused-input", "l3montree-dev__devguard-ci-components", "templates", "build-oci-image.yml")
    assert [message.split("`")[1] for _, _, message in found] == [
        "devguard_artifact_name",
        "image",
        "image_suffix",
        "fetch_depth",
    ]


@pytest.mark.shared_data
def test_unused_input_in_a_real_component_with_hyphens() -> None:
    found = real_findings("unused-input", "hegerdes__gitlab-actions", "templates", "helm-package.yml")
    assert found == [(9, 5, "Input `stage` is declared but never used; use it as `$[[ inputs.stage ]]` or remove it")]


# ---------------------------------------------------------------- undeclared-input


def test_undeclared_input_is_reported_at_its_block_with_a_suggestion() -> None:
    text = """\
spec:
  inputs:
    image_tag:
      default: latest
---
build:
  script:
    - echo $[[ inputs.image_tag ]]
    - ./build --tag "$[[ inputs.image-tag ]]"
"""
    assert findings("undeclared-input", text) == [
        (
            9,
            22,
            "build.script[1]",
            "Input `image-tag` is not declared in `spec:inputs`; use the declared `image_tag` or declare `image-tag`",
        )
    ]


def test_undeclared_input_without_a_near_name() -> None:
    text = 'spec:\n  inputs:\n    stage:\n      default: test\n---\n"$[[ inputs.prefix ]]-job":\n  stage: $[[ inputs.stage ]]\n  script: echo\n'
    assert findings("undeclared-input", text) == [
        (
            6,
            2,
            "$[[ inputs.prefix ]]-job",
            "Input `prefix` is not declared in `spec:inputs`; declare it or correct the name",
        )
    ]


def test_undeclared_input_is_reported_once_per_string() -> None:
    text = """\
spec:
  inputs:
    stage:
      default: test
---
job:
  stage: $[[ inputs.stage ]]
  script: echo $[[ inputs.who ]] $[[ inputs.who | truncate(0,1) ]] $[[ inputs.who ]]
  after_script: echo $[[ inputs.who ]]
"""
    assert [place[:3] for place in findings("undeclared-input", text)] == [
        (8, 16, "job.script"),
        (9, 22, "job.after_script"),
    ]


def test_component_and_matrix_blocks_are_not_inputs() -> None:
    text = """\
spec:
  component: [name]
---
job:
  script: echo $[[ component.name ]]
  needs:
    - job: build
      parallel:
        matrix:
          - ARCH: $[[ matrix.ARCH ]]
"""
    assert findings("undeclared-input", text) == []


def test_files_with_spec_include_are_not_checked_for_undeclared_inputs() -> None:
    text = "spec:\n  include:\n    - local: inputs.yml\n---\njob:\n  script: echo $[[ inputs.who ]]\n"
    assert findings("undeclared-input", text) == []


# -------------------------------------------------------- hyphenated-input-indexed


def test_index_on_a_hyphenated_input_is_reported() -> None:
    text = """\
spec:
  inputs:
    python-versions:
      type: array
      default: ["3.12"]
---
build:
  image: python:$[[ inputs.python-versions[0] | truncate(0,4) ]]
  script: echo
"""
    assert findings("hyphenated-input-indexed", text) == [
        (
            8,
            17,
            "build.image",
            "`inputs.python-versions[0]` indexes the hyphenated name `python-versions`, which GitLab 18 refuses "
            "(invalid array index syntax); rename the input to `python_versions`",
        )
    ]


def test_index_on_a_hyphenated_nested_key_asks_to_rename_the_key() -> None:
    text = """\
spec:
  inputs:
    servers:
      type: array
      default: [{host-names: [a]}]
---
job:
  script: echo $[[ inputs.servers[0].host-names[0] ]]
"""
    [(_, _, _, message)] = findings("hyphenated-input-indexed", text)
    assert message.endswith("rename the key to `host_names`")


@pytest.mark.parametrize("block", ["inputs.python_versions[0]", "inputs.python-versions", "matrix.py-versions[0]"])
def test_hyphen_without_index_or_snake_case_with_index_is_fine(block: str) -> None:
    text = f"""\
spec:
  inputs:
    python_versions: {{type: array, default: ["3.12"]}}
    python-versions: {{default: "3.12"}}
---
job:
  script: echo $[[ {block} ]]
"""
    assert findings("hyphenated-input-indexed", text) == []


# ----------------------------------------------------- closed-input-without-options


def closed(body: str, declaration: str = "") -> str:
    return f"spec:\n  inputs:\n    env:\n      default: dev\n{declaration}---\n{body}"


def test_input_compared_with_two_values_in_rules_is_reported_at_its_key() -> None:
    body = """\
deploy:
  script: ./deploy
  rules:
    - if: '"$[[ inputs.env ]]" == "prod"'
      when: manual
    - if: $[[ inputs.env ]] != 'dev' && $CI_COMMIT_TAG
"""
    assert findings("closed-input-without-options", closed(body)) == [
        (
            3,
            5,
            "spec.inputs.env",
            "Input `env` is compared with `prod`, `dev` but declares no `options`; add `options` with every accepted value",
        )
    ]


def test_input_compared_with_true_is_a_flag_without_options() -> None:
    body = """\
workflow:
  rules:
    - if: '"true" == "$[[ inputs.env ]]"'
job:
  script: echo
"""
    [(_, _, _, message)] = findings("closed-input-without-options", closed(body))
    assert message == 'Input `env` is compared with `true` but declares no `options`; add `options: ["true", "false"]`'


def test_comparisons_in_other_inputs_rules_count() -> None:
    declaration = """\
    size:
      rules:
        - if: $[[ inputs.env ]] == "prod"
          default: large
        - if: $[[ inputs.env ]] == "test"
          default: small
        - default: small
"""
    body = "job:\n  script: echo $[[ inputs.size ]]\n"
    assert [place[:2] for place in findings("closed-input-without-options", closed(body, declaration))] == [(3, 5)]


def test_shell_tests_in_scripts_count() -> None:
    body = """\
job:
  script:
    - if [ "$[[ inputs.env ]]" = "prod" ]; then echo p; fi
    - |
      if [[ $[[ inputs.env ]] == stage ]]; then
        echo s
      fi
"""
    [(_, _, _, message)] = findings("closed-input-without-options", closed(body))
    assert message.startswith("Input `env` is compared with `prod`, `stage` but")


def test_case_statement_across_script_items_counts() -> None:
    body = """\
default:
  before_script:
    - case "$[[ inputs.env ]]" in
    - '  aws) echo a;;'
    - '  gcp|"azure") echo b;;'
    - '  *) exit 1;;'
    - esac
job:
  script: echo
"""
    [(_, _, _, message)] = findings("closed-input-without-options", closed(body))
    assert message.startswith("Input `env` is compared with `aws`, `gcp`, `azure` but")


def test_case_statement_skips_comments_commands_and_globs() -> None:
    body = """\
job:
  script:
    - |
      case $[[ inputs.env ]] in
        # the package managers we know
        npm) npm ci ;;
        yarn) echo $(yarn --version) ;;
        *) exit 1 ;;
      esac
"""
    [(_, _, _, message)] = findings("closed-input-without-options", closed(body))
    assert message.startswith("Input `env` is compared with `npm`, `yarn` but")


def test_one_special_value_is_not_a_closed_set() -> None:
    body = """\
job:
  script:
    - if [ "$[[ inputs.env ]]" = "latest" ]; then echo l; fi
  rules:
    - if: '"$[[ inputs.env ]]" != ""'
    - if: '"$[[ inputs.env ]]" == $CI_COMMIT_BRANCH'
"""
    assert findings("closed-input-without-options", closed(body)) == []


@pytest.mark.parametrize(
    "line",
    [
        'echo "$[[ inputs.env ]]" = "a" "b"',
        'X="$[[ inputs.env ]]" = b',
        '[ "$[[ inputs.env | posix_escape ]]" = "a" ] || [ "$[[ inputs.env | posix_escape ]]" = "b" ]',
        '[ "$[[ inputs.env ]]-x" = "a-x" ] || [ "$[[ inputs.env ]]-x" = "b-x" ]',
        '[[ "$[[ inputs.env ]]" == a* ]] || [[ "$[[ inputs.env ]]" == b* ]]',
    ],
)
def test_shell_text_that_is_not_a_fixed_comparison(line: str) -> None:
    body = f"job:\n  script:\n    - '{line.replace(chr(39), chr(39) * 2)}'\n"
    assert findings("closed-input-without-options", closed(body)) == []


@pytest.mark.parametrize(
    "declaration",
    ["{default: dev, options: [dev, prod, test]}", "{default: dev, regex: ^(dev|prod|test)$}", "{type: number}"],
)
def test_constrained_or_non_string_inputs_are_fine(declaration: str) -> None:
    text = f"""\
spec:
  inputs:
    env: {declaration}
---
job:
  script: '[ "$[[ inputs.env ]]" = "1" ] || [ "$[[ inputs.env ]]" = "2" ]'
"""
    assert findings("closed-input-without-options", text) == []


def test_inputs_whose_rules_give_options_are_fine() -> None:
    text = """\
spec:
  inputs:
    cloud:
      default: aws
    env:
      rules:
        - if: $[[ inputs.cloud ]] == "aws"
          options: [dev, prod]
          default: dev
        - default: dev
---
job:
  script: '[ "$[[ inputs.env ]]" = "prod" ] || [ "$[[ inputs.env ]]" = "dev" ]'
"""
    assert findings("closed-input-without-options", text) == []


@pytest.mark.shared_data
def test_string_flags_in_a_real_component() -> None:
    found = real_findings(
        "closed-input-without-options", "l3montree-dev__devguard-ci-components", "templates", "full.yml"
    )
    assert [(line, column) for line, column, _ in found] == [(122, 5), (128, 5)]
    assert found[1][2] == (
        "Input `small_artifact_registry` is compared with `true`, `false` but declares no `options`; "
        'add `options: ["true", "false"]`'
    )


@pytest.mark.shared_data
def test_a_single_sentinel_value_in_a_real_component_is_not_reported() -> None:
    # `[[ "$[[ inputs.description ]]" == __release_changes.md ]]`: an open input with a special value.
    assert real_findings("closed-input-without-options", "Marcelotsvaz__gitlab", "templates", "release.yml") == []


# ---------------------------------------------------------------- version-read-as-float

FLOAT = "version-read-as-float"


def version_component(definition: str) -> str:
    return (
        f"spec:\n  inputs:\n    python_version:\n{definition}---\njob:\n  image: python:$[[ inputs.python_version ]]\n"
    )


def test_a_version_default_that_loses_digits_is_reported_at_the_value() -> None:
    assert findings(FLOAT, version_component("      default: 3.10\n")) == [
        (
            4,
            16,
            "spec.inputs.python_version.default",
            "`3.10` is read as the number `3.1`, so the default of input `python_version` is `3.1`, not `3.10`; "
            'quote it: `"3.10"`',
        )
    ]


def test_each_option_and_array_item_that_loses_digits_is_reported() -> None:
    definition = "      options: [3.9, 3.10, '3.11']\n      default: 3.9\n"
    assert [(line, column, path) for line, column, path, _ in findings(FLOAT, version_component(definition))] == [
        (4, 22, "spec.inputs.python_version.options[1]")
    ]
    definition = "      type: array\n      default:\n        - 3.20\n        - 3.12\n"
    found = findings(FLOAT, version_component(definition))
    assert [(line, column, path) for line, column, path, _ in found] == [
        (6, 11, "spec.inputs.python_version.default[0]")
    ]


def test_rule_defaults_and_options_are_read_too() -> None:
    definition = (
        "      rules:\n        - if: $CI_COMMIT_TAG\n          options: [2.0, 2.10]\n          default: 2.10\n"
        "        - default: 2.10\n"
    )
    found = findings(FLOAT, version_component(definition))
    assert [(line, path) for line, _, path, _ in found] == [
        (6, "spec.inputs.python_version.rules[0].options[1]"),
        (7, "spec.inputs.python_version.rules[0].default"),
        (8, "spec.inputs.python_version.rules[1].default"),
    ]
    assert "the default of rule 2 of input `python_version`" in found[2][3]


def test_a_number_input_is_told_to_become_a_string() -> None:
    (finding,) = findings(FLOAT, version_component("      type: number\n      default: 3.10\n"))
    assert finding[3].endswith('quote it: `"3.10"`, and declare the input `type: string`')


def test_inputs_an_include_passes_are_read_in_pipeline_files_too() -> None:
    text = (
        "include:\n"
        "  - component: $CI_SERVER_FQDN/group/python-ci/poetry-test@1.0.0\n"
        "    inputs:\n      python_version: 3.10\n      versions: [3.8, 3.10]\n"
        "job:\n  script: make\n"
    )
    assert findings(FLOAT, text) == [
        (
            4,
            23,
            "include[0].inputs.python_version",
            "`3.10` is read as the number `3.1`, so the input `python_version` that `include[0]` passes is `3.1`, "
            'not `3.10`; quote it: `"3.10"`',
        ),
        (
            5,
            23,
            "include[0].inputs.versions[1]",
            "`3.10` is read as the number `3.1`, so the input `versions` that `include[0]` passes is `3.1`, "
            'not `3.10`; quote it: `"3.10"`',
        ),
    ]
    single = "include:\n  project: group/ci\n  file: ci.yml\n  inputs: {python_version: 3.10}\njob:\n  script: make\n"
    assert [path for _, _, path, _ in findings(FLOAT, single)] == ["include.inputs.python_version"]


@pytest.mark.parametrize("value", ['"3.10"', "'3.10'", "3.9", "1.0", "3.1", "310", "3.10.1", "!!str 3.10", "v3.10"])
def test_values_gitlab_writes_as_they_are_written_are_not_reported(value: str) -> None:
    assert findings(FLOAT, version_component(f"      default: {value}\n")) == []


# --------------------------------------------------------- interpolation-without-header

LEFT_AS_TEXT = "stays as written: GitLab interpolates only in a file with a `spec:` header"


def test_interpolation_without_header_names_each_block_a_plain_file_leaves_as_text() -> None:
    found = findings("interpolation-without-header", PLAIN_PIPELINE)
    assert [(line, column, path) for line, column, path, _ in found] == [
        (2, 9, "variables.NAME"),
        (5, 11, "build.script[0]"),
    ]
    assert found[0][3].startswith(f"`$[[ inputs.name-list[0] ]]` {LEFT_AS_TEXT}")


def test_interpolation_without_header_leaves_components_alone() -> None:
    assert findings("interpolation-without-header", INVALID_HEADER) == []


def test_lint_of_a_plain_file_with_blocks_says_gitlab_will_not_interpolate_them(cli, tmp_path: Path) -> None:
    path = tmp_path / "ci.yml"
    path.write_text("test:\n  stage: $[[ inputs.stage ]]\n  script: make test\n", encoding="utf-8")
    result = cli("lint", path)
    assert result.code == 1
    assert f"{path}:2:10: error: [interpolation-without-header] `$[[ inputs.stage ]]` {LEFT_AS_TEXT}" in result.out
