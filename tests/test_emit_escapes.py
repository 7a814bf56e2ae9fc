"""`render --format json` escapes exactly the characters a YAML reader cannot take raw.

JSON output is read back as YAML by GitLab and by users' tools: a character outside
YAML's printable set, or a line break other than `\\n` (NEL, LS, PS, which YAML folds
into a space), must be written as a `\\u` escape; every other character stays as it is.
"""

from __future__ import annotations

import json

import pytest

from ci_catalog.emit import to_json

# The edges of each range of YAML 1.1's printable set (`c-printable`), and the breaks it folds.
ESCAPED = list("\x00\x08\x0b\x0c\x0e\x1f\x7f\x85\x9f\u2028\u2029\ufffe\uffff")
RAW = list(" ~\xa0\u2027\u202a\ud7ff\ue000\ufffd\U00010000\U0010ffffé→")


@pytest.mark.parametrize("char", ESCAPED, ids=lambda char: f"U+{ord(char):04X}")
def test_a_character_yaml_cannot_hold_raw_is_written_as_an_escape(char: str) -> None:
    printed = to_json({"script": f"a{char}b"})
    assert char not in printed
    assert json.loads(printed) == {"script": f"a{char}b"}


@pytest.mark.parametrize("char", RAW, ids=lambda char: f"U+{ord(char):04X}")
def test_a_printable_character_is_written_as_it_is(char: str) -> None:
    printed = to_json({"script": f"a{char}b"})
    assert f"a{char}b" in printed
    assert json.loads(printed) == {"script": f"a{char}b"}


def test_a_lone_surrogate_is_written_as_an_escape() -> None:
    printed = to_json({"script": "a\ud800b"})
    assert "\\ud800" in printed
    printed.encode("utf-8")  # nothing left that would not even encode
