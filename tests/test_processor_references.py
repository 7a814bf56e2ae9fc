"""`!reference` tags, resolved as GitLab's Yaml::Tags::Resolver resolves them."""

from __future__ import annotations

from pathlib import Path

import pytest

VARS = ".vars:\n  variables:\n    URL: http://my-url.internal\n    IMPORTANT_VAR: the details\n"


def test_a_reference_to_a_missing_key_could_not_be_found(validate) -> None:
    text = ".setup:\n  script: [echo]\njob:\n  script: !reference [.setup, before_script]\n"
    assert validate(text) == (
        1,
        ['4:3: error: !reference [".setup", "before_script"] could not be found [job.script]'],
    )


def test_a_reference_through_a_list_could_not_be_found(validate) -> None:
    text = "a: [1, 2]\njob:\n  script: !reference [a, b]\n"
    assert validate(text)[1] == ['3:3: error: !reference ["a", "b"] could not be found [job.script]']


def test_a_reference_to_false_could_not_be_found(validate) -> None:
    text = ".t:\n  interruptible: false\njob:\n  script: x\n  interruptible: !reference [.t, interruptible]\n"
    assert validate(text)[1] == [
        '5:3: error: !reference [".t", "interruptible"] could not be found [job.interruptible]'
    ]


def test_references_in_a_circle_are_part_of_a_circular_chain(validate) -> None:
    assert validate("a: !reference [b]\nb: !reference [a]\n")[1] == [
        '1:1: error: !reference ["b"] is part of a circular chain [a]'
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("!reference str", '"str"'),
        ("!reference 1", '"1"'),
        ("!reference", "[]"),
        ("!reference []", "[]"),
        ("!reference [.setup, 1]", '[".setup", 1]'),
        ("!reference {b: c}", '{"b"=>"c"}'),
    ],
    ids=["scalar", "number", "empty-scalar", "empty-list", "non-string-item", "mapping"],
)
def test_a_reference_that_is_not_a_list_of_names_is_not_valid(validate, value: str, shown: str) -> None:
    text = f".setup:\n  script: [echo]\njob:\n  script: {value}\n"
    assert validate(text)[1] == [f"4:3: error: !reference {shown} is not valid [job.script]"]


def test_documented_variables_references_are_valid(validate) -> None:
    text = VARS + (
        "test-vars-1:\n  variables: !reference [.vars, variables]\n  script: printenv\n"
        "test-vars-2:\n  variables:\n    MY_VAR: !reference [.vars, variables, IMPORTANT_VAR]\n"
        "  script: printenv MY_VAR\n"
    )
    assert validate(text) == (0, [])


def test_image_and_cache_references_are_valid(validate) -> None:
    text = (
        ".defaults:\n  image: python:3.12\n  cache:\n    key: k\n    paths: [.cache]\n"
        "job:\n  image: !reference [.defaults, image]\n  cache: !reference [.defaults, cache]\n  script: x\n"
    )
    assert validate(text) == (0, [])


def test_references_are_resolved_before_the_keywords_are_checked(validate) -> None:
    text = ".setup:\n  script: [1]\njob:\n  script: !reference [.setup, script]\n"
    assert validate(text)[1] == [
        "4:3: error: jobs:job:script config should be a string or a nested array of strings up to 10 levels deep"
        " [job.script]"
    ]


def test_nested_references_in_scripts_are_valid(validate) -> None:
    text = (
        ".snippets:\n  one: [echo one]\n  two: [!reference [.snippets, one], echo two]\n"
        "job:\n  script: [!reference [.snippets, two], echo three]\n"
    )
    assert validate(text) == (0, [])


def test_a_reference_sees_what_extends_merged(validate) -> None:
    text = ".base:\n  script: [echo base]\n.child:\n  extends: .base\njob:\n  script: !reference [.child, script]\n"
    assert validate(text) == (0, [])


def test_render_keeps_a_scalar_reference_as_a_tag(cli, tmp_path: Path) -> None:
    path = tmp_path / "ci.yml"
    path.write_text("job:\n  script: !reference a\n", encoding="utf-8")
    assert cli("render", path).out == "job:\n  script: !reference 'a'\n"


def test_with_unmerged_includes_a_missing_reference_is_left_to_them(validate) -> None:
    text = "include: ci/snippets.yml\njob:\n  script: !reference [.snippets, setup]\n"
    assert validate(text) == (0, [])


def test_references_nested_past_the_scripts_ten_levels_are_too_deep(validate) -> None:
    """Each nested tag adds a list level; GitLab's script limit is 10 (entry/commands.rb)."""
    levels = ".l0:\n  s: [echo]\n" + "".join(f".l{i}:\n  s: [!reference [.l{i - 1}, s]]\n" for i in range(1, 11))
    assert validate(levels + "job:\n  script: !reference [.l9, s]\n") == (0, [])
    code, lines = validate(levels + "job:\n  script: !reference [.l10, s]\n")
    assert code == 1
    assert lines == [
        "24:3: error: jobs:job:script config should be a string or a nested array of strings up to 10 levels deep"
        " [job.script]"
    ]
