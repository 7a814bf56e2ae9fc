"""Stage 1: load a CI file as GitLab does: size limit, `---` split, header detection.

GitLab does not read a component as a YAML stream. It splits the raw text on the Ruby
regex `/^---\\s+/` into at most three pieces, drops blank documents, and takes the first
document as the header only when there are two or more documents and the first has a
`spec` key (lib/gitlab/config/loader/multi_doc_yaml.rb, lib/gitlab/ci/config/yaml/).
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_catalog.problems import Marks, Problem
from ci_catalog.yamlread import Document, TooBig, YamlError, read_document

MAX_YAML_SIZE_BYTES = 2 * 1024 * 1024
MAX_DOCUMENTS = 2
# Ruby's \s is ASCII-only; Python's would also take Unicode spaces.
DIVIDER = re.compile(r"^---[ \t\r\n\f\v]+", re.MULTILINE)
BOM = "\ufeff"
STDIN = "-"


@dataclass
class LoadedFile:
    """A loaded CI file: the header document (when there is one) and the content."""

    path: str
    text: str = ""
    header: dict[str, Any] | None = None
    header_marks: Marks = field(default_factory=Marks)
    content: dict[str, Any] = field(default_factory=dict)
    content_marks: Marks = field(default_factory=Marks)
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_header(self) -> bool:
        return self.header is not None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Piece:
    text: str
    line_offset: int
    column_offset: int


def load_path(path: str | Path) -> LoadedFile:
    """Read and load a file; unreadable or undecodable files become problems."""
    return read_source_file(path).loaded


@dataclass
class SourceFile:
    """A file's bytes, read once, for everything that looks at them (`raw` is None when the
    file could not be read: `loaded` says why); they are loaded only when first asked for."""

    path: str
    raw: bytes | None
    error: str = ""

    @functools.cached_property
    def loaded(self) -> LoadedFile:
        if self.raw is None:
            return _failed(self.path, f"cannot read the file: {self.error}")
        return load_bytes(self.raw, self.path)


def read_source_file(path: str | Path) -> SourceFile:
    try:
        with Path(path).open("rb") as handle:
            # Enough to know it is too big: a huge file (or /dev/zero) is not read whole.
            return SourceFile(str(path), handle.read(MAX_YAML_SIZE_BYTES + 1))
    except OSError as error:
        return SourceFile(str(path), None, str(error.strerror or error))


def load_source(name: str) -> LoadedFile:
    """A file named on the command line, where `-` means standard input (read as `<stdin>`).

    Anything that can be read is read (a FIFO, /dev/null); what cannot becomes a problem.
    """
    if name != STDIN:
        return load_path(name)
    return load_bytes(sys.stdin.buffer.read(MAX_YAML_SIZE_BYTES + 1), "<stdin>")


def load_bytes(raw: bytes, path: str) -> LoadedFile:
    if len(raw) > MAX_YAML_SIZE_BYTES:
        return _failed(path, "The provided YAML is too big", 1, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _place_of_offset(raw, error.start)
        message = f"(<unknown>): invalid leading UTF-8 octet at line {line} column {column}"
        return _failed(path, message + " (the file is not UTF-8 text)", line, column)
    return load_text(text, path)


def load_text(text: str, path: str) -> LoadedFile:
    """Load CI YAML text the way GitLab does; never raises on bad input."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_SIZE_BYTES:
        return _failed(path, "The provided YAML is too big", 1, 1)
    text = text.removeprefix(BOM)
    try:
        documents = _read_pieces(text)
    except YamlError as error:
        message = error.message
        if _looks_like_html(text):
            message = "Invalid configuration format"
        return _failed(path, message, error.line, error.column, text)
    return _split_header(path, text, documents)


@dataclass
class _Reading:
    """One piece read: its document, or the size error GitLab raises only after parsing all."""

    document: Document | None = None
    too_big: TooBig | None = None

    @property
    def blank(self) -> bool:
        return self.too_big is None and _is_blank(self.document)


def _read_pieces(text: str) -> list[Document]:
    """Parse every piece (syntax errors first, as Ruby parses all before measuring).

    GitLab drops a blank first piece (a leading `---`) and then every blank document,
    which comes to dropping every blank one.
    """
    readings = [_read_piece(piece) for piece in _split(text)]
    documents = []
    for reading in readings:
        if reading.blank:
            continue
        if reading.too_big is not None:
            raise reading.too_big
        assert reading.document is not None  # a reading that is not blank holds a document
        if not isinstance(reading.document.data, dict):
            line, column = reading.document.marks.find(())
            raise YamlError("Invalid configuration format", line, column)
        documents.append(reading.document)
    return documents


def _read_piece(piece: _Piece) -> _Reading:
    try:
        return _Reading(read_document(piece.text, MAX_YAML_SIZE_BYTES, piece.line_offset, piece.column_offset))
    except TooBig as error:
        return _Reading(too_big=error)


def _split(text: str) -> list[_Piece]:
    """Ruby `text.split(/^---\\s+/, 3)`, remembering where each piece starts."""
    pieces: list[_Piece] = []
    start = 0
    for match in DIVIDER.finditer(text):
        if len(pieces) == MAX_DOCUMENTS:
            break
        pieces.append(_piece(text, start, match.start()))
        start = match.end()
    pieces.append(_piece(text, start, len(text)))
    return pieces


def _piece(text: str, start: int, end: int) -> _Piece:
    line_offset = text.count("\n", 0, start)
    column_offset = start - (text.rfind("\n", 0, start) + 1)
    return _Piece(text[start:end], line_offset, column_offset)


def _is_blank(document: Document | None) -> bool:
    """Ruby `blank?` of the parsed value: nil, false, empty or whitespace-only."""
    if document is None:
        return True
    data = document.data
    if data is None or data is False:
        return True
    if isinstance(data, str):
        return not data.strip()
    return isinstance(data, (dict, list)) and not data


def _split_header(path: str, text: str, documents: list[Document]) -> LoadedFile:
    loaded = LoadedFile(path=path, text=text)
    has_header = len(documents) > 1 and "spec" in documents[0].data
    if has_header:
        loaded.header, loaded.header_marks = documents[0].data, documents[0].marks
        loaded.content, loaded.content_marks = documents[-1].data, documents[-1].marks
    elif documents:
        loaded.content, loaded.content_marks = documents[0].data, documents[0].marks
    return loaded


def _looks_like_html(text: str) -> bool:
    prefix = text[:512].lower()
    return "<!doctype html" in prefix or "<html" in prefix


def _place_of_offset(raw: bytes, offset: int) -> tuple[int, int]:
    """Line and column (in characters, as libyaml counts them) of a byte offset."""
    before = raw[:offset]
    line_start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, len(raw[line_start:offset].decode("utf-8", "replace")) + 1


def _failed(path: str, message: str, line: int = 0, column: int = 0, text: str = "") -> LoadedFile:
    problem = Problem(message=message, file=path, line=line, column=column, code="load")
    return LoadedFile(path=path, text=text, problems=[problem])
