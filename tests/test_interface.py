"""A component's interface: its inputs from the header, its jobs from the rendered body."""

from __future__ import annotations

from ci_catalog.interface import interface_of_text

COMPONENT = """\
spec:
  inputs:
    job_prefix:
      default: build
    target:
      options: [a, b]
---
.$[[ inputs.job_prefix ]]-base:
  script: [echo]
$[[ inputs.job_prefix ]]-run:
  extends: .$[[ inputs.job_prefix ]]-base
stages: [test]
"""


def test_inputs_are_read_from_the_header_in_order() -> None:
    interface = interface_of_text("c", COMPONENT, "c.yml", {"target": "a"})
    assert list(interface.inputs) == ["job_prefix", "target"]
    assert interface.inputs["target"].options == ["a", "b"]
    assert interface.inputs["target"].required


def test_jobs_are_named_as_rendered_hidden_templates_included_global_keys_not() -> None:
    interface = interface_of_text("c", COMPONENT, "c.yml", {"target": "a", "job_prefix": "x"})
    assert interface.jobs == [".x-base", "x-run"]


def test_without_inputs_a_required_input_takes_its_first_option_so_the_jobs_render() -> None:
    interface = interface_of_text("c", COMPONENT, "c.yml")
    assert interface.jobs == [".build-base", "build-run"]
    assert interface.problems == []


def test_a_required_input_left_out_of_given_inputs_is_a_problem_and_no_jobs() -> None:
    interface = interface_of_text("c", COMPONENT, "c.yml", {})
    assert interface.jobs == []
    assert [problem.message for problem in interface.problems] == [
        "`target` input: required value has not been provided"
    ]


def test_a_file_without_a_header_is_not_a_component() -> None:
    interface = interface_of_text("c", "job:\n  script: [echo]\n", "c.yml")
    assert interface.problems[0].message == "not a component: no `spec` header"


def test_internal_helpers_are_kept_apart_from_the_jobs_users_may_extend() -> None:
    component = COMPONENT.replace(
        "stages: [test]\n", ".$[[ inputs.job_prefix ]]-internal-paths:\n  variables: {A: b}\n"
    )
    interface = interface_of_text("c", component, "c.yml", {"target": "a"})
    assert interface.jobs == [".build-base", "build-run"]
    assert interface.internal_jobs == [".build-internal-paths"]
