"""The Ruby and ActiveSupport behaviours GitLab's messages and checks depend on.

GitLab's configuration entries are ActiveModel records: a check passes or fails by Ruby's
idea of a type (`Integer` is not `true`), of `blank?`, and its message is built by
ActiveModel's `full_messages` (the attribute humanized) and then downcased whole by
`Gitlab::Config::Entry::Validator#messages` (lib/gitlab/config/entry/validator.rb).
"""

from __future__ import annotations

import re
from typing import Any

from ci_catalog.rubyfmt import ruby_inspect, ruby_to_s

# Ruby's [[:space:]], which `String#blank?` tests for.
_SPACE = re.compile(r"[\s\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*", re.UNICODE)
# Validator#messages puts back the underscores `humanize` took from a job name.
_JOB_NAME_SPACES = re.compile(r"jobs ([a-z\s]+) config should implement")

__all__ = [
    "blank",
    "full_message",
    "humanize",
    "inspect",
    "is_bool",
    "is_hash",
    "is_integer",
    "is_number",
    "is_string",
    "to_s",
]

inspect = ruby_inspect
to_s = ruby_to_s


def blank(value: Any) -> bool:
    """ActiveSupport `blank?`: nil, false, whitespace-only text, an empty list or hash."""
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return _SPACE.fullmatch(value) is not None
    if isinstance(value, (list, dict)):
        return not value
    return False


def is_string(value: Any) -> bool:
    """A Ruby String or Symbol (YAML `:name` symbols are read as text here)."""
    return isinstance(value, str)


def is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def is_hash(value: Any) -> bool:
    return isinstance(value, dict)


def humanize(attribute: str) -> str:
    """ActiveModel's `human_attribute_name`: the part after the last `.`, humanized."""
    text = attribute.rpartition(".")[2].replace("_", " ").lstrip()
    if attribute.endswith("_id"):
        text = text.removesuffix(" id")
    return text


def full_message(location: str, attribute: str, message: str) -> str:
    """`"#{location} #{full_message}".downcase`, as every entry validator reports."""
    text = message if attribute == "base" else f"{humanize(attribute)} {message}"
    line = f"{location} {text}".lower()
    return _JOB_NAME_SPACES.sub(lambda match: f"jobs {match.group(1).replace(' ', '_')} config should implement", line)
