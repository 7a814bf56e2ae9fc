"""The YAML events of a text, with libyaml's errors, whichever parser PyYAML has.

GitLab's Psych parses with libyaml, so its syntax errors are libyaml's. PyYAML offers
libyaml's parser when it was built with it (`yaml.__with_libyaml__`) and a pure-Python
port otherwise. The two give the same events for the same text, but the port words its
errors its own way; `pure_errors` puts them in libyaml's words and places, so that a
user sees GitLab's message whichever PyYAML they have.

The libyaml that PyYAML 6.0.4 bundles stops at 1,000 nested collections, a limit that
GitLab's libyaml does not have: a deeper document is read on with the pure-Python
parser from where libyaml stopped, so that GitLab's own depth limit (and any later
syntax error) decides, as on GitLab.

A tag whose `%XX` escapes spell bytes that are not UTF-8 (which libyaml keeps as they
are, and PyYAML's libyaml binding cannot decode) is read on the same way, the bytes
replaced by U+FFFD.

`CI_CATALOG_YAML_PARSER=pure` uses the pure-Python parser even where libyaml is there
(the tests run both).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import yaml

from ci_catalog import pure_errors, pure_loader

PARSER_VARIABLE = "CI_CATALOG_YAML_PARSER"


def libyaml_available() -> bool:
    return bool(getattr(yaml, "__with_libyaml__", False)) and hasattr(yaml, "CSafeLoader")


def uses_libyaml() -> bool:
    """Whether events come from libyaml (PyYAML built with it, and not told otherwise)."""
    return libyaml_available() and os.environ.get(PARSER_VARIABLE, "") != "pure"


def parse(text: str) -> Iterator[Any]:
    """PyYAML's events of `text`; a syntax error is raised in libyaml's words and places."""
    if not uses_libyaml():
        yield from _pure_events(text, skip=0)
        return
    count = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            count += 1
            yield event
    except yaml.MarkedYAMLError as error:
        if not _is_nesting_limit(error):
            raise
        yield from _pure_events(text, skip=count)
    except UnicodeDecodeError:
        # libyaml keeps the bytes a tag's `%XX` escapes spell, UTF-8 or not, and PyYAML's
        # binding then fails to decode them: the pure-Python parser reads on instead.
        yield from _pure_events(text, skip=count)


def compose_all(text: str) -> list[yaml.Node]:
    """PyYAML's node trees of every document of `text`, from the same parser as `parse`.

    Nodes carry the marks of the characters they were read from, which edits in place
    need; a syntax error is raised in libyaml's words and places.
    """
    if uses_libyaml():
        try:
            return list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
        except yaml.MarkedYAMLError as error:
            if not _is_nesting_limit(error):
                raise
    try:
        return list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except (yaml.MarkedYAMLError, yaml.reader.ReaderError) as error:
        raise pure_errors.as_libyaml(error, text) from None


def _pure_events(text: str, skip: int) -> Iterator[Any]:
    """The pure-Python parser's events after the first `skip`, errors in libyaml's words."""
    events = pure_loader.parse(text)
    try:
        for index, event in enumerate(events):
            if index >= skip:
                yield event
    except (yaml.MarkedYAMLError, yaml.reader.ReaderError) as error:
        raise pure_errors.as_libyaml(error, text) from None


def _is_nesting_limit(error: yaml.MarkedYAMLError) -> bool:
    # libyaml's own guard (yaml_parser_increase_flow_level / increase_indent), not Psych's.
    return "exceeded maximum nesting depth" in str(error.problem)
