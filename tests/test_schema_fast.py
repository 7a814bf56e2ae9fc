"""The fast schema check: jsonschema-rs decides only where it reads the schema as jsonschema does.

GitLab's schema has regular expressions, which jsonschema-rs reads as ECMA-262 and
Python's jsonschema with `re`: `ci_catalog.schema` rewrites `.` and `$` for jsonschema-rs,
and hands it only documents of printable ASCII. These tests hold both halves of that.
"""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
from typing import Any

import jsonschema_rs
import pytest

from ci_catalog.bigint import BigInteger
from ci_catalog.schema import (
    fast_validator,
    fast_verdict,
    gitlab_ci_schema,
    gitlab_ci_validator,
    is_valid,
    python_pattern,
    schema_errors,
)
from ci_catalog.yamlread import Reference


def schema_patterns(node: Any) -> set[str]:
    """Every `pattern` and `patternProperties` key in a schema."""
    if isinstance(node, list):
        return set().union(*map(schema_patterns, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
    found |= set(node.get("patternProperties", {}))
    return found.union(*map(schema_patterns, node.values()))


def plain_strings() -> list[str]:
    """Printable ASCII with tabs and line breaks: every short string of the characters the
    patterns treat specially, and random longer ones."""
    special = "a/.$ \n\r\t:-_9"
    strings = ["".join(chars) for size in range(4) for chars in itertools.product(special, repeat=size)]
    alphabet = [chr(code) for code in range(0x20, 0x7F)] + ["\t", "\n", "\r", "\x0b", "\x0c"]
    rng = random.Random(7)
    strings += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16))) for _ in range(5000)]
    neutral = list(NEUTRAL_SAMPLE)
    strings += ["".join(rng.choice(alphabet + neutral) for _ in range(rng.randint(1, 16))) for _ in range(5000)]
    strings += [f"a{char}b" for char in neutral] + [char for char in neutral]
    return strings + [
        "https://example.com/a.yml\n",
        "2020-01-01T00:00:00Z\n",
        "abc\r\n",
        "$VAR\n",
        "sha256-" + "a" * 43 + "=\n",
    ]


# Punctuation and symbols of the BMP, which jsonschema-rs decides for too: a few common ones,
# and a random sample of all of them.
NEUTRAL_SAMPLE = sorted(
    set(
        "\u2026\u2014\u2013\u2018\u2019\u201c\u201d\u00ab\u00bb\u2022\u00b7\u20ac\u00a3\u00a9\u00ae\u2122\u00b0\u00a7\u00b6\u2020\u2021\u2032\u2033\u2190\u2192\u21d2\u2200\u2264\u2265\u2605\u2713"
    )  # an ellipsis, dashes, quotes, bullets, currency, marks, arrows, maths, stars
    | set(
        random.Random(11).sample(
            [
                chr(code)
                for code in range(0x80, 0x10000)
                if not 0xD800 <= code < 0xE000 and unicodedata.category(chr(code))[0] in "PS"
            ],
            400,
        )
    )
)

PATTERNS = sorted(schema_patterns(gitlab_ci_schema())) + ["[]a.]$", "[^]a]+$"]


def test_jsonschema_rs_is_installed_so_the_fast_path_is_taken() -> None:
    assert fast_validator() is not None
    assert fast_verdict({"job": {"script": ["make"]}}) is True


@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_schema_pattern_rewritten_matches_what_pythons_re_matches(pattern: str) -> None:
    validator = jsonschema_rs.Draft7Validator({"type": "string", "pattern": python_pattern(pattern)})
    differ = [text for text in plain_strings() if validator.is_valid(text) != (re.search(pattern, text) is not None)]
    assert differ == []


def test_the_patterns_left_as_they_are_would_differ() -> None:
    """Why the rewrite: ECMA's `$` does not match before a final line feed, Python's does."""
    validator = jsonschema_rs.Draft7Validator({"type": "string", "pattern": "^[a-z]+$"})
    assert not validator.is_valid("abc\n") and re.search("^[a-z]+$", "abc\n")


@pytest.mark.parametrize(
    "text",
    ["\x1c/\x1c", "é/é", "group/\u00a0", "a\x00/b", "\ufeff/x"],
    ids=["file-separator", "non-ascii", "no-break-space", "nul", "byte-order-mark"],
)
def test_a_document_with_other_characters_is_left_to_jsonschema(text: str) -> None:
    """Python's `\\s` takes \\x1c, ECMA's does not: such a project path is Python's to judge."""
    document = {"include": [{"project": text, "file": "a.yml"}]}
    assert fast_verdict(document) is None
    assert is_valid(document) == gitlab_ci_validator().is_valid(document)


def test_a_document_with_punctuation_and_symbols_is_decided_by_jsonschema_rs_as_by_jsonschema() -> None:
    texts = [f"group/{char}" for char in NEUTRAL_SAMPLE] + ["a\u2026b", "x \u2014 y", "\u2192", "job\u2026"]
    documents = [{"include": [{"project": text, "file": "a.yml"}]} for text in texts]
    documents += [{text: {"script": ["make"], "stage": text}} for text in texts]
    verdicts = [(fast_verdict(document), gitlab_ci_validator().is_valid(document)) for document in documents]
    assert all(fast is not None for fast, _ in verdicts)
    assert [document for document, (fast, slow) in zip(documents, verdicts, strict=True) if fast != slow] == []


@pytest.mark.parametrize(
    "value",
    [b"bytes", BigInteger(2**20000), 2**64, float("nan"), float("inf")],
    ids=["binary", "big-integer", "past-64-bits", "nan", "infinity"],
)
def test_a_value_jsonschema_rs_cannot_take_is_left_to_jsonschema(value: object) -> None:
    document = {"job": {"script": ["make"], "variables": {"V": value}}}
    assert fast_verdict(document) is None
    assert is_valid(document) == gitlab_ci_validator().is_valid(document)


def test_a_reference_tag_is_a_list_to_both() -> None:
    document = {".a": {"script": ["make"]}, "job": {"script": Reference([".a", "script"])}}
    assert fast_verdict(document) is True


def test_an_invalid_document_gets_jsonschemas_errors() -> None:
    document = {"job": {"script": 42}}
    assert fast_verdict(document) is False
    [error] = schema_errors(document)
    assert list(error.absolute_path) == ["job", "script"] and "42" in error.message


@pytest.mark.parametrize(
    ("coverage", "valid"), [("/(?P<x>a)/", True), ("/(/", False)], ids=["python-group", "unclosed"]
)
def test_the_regex_format_is_checked_with_pythons_re_by_both(coverage: str, valid: bool) -> None:
    """`(?P<name>...)` is a regex to Python, not to ECMA-262; an unclosed `(` is one to neither."""
    document = {"job": {"script": ["x"], "coverage": coverage}}
    assert (fast_verdict(document), gitlab_ci_validator().is_valid(document)) == (valid, valid)
