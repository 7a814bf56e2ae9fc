"""Jobs, as GitLab's configuration entries check them (root.rb, jobs.rb, processable.rb,
job.rb, bridge.rb, hidden.rb, default.rb)."""

from __future__ import annotations

IMPLEMENT = "config should implement the script:, run:, or trigger: keyword"


def test_a_job_with_no_script_run_or_trigger_is_refused(validate) -> None:
    assert validate("lint:\n  stage: test\nok:\n  script: x\n") == (1, [f"1:1: error: jobs lint {IMPLEMENT} [lint]"])


def test_a_file_whose_only_job_has_no_script_has_no_visible_job_either(validate) -> None:
    assert validate("lint:\n  stage: test\n") == (
        1,
        [
            f"1:1: error: jobs lint {IMPLEMENT} [lint]",
            "1:1: error: jobs config should contain at least one visible job",
        ],
    )


def test_the_underscores_of_a_job_name_are_kept_in_the_message(validate) -> None:
    assert validate("build_job:\n  stage: build\nok:\n  script: x\n")[1] == [
        f"1:1: error: jobs build_job {IMPLEMENT} [build_job]"
    ]


def test_a_job_with_a_null_value_is_refused(validate) -> None:
    assert validate("lint:\nother:\n  script: x\n")[1] == [f"1:1: error: jobs lint {IMPLEMENT} [lint]"]


def test_a_job_with_run_steps_needs_no_script(validate) -> None:
    assert validate("job:\n  run:\n    - name: hello\n      script: echo hi\n") == (0, [])


def test_a_blank_script_is_refused(validate) -> None:
    assert validate("job:\n  script: ''\n")[1] == ["2:3: error: jobs:job script can't be blank [job.script]"]


def test_script_together_with_trigger_is_refused(validate) -> None:
    assert validate("job:\n  script: x\n  trigger: group/project\n")[1] == [
        "3:3: error: jobs:job config these keys cannot be used together: script, trigger [job.trigger]",
        "3:3: error: jobs:job config contains unknown keys: trigger [job.trigger]",
    ]


def test_scripts_nested_ten_levels_deep_are_accepted_though_the_schema_refuses_them(validate) -> None:
    assert validate("job:\n  script: [[[[[[[[[[x]]]]]]]]]]\n") == (0, [])


def test_scripts_nested_eleven_levels_deep_are_refused(validate) -> None:
    assert validate("job:\n  script: [[[[[[[[[[[x]]]]]]]]]]]\n")[1] == [
        "2:3: error: jobs:job:script config should be a string or a nested array of strings up to 10 levels deep"
        " [job.script]"
    ]


def test_a_pipeline_without_a_visible_job_is_refused(validate) -> None:
    assert validate(".hidden:\n  script: x\n") == (
        1,
        ["1:1: error: jobs config should contain at least one visible job"],
    )


def test_an_empty_file_is_refused(validate) -> None:
    assert validate("") == (1, ["1:1: error: Please provide content of .gitlab-ci.yml"])


def test_a_job_name_longer_than_255_characters_is_refused(validate) -> None:
    name = "n" * 256
    assert validate(f"{name}:\n  script: x\n")[1] == [
        f"1:1: error: jobs:{name} name is too long (maximum is 255 characters) [{name}]"
    ]


def test_a_blank_job_name_is_refused(validate) -> None:
    assert validate("'':\n  script: x\n")[1] == ["1:1: error: jobs:job name can't be blank"]


def test_a_hidden_job_with_a_null_value_is_refused(validate) -> None:
    assert validate(".hidden:\njob:\n  script: x\n")[1] == ["1:1: error: jobs:.hidden config can't be blank [.hidden]"]


def test_unknown_keys_of_a_job_are_named_in_order(validate) -> None:
    assert validate("job:\n  script: x\n  foo: 1\n  bar: 2\n")[1] == [
        "3:3: error: jobs:job config contains unknown keys: foo, bar [job.foo]"
    ]


def test_a_job_with_only_needs_is_a_trigger_job_without_a_trigger(validate) -> None:
    assert validate("a:\n  script: x\nb:\n  needs: [a]\n")[1] == [
        "3:1: error: jobs:b config should contain one of the keywords; trigger, status or needs:pipeline [b]"
    ]


def test_a_trigger_job_with_a_when_of_a_job_is_refused(validate) -> None:
    # GitLab builds no entries for an invalid job, so it also finds no trigger in it.
    assert validate("b:\n  trigger: group/project\n  when: delayed\n")[1] == [
        "3:3: error: jobs:b when should be one of: on_success, on_failure, always, manual [b.when]",
        "1:1: error: jobs:b config should contain one of the keywords; trigger, status or needs:pipeline [b]",
    ]


def test_a_keyword_both_at_the_top_and_in_default_stops_gitlab(validate) -> None:
    assert validate("image: a\ndefault:\n  image: b\njob:\n  script: x\n") == (
        1,
        ["3:3: error: image is defined in top-level and `default:` entry [default.image]"],
    )


def test_a_default_with_a_script_is_a_job(validate) -> None:
    assert validate("default:\n  script: x\n") == (0, [])


def test_variables_that_look_like_a_job_are_variables(validate) -> None:
    assert validate("variables:\n  script: ENV_VALUE\nrspec:\n  script: echo\n") == (0, [])


def test_publish_outside_a_pages_job_is_refused(validate) -> None:
    assert validate("not-pages:\n  script: echo\n  publish: public\n")[1] == [
        "3:3: error: jobs:not-pages publish can only be used within a `pages` job [not-pages.publish]"
    ]


def test_a_job_named_pages_may_publish(validate) -> None:
    assert validate("pages:\n  script: echo\n  publish: public\n") == (0, [])


def test_messages_are_downcased_as_gitlab_downcases_them(validate) -> None:
    assert validate("RSpec:\n  script: x\n  when: Never\n")[1] == [
        "3:3: error: jobs:rspec when should be one of: on_success, on_failure, always, manual, delayed [RSpec.when]"
    ]


def test_run_steps_are_checked_against_the_steps_schema_with_gitlabs_wording(validate) -> None:
    """job.rb (`run`, json_schemer's messages)."""
    code, lines = validate("job:\n  stage: build\n  run:\n    - step: some reference\n")
    assert code == 1
    assert "3:3: error: jobs:job run object at `/0` is missing required properties: name [job.run]" in lines


def test_run_must_be_a_list_of_steps(validate) -> None:
    assert validate("job:\n  stage: build\n  run: invalid\n")[1] == [
        "3:3: error: jobs:job run value at root is not an array [job.run]"
    ]


def test_script_together_with_run_is_refused(validate) -> None:
    lines = validate("job:\n  script: x\n  run: [{name: step1, script: echo}]\n")[1]
    assert "3:3: error: jobs:job config these keys cannot be used together: script, run [job.run]" in lines


def test_a_job_named_by_a_number_is_refused(validate) -> None:
    """processable.rb (`validates :name, type: Symbol`): YAML reads `10:` as a number."""
    assert validate("10:\n  script: x\n'11':\n  script: y\n")[1] == ["1:1: error: jobs:10 name should be a symbol [10]"]
