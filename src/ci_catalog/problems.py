"""Problems: what every stage returns instead of raising.

A stage never exits or prints; it hands back `Problem` values that name the file and
the place. Only the CLI turns them into text and exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding, located in a source file (line and column are 1-based; 0 = unknown)."""

    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    json_path: str = ""
    code: str = ""
    severity: Severity = "error"

    def where(self) -> str:
        """`file:line:column`, with the parts that are known."""
        parts = [self.file or "<input>"]
        if self.line:
            parts.append(str(self.line))
            if self.column:
                parts.append(str(self.column))
        return ":".join(parts)

    def as_dict(self) -> dict[str, object]:
        """The problem in every command's JSON: `rule` is the lint rule or the stage that
        found it, `json_path` the place in the document (`job.script[0]`)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "rule": self.code,
            "severity": self.severity,
            "message": self.message,
            "json_path": self.json_path,
        }


class Span(NamedTuple):
    """Where a scalar is written: from its first character (its quote or block indicator
    included) to just past its last, 1-based, and its style: `plain`, `single`, `double`,
    `literal` (`|`) or `folded` (`>`)."""

    line: int
    column: int
    end_line: int
    end_column: int
    style: str


# A span as the YAML reader records it, for speed: (line, column, end line, end column,
# libyaml's style: None for plain, or the quote or block indicator).
RawSpan = tuple[int, int, int, int, str | None]
_STYLES = {None: "plain", "": "plain", "'": "single", '"': "double", "|": "literal", ">": "folded"}


@dataclass
class Marks:
    """Source positions of the nodes of one parsed document, by JSON-style path.

    A mapping entry is marked at its key, a sequence item at the item. A path with no
    mark of its own (a value inserted by interpolation, say) takes its nearest marked
    ancestor's place. `spans` holds where each scalar value is written, `key_spans`
    where each mapping key is (both by the path of the entry).
    """

    by_path: dict[tuple[object, ...], tuple[int, int]] = field(default_factory=dict)
    spans: dict[tuple[object, ...], RawSpan] = field(default_factory=dict)
    key_spans: dict[tuple[object, ...], RawSpan] = field(default_factory=dict)
    key_types: dict[tuple[object, ...], str] = field(default_factory=dict)
    """The Ruby class of a mapping key that is not text (`10:` is an Integer), by its path:
    keys are read as text, but GitLab refuses a job named by a number."""

    def add(self, path: tuple[object, ...], line: int, column: int) -> None:
        self.by_path[path] = (line, column)

    def span(self, path: tuple[object, ...], key: bool = False) -> Span | None:
        """Where the scalar at `path` is written (with `key`, the key of the entry), if it is one."""
        raw = (self.key_spans if key else self.spans).get(path)
        return None if raw is None else Span(*raw[:4], _STYLES[raw[4]])

    def find(self, path: tuple[object, ...]) -> tuple[int, int]:
        while True:
            mark = self.by_path.get(path)
            if mark is not None:
                return mark
            if not path:
                return (1, 1)
            path = path[:-1]


def format_json_path(path: tuple[object, ...]) -> str:
    """`job.script[0]`: the path form used in reports."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text
