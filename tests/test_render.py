"""Stages 3 and 4 together: inputs resolved and blocks interpolated, as GitLab does it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ci_catalog.functions import Variable
from ci_catalog.loading import load_text
from ci_catalog.render import RenderOptions, render_loaded, render_text
from ci_catalog.yamlread import read_document


def render(spec: str, body: str, inputs: Any = None, **options: Any) -> Any:
    result = render_text(f"spec:\n{spec}\n---\n{body}", "c.yml", RenderOptions(inputs=inputs, **options))
    assert result.ok, result.gitlab_message()
    return result.data


def error(spec: str, body: str, inputs: Any = None, **options: Any) -> str:
    result = render_text(f"spec:\n{spec}\n---\n{body}", "c.yml", RenderOptions(inputs=inputs, **options))
    assert not result.ok
    return result.gitlab_message()


# --- inputs ---------------------------------------------------------------------------


def test_the_default_is_checked_even_when_a_value_is_given() -> None:
    message = error("  inputs:\n    n: {type: number, default: abc}", "j: $[[ inputs.n ]]", {"n": 3})
    assert message == "`n` input: default value is not a number"


def test_unknown_arguments_come_first_in_the_order_given() -> None:
    message = error("  inputs:\n    a:", "j: $[[ inputs.a ]]", {"zeta": 1, "alpha": 2})
    assert message == "unknown input arguments: zeta, alpha, `a` input: required value has not been provided"


def test_only_the_first_three_errors_are_shown() -> None:
    spec = "  inputs:\n    a:\n    b:\n    c:\n    d:"
    assert error(spec, "j: x").count("required value") == 3


@pytest.mark.parametrize(("given", "value"), [("7", 7), ("6.5", 6.5), ("-1", -1)])
def test_number_inputs_parse_strings_as_json(given: str, value: float) -> None:
    assert render("  inputs:\n    n: {type: number}", "j: $[[ inputs.n ]]", {"n": given}) == {"j": value}


def test_array_inputs_parse_json_strings() -> None:
    data = render("  inputs:\n    a: {type: array}", "j: $[[ inputs.a ]]", {"a": '["x", 1]'})
    assert data == {"j": ["x", 1]}


def test_string_inputs_take_any_value_as_text() -> None:
    data = render("  inputs:\n    s:", "j: $[[ inputs.s ]]", {"s": 12})
    assert data == {"j": "12"}


def test_number_options_use_the_allowed_wording() -> None:
    message = error("  inputs:\n    n: {type: number, options: [1, 2]}", "j: $[[ inputs.n ]]", {"n": 3})
    assert message == "`n` input: `3` cannot be used because it is not in the list of the allowed options"


@pytest.mark.parametrize("pattern", ["a++", "(?=x)", "(a)\\1"])
def test_patterns_re2_cannot_compile_are_invalid(pattern: str) -> None:
    message = error(f"  inputs:\n    s: {{regex: '{pattern}'}}", "j: $[[ inputs.s ]]", {"s": "aa"})
    assert message == "`s` input: invalid regular expression"


def test_regex_is_an_unanchored_search() -> None:
    assert render("  inputs:\n    s: {regex: 'b+'}", "j: $[[ inputs.s ]]", {"s": "abbc"}) == {"j": "abbc"}


def test_with_rules_an_empty_string_counts_as_not_given() -> None:
    spec = "  inputs:\n    s:\n      rules:\n        - default: fallback"
    assert render(spec, "j: $[[ inputs.s ]]", {"s": ""}) == {"j": "fallback"}


def test_a_rule_sees_booleans_compared_with_strings_as_text() -> None:
    spec = (
        "  inputs:\n    b: {type: boolean, default: true}\n    s:\n      rules:\n"
        "        - if: $[[ inputs.b ]] == 'true'\n          default: yes-text\n        - default: other"
    )
    assert render(spec, "j: $[[ inputs.s ]]") == {"j": "yes-text"}


# --- interpolation --------------------------------------------------------------------


def test_a_whole_value_block_keeps_its_type() -> None:
    spec = "  inputs:\n    n: {type: number, default: 3}\n    b: {type: boolean, default: false}"
    assert render(spec, "j:\n  parallel: $[[ inputs.n ]]\n  allow_failure: $[[ inputs.b ]]") == {
        "j": {"parallel": 3, "allow_failure": False}
    }


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        ("number", "1.0e20", "1.0e+20"),
        ("number", "2.50", "2.5"),
        ("boolean", "true", "true"),
        ("array", '["a", 1, null, true]', '["a", 1, nil, true]'),
        ("array", '[{"k": "v"}]', '[{:k=>"v"}]'),
    ],
)
def test_an_embedded_block_is_written_as_ruby_writes_it(kind: str, value: str, text: str) -> None:
    data = render(f"  inputs:\n    v: {{type: {kind}}}", "j: x $[[ inputs.v ]]", {"v": value})
    assert data == {"j": f"x {text}"}


@pytest.mark.parametrize(
    ("value", "written"),
    [("a\\\\b", "x a\\b y"), ("<\\0>", "x <$[[ inputs.v ]]> y"), ("\\`", "x x  y"), ("\\'", "x  y y"), ("\\9", "x  y")],
)
def test_backslash_sequences_in_embedded_values_act_as_in_ruby_gsub(value: str, written: str) -> None:
    assert render("  inputs:\n    v:", "j: x $[[ inputs.v ]] y", {"v": value}) == {"j": written}


def test_keys_are_interpolated_and_a_collision_keeps_the_last_value() -> None:
    spec = "  inputs:\n    p: {default: build}"
    data = render(spec, "$[[ inputs.p ]]-job: {script: a}\nbuild-job: {script: b}")
    assert data == {"build-job": {"script": "b"}}


def test_an_array_block_in_a_list_is_spliced_into_it() -> None:
    spec = "  inputs:\n    extra: {type: array, default: [b, c]}\n    none: {type: array, default: []}"
    body = "j:\n  - a\n  - $[[ inputs.extra ]]\n  - $[[ inputs.none ]]\n  - d"
    assert render(spec, body) == {"j": ["a", "b", "c", "d"]}


def test_matrix_blocks_are_left_for_gitlab_to_resolve_later() -> None:
    body = "j:\n  needs:\n    - job: build\n      parallel:\n        matrix:\n          - ARCH: $[[ matrix.ARCH ]]"
    assert render("  inputs: {}", body)["j"]["needs"][0]["parallel"]["matrix"] == [{"ARCH": "$[[ matrix.ARCH ]]"}]


@pytest.mark.parametrize("text", ["$[[ a ]]", "$[[ inputs.x ]", "$[[ inputs\n.x ]]"])
def test_text_that_is_not_a_block_is_left_as_it_is(text: str) -> None:
    assert render("  inputs: {}", f"j: {json.dumps(text)}") == {"j": text}


def test_blocks_need_no_spaces() -> None:
    assert render("  inputs:\n    a: {default: v}", "j: '$[[inputs.a]]'") == {"j": "v"}


def test_the_first_invalid_block_of_a_string_stops_that_string() -> None:
    message = error("  inputs: {}", "j: $[[ inputs.something.abc ]] $[[ inputs.cde ]]")
    assert message == "unknown interpolation provided: `something` in `inputs.something.abc`"


def test_a_block_error_points_at_its_node() -> None:
    result = render_text("spec:\n  inputs: {}\n---\njob:\n  script:\n    - echo $[[ inputs.nope ]]\n", "c.yml")
    (problem,) = result.problems
    assert (problem.line, problem.column, problem.json_path) == (6, 7, "job.script[0]")


@pytest.mark.parametrize(
    ("access", "message"),
    [
        ("inputs", "invalid pattern used for interpolation. valid pattern is $[[ inputs.input ]]"),
        ("inputs.a[0]junk", "invalid array index syntax in `inputs.a[0]junk`"),
        ("inputs.a[0", "invalid array index in `inputs.a[0`: missing closing bracket"),
        ("inputs.a[-1]", "invalid array index in `inputs.a[-1]`: `-1` is not a valid index"),
        ("inputs.a[0].[1]", "invalid indexed access without a key in `inputs.a[0].[1]`"),
        ("inputs.a[0][0][0][0][0][0]", "too many array indices in `inputs.a[0][0][0][0][0][0]` (maximum depth: 5)"),
        ("x.y", "unknown interpolation provided: `x` in `x.y`"),
        ("inputs." + "a" * 1020, "maximum interpolation expression size exceeded"),
    ],
)
def test_access_path_errors(access: str, message: str) -> None:
    assert error("  inputs:\n    a: {type: array, default: [[x]]}", f"j: '$[[ {access} ]]'") == message


def test_hyphenated_names_take_an_index() -> None:
    assert render(
        "  inputs:\n    py-versions: {type: array, default: ['3.12']}", "j: $[[ inputs.py-versions[0] ]]"
    ) == {"j": "3.12"}


def test_more_than_three_functions_are_refused() -> None:
    body = "j: $[[ inputs.a | posix_escape | posix_escape | posix_escape | posix_escape ]]"
    assert error("  inputs:\n    a: {default: v}", body) == "too many functions in interpolation block"


def test_truncate_without_closing_parenthesis_still_matches() -> None:
    assert render("  inputs:\n    a: {default: abcdef}", "j: $[[ inputs.a | truncate(1,3 ]]") == {"j": "bcd"}


def test_expand_vars_leaves_unknown_variables_and_refuses_masked_ones() -> None:
    variables = {"A": Variable("A", "1"), "S": Variable("S", "secret", masked=True)}
    spec = "  inputs:\n    a: {default: '$A $B'}\n    s: {default: '$S'}"
    assert render(spec, "j: $[[ inputs.a | expand_vars ]]", variables=variables) == {"j": "1 $B"}
    assert error(spec, "j: $[[ inputs.s | expand_vars ]]", variables=variables) == (
        "error in `expand_vars` function: variable expansion error: masked variables cannot be expanded"
    )


def test_split_is_unknown_without_its_feature_flag() -> None:
    message = error("  inputs:\n    a: {default: 'x,y'}", "j: $[[ inputs.a | split(',') ]]")
    assert message.startswith("no function matching `split(',')`")


def test_component_fields_must_be_declared_to_be_used() -> None:
    options = {"component": {"name": "c", "sha": "abc"}}
    assert render("  component: [name]", "j: $[[ component.name ]]", **options) == {"j": "c"}
    assert error("  component: [name]", "j: $[[ component.sha ]]", **options) == (
        "unknown interpolation provided: `sha` in `component.sha`"
    )


def test_a_string_node_over_one_mebibyte_is_refused() -> None:
    big = "x" * (1024 * 1024 + 1)
    assert error("  inputs:\n    a: {default: v}", f"j: {big}") == "config node too large"


def test_more_than_ten_thousand_distinct_blocks_are_refused() -> None:
    body = "j:\n" + "".join(f"  - $[[ inputs.a{n} ]]\n" for n in range(10_001))
    assert error("  inputs: {}", body).startswith("too many interpolation blocks")


def test_a_file_without_a_header_is_not_interpolated() -> None:
    result = render_text("j: $[[ inputs.a ]]\n", "c.yml")
    assert result.ok and result.data == {"j": "$[[ inputs.a ]]"}


def test_an_input_given_as_null_counts_as_not_given() -> None:
    assert render("  inputs:\n    a: {default: d}", "j: $[[ inputs.a ]]", {"a": None}) == {"j": "d"}
    assert (
        error("  inputs:\n    a:", "j: $[[ inputs.a ]]", {"a": None})
        == "`a` input: required value has not been provided"
    )


def test_a_job_whose_name_was_interpolated_keeps_the_places_of_its_source() -> None:
    text = "spec:\n  inputs:\n    p: {default: build}\n---\n$[[ inputs.p ]]-job:\n  script: x\n"
    result = render_text(text, "c.yml")
    assert result.marks.find(("build-job",)) == (5, 1)
    assert result.marks.find(("build-job", "script")) == (6, 3)
    assert ("$[[ inputs.p ]]-job",) not in result.marks.by_path


# --- `render`'s YAML output ---------------------------------------------------------------

SCRIPTED = """\
spec:
  inputs:
    target:
      default: dist
