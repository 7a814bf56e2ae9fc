"""Both YAML parsers read every text alike: libyaml's, and PyYAML's pure-Python one.

GitLab reads CI files with libyaml (0.2.5, through Ruby's Psych). Where PyYAML has no
libyaml the harness reads with PyYAML's pure-Python parser, made to follow libyaml by
ci_catalog.pure_loader and to word its errors as libyaml does by ci_catalog.pure_errors.
Each text here is read both ways (`CI_CATALOG_YAML_PARSER=pure` picks the second), and
the pure path must give what libyaml gives: for a broken text the same message, line and
column, for a valid one the same data and the same places, through
yamlread.read_document and loading.load_text alike, and the same events.

The texts: one for each error libyaml raises (src/scanner.c, src/parser.c,
src/reader.c), the texts PyYAML's own port reads differently from libyaml, control
characters past libyaml's first 16 KiB, nesting past the 1,000 levels where PyYAML
6.0.4's libyaml stops, and texts hypothesis makes: the catalog's templates with
characters deleted, inserted or replaced, and strings of YAML's indicators.

Not claimed:
- In a text over 16 KiB holding a control character, libyaml meets the character when
  it first reads ahead into the 16 KiB block that holds it, reading ahead a character
  or two at every step; the pure path refuses the block at the same boundary, looking as
  far ahead before each token, plain scalar line and quoted scalar, but not at every
  step. So the number of events before the error can differ (the error cannot), and a
  syntax error within two characters of that block's start could come out instead of
  the control character, or the other way round. Events are compared only for texts
  under 16 KiB.
- Where the libyaml PyYAML carries is not 0.2.5 (PyYAML 6.0.4 bundles 0.2.6), the pure
  path still follows 0.2.5, GitLab's: 0.2.6 reads `[? ]` (an explicit key with nothing
  before the `]`), which 0.2.5 refuses; such texts are left out of the comparison there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ci_catalog import pure_loader, yamlevents
from ci_catalog.loading import MAX_YAML_SIZE_BYTES, load_text
from ci_catalog.yamlread import YamlError, read_document

pytestmark = pytest.mark.skipif(
    not yamlevents.libyaml_available(), reason="PyYAML was built without libyaml: there is nothing to compare with"
)

ROOT = Path(__file__).resolve().parent.parent
GITLABS_LIBYAML = "0.2.5"
LIBYAML_VERSION = yaml._yaml.get_version_string() if yamlevents.libyaml_available() else ""
# libyaml 0.2.6 reads an explicit key closed by `]` in a flow sequence; 0.2.5 refuses it.
EXPLICIT_KEY_CLOSED = re.compile(r"\?[\s\ufeff]*\]")
CHUNK = 16384  # libyaml decodes its input 16 KiB at a time

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@contextmanager
def yaml_parser(name: str) -> Iterator[None]:
    """Read with `name` ("libyaml" or "pure") inside the block (no fixture: hypothesis
    runs many examples in one test)."""
    saved = os.environ.get(yamlevents.PARSER_VARIABLE)
    os.environ[yamlevents.PARSER_VARIABLE] = name
    try:
        yield
    finally:
        if saved is None:
            del os.environ[yamlevents.PARSER_VARIABLE]
        else:
            os.environ[yamlevents.PARSER_VARIABLE] = saved


def read(text: str, parser: str) -> tuple[tuple[Any, ...], str]:
    """What yamlread.read_document gives (an error's message, line and column, or the
    data and its places), and what loading.load_text gives."""
    with yaml_parser(parser):
        try:
            document = read_document(text, MAX_YAML_SIZE_BYTES)
            # repr: a `.nan` is not equal to itself
            read_result: tuple[Any, ...] = ("empty",) if document is None else (repr(document.data), document.marks)
        except YamlError as error:
            read_result = (error.message, error.line, error.column)
        loaded = load_text(text, "ci.yml")
    problems = [(problem.message, problem.line, problem.column) for problem in loaded.problems]
    load_result = repr((problems, loaded.header, loaded.header_marks, loaded.content, loaded.content_marks))
    return read_result, load_result


def error_message(read_result: tuple[Any, ...]) -> str:
    message = read_result[0]
    assert message.startswith("(<unknown>): "), f"not a syntax error: {read_result}"
    return message.removeprefix("(<unknown>): ")


def events(text: str, parser: str) -> list[Any]:
    """Every event yamlevents gives (kind, value, anchor, tag, style, start and end), then the error."""
    seen: list[Any] = []
    with yaml_parser(parser):
        try:
            for event in yamlevents.parse(text):
                seen.append(
                    (
                        type(event).__name__,
                        getattr(event, "value", None),
                        getattr(event, "anchor", None),
                        getattr(event, "tag", None),
                        getattr(event, "style", None) or None,
                        (event.start_mark.line, event.start_mark.column),
                        (event.end_mark.line, event.end_mark.column),
                    )
                )
        except yaml.reader.ReaderError as error:
            seen.append((error.name, error.position, error.character, error.encoding, error.reason))
        except yaml.MarkedYAMLError as error:
            seen.append((type(error).__name__, error.context, place(error.context_mark), error.problem))
            seen.append(place(error.problem_mark))
    return seen


def place(mark: Any) -> tuple[int, int] | None:
    return None if mark is None else (mark.line, mark.column)


def compared(text: str) -> bool:
    """Whether this libyaml reads `text` as GitLab's does (see the module's docstring)."""
    return LIBYAML_VERSION == GITLABS_LIBYAML or not EXPLICIT_KEY_CLOSED.search(text)


def assert_read_alike(text: str) -> tuple[tuple[Any, ...], str]:
    libyaml = read(text, "libyaml")
    assert read(text, "pure") == libyaml
    if len(text.encode("utf-8")) <= CHUNK:
        assert events(text, "pure") == events(text, "libyaml")
    return libyaml


# --- every error libyaml raises ----------------------------------------------------------------

# One text for each error site of libyaml 0.2.5, with libyaml's words for it.
ERRORS = {
    # scanner.c: yaml_parser_fetch_next_token, yaml_parser_stale_simple_keys, *_remove_simple_key
    "cannot-start-a-token": ("job: @b\n", "found character that cannot start any token"),
    "simple-key-runs-past-its-line": ("a: 1\nb\nc: 2\n", "could not find expected ':'"),
    "simple-key-open-at-the-end": ("a: 1\nb", "could not find expected ':'"),
    "simple-key-open-outside-a-flow-at-the-end": ("a:\n{", "could not find expected ':'"),
    # yaml_parser_fetch_block_entry, yaml_parser_fetch_key, yaml_parser_fetch_value
    "block-entry-in-a-value": ("a: - b\n", "block sequence entries are not allowed in this context"),
    "explicit-key-after-a-flow": ("[a] ? b\n", "mapping keys are not allowed in this context"),
    "mapping-value-in-a-value": ("a: b: c\n", "mapping values are not allowed in this context"),
    "simple-key-longer-than-1024": ("a" * 1025 + ": b\n", "mapping values are not allowed in this context"),
    # yaml_parser_scan_directive and its parts
    "unknown-directive": ("%FOO bar\n--- a\n", "found unknown directive name"),
    "directive-trailing-text": ("%YAML 1.1 x\n--- a\n", "did not find expected comment or line break"),
    "directive-without-a-name": ("% x\n--- a\n", "could not find expected directive name"),
    "directive-name-with-punctuation": ("%YAML@ 1.1\n--- a\n", "found unexpected non-alphabetical character"),
    "version-without-a-dot": ("%YAML 1x1\n--- a\n", "did not find expected digit or '.' character"),
    "version-of-ten-digits": ("%YAML 1.1234567890\n--- a\n", "found extremely long version number"),
    "version-missing": ("%YAML x\n--- a\n", "did not find expected version number"),
    "tag-directive-without-a-blank": ("%TAG !a!x y\n--- a\n", "did not find expected whitespace"),
    "tag-directive-prefix-then-text": ("%TAG !a! x{y\n--- a\n", "did not find expected whitespace or line break"),
    "tag-directive-handle-without-a-bang": ("%TAG x y\n--- a\n", "did not find expected '!'"),
    "tag-directive-handle-unclosed": ("%TAG !a y\n--- a\n", "did not find expected '!'"),
    "tag-directive-without-a-prefix": ("%TAG !a! #\n--- a\n", "did not find expected tag URI"),
    # yaml_parser_scan_anchor
    "anchor-without-a-name": ("a: &\n", "did not find expected alphabetic or numeric character"),
    "alias-without-a-name": ("a: *\n", "did not find expected alphabetic or numeric character"),
    "anchor-name-then-punctuation": ("a: &x. b\n", "did not find expected alphabetic or numeric character"),
    # yaml_parser_scan_tag, *_tag_handle, *_tag_uri, *_uri_escapes
    "verbatim-tag-unclosed": ("a: !<x y\n", "did not find the expected '>'"),
    "tag-then-text": ("a: !x{ b\n", "did not find expected whitespace or line break"),
    "tag-without-a-suffix": ("a: !! b\n", "did not find expected tag URI"),
    "tag-escape-not-hex": ("a: !x%zz b\n", "did not find URI escaped octet"),
    "tag-escape-bad-leading-octet": ("a: !x%80 b\n", "found an incorrect leading UTF-8 octet"),
    "tag-escape-bad-trailing-octet": ("a: !x%C3%41 b\n", "found an incorrect trailing UTF-8 octet"),
    "tag-directive-prefix-escape-not-hex": ("%TAG !a! x%g\n--- a\n", "did not find URI escaped octet"),
    # yaml_parser_scan_block_scalar, *_block_scalar_breaks
    "block-scalar-indentation-zero": ("a: |0\n  b\n", "found an indentation indicator equal to 0"),
    "block-scalar-chomping-then-indentation-zero": ("a: >-0\n  b\n", "found an indentation indicator equal to 0"),
    "block-scalar-header-then-text": ("a: |x\n  b\n", "did not find expected comment or line break"),
    "block-scalar-tab-as-indentation": ("a: |\n\tb\n", "found a tab character where an indentation space is expected"),
    "block-scalar-tab-left-of-its-indentation": (
        "a: |\n  b\n \tc\n",
        "found a tab character where an indentation space is expected",
    ),
    # yaml_parser_scan_flow_scalar
    "quoted-document-indicator": ("a: 'b\n---\n'\n", "found unexpected document indicator"),
    "quoted-end-of-stream": ("a: 'b\n", "found unexpected end of stream"),
    "unknown-escape": ('a: "\\q"\n', "found unknown escape character"),
    "escape-not-hex": ('a: "\\x4g"\n', "did not find expected hexdecimal number"),
    "escape-of-a-surrogate": ('a: "\\uD800"\n', "found invalid Unicode character escape code"),
    "escape-past-unicode": ('a: "\\U00110000"\n', "found invalid Unicode character escape code"),
    # yaml_parser_scan_plain_scalar
    "plain-colon-before-comma-in-a-flow": ("a: [b:, c]\n", "found unexpected ':'"),
    "plain-tab-left-of-indentation": ("- a\n\t- b\n", "found a tab character that violates indentation"),
    # parser.c: yaml_parser_parse_document_start, yaml_parser_parse_node
    "no-document-start-after-a-directive": ("%YAML 1.1\na: b\n", "did not find expected <document start>"),
    "undefined-tag-handle": ("a: !x!y b\n", "found undefined tag handle"),
    "block-node-missing": ("a: ]\n", "did not find expected node content"),
    "flow-node-missing": ("a: [b, ?\n", "did not find expected node content"),
    # yaml_parser_parse_block_sequence_entry, yaml_parser_parse_block_mapping_key
    "block-sequence-then-a-key": ("- a\nb: c\n", "did not find expected '-' indicator"),
    "block-mapping-then-an-entry": ("a: 1\n- b\n", "did not find expected key"),
    # yaml_parser_parse_flow_sequence_entry, yaml_parser_parse_flow_mapping_key
    "flow-sequence-unclosed": ("a: [1, 2\n", "did not find expected ',' or ']'"),
    "flow-mapping-unclosed": ("a: {b: 1, c\n", "did not find expected ',' or '}'"),
    # yaml_parser_process_directives
    "duplicate-yaml-directive": ("%YAML 1.1\n%YAML 1.1\n--- a\n", "found duplicate %YAML directive"),
    "yaml-1-3": ("%YAML 1.3\n--- a\n", "found incompatible YAML document"),
    "yaml-2-0": ("%YAML 2.0\n--- a\n", "found incompatible YAML document"),
    "duplicate-tag-directive": ("%TAG !a! x\n%TAG !a! y\n--- a\n", "found duplicate %TAG directive"),
    # reader.c: yaml_parser_update_buffer
    "control-character": ("a: b\x07\n", "control characters are not allowed"),
    "nul": ("a: \x00\n", "control characters are not allowed"),
}


@pytest.mark.parametrize(("text", "problem"), ERRORS.values(), ids=ERRORS.keys())
def test_each_error_libyaml_raises_comes_out_alike_from_both_parsers(text: str, problem: str) -> None:
    read_result, _ = assert_read_alike(text)
    assert error_message(read_result).startswith(f"{problem} ")


@pytest.mark.skipif(LIBYAML_VERSION != GITLABS_LIBYAML, reason=f"libyaml {LIBYAML_VERSION} reads it, GitLab's does not")
def test_an_explicit_key_closed_by_a_bracket_is_refused_as_gitlabs_libyaml_refuses_it() -> None:
    read_result, _ = assert_read_alike("a: [? ]\n")
    message = "(<unknown>): did not find expected ',' or ']' while parsing a flow sequence at line 1 column 4"
    assert read_result == (message, 2, 1)


# --- what PyYAML's own port reads differently --------------------------------------------------

# Texts libyaml reads that PyYAML's pure-Python parser refuses or reads otherwise.
DEPARTURES = {
    "tab-between-flow-items": "a: [1,\t2]\n",
    "tab-after-a-value-indicator": "a:\tb\n",
    "tab-inside-a-plain-scalar": "a: b\tc\n",
    "tab-after-the-indentation-of-a-continued-scalar": "a\n  \tb\n",
    "question-mark-inside-a-flow-plain-scalar": "a: [b?c, d]\n",
    "comma-right-after-a-tag-in-a-flow": "a: [!x, b]\n",
    "local-tag-with-a-bang-inside": "a: !x/y!z b\n",
    "block-scalar-header-comment-without-a-blank": "a: |#c\n  b\n",
    "block-scalar-header-tab": "a: |\t# c\n  b\n",
    "empty-value-in-a-flow-mapping": "a: {b: , c: d}\n",
    "empty-value-in-a-flow-sequence-pair": "a: [b: , c]\n",
    "empty-explicit-key-in-a-flow-mapping": "a: {? : b}\n",
    "byte-order-mark-inside-a-line": "a: {b: '\ufeff', c: d}\n",
    "byte-order-mark-starting-a-line": "a:\n\ufeff  b: c\n",
    "stream-end-without-a-line-break": "a: [b,\n  c]",
    "yaml-1-2-directive": "%YAML 1.2\n---\na: b\n",
    "tag-directive": "%TAG !e! tag:example.com,2000:\n---\na: !e!x b\n",
    "verbatim-tag": "a: !<tag:yaml.org,2002:str> 1\n",
    "percent-escaped-tag": "a: !x%C3%A9 b\n",
    "crlf-line-breaks": "a:\r\n  - b\r\n  - c: d\r\n",
    "unicode-line-breaks": "a:\u2028  - b\x85  - c\n",
}


@pytest.mark.parametrize("text", DEPARTURES.values(), ids=DEPARTURES.keys())
def test_a_text_libyaml_reads_is_read_alike_with_the_same_places(text: str) -> None:
    read_result, _ = assert_read_alike(text)
    assert len(read_result) == 2, read_result  # data and places, not an error


def test_a_tag_escaping_bytes_that_are_not_utf8_is_read_on_by_both_parsers() -> None:
    """PyYAML's libyaml binding cannot decode such a tag; GitLab ignores the unknown tag."""
    read_result, _ = assert_read_alike("job:\n  script: !%C0%80 echo\n")
    assert read_result[0] == "{'job': {'script': 'echo'}}"


