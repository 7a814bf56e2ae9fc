"""The configuration tree: one node per keyword, checked the way GitLab's entries are.

A re-creation of GitLab's entry machinery (lib/gitlab/config/entry/node.rb,
validatable.rb, configurable.rb, composable_hash.rb, composable_array.rb, factory.rb,
simplifiable.rb), with the behaviour its messages depend on:

* a node is checked when it is created; only a node without problems of its own gets its
  children (so an unknown key in a job hides every problem inside that job);
* a node's `composed` checks run after its children are built;
* a missing or `null` value makes no node at all (GitLab's `Unspecified`);
* a problem reads `<location> <attribute> <message>`, downcased whole: the location is
  the keys from the top joined with `:` (`jobs:rspec:cache`), a node without a key is
  named after its kind; a node of an unknown shape reports its own fixed text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from ci_catalog.processor import duration
from ci_catalog.processor.rubyish import blank, full_message, is_hash, is_integer, is_number, is_string, to_s

Path = tuple[Any, ...]


@dataclass(frozen=True)
class ConfigError:
    """One of GitLab's configuration errors, at the place in the document it is about."""

    message: str
    path: Path


class Node:
    """A configuration entry: its value, its place, and what is wrong with it."""

    label: ClassVar[str] = "node"
    """The kind's name, GitLab's humanized class name, for a node without a key."""

    nodes: ClassVar[tuple[tuple[str, Factory, dict[str, Any]], ...]] = ()
    """Children built from the keys of a mapping value (GitLab's `entry` declarations)."""

    def __init__(self, config: Any, key: Any = None, parent: Node | None = None, path: Path = (), **meta: Any) -> None:
        self.config = config
        self.key = key
        self.parent = parent
        self.path = path
        self.meta = meta
        self.entries: dict[Any, Node] = {}
        self.problems: list[ConfigError] = []
        checks = Checks(self)
        self.validate(checks)

    # --- what a kind overrides ---------------------------------------------------------

    def validate(self, v: Checks) -> None:
        """Checks run when the node is created."""

    def validate_composed(self, v: Checks) -> None:
        """Checks run after the children are built."""

    def build(self, deps: Any) -> None:
        """Create and compose the children (GitLab's `Configurable#compose!`)."""
        if not isinstance(self.config, dict):
            return
        for key, factory, meta in self.nodes:
            self.add_entry(key, factory, self.config.get(key), **meta)
        self.compose_entries(deps)

    # --- the machinery -----------------------------------------------------------------

    @property
    def location(self) -> str:
        name = to_s(self.key) if not blank(to_s(self.key)) else self.label
        keys = [to_s(node.key) for node in self.ancestors() if node.key is not None]
        return ":".join([*keys, name])

    def ancestors(self) -> list[Node]:
        chain: list[Node] = []
        node = self.parent
        while node is not None:
            chain.insert(0, node)
            node = node.parent
        return chain

    def opt(self, name: str) -> Any:
        """A metadata value, looked up through the parents (GitLab's `opt`)."""
        node: Node | None = self
        while node is not None:
            if node.meta.get(name) is not None:
                return node.meta[name]
            node = node.parent
        return None

    def compose(self, deps: Any = None) -> None:
        if not self.problems:
            self.build(deps)
        checks = Checks(self)
        self.validate_composed(checks)

    def add_entry(
        self, key: Any, factory: Factory, value: Any, path: Path | None = None, slot: Any = None, **meta: Any
    ) -> Node | None:
        """A child for `value` under `key`; list items share a key, so each has its own slot."""
        node = create(factory, value, key, self, self.path + (key,) if path is None else path, **meta)
        if node is not None:
            self.entries[key if slot is None else slot] = node
        return node

    def compose_entries(self, deps: Any) -> None:
        for entry in list(self.entries.values()):
            entry.compose(deps)

    def errors(self) -> list[ConfigError]:
        found = list(self.problems)
        for entry in self.entries.values():
            found += entry.errors()
        return found

    def valid(self) -> bool:
        return not self.errors()

    def attribute(self, name: str) -> Any:
        """A key of the value (GitLab's `attributes`): None when the value is no mapping."""
        return self.config.get(name) if isinstance(self.config, dict) else None

    def has(self, name: str) -> bool:
        return isinstance(self.config, dict) and name in self.config


class Unknown(Node):
    """A value of none of a keyword's shapes (GitLab's `UnknownStrategy`): a fixed text."""

    text: ClassVar[str] = "{location} has an unsupported type"

    def validate(self, v: Checks) -> None:
        self.problems.append(ConfigError(self.text.format(location=self.location), self.path))

    def compose(self, deps: Any = None) -> None:
        """An unknown value has no children."""


