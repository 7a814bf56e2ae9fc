"""Stage 2: the keys GitLab accepts in a `spec` header, and its messages."""

from __future__ import annotations

import pytest

from ci_catalog.header import check_header
from ci_catalog.loading import load_text


def header_messages(header_yaml: str) -> list[str]:
    loaded = load_text(header_yaml + "\n---\njob: {script: x}\n", "c.yml")
    assert loaded.ok, loaded.problems
    assert loaded.header is not None
    return [p.message for p in check_header(loaded.header, "c.yml", loaded.header_marks).problems]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("spec:\nextra: 1", "header config contains unknown keys: extra"),
        ("spec:\n  arguments: {}", "header:spec config contains unknown keys: arguments"),
        ("spec:\n  description: [a]", "header:spec config description should be a string"),
        (
            "spec:\n  description: " + "d" * 257,
            "header:spec config description is too long (maximum is 256 characters)",
        ),
        ("spec:\n  component: name", "header:spec:component config should be an array"),
        ("spec:\n  component: [1]", "header:spec:component config should be an array of strings"),
        (
            "spec:\n  component: [name, invalid_key]",
            "header:spec:component config contains unknown values: invalid_key",
        ),
        ("spec:\n  inputs: [a]", "header:spec:inputs config should be a hash"),
        ("spec:\n  inputs:\n    foo: 123", "header:spec:inputs:foo config should be a hash"),
        ("spec:\n  inputs:\n    foo: {bad: 1}", "header:spec:inputs:foo config contains unknown keys: bad"),
        ("spec:\n  inputs:\n    foo: {type: datetime}", "header:spec:inputs:foo input type unknown value: datetime"),
        ("spec:\n  inputs:\n    foo: {regex: 123}", "header:spec:inputs:foo input regex should be a string"),
        ("spec:\n  inputs:\n    foo: {options: x}", "header:spec:inputs:foo input options should be an array"),
        (
            "spec:\n  inputs:\n    foo: {options: [a, null]}",
            "header:spec:inputs:foo config options array cannot contain null values",
        ),
        ("spec:\n  inputs:\n    MyInput: {bad: 1}", "header:spec:inputs:myinput config contains unknown keys: bad"),
    ],
)
def test_header_errors_use_gitlabs_words(header: str, message: str) -> None:
    assert header_messages(header) == [message]


def test_more_than_fifty_options_are_refused() -> None:
    options = ", ".join(str(n) for n in range(51))
    assert header_messages(f"spec:\n  inputs:\n    foo: {{options: [{options}]}}") == [
        "header:spec:inputs:foo config cannot define more than 50 options"
    ]


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        ("{rules: [{default: a}], options: [a]}", "rules, options"),
        ("{default: a, rules: [{default: a}]}", "default, rules"),
    ],
)
def test_rules_exclude_options_and_default_in_the_users_key_order(keys: str, named: str) -> None:
    assert header_messages(f"spec:\n  inputs:\n    foo: {keys}") == [
        f"header:spec:inputs:foo config these keys cannot be used together: {named}"
    ]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "{if: '$[[ inputs.a ]] == \"x\"', options: [a, b]}",
            "`size` input: rule must define 'options' with at least one value and a 'default'",
        ),
        ("{options: [a, b], default: C}", "`size` input: default 'c' must be one of the options"),
        ("{if: '&&&&', default: a}", "`size` input: if invalid expression syntax"),
        ("{if: 'true', default: a, color: red}", "`size` input: contains unknown keys: color"),
        ("{}", "`size` input: can't be blank"),
    ],
)
def test_rule_errors_are_rewritten_to_name_the_input(rule: str, message: str) -> None:
    assert header_messages(f"spec:\n  inputs:\n    size:\n      rules: [{rule}]") == [message]


def test_a_hyphenated_input_name_gets_gitlabs_odd_rule_message() -> None:
    messages = header_messages("spec:\n  inputs:\n    instance-type:\n      rules: [{options: [a]}]")
    assert messages == [
        "header:spec:inputs:instance-`type` input: rule must define 'options' with at least one value and a 'default'"
    ]


@pytest.mark.parametrize(
    "header",
    [
        "spec:",
        "spec:\n  inputs:",
        "spec:\n  inputs:\n    foo:",
        "spec:\n  description: A component\n  component: [name, sha, version, reference]",
        "spec:\n  inputs:\n    size:\n      rules:\n        - if: $[[ inputs.env ]] == 'prod'\n          default: big\n        - default: null",
    ],
)
def test_valid_headers_have_no_problems(header: str) -> None:
    assert header_messages(header) == []


def test_a_header_problem_points_at_the_offending_entry() -> None:
    loaded = load_text("spec:\n  inputs:\n    ok:\n    foo:\n      type: datetime\n---\njob: {script: x}\n", "c.yml")
    assert loaded.header is not None
    (problem,) = check_header(loaded.header, "c.yml", loaded.header_marks).problems
    assert (problem.file, problem.line, problem.column) == ("c.yml", 5, 7)
