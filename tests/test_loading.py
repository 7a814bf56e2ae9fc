"""Stage 1: GitLab's split of the raw text, header detection and Psych's scalars."""

from __future__ import annotations

import pytest

from ci_catalog.loading import load_text
from ci_catalog.yamlread import psych_plain_scalar


def test_a_file_with_spec_and_a_second_document_has_a_header() -> None:
    loaded = load_text("spec:\n  inputs:\n    a:\n---\njob:\n  script: x\n", "c.yml")
    assert loaded.header == {"spec": {"inputs": {"a": None}}}
    assert loaded.content == {"job": {"script": "x"}}


def test_a_single_document_with_spec_is_content_not_a_header() -> None:
    loaded = load_text("spec:\n  inputs: {}\n", "c.yml")
    assert loaded.header is None
    assert loaded.content == {"spec": {"inputs": {}}}


def test_a_leading_divider_is_allowed() -> None:
    loaded = load_text("---\nspec:\n---\njob: {script: x}\n", "c.yml")
    assert loaded.has_header and loaded.content == {"job": {"script": "x"}}


def test_an_empty_body_leaves_one_document_so_no_header() -> None:
    loaded = load_text("spec:\n  inputs: {}\n---\n", "c.yml")
    assert loaded.header is None


def test_without_a_leading_divider_the_last_of_three_pieces_is_the_content() -> None:
    loaded = load_text("spec:\n---\na: 1\n---\nb: 2\n", "c.yml")
    assert loaded.content == {"b": 2}


def test_with_a_leading_divider_further_documents_stay_in_the_last_piece() -> None:
    loaded = load_text("---\nspec:\n---\na: 1\n---\nb: 2\n", "c.yml")
    assert loaded.content == {"a": 1}


def test_a_divider_at_the_very_end_without_whitespace_is_not_a_divider() -> None:
    loaded = load_text("spec:\n  inputs: {}\n---", "c.yml")
    assert loaded.ok and loaded.header is None
    assert loaded.content == {"spec": {"inputs": {}}}


def test_an_empty_file_is_an_empty_valid_document() -> None:
    loaded = load_text("", "c.yml")
    assert loaded.ok and loaded.content == {}


def test_every_document_must_be_a_mapping() -> None:
    loaded = load_text("spec:\n---\n- a\n", "c.yml")
    assert [p.message for p in loaded.problems] == ["Invalid configuration format"]


def test_positions_are_absolute_lines_in_the_file() -> None:
    loaded = load_text("spec:\n  inputs:\n    a:\n---\njob:\n  script: x\n", "c.yml")
    assert loaded.content_marks.find(("job", "script")) == (6, 3)
    assert loaded.header_marks.find(("spec", "inputs", "a")) == (3, 5)


def test_a_syntax_error_is_reported_in_psychs_words_at_its_line() -> None:
    loaded = load_text("spec:\n---\njob: [\n", "c.yml")
    (problem,) = loaded.problems
    assert problem.message.startswith("(<unknown>): did not find expected node content")
    assert problem.line == 4


def test_keys_become_strings_as_json_needs() -> None:
    loaded = load_text("1: a\ntrue: b\n~: c\n", "c.yml")
    assert loaded.content == {"1": "a", "true": "b", "": "c"}


def test_merge_keys_merge_like_psych() -> None:
    loaded = load_text(".base: &base {a: 1, b: 2}\njob:\n  <<: *base\n  b: 3\n", "c.yml")
    assert loaded.content["job"] == {"a": 1, "b": 3}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("tRuE", True),
        ("yes", True),
        ("On", True),
        ("false", False),
        ("no", False),
        ("OFF", False),
        ("y", "y"),
        ("n", "n"),
        ("~", None),
        ("null", None),
        ("Null", None),
        ("42", 42),
        ("1_000", 1000),
        ("1,000", 1000),
        ("0x1F", 31),
        ("017", 15),
        ("0b101", 5),
        ("1:30", 5400),
        ("1.5", 1.5),
        (".5", 0.5),
        ("1e3", "1e3"),
        ("+", "+"),
        (":sym", "sym"),
        (":'quoted sym'", "quoted sym"),
        ("truely", "truely"),
        ("hello world", "hello world"),
    ],
)
def test_plain_scalars_read_as_psych_reads_them(text: str, value: object) -> None:
    # Two-part base 60 is hours and minutes in Psych: `1:30` is 1 * 3600 + 30 * 60.
    # tests/test_psych_table.py checks hundreds more against Psych itself.
    assert psych_plain_scalar(text) == value and type(psych_plain_scalar(text)) is type(value)


@pytest.mark.parametrize(("text", "name"), [("2024-01-31", "Date"), ("2001-12-14 21:59:43.10 -5", "Time")])
def test_dates_and_times_are_refused_as_gitlabs_safe_load_refuses_them(text: str, name: str) -> None:
    loaded = load_text(f"job:\n  when: {text}\n", "c.yml")
    (problem,) = loaded.problems
    assert problem.message == f"Tried to load unspecified class: {name}"
    assert (problem.line, problem.column) == (2, 9)


def test_quoted_values_are_strings() -> None:
    loaded = load_text("a: '2024-01-31'\nb: \"true\"\nc: !!str 5\n", "c.yml")
    assert loaded.content == {"a": "2024-01-31", "b": "true", "c": "5"}


def test_reference_tags_are_kept_as_references() -> None:
    loaded = load_text("job:\n  script: !reference [.setup, script]\n", "c.yml")
    assert loaded.content["job"]["script"] == [".setup", "script"]
    assert type(loaded.content["job"]["script"]).__name__ == "Reference"


def test_a_file_over_two_mebibytes_is_refused_before_parsing() -> None:
    loaded = load_text("a: '" + "x" * (2 * 1024 * 1024) + "'\n", "c.yml")
    assert [p.message for p in loaded.problems] == ["The provided YAML is too big"]