Factory = Callable[[Any], type[Node]]


def create(factory: Factory, value: Any, key: Any, parent: Node | None, path: Path, **meta: Any) -> Node | None:
    """The node for a value (None for a missing or null value, which GitLab leaves unspecified)."""
    if value is None:
        return None
    return factory(value)(value, key, parent, path, **meta)


def strategies(*choices: tuple[Callable[[Any], bool], type[Node]], unknown: type[Node]) -> Factory:
    """GitLab's `Simplifiable`: the first kind whose condition holds, else the unknown kind."""

    def choose(value: Any) -> type[Node]:
        for condition, kind in choices:
            if condition(value):
                return kind
        return unknown

    return choose


def always(kind: type[Node]) -> Factory:
    return lambda _value: kind


class Checks:
    """The validators of lib/gitlab/config/entry/validators.rb and ActiveModel's own.

    Each adds GitLab's message for an attribute (`config` is the node's whole value).
    Values are passed in, so `allow_nil` is the caller's `if value is not None`.
    """

    def __init__(self, node: Node) -> None:
        self.node = node

    def add(self, attribute: str, message: str, at: Path | None = None) -> None:
        node = self.node
        if at is None:
            at = node.path if attribute in ("config", "base") else node.path + (attribute,)
        node.problems.append(ConfigError(full_message(node.location, attribute, message), at))

    def value(self, attribute: str) -> Any:
        return self.node.config if attribute == "config" else self.node.attribute(attribute)

    # --- ActiveModel ---------------------------------------------------------------------

    def presence(self, attribute: str) -> None:
        if blank(self.value(attribute)):
            self.add(attribute, "can't be blank")

    def absence(self, attribute: str, message: str = "must be blank") -> None:
        if not blank(self.value(attribute)):
            self.add(attribute, message)

    def inclusion(self, attribute: str, allowed: Iterable[Any], message: str = "is not included in the list") -> None:
        value = self.value(attribute)
        if not any(value == item and type(value) is type(item) for item in allowed):
            self.add(attribute, message)

    def length(
        self,
        attribute: str,
        minimum: int | None = None,
        maximum: int | None = None,
        too_short: str = "is too short (minimum is {count} characters)",
        too_long: str = "is too long (maximum is {count} characters)",
    ) -> None:
        value = self.value(attribute)
        size = len(value) if isinstance(value, (str, list, dict)) else len(to_s(value))
        if minimum is not None and size < minimum:
            self.add(attribute, too_short.format(count=minimum).replace("1 characters", "1 character"))
        if maximum is not None and size > maximum:
            self.add(attribute, too_long.format(count=maximum))

    def numericality(self, attribute: str, minimum: int, maximum: int) -> None:
        """`numericality: { only_integer: true, greater_than_or_equal_to:, less_than_or_equal_to: }`."""
        value = self.value(attribute)
        if not is_number(value):
            self.add(attribute, "is not a number")
            return
        if not is_integer(value):
            self.add(attribute, "must be an integer")
            return
        if value < minimum:
            self.add(attribute, f"must be greater than or equal to {minimum}")
        if value > maximum:
            self.add(attribute, f"must be less than or equal to {maximum}")

    def format(self, attribute: str, matches: Callable[[str], bool], message: str = "is invalid") -> None:
        value = self.value(attribute)
        if not matches(to_s(value)):
            self.add(attribute, message)

    # --- GitLab's validators ---------------------------------------------------------------

    def type(self, attribute: str, kind: str, message: str | None = None) -> None:
        """`type: Hash` and friends: `should be a hash` (the class name, downcased)."""
        if not _is_kind(self.value(attribute), kind):
            self.add(attribute, message or f"should be a {kind.lower()}")

    def allowed_keys(self, allowed: Iterable[str], attribute: str = "config") -> None:
        value = self.value(attribute)
        if not is_hash(value):
            return
        unknown = [key for key in value if key not in allowed]
        if unknown:
            self.add(attribute, "contains unknown keys: " + ", ".join(unknown), self.node.path + (unknown[0],))

    def required_keys(self, required: Iterable[str]) -> None:
        value = self.node.config
        keys = value if is_hash(value) else {}
        missing = [key for key in required if key not in keys]
        if missing:
            self.add("config", "missing required keys: " + ", ".join(missing))

    def disallowed_keys(
        self, disallowed: Iterable[str], message: str = "contains disallowed keys", ignore_nil: bool = False
    ) -> None:
        value = self.node.config
        if not is_hash(value):
            return
        present = [key for key in value if key in disallowed and not (ignore_nil and value[key] is None)]
        if present:
            self.add("config", f"{message}: {', '.join(present)}", self.node.path + (present[0],))

    def mutually_exclusive_keys(self, keys: Iterable[str]) -> None:
        value = self.node.config
        if not is_hash(value):
            return
        present = [key for key in value if key in keys]
        if len(present) > 1:
            self.add(
                "config", f"these keys cannot be used together: {', '.join(present)}", self.node.path + (present[-1],)
            )

    def allowed_values(self, attribute: str, allowed: Iterable[str]) -> None:
        value = self.value(attribute)
        if to_s(value) not in allowed:
            self.add(attribute, f"unknown value: {to_s(value)}")

    def allowed_array_values(self, attribute: str, allowed: Iterable[str]) -> None:
        value = self.value(attribute)
        unknown = [item for item in value if item not in allowed] if isinstance(value, list) else []
        if unknown:
            self.add(attribute, "contains unknown values: " + ", ".join(to_s(item) for item in unknown))

    def array_of_strings(self, attribute: str) -> bool:
        if not is_array_of_strings(self.value(attribute)):
            self.add(attribute, "should be an array of strings")
            return False
        return True

    def array_of_strings_or_string(self, attribute: str) -> None:
        value = self.value(attribute)
        if not (is_array_of_strings(value) or is_string(value)):
            self.add(attribute, "should be an array of strings or a string")

    def array_of_hashes(self, attribute: str) -> None:
        value = self.value(attribute)
        if not (isinstance(value, list) and all(is_hash(item) for item in value)):
            self.add(attribute, "should be an array of hashes")

    def boolean(self, attribute: str) -> None:
        if not isinstance(self.value(attribute), bool):
            self.add(attribute, "should be a boolean value")

    def hash_or_string(self, attribute: str) -> None:
        value = self.value(attribute)
        if not (is_hash(value) or is_string(value)):
            self.add(attribute, "should be a hash or a string")

    def hash_or_boolean(self, attribute: str) -> None:
        value = self.value(attribute)
        if not (is_hash(value) or isinstance(value, bool)):
            self.add(attribute, "should be a hash or a boolean value")

    def array_of_integers_or_integer(self, attribute: str) -> None:
        value = self.value(attribute)
        if not (is_integer(value) or (isinstance(value, list) and all(is_integer(item) for item in value))):
            self.add(attribute, "should be an array of integers or an integer")

    def duration(self, attribute: str, limit: float | None = None, never: bool = False) -> None:
        value = self.value(attribute)
        if not duration.is_duration(value, never):
            self.add(attribute, "should be a duration")
        if limit is not None and not duration.within(value, limit):
            self.add(attribute, "should not exceed the limit")

    def nested_array_of_strings(self, attribute: str, max_level: int) -> None:
        value = self.value(attribute)
        if not (isinstance(value, list) and nested(value, max_level, is_string)):
            self.add(
                attribute,
                f"should be an array of strings or a nested array of strings up to {max_level} levels deep",
            )

    def string_or_nested_array_of_strings(self, attribute: str, max_level: int) -> None:
        value = self.value(attribute)
        if not (is_string(value) or (isinstance(value, list) and nested(value, max_level, is_string))):
            self.add(attribute, f"should be a string or a nested array of strings up to {max_level} levels deep")


def flat_items(value: Any, path: Path) -> list[tuple[Path, Any]]:
    """`[value].flatten`, each item with its place: how list entries read their items."""
    if not isinstance(value, list):
        return [(path, value)]
    items: list[tuple[Path, Any]] = []
    for index, item in enumerate(value):
        items += flat_items(item, path + (index,))
    return items


def is_array_of_strings(value: Any) -> bool:
    return isinstance(value, list) and all(is_string(item) for item in value)


def nested(value: Any, level: int, check: Callable[[Any], bool]) -> bool:
    """GitLab's NestedArrayHelpers: items pass the check, or are lists of them, `level` deep."""
    if check(value):
        return True
    if level <= 0 or not isinstance(value, list):
        return False
    return all(nested(item, level - 1, check) for item in value)


_KINDS: dict[str, Callable[[Any], bool]] = {
    "Hash": is_hash,
    "String": is_string,
    "Array": lambda value: isinstance(value, list),
    "Integer": is_integer,
    "Symbol": is_string,
}


def _is_kind(value: Any, kind: str) -> bool:
    return _KINDS[kind](value)
