"""Access paths in interpolation blocks: `inputs.name`, `inputs.list[0].key`, `component.sha`.

Follows lib/gitlab/ci/config/interpolation/access.rb: at most five dot-separated
segments (the fifth keeps any further dots), 1024 bytes, five indexes per segment, and
GitLab's message for each way a path can fail. Hyphenated names may take an index, as
GitLab 19 allows (`inputs.supported-versions[0]`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_ACCESS_OBJECTS = 5
MAX_ACCESS_BYTESIZE = 1024
MAX_ACCESS_ARRAY_DEPTH = 5
_INDEX = re.compile(r"\[(\d+)\]", re.ASCII)
_BRACKET_CONTENT = re.compile(r"\[([^\]]*)\]")
_INDEXED_SEGMENT = re.compile(r"\A([\w-]*)((?:\[\d+\])+)\Z", re.ASCII)
INVALID_PATTERN = "invalid pattern used for interpolation. valid pattern is $[[ inputs.input ]]"


@dataclass
class Access:
    path: str
    value: Any = None
    errors: list[str] = field(default_factory=list)


def ruby_split(text: str, separator: str, limit: int) -> list[str]:
    """Ruby `String#split(sep, limit)` for a positive limit (trailing empties kept)."""
    return text.split(separator, limit - 1) if text else []


def evaluate_access(path: str, context: dict[str, Any]) -> Access:
    access = Access(path)
    objects = ruby_split(path, ".", MAX_ACCESS_OBJECTS)
    if len(objects) <= 1:
        access.errors.append(INVALID_PATTERN)
    if len(path.encode("utf-8", "surrogatepass")) > MAX_ACCESS_BYTESIZE:
        access.errors.append("maximum interpolation expression size exceeded")
    if access.errors:
        return access
    current: Any = context
    for segment in objects:
        current = _indexed(access, current, segment) if "[" in segment else _key(access, current, segment)
        if access.errors:
            return access
    access.value = current
    return access


def _key(access: Access, current: Any, key: str) -> Any:
    if not isinstance(current, dict) or key not in current:
        access.errors.append(f"unknown interpolation provided: `{key}` in `{access.path}`")
        return None
    return current[key]


def _indexed(access: Access, current: Any, segment: str) -> Any:
    match = _INDEXED_SEGMENT.match(segment)
    if not match:
        access.errors.append(_bad_index_message(segment, access.path))
        return None
    if not match.group(1):
        access.errors.append(f"invalid indexed access without a key in `{access.path}`")
        return None
    indices = [int(index) for index in _INDEX.findall(match.group(2))]
    if len(indices) > MAX_ACCESS_ARRAY_DEPTH:
        depth = MAX_ACCESS_ARRAY_DEPTH
        access.errors.append(f"too many array indices in `{access.path}` (maximum depth: {depth})")
        return None
    current = _key(access, current, match.group(1))
    if access.errors:
        return None
    for index in indices:
        if not isinstance(current, list):
            access.errors.append(f"cannot index into non-array value at [{index}] in `{access.path}`")
            return None
        if index >= len(current):
            access.errors.append(f"array index {index} out of bounds (size: {len(current)}) in `{access.path}`")
            return None
        current = current[index]
    return current


def _bad_index_message(segment: str, path: str) -> str:
    if segment.count("[") != segment.count("]"):
        return f"invalid array index in `{path}`: missing closing bracket"
    for content in _BRACKET_CONTENT.findall(segment):
        if not re.search(r"^\d+$", content, re.MULTILINE | re.ASCII):
            return f"invalid array index in `{path}`: `{content}` is not a valid index"
    return f"invalid array index syntax in `{path}`"
