"""`include`, as GitLab reads its shape (external/mapper/matcher.rb, entry/include.rb)."""

from __future__ import annotations

JOB = "rspec:\n  script: test\n"
SUBKEYS = "`local`, `project`, `remote`, `template`, `artifact`, `component`"


def test_an_include_naming_no_source_has_no_valid_subkey(validate) -> None:
    assert validate("include:\n  - yolo: /local.gitlab-ci.yml\n" + JOB) == (
        1,
        [
            '2:5: error: `{"yolo":"/local.gitlab-ci.yml"}` does not have a valid subkey for include.'
            f" Valid subkeys are: {SUBKEYS} [include[0]]"
        ],
    )


def test_an_include_naming_two_sources_is_refused(validate) -> None:
    assert validate("include:\n  local: a.yml\n  remote: https://example.com/b.yml\n" + JOB)[1] == [
        f"1:1: error: Each include must use only one of: {SUBKEYS} [include]"
    ]


def test_a_project_include_without_a_file_names_no_source(validate) -> None:
    lines = validate("include:\n  - project: group/project\n" + JOB)[1]
    assert lines[0].startswith('2:5: error: `{"project":"group/project"}` does not have a valid subkey for include.')


def test_includes_of_every_kind_are_accepted(validate) -> None:
    text = (
        "include:\n  - local: ci/a.yml\n  - remote: https://example.com/b.yml\n  - template: Jobs/Build.gitlab-ci.yml\n"
        "  - project: group/project\n    file: ci/c.yml\n  - component: $CI_SERVER_FQDN/group/project/d@1.0.0\n" + JOB
    )
    assert validate(text) == (0, [])


def test_a_child_pipeline_artifact_needs_its_job(validate) -> None:
    text = "build:\n  stage: build\n  script: x\nchild:\n  trigger:\n    include:\n      - artifact: generated.yml\n"
    assert validate(text)[1] == [
        "7:9: error: jobs:child:trigger:include:include config must specify the job where to fetch the artifact from"
        " [child.trigger.include[0]]"
    ]


def test_a_child_pipeline_project_include_needs_its_file(validate) -> None:
    text = "child:\n  trigger:\n    include:\n      - project: something\n"
    assert validate(text)[1] == [
        "4:9: error: jobs:child:trigger:include:include config must specify the file where to fetch the config from"
        " [child.trigger.include[0]]"
    ]


def test_a_child_pipeline_artifact_job_must_exist_in_an_earlier_stage(validate) -> None:
    text = "child:\n  stage: build\n  trigger:\n    include:\n      - artifact: generated.yml\n        job: later\nlater:\n  stage: test\n  script: x\n"
    assert validate(text)[1] == [
        "4:5: error: child job: dependency later is not defined in current or prior stages [child.trigger.include]"
    ]
