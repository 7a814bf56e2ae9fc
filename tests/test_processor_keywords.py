"""Keyword values the JSON schema lets through (or words differently) and GitLab refuses,
each with the message of the GitLab entry named in the test's docstring."""

from __future__ import annotations

import pytest


def job(body: str) -> str:
    """A pipeline of one job named `job` with `script: x` and the given keys (one a line)."""
    return "job:\n  script: x\n" + "".join(f"  {line}\n" for line in body.splitlines())


def test_cache_key_files_takes_at_most_two_files(validate) -> None:
    """cache.rb, key.rb, files.rb."""
    assert validate(job("cache:\n  key:\n    files: [a, b]")) == (0, [])
    assert validate(job("cache:\n  key:\n    files: [a, b, c]"))[1] == [
        "5:7: error: jobs:job:cache:key:files config has too many items (maximum is 2) [job.cache.key.files]"
    ]


def test_cache_fallback_keys_takes_at_most_five(validate) -> None:
    """cache.rb (GitLab's own spelling: `has to many entries`)."""
    assert validate(job("cache:\n  fallback_keys: [a, b, c, d, e]")) == (0, [])
    assert validate(job("cache:\n  fallback_keys: [a, b, c, d, e, f]"))[1] == [
        "4:5: error: jobs:job:cache fallback keys has to many entries (maximum 5) [job.cache.fallback_keys]"
    ]


def test_a_job_takes_at_most_four_caches(validate) -> None:
    """caches.rb: the list reports as `caches`."""
    assert validate(job("cache: [{key: a}, {key: b}, {key: c}, {key: d}, {key: e}]"))[1] == [
        "3:3: error: jobs:job:caches config no more than 4 caches can be created [job.cache]"
    ]


def test_a_cache_key_with_a_slash_is_refused(validate) -> None:
    """key.rb (KeyValidator)."""
    assert validate(job("cache:\n  key: a/b"))[1] == [
        '4:5: error: jobs:job:cache:key config cannot contain the "/" character [job.cache.key]'
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be greater than or equal to 1"),
        ("201", "must be less than or equal to 200"),
        ("1.5", "must be an integer"),
    ],
)
def test_parallel_is_a_whole_number_from_1_to_200(validate, value: str, message: str) -> None:
    """product/parallel.rb."""
    assert validate(job(f"parallel: {value}"))[1] == [f"3:3: error: jobs:job:parallel config {message} [job.parallel]"]


def test_parallel_200_is_accepted(validate) -> None:
    assert validate(job("parallel: 200")) == (0, [])


def test_parallel_matrix_may_make_at_most_200_jobs(validate) -> None:
    """product/matrix.rb."""
    ten = "[" + ", ".join(str(i) for i in range(10)) + "]"
    assert validate(job(f"parallel:\n  matrix:\n    - {{A: {ten}, B: {ten}}}\n    - {{A: {ten}, B: {ten}}}")) == (0, [])
    assert validate(job(f"parallel:\n  matrix:\n    - {{A: {ten}, B: {ten}, C: [1, 2, 3]}}"))[1] == [
        "4:5: error: jobs:job:parallel:matrix config generates too many jobs (maximum is 200) [job.parallel.matrix]"
    ]


def test_a_matrix_entry_with_an_empty_value_is_refused(validate) -> None:
    """product/variables.rb."""
    assert validate(job("parallel:\n  matrix:\n    - {A: []}"))[1] == [
        "5:9: error: jobs:job:parallel:matrix:variables config should be a hash of key value pairs, value can be an"
        " array [job.parallel.matrix[0]]"
    ]


@pytest.mark.parametrize(
    ("value", "message"), [("3", "must be less than or equal to 2"), ("-1", "must be greater than or equal to 0")]
)
def test_retry_is_from_0_to_2(validate, value: str, message: str) -> None:
    """retry.rb: its location is `retry`, wherever it is."""
    assert validate(job(f"retry: {value}"))[1] == [f"3:3: error: retry config {message} [job.retry]"]


def test_retry_when_names_failure_reasons(validate) -> None:
    assert validate(job("retry:\n  max: 2\n  when: [runner_system_failure, job_execution_timeout]")) == (0, [])
    assert validate(job("retry:\n  when: [bogus]"))[1] == [
        "4:5: error: retry when contains unknown values: bogus [job.retry.when]"
    ]


@pytest.mark.parametrize("value", ["1h 30m", "'3600'", "2 days", "1 week and 2 days", "'3:30'", "1 month"])
def test_timeouts_gitlab_parses_are_accepted(validate, value: str) -> None:
    """timeout.rb with ChronicDuration; at most one month (Project::MAX_BUILD_TIMEOUT)."""
    assert validate(job(f"timeout: {value}")) == (0, [])


@pytest.mark.parametrize("value", ["not-a-number", "1 hour and a half", "0s", "2 weeks and a bit", "3600"])
def test_timeouts_gitlabs_duration_parser_rejects_are_refused(validate, value: str) -> None:
    """An unquoted number is no duration: GitLab parses only strings."""
    assert validate(job(f"timeout: {value}"))[1] == [
        "3:3: error: jobs:job:timeout config should be a duration [job.timeout]",
        "3:3: error: jobs:job:timeout config should not exceed the limit [job.timeout]",
    ]


def test_a_timeout_over_a_month_exceeds_the_limit(validate) -> None:
    assert validate(job("timeout: 32 days"))[1] == [
        "3:3: error: jobs:job:timeout config should not exceed the limit [job.timeout]"
    ]


