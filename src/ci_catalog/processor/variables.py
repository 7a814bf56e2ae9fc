"""`variables`: a mapping of names to scalars or to `{value, ...}` mappings.

Follows lib/gitlab/ci/config/entry/variables.rb and variable.rb (GitLab 17+): a value is
any scalar (string, number, boolean: the server accepts `true` and `1.5`), or a mapping
whose keys the place allows (`value`, `description`, `expand`, `options` at the top,
`value` and `expand` in a job, none elsewhere: `must be a string`).
"""

from __future__ import annotations

from typing import Any

from ci_catalog.processor.entry import Checks, Node, Unknown, strategies
from ci_catalog.processor.rubyish import blank, is_hash, is_integer, is_number, is_string

TOP_LEVEL_DATA = ("value", "description", "expand", "options")
JOB_DATA = ("value", "expand")


def is_scalar(value: Any) -> bool:
    """ScalarValidator: a string, a symbol, an integer, a float, true or false."""
    return is_string(value) or is_number(value) or isinstance(value, bool)


def is_alphanumeric(value: Any) -> bool:
    """AlphanumericValidator: a string, a symbol or an integer."""
    return is_string(value) or is_integer(value)


class _SimpleVariable(Node):
    def validate(self, v: Checks) -> None:
        if not is_scalar(self.config):
            v.add("config", "must be a scalar")


class _ComplexVariable(Node):
    def validate(self, v: Checks) -> None:
        value, description = self.attribute("value"), self.attribute("description")
        expand, options = self.attribute("expand"), self.attribute("options")
        if value is not None and not is_scalar(value):
            v.add("config_value", "must be a scalar")
        if description is not None and not is_alphanumeric(description):
            v.add("config_description", "must be an alphanumeric string")
        if expand is not None and not isinstance(expand, bool):
            v.add("config_expand", "should be a boolean value")
        if options is not None and not (isinstance(options, list) and all(is_string(item) for item in options)):
            v.add("config_options", "should be an array of strings")
        allowed = self.opt("allowed_value_data") or ()
        if allowed:
            extra = [key for key in self.config if key not in allowed]
            if extra:
                v.add("config", "uses invalid data keys: " + ", ".join(extra), self.path + (extra[0],))
        else:
            v.add("config", "must be a string")
        if not blank(options) and isinstance(options, list) and value not in options:
            v.add("config", "value must be present in options")


class _UnknownVariable(Unknown):
    text = "variable definition must be either a string or a hash"


Variable = strategies((is_scalar, _SimpleVariable), (is_hash, _ComplexVariable), unknown=_UnknownVariable)


class Variables(Node):
    """A mapping of variables; each is checked on its own."""

    label = "variables"

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")

    def build(self, deps: Any) -> None:
        allowed = self.opt("allowed_value_data")
        for name, value in self.config.items():
            self.add_entry(name, Variable, {} if value is None else value, allowed_value_data=allowed)
        self.compose_entries(deps)


class MatrixVariables(Node):
    """product/variables.rb: one `parallel:matrix` entry; values may be lists."""

    label = "variables"

    def validate(self, v: Checks) -> None:
        if not _array_value_variables(self.config):
            v.add("config", "should be a hash of key value pairs, value can be an array")
        if isinstance(self.config, (dict, list, str)) and len(self.config) < 1:
            v.add("config", "requires at least 1 items")


def _array_value_variables(value: Any) -> bool:
    if not is_hash(value):
        return False
    values = list(value.values())
    if not all(not blank(item) for item in values):
        return False
    flat: list[Any] = []
    for item in values:
        flat += item if isinstance(item, list) else [item]
    return all(is_alphanumeric(item) for item in flat)
