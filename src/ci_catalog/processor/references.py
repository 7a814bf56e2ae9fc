"""`!reference` tags, resolved as GitLab resolves them after `extends`.

Follows lib/gitlab/ci/config/yaml/tags/resolver.rb, tags/base.rb and tags/reference.rb:

* the configuration is walked with ActiveSupport's `deep_transform_values`, so a tag is
  resolved wherever it sits under a mapping; the value a tag resolves to is walked only
  one list level deep (`Array#map`), as the resolver does;
* a tag is valid when it holds a non-empty list of strings, else `!reference "a" is not
  valid` (the tag's scalar, mapping or list, as Ruby's `inspect` shows it);
* its path is looked up with `Hash#dig` in the configuration as it was before any tag was
  resolved: through a list, a string, a number or another tag it is not found, and
  neither is a value of `nil` or `false` (`!reference [...] could not be found`);
* a tag met again while it is being resolved is `part of a circular chain`.

The first failure ends the resolution, as GitLab raises it (`Config::Yaml::Tags::TagError`).
In a file whose `include:` was not merged (`partial`), a path that is not found may be in
an include: the tag is left as it is, and the top-level keys that hold it (or a value
built from it) are marked incomplete, to be checked no further.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_catalog.problems import Marks
from ci_catalog.processor.rubyish import blank, inspect
from ci_catalog.yamlread import Reference

Path = tuple[Any, ...]
TAG = "!reference"


class TagError(Exception):
    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass
class Resolved:
    data: Any
    marks: Marks
    error: TagError | None = None
    incomplete: set[str] = field(default_factory=set)


@dataclass
class _Tag:
    """One `!reference` occurrence: GitLab makes one object per place it is written."""

    tag: Reference
    path: Path
    status: str = ""
    value: Any = None


@dataclass
class _Resolver:
    config: Any
    marks: Marks
    partial: bool = False
    tags: dict[int, _Tag] = field(default_factory=dict)
    copies: list[tuple[Path, Path]] = field(default_factory=list)
    incomplete: set[str] = field(default_factory=set)
    unfound: int = 0

    def deep_resolve(self, value: Any, path: Path) -> Any:
        if isinstance(value, Reference):
            return self.wrapper(value, path)
        if isinstance(value, list):
            return [self.wrapper(item, path + (index,)) for index, item in enumerate(value)]
        if isinstance(value, dict):
            return self.transform(value, path)
        return value

    def transform(self, value: Any, path: Path) -> Any:
        """`deep_transform_values`: every leaf under mappings and lists; tags are leaves."""
        if isinstance(value, Reference):
            return self.wrapper(value, path)
        if isinstance(value, dict):
            return {key: self.transform(item, path + (key,)) for key, item in value.items()}
        if isinstance(value, list):
            return [self.transform(item, path + (index,)) for index, item in enumerate(value)]
        return value

    def wrapper(self, value: Any, path: Path) -> Any:
        if not isinstance(value, Reference):
            return value
        occurrence = self.tags.setdefault(id(value), _Tag(value, path))
        return self.resolve(occurrence)

    def resolve(self, occurrence: _Tag) -> Any:
        tag = occurrence.tag
        if not _valid(tag):
            raise TagError(f"{TAG} {_shown(tag)} is not valid", occurrence.path)
        if occurrence.status == "resolving":
            raise TagError(f"{TAG} {inspect(list(tag), False)} is part of a circular chain", occurrence.path)
        if occurrence.status == "done":
            return occurrence.value
        occurrence.status = "resolving"
        location = tuple(tag)
        unfound = self.unfound
        found, target = _dig(self.config, location)
        value = self.deep_resolve(target, location) if found else None
        if value is None or value is False:
            if not self.partial:
                raise TagError(f"{TAG} {inspect(list(tag), False)} could not be found", occurrence.path)
            self.unfound += 1
            value = tag
        if self.unfound > unfound and occurrence.path:
            self.incomplete.add(occurrence.path[0])
        occurrence.value, occurrence.status = value, "done"
        self.copies.append((location, occurrence.path))
        return value


def resolve_references(document: dict[str, Any], marks: Marks, partial: bool = False) -> Resolved:
    """The document with every tag replaced by what it refers to, and its marks."""
    config = _fresh(document)
    resolver = _Resolver(config, marks, partial)
    try:
        data = resolver.deep_resolve(config, ())
    except TagError as error:
        return Resolved(document, marks, error)
    return Resolved(data, _moved_marks(marks, resolver.copies, data), incomplete=resolver.incomplete)


def _valid(tag: Reference) -> bool:
    return tag.scalar is None and tag.mapping is None and bool(tag) and all(isinstance(item, str) for item in tag)


def _shown(tag: Reference) -> str:
    """What `is not valid` shows: the scalar, else the mapping, else the list."""
    if tag.scalar is not None and not blank(tag.scalar):
        return inspect(tag.scalar)
    if tag.mapping:
        return inspect(tag.mapping, False)
    return inspect(list(tag), False)


def _dig(config: Any, location: Path) -> tuple[bool, Any]:
    """`Hash#dig`: (found, value); a step into anything but a mapping finds nothing."""
    current = config
    for key in location:
        if current is None:
            return True, None
        if not isinstance(current, dict) or isinstance(current, Reference):
            return False, None
        current = current.get(key)
    return True, current


def _fresh(value: Any) -> Any:
    """A copy with one object per place, as Ruby's `deep_dup` makes: a tag shared by
    `extends` is resolved (and can be circular) at each place on its own."""
    if isinstance(value, Reference):
        copy = Reference(_fresh(item) for item in value)
        copy.scalar, copy.mapping = value.scalar, value.mapping
        return copy
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value


MAX_MARKED = 200_000
"""Places copied for resolved tags; past this, a place falls back to the tag's own."""


def _moved_marks(marks: Marks, copies: list[tuple[Path, Path]], data: Any) -> Marks:
    """Each resolved value's nodes placed where the referenced ones are written."""
    moved = Marks(dict(marks.by_path), key_types=dict(marks.key_types))
    budget = MAX_MARKED
    for source, target in copies:
        value = _at(data, target)
        for relative in _subpaths(value):
            budget -= 1
            if budget < 0:
                return moved
            place = moved.by_path.get(source + relative)
            if place is not None:
                moved.by_path[target + relative] = place
    return moved


def _at(data: Any, path: Path) -> Any:
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return None
    return data


def _subpaths(value: Any, prefix: Path = ()) -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            yield prefix + (key,)
            yield from _subpaths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield prefix + (index,)
            yield from _subpaths(item, prefix + (index,))