@pytest.mark.parametrize("keyword", ["only", "except"])
def test_rules_with_only_or_except_is_refused(validate, keyword: str) -> None:
    """processable.rb."""
    assert validate(job(f"rules: [{{if: $A}}]\n{keyword}: [main]"))[1] == [
        f"4:3: error: jobs:job config key may not be used with `rules`: {keyword} [job.{keyword}]"
    ]


def test_rules_with_a_null_only_is_accepted(validate) -> None:
    assert validate(job("only:\nrules: [{if: $A}]")) == (0, [])


@pytest.mark.parametrize("value", ["sometimes", "never", "1"])
def test_a_when_gitlab_does_not_know_is_refused(validate, value: str) -> None:
    """job.rb: `never` is for rules only."""
    lines = validate(job(f"when: {value}"))[1]
    assert (
        "3:3: error: jobs:job when should be one of: on_success, on_failure, always, manual, delayed [job.when]"
        in lines
    )


def test_a_rule_when_gitlab_does_not_know_is_refused(validate) -> None:
    """rules/rule.rb (AllowedValuesValidator)."""
    assert validate(job("rules:\n  - when: sometimes"))[1] == [
        "4:7: error: jobs:job:rules:rule when unknown value: sometimes [job.rules[0].when]"
    ]


def test_a_rule_if_that_does_not_parse_is_refused(validate) -> None:
    assert validate(job("rules:\n  - if: $A ==="))[1] == [
        "4:7: error: jobs:job:rules:rule if invalid expression syntax [job.rules[0].if]"
    ]


def test_a_delayed_rule_needs_start_in_within_a_week(validate) -> None:
    assert validate(job("rules:\n  - when: delayed\n    start_in: 1 week")) == (0, [])
    assert validate(job("rules:\n  - when: delayed\n    start_in: 8 days"))[1] == [
        "5:7: error: jobs:job:rules:rule start in should not exceed the limit [job.rules[0].start_in]"
    ]


def test_only_with_an_invalid_regular_expression_is_refused(validate) -> None:
    """policy.rb (RE2 syntax)."""
    assert validate(job('only: ["/*invalid/"]'))[1] == [
        "3:3: error: jobs:job:only config should be an array of strings or regular expressions using re2 syntax"
        " [job.only]"
    ]


def test_boolean_and_float_variables_are_accepted_though_the_schema_refuses_them(validate) -> None:
    """variable.rb (ScalarValidator)."""
    text = "variables:\n  ON: true\n  PI: 3.14\njob:\n  script: x\n  variables:\n    OFF: false\n"
    assert validate(text) == (0, [])


def test_a_variable_that_is_a_list_is_refused(validate) -> None:
    assert validate("variables:\n  test: []\n" + job(""))[1] == [
        "2:3: error: variable definition must be either a string or a hash [variables.test]"
    ]


def test_a_job_variable_with_a_description_is_refused(validate) -> None:
    """variables.rb: a job's variables take `value` and `expand` only."""
    assert validate(job("variables:\n  V:\n    value: x\n    description: d"))[1] == [
        "6:7: error: jobs:job:variables:v config uses invalid data keys: description [job.variables.V.description]"
    ]


def test_coverage_must_be_a_regular_expression(validate) -> None:
    """coverage.rb."""
    assert validate(job("coverage: '/Total: (\\d+)%/'")) == (0, [])
    assert validate(job("coverage: 'Total'"))[1] == [
        "3:3: error: jobs:job:coverage config must be a regular expression with re2 syntax [job.coverage]"
    ]


def test_an_environment_action_gitlab_does_not_know_is_refused(validate) -> None:
    """environment.rb."""
    assert validate(job("environment:\n  name: review\n  action: rollback"))[1] == [
        "5:5: error: jobs:job:environment action should be start, stop, prepare, verify, or access"
        " [job.environment.action]"
    ]


def test_image_must_be_a_string_or_a_mapping(validate) -> None:
    """image.rb (Imageable)."""
    # As the value is no mapping, GitLab finds no name in it either.
    assert validate("image: [test]\n" + job(""))[1] == [
        "1:1: error: image config should be a hash or a string [image]",
        "1:1: error: image name should be a string [image.name]",
        "1:1: error: image name can't be blank [image.name]",
    ]


def test_an_unknown_artifacts_when_is_refused(validate) -> None:
    """artifacts.rb."""
    assert validate(job("artifacts:\n  when: sometimes\n  paths: [a]"))[1] == [
        "4:5: error: jobs:job:artifacts when should be one of: on_success, on_failure, always [job.artifacts.when]"
    ]


def test_inherit_default_takes_default_keywords_only(validate) -> None:
    """inherit/default.rb."""
    assert validate(job("inherit:\n  default: [image, unknown]"))[1] == [
        "4:5: error: jobs:job:inherit:default config contains unknown values: unknown [job.inherit.default]"
    ]


def test_workflow_must_be_a_mapping(validate) -> None:
    """workflow.rb."""
    assert validate("workflow: build\n" + job(""))[1] == ["1:1: error: workflow config should be a hash [workflow]"]


def test_workflow_auto_cancel_takes_gitlabs_values(validate) -> None:
    """auto_cancel.rb."""
    assert validate("workflow:\n  auto_cancel:\n    on_new_commit: always\n" + job(""))[1] == [
        "3:5: error: workflow:auto_cancel on new commit must be one of: conservative, interruptible, none"
        " [workflow.auto_cancel.on_new_commit]"
    ]


def test_more_than_49_tags_are_refused(validate) -> None:
    """tags.rb."""
    tags = ", ".join(f"t{i}" for i in range(50))
    assert validate(job(f"tags: [{tags}]"))[1] == [
        "3:3: error: jobs:job:tags config must be less than the limit of 50 tags [job.tags]"
    ]