# --- control characters past the first 16 KiB --------------------------------------------------

FILLER = "# " + "x" * 20_000 + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: b: c\n" + FILLER + "z: \x07\n", "mapping values are not allowed in this context at line 1 column 5"),
        (
            FILLER + "z: \x07\n" + "a: b: c\n",
            "control characters are not allowed at line 2 column 4 (character U+0007)",
        ),
        ("a: b: c\nz: \x07\n" + FILLER, "control characters are not allowed at line 2 column 4 (character U+0007)"),
        (
            "a: [" + "1," * 8190 + "\x07]\n",
            "control characters are not allowed at line 1 column 16385 (character U+0007)",
        ),
        (
            "a: '" + "é" * 8190 + "\x07'\n",
            "control characters are not allowed at line 1 column 8195 (character U+0007)",
        ),
    ],
    ids=[
        "syntax-error-in-an-earlier-block",
        "syntax-error-later",
        "same-block",
        "at-a-block-boundary",
        "after-two-byte-characters",
    ],
)
def test_a_control_character_is_met_where_libyaml_decodes_its_16_kib_block(text: str, message: str) -> None:
    read_result, _ = assert_read_alike(text)
    assert error_message(read_result) == message


# --- nesting past PyYAML 6.0.4's libyaml limit ---------------------------------------------------


