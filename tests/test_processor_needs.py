"""`needs` and `dependencies`, as GitLab checks them (needs.rb, need.rb, yaml_processor.rb,
yaml_processor/dag.rb, pipeline/seed/build.rb)."""

from __future__ import annotations

STAGES = "stages: [build, test]\n"


def test_a_need_on_a_job_that_does_not_exist_is_undefined(validate) -> None:
    text = STAGES + "test:\n  stage: test\n  script: x\n  needs: [build]\n"
    assert validate(text) == (1, ["5:11: error: test job: undefined need: build [test.needs[0]]"])


def test_a_need_on_a_job_in_a_later_stage_is_refused(validate) -> None:
    text = STAGES + "a:\n  stage: build\n  script: x\n  needs: [b]\nb:\n  stage: test\n  script: y\n"
    assert validate(text)[1] == ["5:11: error: a job: need b is not defined in current or prior stages [a.needs[0]]"]


def test_a_need_on_a_job_in_the_same_stage_is_accepted(validate) -> None:
    text = STAGES + "a:\n  stage: test\n  script: x\n  needs: [b]\nb:\n  stage: test\n  script: y\n"
    assert validate(text) == (0, [])


def test_a_job_needing_itself_is_a_self_dependency(validate) -> None:
    assert validate("a:\n  script: x\n  needs: [a]\n")[1] == [
        "3:3: error: The pipeline has circular dependencies: self-dependency: a [a.needs]"
    ]


def test_jobs_needing_each_other_are_circular(validate) -> None:
    text = "a:\n  script: x\n  needs: [b]\nb:\n  script: y\n  needs: [a]\n"
    assert validate(text)[1] == [
        '3:3: error: The pipeline has circular dependencies: topological sort failed: ["a", "b"] [a.needs]'
    ]


def test_an_optional_need_on_a_missing_job_is_skipped(validate) -> None:
    assert validate("a:\n  script: x\n  needs: [{job: b, optional: true}]\n") == (0, [])


def test_a_need_listed_twice_is_duplicated(validate) -> None:
    text = "a:\n  script: x\nb:\n  script: y\n  needs: [a, {job: a}]\n"
    assert validate(text)[1] == ["5:3: error: b has the following needs duplicated: a. [b.needs]"]


def test_need_artifacts_must_be_a_boolean(validate) -> None:
    text = "a:\n  script: x\nb:\n  script: y\n  needs:\n    - job: a\n      artifacts: yes please\n"
    assert validate(text)[1] == [
        "7:7: error: jobs:b:needs:need artifacts should be a boolean value [b.needs[0].artifacts]"
    ]


def test_need_optional_must_be_a_boolean(validate) -> None:
    text = "a:\n  script: x\nb:\n  script: y\n  needs: [{job: a, optional: 1}]\n"
    assert validate(text)[1] == [
        "5:20: error: jobs:b:needs:need optional should be a boolean value [b.needs[0].optional]"
    ]


def test_a_need_of_an_unknown_shape_has_an_unsupported_type(validate) -> None:
    assert validate("b:\n  script: y\n  needs: [1]\n")[1] == [
        "3:11: error: jobs:b:needs:need has an unsupported type [b.needs[0]]"
    ]


def test_an_empty_needs_list_is_accepted(validate) -> None:
    assert validate("b:\n  stage: test\n  script: y\n  needs: []\n") == (0, [])


def test_a_job_can_need_at_most_fifty_others(validate) -> None:
    jobs = "".join(f"j{i}: {{stage: build, script: x}}\n" for i in range(51))
    fifty = ", ".join(f"j{i}" for i in range(50))
    assert validate(jobs + f"z: {{script: x, needs: [{fifty}]}}\n") == (0, [])
    code, lines = validate(jobs + f"z: {{script: x, needs: [{fifty}, j50]}}\n")
    assert code == 1
    assert lines == [
        "52:16: error: z: one job can only need 50 others, but you have listed 51. "
        "See needs keyword documentation for more details [z.needs]"
    ]


def test_a_need_on_a_parallel_job_needs_every_instance(validate) -> None:
    text = "build:\n  stage: build\n  script: x\n  parallel: 2\ntest:\n  script: y\n  needs: [build]\n  dependencies: [build]\n"
    assert validate(text) == (0, [])


def test_a_need_on_a_matrix_combination_that_does_not_exist_is_undefined(validate) -> None:
    text = (
        "build:\n  stage: build\n  script: x\n  parallel:\n    matrix:\n      - PROVIDER: [aws]\n"
        "test:\n  script: y\n  needs:\n    - job: build\n      parallel:\n        matrix:\n          - PROVIDER: [gcp]\n"
    )
    assert validate(text)[1] == ["10:7: error: test job: undefined need: build: [gcp] [test.needs[0]]"]


def test_a_dependency_on_a_job_that_does_not_exist_is_undefined(validate) -> None:
    assert validate("a:\n  script: x\n  dependencies: [nope]\n")[1] == [
        "3:18: error: a job: undefined dependency: nope [a.dependencies[0]]"
    ]


def test_a_dependency_on_a_later_stage_is_refused(validate) -> None:
    text = STAGES + "a:\n  stage: build\n  script: x\n  dependencies: [b]\nb:\n  stage: test\n  script: y\n"
    assert validate(text)[1] == [
        "5:18: error: a job: dependency b is not defined in current or prior stages [a.dependencies[0]]"
    ]


def test_dependencies_must_be_part_of_needs(validate) -> None:
    text = (
        STAGES
        + "a:\n  stage: build\n  script: x\nc:\n  stage: build\n  script: x\nb:\n  stage: test\n  script: y\n  needs: [a]\n  dependencies: [c]\n"
    )
    assert validate(text)[1] == ["12:3: error: jobs:b dependencies the c should be part of needs [b.dependencies]"]


def test_needs_in_a_rule_are_checked_too(validate) -> None:
    text = "a:\n  script: x\n  rules:\n    - if: $X\n      needs: [missing]\n"
    assert validate(text)[1] == ["5:15: error: a job: undefined need: missing [a.rules[0].needs[0]]"]