---
build:
  script:
    - |
      set -eu
      mkdir -p "$[[ inputs.target ]]"
        echo "indented on"
    - |+
      echo kept trailing lines

    - "echo trailing space \\necho next"
    - echo one line
"""


def rendered_yaml(cli, tmp_path: Path, text: str) -> str:
    component = tmp_path / "c.yml"
    component.write_text(text, encoding="utf-8")
    result = cli("render", component)
    assert result.code == 0, result.err
    return result.out


def test_render_writes_a_multi_line_script_as_a_literal_block_as_the_input_had_it(cli, tmp_path: Path) -> None:
    out = rendered_yaml(cli, tmp_path, SCRIPTED)
    assert '  - |\n    set -eu\n    mkdir -p "dist"\n      echo "indented on"\n' in out
    assert "  - |+\n    echo kept trailing lines\n\n" in out
    assert "  - echo one line\n" in out


def test_render_keeps_quotes_for_a_multi_line_string_a_literal_block_would_change(cli, tmp_path: Path) -> None:
    # A line ending in a space cannot be written as a `|` block and read back the same.
    out = rendered_yaml(cli, tmp_path, SCRIPTED)
    assert '  - "echo trailing space \\necho next"\n' in out


def test_render_yaml_reads_back_as_the_rendered_data(cli, tmp_path: Path) -> None:
    out = rendered_yaml(cli, tmp_path, SCRIPTED)
    assert read_document(out, 1 << 40).data == render_text(SCRIPTED, "c.yml").data


def test_a_loaded_file_renders_each_input_set_as_a_fresh_load_would() -> None:
    """`check` loads a component once for all its input sets: a render must not change what was loaded."""
    text = (
        "spec:\n  inputs:\n    stage:\n      default: test\n    names:\n      type: array\n      default: [a]\n---\n"
        "job:\n  stage: $[[ inputs.stage ]]\n  script: $[[ inputs.names ]]\n  variables:\n    LIST: $[[ inputs.names ]]\n"
    )
    loaded = load_text(text, "component.yml")
    for inputs in ({"stage": "build", "names": ["x", "y"]}, {}, {"names": ["z"]}):
        again = render_loaded(loaded, RenderOptions(inputs=inputs))
        fresh = render_text(text, "component.yml", RenderOptions(inputs=inputs))
        assert (again.data, again.problems) == (fresh.data, fresh.problems)
    assert render_loaded(loaded, RenderOptions()).data == {
        "job": {"stage": "test", "script": ["a"], "variables": {"LIST": ["a"]}}
    }
