"""`cache`: caches.rb, cache.rb, key.rb, files.rb, prefix.rb.

The list itself reports as `caches` (Caches clears its key), each item as `cache`:
`cache config contains unknown keys: invalid`, `jobs:rspec:caches config no more than 4
caches can be created`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus

from ci_catalog.processor.entry import Checks, Node, Unknown, always, flat_items, strategies
from ci_catalog.processor.keywords import ArrayOfStrings, Boolean, Paths
from ci_catalog.processor.rubyish import blank, is_hash, is_string

ALLOWED_KEYS = ("key", "untracked", "paths", "when", "policy", "unprotect", "fallback_keys")
# Unanchored, as GitLab writes it: any text holding one of these passes.
ALLOWED_POLICY = re.compile(r"pull-push|push|pull|\$\w{1,255}")
ALLOWED_WHEN = ("on_success", "on_failure", "always")
MULTIPLE_CACHE_LIMIT = 4


def _key_text(v: Checks, attribute: str) -> None:
    """KeyValidator: a string that, URL-decoded, has no `/` and is not `.` or `..`."""
    value = v.value(attribute)
    if not is_string(value):
        v.add(attribute, "should be a string or symbol")
        return
    path = unquote_plus(value)
    if "/" in path:
        v.add(attribute, 'cannot contain the "/" character')
    elif path in (".", ".."):
        v.add(attribute, 'cannot be "." or ".."')


class Files(Node):
    label = "files"

    def validate(self, v: Checks) -> None:
        v.array_of_strings("config")
        size = len(self.config) if isinstance(self.config, (list, str, dict)) else 0
        if size < 1:
            v.add("config", "requires at least 1 item")
        if size > 2:
            v.add("config", "has too many items (maximum is 2)")


class Prefix(Node):
    label = "prefix"

    def validate(self, v: Checks) -> None:
        _key_text(v, "config")


class _SimpleKey(Node):
    def validate(self, v: Checks) -> None:
        _key_text(v, "config")


class _ComplexKey(Node):
    nodes = (("files", always(Files), {}), ("prefix", always(Prefix), {}))

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(("files", "prefix"))
        v.required_keys(("files",))


class _UnknownKey(Unknown):
    text = "{location} should be a hash, a string or a symbol"


Key = strategies((is_string, _SimpleKey), (is_hash, _ComplexKey), unknown=_UnknownKey)


class Cache(Node):
    label = "cache"
    nodes = (
        ("key", Key, {}),
        ("unprotect", always(Boolean), {}),
        ("untracked", always(Boolean), {}),
        ("paths", always(Paths), {}),
        ("fallback_keys", always(ArrayOfStrings), {}),
    )

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(ALLOWED_KEYS)
        policy = self.attribute("policy")
        if not blank(policy):
            v.type("policy", "String")
            if not (isinstance(policy, str) and ALLOWED_POLICY.search(policy)):
                v.add("policy", "should be a variable or one of: pull-push, push, pull")
        if self.attribute("when") is not None:
            v.type("when", "String")
            v.inclusion("when", ALLOWED_WHEN, "should be one of: " + ", ".join(ALLOWED_WHEN))
        fallback = self.attribute("fallback_keys")
        if isinstance(fallback, (list, str, dict)) and len(fallback) > 5:
            v.add("fallback_keys", "has to many entries (maximum 5)")


class Caches(Node):
    label = "caches"

    def __init__(
        self, config: Any, key: Any = None, parent: Node | None = None, path: tuple[Any, ...] = (), **meta: Any
    ) -> None:
        super().__init__(config, None, parent, path, **meta)

    def validate(self, v: Checks) -> None:
        if not isinstance(self.config, (dict, list)):
            v.add("config", "can only be a Hash or an Array")
        if isinstance(self.config, list) and len(self.config) > MULTIPLE_CACHE_LIMIT:
            v.add("config", f"no more than {MULTIPLE_CACHE_LIMIT} caches can be created")

    def build(self, deps: Any) -> None:
        for slot, (path, value) in enumerate(flat_items(self.config, self.path)):
            self.add_entry("cache", always(Cache), value, path=path, slot=slot)
        self.compose_entries(deps)
