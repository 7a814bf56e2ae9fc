"""PyYAML's pure-Python parser errors, put in libyaml's words and places.

The pure-Python scanner and parser port libyaml, but word many errors their own way
(`mapping values are not allowed here` where libyaml says `mapping values are not
allowed in this context`), and GitLab shows libyaml's. `pure_loader` already follows
libyaml wherever the two read a text differently and raises libyaml's own errors there;
the errors PyYAML's code still raises are mapped here, each to what libyaml raises at the
same place (libyaml 0.2.5, src/scanner.c and src/parser.c, function named on each row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml
from yaml.reader import ReaderError


@dataclass(frozen=True)
class Rewording:
    """PyYAML's problem (a pattern) in a context, and libyaml's words for it."""

    context: str | None
    problem: re.Pattern[str]
    libyaml: str


def _row(context: str | None, problem: str, libyaml: str) -> Rewording:
    return Rewording(context, re.compile(problem), libyaml)


REWORDINGS = (
    # yaml_parser_fetch_block_entry, yaml_parser_fetch_key, yaml_parser_fetch_value
    _row(None, "sequence entries are not allowed here", "block sequence entries are not allowed in this context"),
    _row(None, "mapping keys are not allowed here", "mapping keys are not allowed in this context"),
    _row(None, "mapping values are not allowed here", "mapping values are not allowed in this context"),
    # yaml_parser_scan_anchor
    _row(
        "while scanning an anchor",
        "expected alphabetic or numeric character, but found ",
        "did not find expected alphabetic or numeric character",
    ),
    _row(
        "while scanning an alias",
        "expected alphabetic or numeric character, but found ",
        "did not find expected alphabetic or numeric character",
    ),
    # yaml_parser_scan_flow_scalar
    _row(
        "while scanning a quoted scalar", "found unexpected document separator", "found unexpected document indicator"
    ),
    # yaml_parser_parse_document_start
    _row(None, "expected '<document start>', but found ", "did not find expected <document start>"),
    # yaml_parser_parse_block_sequence_entry, yaml_parser_parse_block_mapping_key
    _row("while parsing a block collection", "expected <block end>, but found ", "did not find expected '-' indicator"),
    _row("while parsing a block mapping", "expected <block end>, but found ", "did not find expected key"),
    # yaml_parser_parse_flow_sequence_entry (pure_loader raises the flow mapping's own,
    # and yaml_parser_parse_node's)
    _row("while parsing a flow sequence", "expected ',' or ']', but got ", "did not find expected ',' or ']'"),
)

# yaml_parser_update_buffer, in PyYAML's libyaml binding: the offset counts UTF-8 bytes.
CONTROL_CHARACTERS = "control characters are not allowed"


def as_libyaml(error: yaml.MarkedYAMLError | ReaderError, text: str) -> yaml.YAMLError:
    """The error libyaml would raise for the same text."""
    if isinstance(error, ReaderError):
        return _reader_error(error, text)
    for rewording in REWORDINGS:
        if error.context == rewording.context and error.problem and rewording.problem.match(error.problem):
            return type(error)(error.context, error.context_mark, rewording.libyaml, error.problem_mark)
    return error


def _reader_error(error: ReaderError, text: str) -> ReaderError:
    offset = len(text[: error.position].encode("utf-8"))
    return ReaderError(error.name, offset, error.character, "?", CONTROL_CHARACTERS)
