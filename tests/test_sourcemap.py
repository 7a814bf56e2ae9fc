"""The source map: each scalar's span as the YAML reader records it, and the place in the
file of any character of a value, as written or rendered."""

from __future__ import annotations

import pytest

from ci_catalog.loading import load_text
from ci_catalog.problems import Span
from ci_catalog.render import RenderOptions, render_loaded
from ci_catalog.sourcemap import scalar_source, source_lines, written_text


def place_of(text: str, path: tuple[object, ...], needle: str, nth: int = 0) -> tuple[int, int]:
    """Where the `nth` `needle` in the value at `path` of the body is written."""
    loaded = load_text(text, "c.yml")
    value = loaded.content
    for part in path:
        value = value[part]
    offset = -1
    for _ in range(nth + 1):
        offset = value.index(needle, offset + 1)
    span = loaded.content_marks.span(path)
    assert span is not None
    return scalar_source(value, span, source_lines(text)).locate(offset)


# --- spans ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("plain text", Span(1, 4, 1, 14, "plain")),
        ("'single'", Span(1, 4, 1, 12, "single")),
        ('"double"', Span(1, 4, 1, 12, "double")),
        ("|\n  one\n  two", Span(1, 4, 4, 1, "literal")),
        (">\n  one\n  two", Span(1, 4, 4, 1, "folded")),
        ("two\n  lines", Span(1, 4, 2, 8, "plain")),
        ("3.10", Span(1, 4, 1, 8, "plain")),
    ],
)
def test_each_scalar_value_has_its_span_and_style(value: str, span: Span) -> None:
    loaded = load_text(f"a: {value}\n", "c.yml")
    assert loaded.content_marks.span(("a",)) == span


def test_keys_have_spans_of_their_own() -> None:
    loaded = load_text('job:\n  "quoted key": 1\n', "c.yml")
    assert loaded.content_marks.span(("job", "quoted key"), key=True) == Span(2, 3, 2, 15, "double")
    assert loaded.content_marks.span(("job",), key=True) == Span(1, 1, 1, 4, "plain")


def test_sequence_items_and_collections() -> None:
    loaded = load_text("a:\n  - x\n  - [y, 'z']\n", "c.yml")
    marks = loaded.content_marks
    assert marks.span(("a", 0)) == Span(2, 5, 2, 6, "plain")
    assert marks.span(("a", 1, 1)) == Span(3, 9, 3, 12, "single")
    assert marks.span(("a",)) is None  # a collection has no span


def test_a_header_body_on_the_divider_line_is_placed_in_the_file() -> None:
    loaded = load_text("spec:\n  inputs: {}\n--- {a: x}\n", "c.yml")
    assert loaded.content_marks.span(("a",)) == Span(3, 9, 3, 10, "plain")


def test_spans_follow_the_renamed_paths_of_a_rendered_body() -> None:
    text = "spec:\n  inputs:\n    p:\n      default: app\n---\n$[[ inputs.p ]]-job:\n  script: echo hi\n"
    rendered = render_loaded(load_text(text, "c.yml"), RenderOptions())
    assert rendered.marks.span(("app-job", "script")) == Span(7, 11, 7, 18, "plain")
    assert rendered.marks.span(("app-job",), key=True) == Span(6, 1, 6, 20, "plain")


@pytest.mark.parametrize(
    ("text", "written"),
    [("a: 3.10\n", "3.10"), ("a: &v !!str 'x'  # note\n", "&v !!str 'x'"), ("a: two\n  lines\n", "two\n  lines")],
)
def test_a_scalar_is_read_back_as_written(text: str, written: str) -> None:
    span = load_text(text, "c.yml").content_marks.span(("a",))
    assert span is not None
    assert written_text(span, source_lines(text)) == written


# --- places of characters, as written ------------------------------------------------------


def test_a_plain_scalar_over_two_lines_places_text_on_the_second() -> None:
    assert place_of("a: docker build\n  --tag x\n", ("a",), "--tag") == (2, 3)


def test_each_line_of_a_literal_block_is_its_own_line() -> None:
    assert place_of("a: |\n  echo one\n    echo two\n", ("a",), "two") == (3, 10)


def test_a_folded_block_places_text_on_the_line_it_is_on() -> None:
    assert place_of("a: >\n  one\n  two three\n", ("a",), "three") == (3, 7)


def test_text_after_escapes_in_double_quotes_is_placed_exactly() -> None:
    assert place_of('a: "say \\"hi\\" to $USER"\n', ("a",), "$USER") == (1, 19)


def test_text_after_a_doubled_quote_in_single_quotes_is_placed_exactly() -> None:
    assert place_of("a: 'it''s $HOME'\n", ("a",), "$HOME") == (1, 11)


def test_an_anchor_or_tag_before_the_text_is_skipped() -> None:
    assert place_of("a: &x !!str text here\n", ("a",), "here") == (1, 18)


def test_a_repeated_needle_is_placed_at_its_own_occurrence() -> None:
    assert place_of("a: |\n  x=1\n  x=2\n", ("a",), "x", nth=1) == (3, 3)


def test_a_tab_counts_as_one_column() -> None:
    assert place_of("a: |\n  if x\n  \tx $Y\n", ("a",), "$Y") == (3, 6)


def test_text_before_any_written_run_is_placed_at_the_scalar() -> None:
    loaded = load_text("a: 'x'\n", "c.yml")
    span = loaded.content_marks.span(("a",))
    assert span is not None
    assert scalar_source("unrelated", span, source_lines("a: 'x'\n")).locate(3) == (1, 4)


# --- rendered values -------------------------------------------------------------------------


def test_text_after_an_input_in_a_rendered_value_keeps_its_column() -> None:
    text = "a: cp $[[ inputs.dir ]] $OUT\n"
    span = load_text(text, "c.yml").content_marks.span(("a",))
    assert span is not None
    source = scalar_source("cp build $OUT", span, source_lines(text), rendered=True)
    assert source.locate(9) == (1, 25)
    assert not source.written(3, 8)  # `build` came from the input
    assert source.written(9, 13)


def test_yaml_line_breaks_are_the_only_line_breaks() -> None:
    assert source_lines("a\x0cb\nc\r\nd\re") == ["a\x0cb", "c", "d", "e"]