class NestingLimitedLoader(yaml.CSafeLoader):
    """libyaml as PyYAML 6.0.4 bundles it: a collection 1,001 levels deep is refused."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def get_event(self) -> Any:
        event = super().get_event()
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self.depth += 1
            if self.depth > 1000:
                mark: Any = event.start_mark
                raise yaml.scanner.ScannerError(
                    "while increasing flow level", mark, "exceeded maximum nesting depth", mark
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.depth -= 1
        return event


DEEP = {
    "flow-then-a-syntax-error": (
        "a: " + "[" * 10_000 + "]" * 10_000 + "\nb: c: d\n",
        ("(<unknown>): mapping values are not allowed in this context at line 2 column 5", 2, 5),
    ),
    "block-then-a-syntax-error": (
        "- " * 10_000 + "x\n@\n",
        (
            "(<unknown>): found character that cannot start any token while scanning for the next token"
            " at line 2 column 1",
            2,
            1,
        ),
    ),
    "flow-mappings": ("a: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", ("The parsed YAML is too big", 1, 400)),
}


@pytest.mark.parametrize("limited", [False, True], ids=["this-libyaml", "libyaml-stopping-at-1000-levels"])
@pytest.mark.parametrize(("text", "expected"), DEEP.values(), ids=DEEP.keys())
def test_nesting_ten_thousand_deep_reads_alike_past_libyamls_own_limit(
    text: str, expected: tuple[Any, ...], limited: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """yamlevents reads on with the pure parser where libyaml stops; the result is GitLab's."""
    if limited:
        monkeypatch.setattr(yaml, "CSafeLoader", NestingLimitedLoader)
    read_on = []
    pure_parse = pure_loader.parse

    def parse(text: str) -> Iterator[Any]:
        if yamlevents.uses_libyaml():
            read_on.append(text)
        return pure_parse(text)

    monkeypatch.setattr(pure_loader, "parse", parse)
    read_result, _ = assert_read_alike(text)
    assert read_result == expected
    assert read_on or not limited, "libyaml stopped, and the pure parser did not read on"


