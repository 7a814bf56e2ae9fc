"""Where a character of a scalar's value is written in the file.

The YAML reader records each scalar's span as it builds the document (`Marks.span`):
where it starts and ends and how it is written. A value is its written text less the
YAML around it: indentation, the line breaks a plain or folded scalar folds, quotes and
escapes. So the runs of each written line that stand in the value as they are, in order,
map the value's offsets back to the file: exactly for plain scalars and `|` and `>`
blocks, and for quoted ones everywhere but inside an escape. A rendered value has
inputs' values where the file has `$[[ ]]` blocks; text around them is still placed
exactly, and text that came from an input is placed on the line of its block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ci_catalog.interpolate import BLOCK
from ci_catalog.problems import Span

# The line breaks YAML counts (libyaml's IS_BREAK), which Python's splitlines() exceeds.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# A scalar's properties before its text: `&anchor` and `!tag`.
_PROPERTIES = re.compile(r"(?:[&!]\S*[ \t]+)*")
_ESCAPES = {
    "double": r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.|$)",
    "single": r"''",
}


def source_lines(text: str) -> list[str]:
    """The lines of a file as YAML numbers them (the first is `lines[0]`)."""
    return _LINE_BREAK.split(text)


def written_text(span: Span, lines: list[str]) -> str:
    """The scalar as it is written, properties, quotes and block indicator included."""
    rows = [lines[index] if index < len(lines) else "" for index in range(span.line - 1, span.end_line)]
    rows[-1] = rows[-1][: span.end_column - 1]
    rows[0] = rows[0][span.column - 1 :]
    return "\n".join(rows)


@dataclass(frozen=True)
class _Piece:
    """A run of the value found as written in the file, at `line`:`column`."""

    offset: int
    length: int
    line: int
    column: int


@dataclass
class ScalarSource:
    """A scalar's value with the places in the file its characters are written at."""

    text: str
    anchor: tuple[int, int]
    pieces: list[_Piece] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    last_line: int = 0

    def written(self, start: int, end: int) -> bool:
        """Whether the text from `start` to `end` is in the file as written (no input in it)."""
        covered = [(piece.offset, piece.offset + piece.length) for piece in self.pieces]
        return all(
            self.text[offset].isspace() or any(low <= offset < high for low, high in covered)
            for offset in range(start, min(end, len(self.text)))
        )

    def locate(self, offset: int) -> tuple[int, int]:
        """The line and column of the character at `offset` of the value."""
        before = None
        for piece in self.pieces:
            if piece.offset <= offset < piece.offset + max(piece.length, 1):
                return piece.line, piece.column + offset - piece.offset
            if piece.offset <= offset:
                before = piece
        if before is None:
            return self.anchor
        # Not written as is (an input's value, an escape): count the lines on from the run before.
        line = before.line + self.text.count("\n", before.offset, offset)
        if line == before.line:
            return line, before.column + offset - before.offset
        line = min(line, self.last_line or line)
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return line, len(source) - len(source.lstrip()) + 1


def scalar_source(text: str, span: Span, lines: list[str], rendered: bool = False) -> ScalarSource:
    """Align `text`, the value of the scalar written at `span`, with the file's `lines`.

    `rendered`: the value is interpolated, so `$[[ ]]` blocks of the file are not in it.
    """
    block = span.style in ("literal", "folded")
    if block:  # the text starts on the line below the indicator
        rows = range(span.line + 1, span.end_line + (1 if span.end_column > 1 else 0))
    else:
        rows = range(span.line, span.end_line + 1)
    source = ScalarSource(text, (span.line, span.column), lines=lines, last_line=rows[-1] if rows else 0)
    separators = _separators(span.style, rendered)
    quote = 1 if span.style in ("single", "double") else 0
    cursor = 0
    for row in rows:
        written = lines[row - 1] if row <= len(lines) else ""
        first = 0
        if not block and row == span.line:
            first = span.column - 1
            first = _PROPERTIES.match(written, first).end() + quote  # type: ignore[union-attr]  # always matches
        if not block and row == span.end_line:
            written = written[: span.end_column - 1 - quote]
        for column, fragment in _fragments(written, first, separators):
            found = text.find(fragment, cursor)
            if found < 0:
                continue
            source.pieces.append(_Piece(found, len(fragment), row, column))
            cursor = found + len(fragment)
    if source.pieces:
        source.anchor = (source.pieces[0].line, source.pieces[0].column)
    return source


def _separators(style: str, rendered: bool) -> re.Pattern[str] | None:
    """What splits a written line into runs found as they are in the value."""
    parts = [_ESCAPES[style]] if style in _ESCAPES else []
    if rendered:
        parts.append(BLOCK.pattern)
    return re.compile("|".join(parts)) if parts else None


def _fragments(line: str, first: int, separators: re.Pattern[str] | None) -> Iterator[tuple[int, str]]:
    """The runs of a written line between separators, with their 1-based columns."""
    position = first
    while position < len(line) and line[position] in " \t":
        position += 1
    matches = list(separators.finditer(line, position)) if separators else []
    for match in [*matches, None]:
        end = match.start() if match else len(line)
        fragment = line[position:end].rstrip() if match is None else line[position:end]
        if fragment.strip():
            yield position + 1, fragment
        if match:
            position = match.end()
