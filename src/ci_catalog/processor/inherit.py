"""`inherit`: inherit.rb, inherit/default.rb, inherit/variables.rb."""

from __future__ import annotations

from typing import Any, ClassVar

from ci_catalog.processor.entry import Checks, Node, Unknown, strategies
from ci_catalog.processor.keywords import DEFAULT_KEYWORDS, Boolean


class _InheritBoolean(Boolean):
    pass


class _InheritDefaultList(Node):
    """inherit/default.rb ArrayStrategy: the names of `default:` keywords."""

    ALLOWED: ClassVar[tuple[str, ...]] = DEFAULT_KEYWORDS

    def validate(self, v: Checks) -> None:
        v.type("config", "Array")
        if v.array_of_strings("config"):
            v.allowed_array_values("config", self.ALLOWED)


class _InheritVariablesList(Node):
    def validate(self, v: Checks) -> None:
        v.type("config", "Array")
        v.array_of_strings("config")


class _InheritUnknown(Unknown):
    text = "{location} should be a bool or array of strings"


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_list(value: Any) -> bool:
    return isinstance(value, list)


class Inherit(Node):
    """inherit.rb, inherit/default.rb, inherit/variables.rb."""

    label = "inherit"
    nodes = (
        (
            "default",
            strategies((_is_bool, _InheritBoolean), (_is_list, _InheritDefaultList), unknown=_InheritUnknown),
            {},
        ),
        (
            "variables",
            strategies((_is_bool, _InheritBoolean), (_is_list, _InheritVariablesList), unknown=_InheritUnknown),
            {},
        ),
    )

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(("default", "variables"))
