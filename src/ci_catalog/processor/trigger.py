"""`trigger`: trigger.rb and trigger/forward.rb (with `inputs` and the `mirror` strategy
the JSON schema lists)."""

from __future__ import annotations

from typing import Any

from ci_catalog.processor.entry import Checks, Node, Unknown, always, strategies
from ci_catalog.processor.includes import Includes
from ci_catalog.processor.rubyish import is_hash, is_string


class Forward(Node):
    """trigger/forward.rb."""

    label = "forward"

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(("yaml_variables", "pipeline_variables"))
        for key in ("yaml_variables", "pipeline_variables"):
            if self.attribute(key) is not None:
                v.boolean(key)


class _SimpleTrigger(Node):
    def validate(self, v: Checks) -> None:
        v.presence("config")


class _CrossProjectTrigger(Node):
    ALLOWED_KEYS = ("project", "branch", "strategy", "forward", "inputs")
    nodes = (("forward", always(Forward), {}),)

    def validate(self, v: Checks) -> None:
        v.presence("config")
        v.allowed_keys(self.ALLOWED_KEYS)
        v.type("project", "String")
        v.presence("project")
        if self.attribute("branch") is not None:
            v.type("branch", "String")
        _strategy(self, v)


class _SameProjectTrigger(Node):
    ALLOWED_KEYS = ("strategy", "include", "forward", "inputs")
    nodes = (("include", always(Includes), {"max_size": 3}), ("forward", always(Forward), {}))

    def validate(self, v: Checks) -> None:
        v.presence("config")
        v.allowed_keys(self.ALLOWED_KEYS)
        _strategy(self, v)


def _strategy(node: Node, v: Checks) -> None:
    if node.attribute("strategy") is not None:
        v.type("strategy", "String")
        v.inclusion("strategy", ("depend", "mirror"), "should be depend or mirror")


class _UnknownTrigger(Unknown):
    text = "{location} has to be either a string or a hash"


def _cross_project(value: Any) -> bool:
    return is_hash(value) and "include" not in value


def _same_project(value: Any) -> bool:
    return is_hash(value) and "include" in value


Trigger = strategies(
    (is_string, _SimpleTrigger),
    (_cross_project, _CrossProjectTrigger),
    (_same_project, _SameProjectTrigger),
    unknown=_UnknownTrigger,
)
