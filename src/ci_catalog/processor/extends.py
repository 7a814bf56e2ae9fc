"""`extends`, merged as GitLab merges it, before `!reference` tags are resolved.

Follows lib/gitlab/ci/config/extendable.rb and extendable/entry.rb: every top-level
mapping with an `extends` key is extended in file order. Its bases (`Array(extends)`,
each as a string) are extended first; then they are deep-merged in order and the entry
itself last (`Hash#deep_merge`: mappings merge key by key, anything else, lists
included, is replaced). The checks, in GitLab's order, each ending the processing with
one message:

* `rspec: unknown keys in \\`extends\\` (a, b)` - a base that is not a top-level key;
* `rspec: invalid base hashes in \\`extends\\` (a)` - a base that is not a mapping;
* `rspec: nesting too deep in \\`extends\\`` - more than 10 levels of bases;
* `rspec: circular dependency detected in \\`extends\\``.

A file whose `include:` was not merged (`partial`) may extend what an include defines: an
unknown base is then skipped, and the entry is marked incomplete, to be checked no further.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_catalog.problems import Marks
from ci_catalog.processor.rubyish import to_s
from ci_catalog.yamlread import Reference

MAX_NESTING_LEVELS = 10

Path = tuple[Any, ...]


class ExtensionError(Exception):
    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass
class Extended:
    data: dict[str, Any]
    marks: Marks
    error: ExtensionError | None = None
    incomplete: set[str] = field(default_factory=set)
    """Top-level keys that extend something only an unmerged include can define."""


def extend_all(document: dict[str, Any], marks: Marks, partial: bool = False) -> Extended:
    """The document with every `extends` merged in; each merged key placed at its source."""
    context = dict(document)
    extender = _Extender(context, Marks(dict(marks.by_path), key_types=dict(marks.key_types)), partial)
    try:
        for key in list(context):
            if _extensible(context[key]):
                extender.extend(key, ())
    except ExtensionError as error:
        return Extended(document, marks, error)
    return Extended(context, extender.marks, incomplete=extender.incomplete)


def _extensible(value: Any) -> bool:
    return isinstance(value, dict) and not isinstance(value, Reference) and "extends" in value


def extends_keys(value: dict[str, Any]) -> list[str]:
    """`Array(value[:extends]).map(&:to_s)`."""
    bases = value.get("extends")
    if bases is None:
        return []
    if isinstance(bases, dict):
        return [to_s([key, item]) for key, item in bases.items()]
    if isinstance(bases, list) and not isinstance(bases, Reference):
        return [to_s(base) for base in bases]
    return [to_s(bases)]


class _Extender:
    def __init__(self, context: dict[str, Any], marks: Marks, partial: bool) -> None:
        self.context = context
        self.marks = marks
        self.partial = partial
        self.incomplete: set[str] = set()
        self._index = _index(marks)

    def extend(self, key: str, ancestors: tuple[str, ...]) -> dict[str, Any]:
        value = self.context[key]
        if not _extensible(value):
            return value  # a base is a mapping: checked by its extender
        bases = extends_keys(value)
        place = (key, "extends")
        unknown = [base for base in bases if base not in self.context]
        if unknown and self.partial:
            self.incomplete.add(key)
            bases, unknown = [base for base in bases if base in self.context], []
        if unknown:
            raise ExtensionError(f"{key}: unknown keys in `extends` ({', '.join(unknown)})", place)
        invalid = [base for base in bases if not isinstance(self.context[base], dict)]
        if invalid:
            raise ExtensionError(f"{key}: invalid base hashes in `extends` ({', '.join(invalid)})", place)
        if len(ancestors) > MAX_NESTING_LEVELS:
            raise ExtensionError(f"{key}: nesting too deep in `extends`", place)
        if key in ancestors:
            raise ExtensionError(f"{key}: circular dependency detected in `extends`", place)
        merged: dict[str, Any] = {}
        for base in bases:
            merged = _deep_merge(merged, self.extend(base, ancestors + (key,)))
            if base in self.incomplete:
                self.incomplete.add(key)
        merged = _deep_merge(merged, value)
        self._place(key, [*bases, key])
        self.context[key] = merged
        return merged

    def _place(self, key: str, sources: list[str]) -> None:
        """Each merged node at the place of the source it came from (the last wins)."""
        places: dict[Path, tuple[int, int]] = {}
        for source in sources:
            for relative, place in self._index.get(source, {}).items():
                places[relative] = place
        own = self.marks.by_path.get((key,))
        for relative, place in places.items():
            self.marks.by_path[(key,) + relative] = place
        if own is not None:
            self.marks.by_path[(key,)] = own
        self._index[key] = places


def _index(marks: Marks) -> dict[str, dict[Path, tuple[int, int]]]:
    """Marks by top-level key, each keyed by the path under it."""
    index: dict[str, dict[Path, tuple[int, int]]] = {}
    for path, place in marks.by_path.items():
        if path:
            index.setdefault(str(path[0]), {})[path[1:]] = place
    return index


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """ActiveSupport `Hash#deep_merge`."""
    merged = dict(base)
    for key, value in extra.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = _deep_merge(current, value)
        else:
            merged[key] = value
    return merged
