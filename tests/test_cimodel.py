"""The CI model: what GitLab takes for a job, a global keyword and a script line, and the
values a component is rendered with when nobody gave any."""

from __future__ import annotations

from typing import Any

import pytest

from ci_catalog.cimodel import (
    DEPRECATED_GLOBALS,
    GLOBAL_KEYWORDS,
    all_script_lines,
    component_context,
    component_name,
    global_keywords,
    holders,
    is_hidden,
    is_internal,
    jobs,
    placeholder_inputs,
)
from ci_catalog.header import check_header
from ci_catalog.loading import load_text
from ci_catalog.problems import Marks


def lines_of(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(JSON-style path, text) of every script line of a body."""
    return [(".".join(map(str, line.path)), line.text) for line in all_script_lines(body)]


def nested(depth: int, text: str) -> Any:
    """`text` inside `depth` arrays."""
    value: Any = text
    for _ in range(depth):
        value = [value]
    return value


# --- jobs and global keywords ---------------------------------------------------------------


def test_every_top_level_mapping_but_a_global_keyword_is_a_job_hidden_ones_included() -> None:
    body = {"stages": ["test"], "build": {"script": "make"}, ".base": {"image": "x"}, "variables": {"A": "1"}}
    assert [name for name, _ in jobs(body)] == ["build", ".base"]
    assert is_hidden(".base") and not is_hidden("build")


@pytest.mark.parametrize(
    "name", [".internal-functions", ".uv-internal-in-root", ".deps-image-internal-shell", ".x-internal"]
)
def test_a_hidden_job_named_with_the_word_internal_is_an_internal_helper(name: str) -> None:
    assert is_internal(name)


@pytest.mark.parametrize(
    "name", [".uv-job", "uv-internal-test", ".uv-internals", ".uv-job-internally", ".international"]
)
def test_other_jobs_are_not_internal_helpers(name: str) -> None:
    assert not is_internal(name)


def test_a_job_with_only_extends_is_a_job_before_extends_is_resolved() -> None:
    assert [name for name, _ in jobs({"deploy": {"extends": ".base"}})] == ["deploy"]


@pytest.mark.parametrize(
    "name", ["include", "before_script", "image", "services", "after_script", "variables", "stages", "cache"]
)
def test_a_reserved_keyword_is_never_a_job_even_with_a_script(name: str) -> None:
    assert list(jobs({name: {"script": "x"}})) == []


@pytest.mark.parametrize("name", ["default", "workflow"])
def test_default_and_workflow_are_jobs_when_they_look_like_one(name: str) -> None:
    assert [job for job, _ in jobs({name: {"script": "x"}})] == [name]
    assert list(jobs({name: {"image": "x"}})) == []
    assert list(global_keywords({name: {"trigger": "child"}})) == []
    assert list(global_keywords({name: {"rules": []}})) == [name]


def test_the_global_keywords_are_gitlabs_root_entries() -> None:
    assert set(DEPRECATED_GLOBALS) < GLOBAL_KEYWORDS
    assert {"default", "include", "stages", "variables", "workflow"} < GLOBAL_KEYWORDS


def test_a_job_name_that_is_not_a_mapping_has_no_body_to_read() -> None:
    assert list(jobs({"broken": "script"})) == []


# --- what holds scripts ---------------------------------------------------------------------


def test_jobs_then_default_then_the_deprecated_globals_hold_job_keywords() -> None:
    body = {"image": "i", "before_script": ["b"], "default": {"after_script": ["a"]}, "job": {"script": ["s"]}}
    found = [(holder.kind, holder.path, holder.name) for holder in holders(body)]
    assert found == [("job", ("job",), "job"), ("default", ("default",), "default"), ("global", (), "")]
    assert next(h for h in holders(body) if h.kind == "global").body == {"image": "i", "before_script": ["b"]}


def test_every_script_keyword_is_read_hooks_included() -> None:
    job = {"before_script": "b", "script": ["s"], "after_script": ["a"], "hooks": {"pre_get_sources_script": ["h"]}}
    assert lines_of({"job": job}) == [
        ("job.before_script", "b"),
        ("job.script.0", "s"),
        ("job.after_script.0", "a"),
        ("job.hooks.pre_get_sources_script.0", "h"),
    ]


def test_default_and_the_deprecated_globals_hold_the_scripts_they_may_have() -> None:
    body = {"default": {"before_script": ["d"], "hooks": {"pre_get_sources_script": "h"}}, "after_script": ["g"]}
    assert lines_of(body) == [
        ("default.before_script.0", "d"),
        ("default.hooks.pre_get_sources_script", "h"),
        ("after_script.0", "g"),
    ]


def test_nested_script_arrays_are_flattened_with_the_path_of_each_line() -> None:
    body = {"job": {"script": ["one", ["two", ["three"]], "four"]}}
    assert lines_of(body) == [
        ("job.script.0", "one"),
        ("job.script.1.0", "two"),
        ("job.script.1.1.0", "three"),
        ("job.script.2", "four"),
    ]


def test_arrays_nested_up_to_gitlabs_limit_of_ten_are_read_and_no_deeper() -> None:
    assert [text for _, text in lines_of({"job": {"script": nested(10, "deep")}})] == ["deep"]
    assert lines_of({"job": {"script": nested(11, "too deep")}}) == []


def test_reference_tags_and_values_that_are_not_strings_are_left_out() -> None:
    loaded = load_text("job:\n  script:\n    - !reference [.x, script]\n    - 3\n    - echo\n", "c.yml")
    assert lines_of(loaded.content) == [("job.script.2", "echo")]


# --- placeholders and the component context -------------------------------------------------


def spec_of(inputs: str) -> Any:
    loaded = load_text(f"spec:\n  inputs:\n{inputs}---\njob:\n  script: x\n", "c.yml")
    assert loaded.header is not None
    return check_header(loaded.header, "c.yml", Marks()).spec


def test_a_required_input_takes_its_first_option() -> None:
    assert placeholder_inputs(spec_of("    mode:\n      options: [fast, slow]\n")) == {"mode": "fast"}


@pytest.mark.parametrize(
    ("kind", "value"), [("string", "placeholder"), ("number", 1), ("boolean", True), ("array", [])]
)
def test_a_required_input_without_options_takes_a_value_of_its_type(kind: str, value: Any) -> None:
    assert placeholder_inputs(spec_of(f"    x:\n      type: {kind}\n")) == {"x": value}


def test_inputs_with_a_default_get_no_placeholder() -> None:
    assert placeholder_inputs(spec_of("    x:\n      default: a\n")) == {}


def test_the_component_context_of_an_unreleased_component() -> None:
    assert component_context("uv-cache") == {"name": "uv-cache", "sha": "0" * 40, "version": None, "reference": "main"}
    assert component_context("uv-cache", "1.2.0")["reference"] == "1.2.0"


@pytest.mark.parametrize(
    ("path", "name"),
    [("templates/uv-cache/template.yml", "uv-cache"), ("templates/deps.yml", "deps"), ("ci.yml", "ci")],
)
def test_a_component_is_named_as_a_catalog_names_it(path: str, name: str) -> None:
    assert component_name(path) == name
