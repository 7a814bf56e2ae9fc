"""`environment` and `release`: environment.rb, release.rb."""

from __future__ import annotations

import re
from typing import Any

from ci_catalog.processor.entry import Checks, Node
from ci_catalog.processor.rubyish import to_s


class Environment(Node):
    """environment.rb (the actions of GitLab 17+: start, stop, prepare, verify, access)."""

    label = "environment"
    ALLOWED_KEYS = ("name", "url", "action", "on_stop", "auto_stop_in", "kubernetes", "deployment_tier")
    ACTIONS = ("start", "stop", "prepare", "verify", "access")
    TIERS = ("production", "staging", "testing", "development", "other")
    NAME_MESSAGE = (
        "can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', and spaces, "
        "but it cannot start or end with '/'"
    )

    def name(self) -> Any:
        return self.config if isinstance(self.config, str) else self.attribute("name")

    def validate(self, v: Checks) -> None:
        if not isinstance(self.config, (dict, str)):
            v.add("config", "should be a hash or a string")
        name = self.name()
        if name is None or (isinstance(name, str) and not name.strip()):
            v.add("name", "can't be blank")
        if not isinstance(name, str):
            v.add("name", self.NAME_MESSAGE)
        if not _environment_name(name):
            v.add("name", self.NAME_MESSAGE)
        if isinstance(self.config, dict):
            self._validate_hash(v)

    def _validate_hash(self, v: Checks) -> None:
        v.allowed_keys(self.ALLOWED_KEYS)
        if self.attribute("url") is not None:
            v.type("url", "String")
            v.length("url", maximum=255)
        if self.attribute("action") is not None:
            v.type("action", "String")
            v.inclusion("action", self.ACTIONS, "should be start, stop, prepare, verify, or access")
        if self.attribute("deployment_tier") is not None:
            v.type("deployment_tier", "String")
            v.inclusion("deployment_tier", self.TIERS, "must be one of " + ", ".join(self.TIERS))
        if self.attribute("on_stop") is not None:
            v.type("on_stop", "String")
        if self.attribute("kubernetes") is not None:
            v.type("kubernetes", "Hash")
        if self.attribute("auto_stop_in") is not None:
            v.type("auto_stop_in", "String")


def _environment_name(name: Any) -> bool:
    """Gitlab::Regex.environment_name_regex, on the name's text."""
    return _ENVIRONMENT_NAME.fullmatch(to_s(name)) is not None


_ENVIRONMENT_NAME = re.compile(r"[a-zA-Z0-9_${}. -]([a-zA-Z0-9_/${}. -]*[a-zA-Z0-9_${}. -])?")


class Release(Node):
    """release.rb: `tag_name` and a `description` string are required."""

    label = "release"
    ALLOWED_KEYS = ("tag_name", "tag_message", "name", "description", "ref", "released_at", "milestones", "assets")

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(self.ALLOWED_KEYS)
        v.presence("tag_name")
        v.type("description", "String")
        v.presence("description")