# --- generated texts ------------------------------------------------------------------------------


def template_windows() -> list[str]:
    """Forty-line windows of the catalog's templates: real CI YAML, short enough to read fast."""
    windows: list[str] = []
    for path in sorted((ROOT / "templates").glob("*/template.yml")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        windows.extend("".join(lines[start : start + 40]) for start in range(0, len(lines), 30))
    return windows


WINDOWS = template_windows()
# The characters YAML gives meaning to, and the blanks and breaks around them.
SIGNIFICANT = list(":[]{}-?,'\"!&*|>#%@`\\.\t\n \r") + ["\ufeff", "\x85", "0", "a"]
EDIT = st.tuples(st.sampled_from(["delete", "insert", "replace"]), st.integers(0, 10**6), st.sampled_from(SIGNIFICANT))


def edited(text: str, edits: list[tuple[str, int, str]]) -> str:
    for kind, position, character in edits:
        at = position % (len(text) + 1)
        if kind == "delete":
            text = text[:at] + text[at + 1 :]
        elif kind == "insert":
            text = text[:at] + character + text[at:]
        else:
            text = text[:at] + character + text[at + 1 :]
    return text


@PROPERTY
@given(st.sampled_from(WINDOWS), st.lists(EDIT, min_size=1, max_size=3))
def test_a_template_with_characters_deleted_inserted_or_replaced_reads_alike(
    window: str, edits: list[tuple[str, int, str]]
) -> None:
    text = edited(window, edits)
    assume(compared(text))
    assert_read_alike(text)


# Pieces of YAML: indicators, blanks, breaks, directives, escapes, a control character.
PIECES = [*SIGNIFICANT, "\u2028", "b", "1", "x", "é", "  ", "\n  ", "\n- ", ": ", "? ", "---", "...", "!<", "!!"]
PIECES += ["%YAML 1.1\n", "%TAG ! !x\n", "%41", "\\x4", "\\u12", "A_-", "+", "2", "\x07"]


@PROPERTY
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=24).map("".join))
def test_a_string_of_yaml_pieces_reads_alike(text: str) -> None:
    assume(compared(text))
    assert_read_alike(text)


def test_the_generated_texts_hold_both_errors_and_documents() -> None:
    """The windows are real CI YAML (each reads without error), so the edits make both kinds."""
    documents = [len(read(window, "libyaml")[0]) == 2 for window in WINDOWS]
    assert len(WINDOWS) >= 20
    assert sum(documents) >= len(WINDOWS) // 2
