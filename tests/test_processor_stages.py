"""Stages, as GitLab's YAML processor checks them (yaml_processor.rb, edge_stages_injector.rb)."""

from __future__ import annotations


def test_a_job_in_an_undefined_stage_names_the_available_stages(validate) -> None:
    text = "stages: [build, test]\ndeploy:\n  stage: deploy\n  script: x\n"
    assert validate(text) == (
        1,
        [
            "3:3: error: deploy job: chosen stage deploy does not exist; available stages are "
            ".pre, build, test, .post [deploy.stage]"
        ],
    )


def test_a_job_without_a_stage_is_in_test(validate) -> None:
    text = "stages: [build]\nlint:\n  script: x\n"
    assert validate(text)[1] == [
        "2:1: error: lint job: chosen stage test does not exist; available stages are .pre, build, .post [lint.stage]"
    ]


def test_without_stages_the_default_stages_and_the_edges_exist(validate) -> None:
    text = "".join(
        f"{stage.strip('.')}-job:\n  stage: {stage}\n  script: x\n"
        for stage in (".pre", "build", "test", "deploy", ".post")
    )
    assert validate(text) == (0, [])


def test_pre_and_post_are_always_available(validate) -> None:
    text = "stages: [build]\nsetup:\n  stage: .pre\n  script: x\nb:\n  stage: build\n  script: x\nreport:\n  stage: .post\n  script: x\n"
    assert validate(text) == (0, [])


def test_stages_that_repeat_pre_and_post_are_accepted_though_the_schema_refuses_them(validate) -> None:
    text = "stages: [.post, stage1, .pre, .post, stage2]\nsetup:\n  stage: .pre\n  script: x\ntest:\n  stage: stage2\n  script: x\n"
    assert validate(text) == (0, [])


def test_stages_nested_ten_levels_are_accepted_and_eleven_refused(validate) -> None:
    ten = "[a0, [a1, [a2, [a3, [a4, [a5, [a6, [a7, [a8, [a9]]]]]]]]]]"
    assert validate(f"stages: {ten}\njob:\n  stage: a9\n  script: x\n") == (0, [])
    eleven = "[a0, [a1, [a2, [a3, [a4, [a5, [a6, [a7, [a8, [a9, [a10]]]]]]]]]]]"
    assert validate(f"stages: {eleven}\njob:\n  stage: a9\n  script: x\n")[1] == [
        "1:1: error: stages config should be an array of strings or a nested array of strings up to 10 levels deep"
        " [stages]"
    ]


def test_a_stage_that_is_not_a_string_is_refused(validate) -> None:
    assert validate("job:\n  stage: [build]\n  script: x\n")[1] == [
        "2:3: error: jobs:job:stage config should be a string [job.stage]"
    ]
