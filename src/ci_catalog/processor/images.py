"""`image` and `services`: imageable.rb, image.rb, service.rb, services.rb, pull_policy.rb."""

from __future__ import annotations

from typing import Any

from ci_catalog.processor.entry import Checks, Node, always, flat_items
from ci_catalog.processor.variables import Variables

PULL_POLICIES = ("always", "never", "if-not-present")
# Imageable::IMAGEABLE_ALLOWED_KEYS: the executor options (`docker`, `kubernetes`) and more.
IMAGEABLE_KEYS = ("docker", "kubernetes", "name", "entrypoint", "ports", "pull_policy")


class PullPolicy(Node):
    label = "pull policy"

    def validate(self, v: Checks) -> None:
        v.array_of_strings_or_string("config")
        if isinstance(self.config, list):
            v.allowed_array_values("config", PULL_POLICIES)
            v.presence("config")
        elif isinstance(self.config, str):
            v.inclusion("config", PULL_POLICIES)


class _Imageable(Node):
    allowed: tuple[str, ...] = IMAGEABLE_KEYS

    def validate(self, v: Checks) -> None:
        v.hash_or_string("config")
        if not self.opt("with_image_ports"):
            v.disallowed_keys(("ports",))
        name = self.config if isinstance(self.config, str) else self.attribute("name")
        if not isinstance(name, str):
            v.add("name", "should be a string")
        if name is None or (isinstance(name, str) and not name.strip()):
            v.add("name", "can't be blank")
        if self.attribute("entrypoint") is not None:
            v.array_of_strings("entrypoint")
        v.allowed_keys(self.allowed)


class Image(_Imageable):
    label = "image"
    nodes = (("pull_policy", always(PullPolicy), {}),)


class Service(_Imageable):
    label = "service"
    allowed = ("command", "alias", "variables", *IMAGEABLE_KEYS)
    nodes = (("pull_policy", always(PullPolicy), {}), ("variables", always(Variables), {}))

    def validate(self, v: Checks) -> None:
        super().validate(v)
        if self.attribute("command") is not None:
            v.array_of_strings("command")
        if self.attribute("alias") is not None:
            v.type("alias", "String")


class Services(Node):
    label = "services"

    def validate(self, v: Checks) -> None:
        v.type("config", "Array")

    def build(self, deps: Any) -> None:
        for slot, (path, value) in enumerate(flat_items(self.config, self.path)):
            self.add_entry("service", always(Service), value, path=path, slot=slot)
        self.compose_entries(deps)
