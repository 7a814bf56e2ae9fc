"""PyYAML's pure-Python parser, reading YAML by libyaml's rules where the two part.

GitLab reads CI files with libyaml 0.2.5 (through Ruby's Psych; omnibus-gitlab's
config/software/libyaml.rb builds that release). PyYAML's pure-Python reader, scanner
and parser port an older libyaml, and on some texts they part from it: they refuse what
libyaml reads (a tab between tokens or inside a plain scalar, `?` inside
a flow plain scalar, `,` right after a tag in a flow collection, `|#` opening a block
scalar), read what libyaml refuses (`%YAML 1.3`, unknown directives, a tab where an
indentation space belongs, `:` before `,` in a flow plain scalar, `[? ]`), place some
nodes elsewhere (an empty value in a flow mapping, anything after a byte order mark), and
check control characters all at once where libyaml checks them 16 KiB at a time.

`Loader` is PyYAML's pure-Python loader with those parts overridden: each override names
the libyaml function (src/reader.c, src/scanner.c, src/parser.c of libyaml 0.2.5) whose
rule it follows, and raises libyaml's own error where it refuses a text. The errors that
PyYAML's code still raises keep PyYAML's words; `pure_errors` puts them in libyaml's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import yaml
from yaml.parser import ParserError
from yaml.reader import ReaderError
from yaml.scanner import ScannerError
from yaml.tokens import (
    AliasToken,
    AnchorToken,
    BlockEntryToken,
    BlockMappingStartToken,
    BlockSequenceStartToken,
    DirectiveToken,
    FlowEntryToken,
    FlowMappingEndToken,
    FlowMappingStartToken,
    FlowSequenceEndToken,
    FlowSequenceStartToken,
    KeyToken,
    ScalarToken,
    TagToken,
    ValueToken,
)

BREAKS = "\r\n\x85\u2028\u2029"
BREAKZ = "\0" + BREAKS
BLANKZ = " \t" + BREAKZ
# What may come between tokens: blanks, a comment, line breaks, a byte order mark.
SEPARATION = " \t#\ufeff" + BREAKS
ALPHA = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-")
DIGITS = frozenset("0123456789")
HEX = frozenset("0123456789ABCDEFabcdef")
# yaml_parser_scan_tag_uri: a tag's characters; a verbatim tag `!<...>` and a %TAG prefix
# may also hold `,`, `[` and `]`.
URI = ALPHA | frozenset(";/?:@&=+$.%!~*'()")
VERBATIM_URI = URI | frozenset(",[]")
# yaml_parser_update_buffer: the characters libyaml refuses.
NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# INPUT_RAW_BUFFER_SIZE: libyaml decodes (and checks) its input this many bytes at a time.
CHUNK_BYTES = 16384

SPACES = re.compile(" *")
BLANKS = re.compile("[ \t]*")
REST_OF_LINE = re.compile("[^\0\r\n\x85\u2028\u2029]*")
ALPHA_RUN = re.compile("[0-9A-Za-z_-]*")
DIGIT_RUN = re.compile("[0-9]*")
# yaml_parser_scan_plain_scalar: the characters of a plain scalar up to a blank or an
# indicator that ends it (`: `; in a flow collection also `,[]{}`, and `:` before
# `,?[]{}`, which libyaml refuses).
PLAIN_BLOCK_RUN = re.compile("(?:[^\0 \t\r\n\x85\u2028\u2029:]|:(?![\0 \t\r\n\x85\u2028\u2029]))*")
PLAIN_FLOW_RUN = re.compile("(?:[^\0 \t\r\n\x85\u2028\u2029:,\\[\\]{}]|:(?![\0 \t\r\n\x85\u2028\u2029,?\\[\\]{}]))*")
QUOTED_RUN = re.compile("[^'\"\\\\\0 \t\r\n\x85\u2028\u2029]*")

ESCAPES = {
    "0": "\0",
    "a": "\x07",
    "b": "\x08",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\x0b",
    "f": "\x0c",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
ESCAPE_DIGITS = {"x": 2, "u": 4, "U": 8}


def checked_before(text: str, position: int) -> int:
    """How many characters of `text` libyaml has read, checked and handed on before it
    reaches the 16 KiB block that holds the character at `position`."""
    encoded = text.encode("utf-8")
    block_start = len(text[:position].encode("utf-8")) // CHUNK_BYTES * CHUNK_BYTES
    # A character split by the block's start is decoded with the block.
    return len(encoded[:block_start].decode("utf-8", "ignore"))


class Reader(yaml.reader.Reader):
    """yaml_parser_update_buffer and the marks of scanner.c's SKIP.

    libyaml checks for control characters as it decodes each 16 KiB block, so a syntax
    error in an earlier block comes first, and it counts a byte order mark inside the text
    as a column like any other character (only a leading one is dropped, unseen).
    """

    def __init__(self, text: str) -> None:
        super().__init__("")
        self.refusal: ReaderError | None = None
        start = 1 if text.startswith("\ufeff") else 0  # yaml_parser_determine_encoding
        refused = NON_PRINTABLE.search(text)
        if refused is None:
            self.buffer = text[start:] + "\0"
            return
        # PyYAML's own words and place; pure_errors puts them in libyaml's.
        position = refused.start()
        self.refusal = ReaderError(
            "<unicode string>", position, ord(refused.group()), "unicode", "special characters are not allowed"
        )
        self.buffer = text[start : checked_before(text, position)]

    def ensure(self, length: int) -> None:
        """scanner.c's CACHE: libyaml reads ahead `length` characters here, and meets the
        refused block if they reach into it."""
        if self.refusal is not None and self.pointer + length > len(self.buffer):
            raise self.refusal

    def update(self, length: int) -> None:
        """PyYAML's Reader calls this when the scanner looks past the buffer."""
        self.ensure(length)

    def forward(self, length: int = 1) -> None:
        buffer = self.buffer
        if self.pointer + length >= len(buffer):
            self.update(length + 1)
        while length:
            character = buffer[self.pointer]
            self.pointer += 1
            self.index += 1
            if character in "\n\x85\u2028\u2029" or (character == "\r" and buffer[self.pointer] != "\n"):
                self.line += 1
                self.column = 0
            else:  # a byte order mark too
                self.column += 1
            length -= 1

    def skip(self, length: int) -> None:
        """Move over `length` characters known to hold no line break."""
        self.pointer += length
        self.index += length
        self.column += length

    def run(self, pattern: re.Pattern[str]) -> int:
        """The length of `pattern`'s match at the current character."""
        match = pattern.match(self.buffer, self.pointer)
        assert match is not None  # every pattern here matches the empty string
        return match.end() - self.pointer


class Scanner(Reader, yaml.scanner.Scanner):
    """scanner.c's rules where PyYAML's Scanner differs."""

    block_scalar_start: Any = None
    # Whether the queue holds the next token, ready to hand over: PyYAML asks again at
    # every check_token, which the parser calls several times for each token.
    ready = False

    # --- the token queue, as PyYAML's, asking whether more tokens are needed only when
    # the answer can have changed (a 2 MiB file holds a million tokens) -----------------------

    def fill(self) -> None:
        """Fetch tokens until the first one cannot still turn out to start a simple key
        (PyYAML's need_more_tokens, inlined)."""
        while not self.done:
            if self.tokens:
                if not self.possible_simple_keys:
                    break
                self.stale_possible_simple_keys()
                if self.next_possible_simple_key() != self.tokens_taken:
                    break
            self.fetch_more_tokens()
        self.ready = True

    # A simple key is saved at a flow level only when no deeper level holds one (closing a
    # level drops its key), so the keys are held in the order of their levels, which is
    # the order of their places: the stale ones come first, and the first is the nearest.
    # 10,000 nested `[` hold 10,000 keys, which PyYAML looks through at every token.

    def stale_possible_simple_keys(self) -> None:
        """yaml_parser_stale_simple_keys: a key must end on its line, within 1024 characters."""
        keys = self.possible_simple_keys
        while keys:
            level, key = next(iter(keys.items()))
            if key.line == self.line and self.index - key.index <= 1024:
                return
            if key.required:
                raise ScannerError(
                    "while scanning a simple key", key.mark, "could not find expected ':'", self.get_mark()
                )
            del keys[level]

    def next_possible_simple_key(self) -> Any:
        keys = self.possible_simple_keys
        return next(iter(keys.values())).token_number if keys else None

    def check_token(self, *choices: Any) -> bool:
        if not self.ready:
            self.fill()
        if not self.tokens:
            return False
        return not choices or isinstance(self.tokens[0], choices)

    def peek_token(self) -> Any:
        if not self.ready:
            self.fill()
        return self.tokens[0] if self.tokens else None

    def get_token(self) -> Any:
        if not self.ready:
            self.fill()
        if not self.tokens:
            return None
        self.ready = False
        self.tokens_taken += 1
        return self.tokens.pop(0)

    def fetch_more_tokens(self) -> None:
        """yaml_parser_fetch_next_token, finding the token's kind by its first character
        in a table (TOKEN_STARTS) instead of PyYAML's chain of tests, in the same order."""
        self.scan_to_next_token()
        self.stale_possible_simple_keys()
        self.unwind_indent(self.column)
        for check, fetch in TOKEN_STARTS.get(self.peek(), ()):
            if check is None or check(self):
                fetch(self)
                return
        if self.check_plain():
            self.fetch_plain()
            return
        mark = self.get_mark()
        raise ScannerError(
            "while scanning for the next token", mark, "found character that cannot start any token", mark
        )

    def in_block_context(self) -> bool:
        return not self.flow_level

    def scan_to_next_token(self) -> None:
        """yaml_parser_scan_to_next_token: a byte order mark may start any line; tabs
        separate tokens in a flow collection and where no simple key may start."""
        while True:
            if self.peek() not in SEPARATION:
                return
            if self.column == 0 and self.peek() == "\ufeff":
                self.forward()
            self.skip(self.run(BLANKS if self.flow_level or not self.allow_simple_key else SPACES))
            if self.peek() == "#":
                self.skip(self.run(REST_OF_LINE))
            if not self.scan_line_break():
                return
            if not self.flow_level:
                self.allow_simple_key = True

    def unwind_indent(self, column: int) -> None:
        """yaml_parser_fetch_next_token reads ahead four characters before each token."""
        super().unwind_indent(column)
        if self.refusal is not None:
            self.ensure(4)

    def fetch_stream_start(self) -> None:
        """yaml_parser_fetch_next_token reads the first block before the stream starts:
        a control character in it is refused before any event."""
        self.ensure(1)
        super().fetch_stream_start()

    def fetch_stream_end(self) -> None:
        """yaml_parser_fetch_stream_end: the stream ends at the start of a line, which
        leaves a simple key still open outside the flow collection at the end stale (and
        refused when required, by yaml_parser_stale_simple_keys), not forgotten."""
        if self.column:
            self.line += 1
            self.column = 0
        outer = [key for level, key in self.possible_simple_keys.items() if level != self.flow_level and key.required]
        super().fetch_stream_end()
        if outer:
            raise ScannerError(
                "while scanning a simple key", outer[0].mark, "could not find expected ':'", self.get_mark()
            )

    def fetch_flow_collection_end(self, TokenClass: Any) -> None:
        """yaml_parser_decrease_flow_level: a stray `]` or `}` leaves the block context."""
        super().fetch_flow_collection_end(TokenClass)
        self.flow_level = max(self.flow_level, 0)

    # --- directives: yaml_parser_scan_directive ---------------------------------------------

    def scan_directive(self) -> DirectiveToken:
        """Only %YAML and %TAG exist; any other name is refused."""
        start = self.get_mark()
        self.forward()
        name = self.directive_name(start)
        value: Any
        if name == "YAML":
            value = self.version_directive(start)
        elif name == "TAG":
            value = self.tag_directive(start)
        else:
            raise ScannerError("while scanning a directive", start, "found unknown directive name", self.get_mark())
        end = self.get_mark()
        self.end_of_line(start, "while scanning a directive")
        return DirectiveToken(name, value, start, end)

    def directive_name(self, start: Any) -> str:
        """yaml_parser_scan_directive_name."""
        length = self.run(ALPHA_RUN)
        if not length:
            raise ScannerError(
                "while scanning a directive", start, "could not find expected directive name", self.get_mark()
            )
        name = self.prefix(length)
        self.skip(length)
        if self.peek() not in BLANKZ:
            raise ScannerError(
                "while scanning a directive", start, "found unexpected non-alphabetical character", self.get_mark()
            )
        return name

    def version_directive(self, start: Any) -> tuple[int, int]:
        """yaml_parser_scan_version_directive_value: what follows the version is left to
        the end of the line."""
        self.skip(self.run(BLANKS))
        major = self.version_number(start)
        if self.peek() != ".":
            raise ScannerError(
                "while scanning a %YAML directive",
                start,
                "did not find expected digit or '.' character",
                self.get_mark(),
            )
        self.forward()
        return major, self.version_number(start)

    def version_number(self, start: Any) -> int:
        """yaml_parser_scan_version_directive_number: at most nine digits."""
        length = self.run(DIGIT_RUN)
        if length > 9:
            self.skip(9)
            raise ScannerError(
                "while scanning a %YAML directive", start, "found extremely long version number", self.get_mark()
            )
        if not length:
            raise ScannerError(
                "while scanning a %YAML directive", start, "did not find expected version number", self.get_mark()
            )
        number = int(self.prefix(length))
        self.skip(length)
        return number

    def tag_directive(self, start: Any) -> tuple[str, str]:
        """yaml_parser_scan_tag_directive_value."""
        self.skip(self.run(BLANKS))
        handle = self.tag_handle(start, directive=True)
        if self.peek() not in " \t":
            raise ScannerError(
                "while scanning a %TAG directive", start, "did not find expected whitespace", self.get_mark()
            )
        self.skip(self.run(BLANKS))
        prefix = self.tag_uri(start, directive=True, verbatim=True)
        if self.peek() not in BLANKZ:
            raise ScannerError(
                "while scanning a %TAG directive",
                start,
                "did not find expected whitespace or line break",
                self.get_mark(),
            )
        return handle, prefix

    def end_of_line(self, start: Any, context: str) -> None:
        """Blanks and a comment may end a directive's or a block scalar header's line."""
        self.skip(self.run(BLANKS))
        if self.peek() == "#":
            self.skip(self.run(REST_OF_LINE))
        if self.peek() not in BREAKZ:
            raise ScannerError(context, start, "did not find expected comment or line break", self.get_mark())
        self.scan_line_break()

    # --- tags: yaml_parser_scan_tag ---------------------------------------------------------

    def scan_tag(self) -> TagToken:
        """A tag ends at a blank, or at `,` in a flow collection; `!name` that is not a
        `!handle!` is the local tag `!name`."""
        start = self.get_mark()
        handle: str | None
        self.ensure(2)
        if self.peek(1) == "<":
            self.skip(2)
            handle, suffix = None, self.tag_uri(start, verbatim=True)
            if self.peek() != ">":
                raise ScannerError("while scanning a tag", start, "did not find the expected '>'", self.get_mark())
            self.forward()
        else:
            handle = self.tag_handle(start, directive=False)
            if len(handle) > 1 and handle.endswith("!"):
                suffix = self.tag_uri(start)
            else:
                suffix = self.tag_uri(start, head=handle)
                handle = "!"
                if not suffix:  # the non-specific tag `!`
                    handle, suffix = None, "!"
        after = self.peek()
        if after not in BLANKZ and not (self.flow_level and after == ","):
            raise ScannerError(
                "while scanning a tag", start, "did not find expected whitespace or line break", self.get_mark()
            )
        return TagToken((handle, suffix), start, self.get_mark())

    def tag_handle(self, start: Any, directive: bool) -> str:
        """yaml_parser_scan_tag_handle: `!`, `!!` or `!name!` (in a tag, also `!name`)."""
        if self.peek() != "!":
            context = "while scanning a tag directive" if directive else "while scanning a tag"
            raise ScannerError(context, start, "did not find expected '!'", self.get_mark())
        length = 1 + self.run_after(1, ALPHA_RUN)
        if self.peek(length) == "!":
            length += 1
        handle = self.prefix(length)
        self.skip(length)
        if directive and handle != "!" and not handle.endswith("!"):
            raise ScannerError("while parsing a tag directive", start, "did not find expected '!'", self.get_mark())
        return handle

    def run_after(self, offset: int, pattern: re.Pattern[str]) -> int:
        match = pattern.match(self.buffer, self.pointer + offset)
        assert match is not None
        return match.end() - self.pointer - offset

    def tag_uri(self, start: Any, directive: bool = False, verbatim: bool = False, head: str = "") -> str:
        """yaml_parser_scan_tag_uri: `head` is a `!name` scanned as a handle, which
        turned out to begin the suffix."""
        allowed = VERBATIM_URI if verbatim else URI
        chunks = [head[1:]]
        length = len(head)
        while self.peek() in allowed:
            if self.peek() == "%":
                chunks.append(self.uri_escapes(start, directive))
            else:
                chunks.append(self.peek())
                self.skip(1)
            length += 1
        if not length:
            context = "while parsing a %TAG directive" if directive else "while parsing a tag"
            raise ScannerError(context, start, "did not find expected tag URI", self.get_mark())
        return "".join(chunks)

    def uri_escapes(self, start: Any, directive: bool) -> str:
        """yaml_parser_scan_uri_escapes: `%XX` octets forming one UTF-8 character."""
        context = "while parsing a %TAG directive" if directive else "while parsing a tag"
        octets = bytearray()
        width = 0
        while not width or len(octets) < width:
            self.ensure(3)
            if not (self.peek() == "%" and self.peek(1) in HEX and self.peek(2) in HEX):
                raise ScannerError(context, start, "did not find URI escaped octet", self.get_mark())
            octet = int(self.prefix(3)[1:], 16)
            if not width:
                width = utf8_width(octet)
                if not width:
                    raise ScannerError(context, start, "found an incorrect leading UTF-8 octet", self.get_mark())
            elif octet & 0xC0 != 0x80:
                raise ScannerError(context, start, "found an incorrect trailing UTF-8 octet", self.get_mark())
            octets.append(octet)
            self.skip(3)
        # libyaml keeps the octets as they are, UTF-8 or not (yamlevents reads on here
        # when PyYAML's libyaml binding cannot decode them).
        return octets.decode("utf-8", "replace")

    # --- block scalars: yaml_parser_scan_block_scalar ---------------------------------------

    def scan_block_scalar_indicators(self, start_mark: Any) -> tuple[bool | None, int | None]:
        self.block_scalar_start = start_mark
        chomping: bool | None = None
        increment: int | None = None
        if self.peek() in "+-":
            chomping = self.peek() == "+"
            self.forward()
            if self.peek() in DIGITS:
                increment = self.indentation_indicator(start_mark)
        elif self.peek() in DIGITS:
            increment = self.indentation_indicator(start_mark)
            if self.peek() in "+-":
                chomping = self.peek() == "+"
                self.forward()
        return chomping, increment

    def indentation_indicator(self, start: Any) -> int:
        if self.peek() == "0":
            raise ScannerError(
                "while scanning a block scalar", start, "found an indentation indicator equal to 0", self.get_mark()
            )
        increment = int(self.peek())
        self.forward()
        return increment

    def scan_block_scalar_ignored_line(self, start_mark: Any) -> None:
        """Blanks (tabs too) and a comment may follow the indicators, even with no blank before `#`."""
        self.end_of_line(start_mark, "while scanning a block scalar")

    def scan_block_scalar_indentation(self) -> tuple[list[str], int, Any]:
        """yaml_parser_scan_block_scalar_breaks, finding the indentation: a tab among the
        leading spaces is refused."""
        chunks: list[str] = []
        max_indent = 0
        end_mark = self.get_mark()
        while True:
            self.skip(self.run(SPACES))
            max_indent = max(max_indent, self.column)
            self.refuse_tab_in_indentation()
            if self.peek() not in BREAKS:
                return chunks, max_indent, end_mark
            chunks.append(self.scan_line_break())
            end_mark = self.get_mark()

    def scan_block_scalar_breaks(self, indent: int) -> tuple[list[str], Any]:
        """yaml_parser_scan_block_scalar_breaks, the indentation known: a tab before it is refused."""
        chunks: list[str] = []
        end_mark = self.get_mark()
        while True:
            if self.column < indent:
                self.skip(min(self.run(SPACES), indent - self.column))
                if self.column < indent:
                    self.refuse_tab_in_indentation()
            if self.peek() not in BREAKS:
                return chunks, end_mark
            chunks.append(self.scan_line_break())
            end_mark = self.get_mark()

    def refuse_tab_in_indentation(self) -> None:
        if self.peek() == "\t":
            raise ScannerError(
                "while scanning a block scalar",
                self.block_scalar_start,
                "found a tab character where an indentation space is expected",
                self.get_mark(),
            )

    # --- quoted scalars: yaml_parser_scan_flow_scalar ---------------------------------------

    def scan_flow_scalar_non_spaces(self, double: bool, start_mark: Any) -> list[str]:
        """An escape is refused at its backslash; one naming a surrogate or a code past
        U+10FFFF is refused too."""
        chunks = []
        self.ensure(4)
        while True:
            length = self.run(QUOTED_RUN)
            if length:
                chunks.append(self.prefix(length))
                self.skip(length)
            self.ensure(2)
            character = self.peek()
            if not double and character == "'" and self.peek(1) == "'":
                chunks.append("'")
                self.skip(2)
            elif (double and character == "'") or (not double and character in '"\\'):
                chunks.append(character)
                self.skip(1)
            elif double and character == "\\":
                chunks.extend(self.escape(start_mark))
            else:
                return chunks

    def escape(self, start: Any) -> list[str]:
        code = self.peek(1)
        if code in ESCAPES:
            self.forward(2)
            return [ESCAPES[code]]
        if code in ESCAPE_DIGITS:
            self.skip(2)
            return [self.escaped_character(start, ESCAPE_DIGITS[code])]
        if code in BREAKS:
            self.skip(1)
            self.scan_line_break()
            return self.scan_flow_scalar_breaks(True, start)
        raise ScannerError("while parsing a quoted scalar", start, "found unknown escape character", self.get_mark())

    def escaped_character(self, start: Any, length: int) -> str:
        self.ensure(length)
        digits = ""
        for offset in range(length):
            digit = self.peek(offset)
            if digit not in HEX:
                raise ScannerError(
                    "while parsing a quoted scalar", start, "did not find expected hexdecimal number", self.get_mark()
                )
            digits += digit
        value = int(digits, 16)
        if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
            raise ScannerError(
                "while parsing a quoted scalar", start, "found invalid Unicode character escape code", self.get_mark()
            )
        self.skip(length)
        return chr(value)

    # --- plain scalars: yaml_parser_scan_plain_scalar ---------------------------------------

    def scan_plain(self) -> ScalarToken:
        """Tabs are blanks inside a plain scalar; in a flow collection `?` is part of it
        and `:` before `,?[]{}` is refused; after a line break, a tab left of the
        indentation is refused."""
        start_mark = self.get_mark()
        run = PLAIN_FLOW_RUN if self.flow_level else PLAIN_BLOCK_RUN
        # At least one character: fetch_more_tokens checked that one may start the scalar.
        length = self.run(run)
        chunks = [self.prefix(length)]
        self.skip(length)
        if self.refusal is not None:
            self.ensure(2)  # libyaml looks at the character after each one it takes
        end_mark = self.get_mark()
        indent = self.indent + 1
        broken = False  # whether the blanks after the last characters hold a line break
        while True:
            if self.flow_level and self.peek() == ":" and self.peek(1) in ",?[]{}":
                raise ScannerError("while scanning a plain scalar", start_mark, "found unexpected ':'", self.get_mark())
            if self.peek() not in " \t" + BREAKS:
                break
            between, broken = self.plain_blanks(indent, start_mark)
            if not self.flow_level and self.column < indent:
                break
            self.ensure(4)
            if (self.column == 0 and self.document_indicator()) or self.peek() == "#":
                break
            length = self.run(run)
            if length:
                chunks.append(between)
                chunks.append(self.prefix(length))
                self.skip(length)
                self.ensure(2)
                end_mark = self.get_mark()
                broken = False
        if broken:
            self.allow_simple_key = True
        return ScalarToken("".join(chunks), True, start_mark, end_mark)

    def plain_blanks(self, indent: int, start: Any) -> tuple[str, bool]:
        """The blanks and line breaks after a plain scalar's characters, folded; and
        whether they hold a line break."""
        whitespace = self.prefix(self.run(BLANKS))
        self.skip(len(whitespace))
        if self.peek() not in BREAKS:
            return whitespace, False
        first = self.scan_line_break()
        breaks = []
        while True:
            if self.column < indent:
                self.skip(min(self.run(SPACES), indent - self.column))
                if self.column < indent and self.peek() == "\t":
                    raise ScannerError(
                        "while scanning a plain scalar",
                        start,
                        "found a tab character that violates indentation",
                        self.get_mark(),
                    )
            self.skip(self.run(BLANKS))
            if self.peek() not in BREAKS:
                break
            breaks.append(self.scan_line_break())
        if first != "\n":
            return first + "".join(breaks), True
        return "".join(breaks) or " ", True

    def document_indicator(self) -> bool:
        return self.prefix(3) in ("---", "...") and self.peek(3) in BLANKZ


Fetch = Callable[[Scanner], Any]
TOKEN_STARTS: dict[str, tuple[tuple[Fetch | None, Fetch], ...]] = {
    "\0": ((None, Scanner.fetch_stream_end),),
    "%": ((Scanner.check_directive, Scanner.fetch_directive),),
    "-": (
        (Scanner.check_document_start, Scanner.fetch_document_start),
        (Scanner.check_block_entry, Scanner.fetch_block_entry),
    ),
    ".": ((Scanner.check_document_end, Scanner.fetch_document_end),),
    "[": ((None, Scanner.fetch_flow_sequence_start),),
    "{": ((None, Scanner.fetch_flow_mapping_start),),
    "]": ((None, Scanner.fetch_flow_sequence_end),),
    "}": ((None, Scanner.fetch_flow_mapping_end),),
    ",": ((None, Scanner.fetch_flow_entry),),
    "?": ((Scanner.check_key, Scanner.fetch_key),),
    ":": ((Scanner.check_value, Scanner.fetch_value),),
    "*": ((None, Scanner.fetch_alias),),
    "&": ((None, Scanner.fetch_anchor),),
    "!": ((None, Scanner.fetch_tag),),
    "|": ((Scanner.in_block_context, Scanner.fetch_literal),),
    ">": ((Scanner.in_block_context, Scanner.fetch_folded),),
    "'": ((None, Scanner.fetch_single),),
    '"': ((None, Scanner.fetch_double),),
}


def utf8_width(octet: int) -> int:
    """The length of the UTF-8 sequence `octet` leads, 0 when it cannot lead one."""
    for width, (mask, lead) in enumerate(((0x80, 0x00), (0xE0, 0xC0), (0xF0, 0xE0), (0xF8, 0xF0)), start=1):
        if octet & mask == lead:
            return width
    return 0


class Parser(Scanner, yaml.parser.Parser):
    """parser.c's rules where PyYAML's Parser differs."""

    def parse_node(self, block: bool = False, indentless_sequence: bool = False) -> Any:
        """yaml_parser_parse_node, as PyYAML's, looking at each token once."""
        token = self.peek_token()
        if type(token) is AliasToken:
            self.get_token()
            self.state = self.states.pop()
            return yaml.AliasEvent(token.value, token.start_mark, token.end_mark)
        anchor = tag = tag_mark = None
        start_mark = end_mark = token.start_mark
        for _ in range(2):  # an anchor and a tag, in either order
            if type(token) is AnchorToken and anchor is None:
                anchor, end_mark = token.value, token.end_mark
            elif type(token) is TagToken and tag_mark is None:
                tag, tag_mark, end_mark = token.value, token.start_mark, token.end_mark
            else:
                break
            self.get_token()
            token = self.peek_token()
        if tag is not None:
            tag = self.resolve_tag(tag, start_mark, tag_mark)
        implicit = tag is None or tag == "!"
        kind = type(token)
        if indentless_sequence and kind is BlockEntryToken:
            self.state = self.parse_indentless_sequence_entry
            return yaml.SequenceStartEvent(anchor, tag, implicit, start_mark, token.end_mark)
        if kind is ScalarToken:
            self.get_token()
            self.state = self.states.pop()
            if (token.plain and tag is None) or tag == "!":
                implicit_pair = (True, False)
            else:
                implicit_pair = (False, tag is None)
            return yaml.ScalarEvent(
                anchor, tag, implicit_pair, token.value, start_mark, token.end_mark, style=token.style
            )
        if kind is FlowSequenceStartToken:
            self.state = self.parse_flow_sequence_first_entry
            return yaml.SequenceStartEvent(anchor, tag, implicit, start_mark, token.end_mark, flow_style=True)
        if kind is FlowMappingStartToken:
            self.state = self.parse_flow_mapping_first_key
            return yaml.MappingStartEvent(anchor, tag, implicit, start_mark, token.end_mark, flow_style=True)
        if block and kind is BlockSequenceStartToken:
            self.state = self.parse_block_sequence_first_entry
            return yaml.SequenceStartEvent(anchor, tag, implicit, start_mark, token.start_mark, flow_style=False)
        if block and kind is BlockMappingStartToken:
            self.state = self.parse_block_mapping_first_key
            return yaml.MappingStartEvent(anchor, tag, implicit, start_mark, token.start_mark, flow_style=False)
        if anchor is not None or tag is not None:
            self.state = self.states.pop()
            return yaml.ScalarEvent(anchor, tag, (implicit, False), "", start_mark, end_mark)
        context = "while parsing a block node" if block else "while parsing a flow node"
        raise ParserError(context, start_mark, "did not find expected node content", token.start_mark)

    def resolve_tag(self, tag: tuple[str | None, str], start_mark: Any, tag_mark: Any) -> str:
        handle, suffix = tag
        if handle is None:
            return suffix
        if handle not in self.tag_handles:
            raise ParserError("while parsing a node", start_mark, "found undefined tag handle", tag_mark)
        return self.tag_handles[handle] + suffix

    def process_directives(self) -> tuple[Any, Any]:
        """yaml_parser_process_directives: YAML 1.1 and 1.2 only."""
        version: tuple[int, int] | None = None
        handles: dict[str, str] = {}
        while self.check_token(DirectiveToken):
            token = self.get_token()
            if token.name == "YAML":
                if version is not None:
                    raise ParserError(None, None, "found duplicate %YAML directive", token.start_mark)
                if token.value[0] != 1 or token.value[1] not in (1, 2):
                    raise ParserError(None, None, "found incompatible YAML document", token.start_mark)
                version = token.value
            else:
                handle, prefix = token.value
                if handle in handles:
                    raise ParserError(None, None, "found duplicate %TAG directive", token.start_mark)
                handles[handle] = prefix
        self.yaml_version = version
        self.tag_handles = {**self.DEFAULT_TAGS, **handles}
        return version, (dict(handles) if handles else None)

    def parse_flow_sequence_entry_mapping_key(self) -> Any:
        """yaml_parser_parse_flow_sequence_entry_mapping_key (0.2.5): after `?` with no
        key, the next token (`:`, `,` or `]`) is taken too, so that `[? ]` is refused."""
        self.get_token()
        if not self.check_token(ValueToken, FlowEntryToken, FlowSequenceEndToken):
            self.states.append(self.parse_flow_sequence_entry_mapping_value)
            return self.parse_flow_node()
        token = self.get_token()
        self.state = self.parse_flow_sequence_entry_mapping_value
        return self.process_empty_scalar(token.end_mark)

    def parse_flow_sequence_entry_mapping_value(self) -> Any:
        """yaml_parser_parse_flow_sequence_entry_mapping_value: an empty value is placed
        at the token after it."""
        if self.check_token(ValueToken):
            self.get_token()
            if not self.check_token(FlowEntryToken, FlowSequenceEndToken):
                self.states.append(self.parse_flow_sequence_entry_mapping_end)
                return self.parse_flow_node()
        self.state = self.parse_flow_sequence_entry_mapping_end
        return self.process_empty_scalar(self.peek_token().start_mark)

    def parse_flow_mapping_key(self, first: bool = False) -> Any:
        """yaml_parser_parse_flow_mapping_key: an empty key after `?` is placed at the
        token after it."""
        if not self.check_token(FlowMappingEndToken):
            if not first:
                if not self.check_token(FlowEntryToken):
                    token = self.peek_token()
                    raise ParserError(
                        "while parsing a flow mapping",
                        self.marks[-1],
                        "did not find expected ',' or '}'",
                        token.start_mark,
                    )
                self.get_token()
            if self.check_token(KeyToken):
                self.get_token()
                if not self.check_token(ValueToken, FlowEntryToken, FlowMappingEndToken):
                    self.states.append(self.parse_flow_mapping_value)
                    return self.parse_flow_node()
                self.state = self.parse_flow_mapping_value
                return self.process_empty_scalar(self.peek_token().start_mark)
            if not self.check_token(FlowMappingEndToken):
                self.states.append(self.parse_flow_mapping_empty_value)
                return self.parse_flow_node()
        token = self.get_token()
        self.state = self.states.pop()
        self.marks.pop()
        return yaml.MappingEndEvent(token.start_mark, token.end_mark)

    def parse_flow_mapping_value(self) -> Any:
        """yaml_parser_parse_flow_mapping_value: an empty value is placed at the token after it."""
        if self.check_token(ValueToken):
            self.get_token()
            if not self.check_token(FlowEntryToken, FlowMappingEndToken):
                self.states.append(self.parse_flow_mapping_key)
                return self.parse_flow_node()
        self.state = self.parse_flow_mapping_key
        return self.process_empty_scalar(self.peek_token().start_mark)


class Loader(Parser):
    """Reads a text into PyYAML's events, as libyaml 0.2.5 reads it."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


def parse(text: str) -> Iterator[Any]:
    """The events of `text` (`yaml.parse` with this loader); PyYAML's errors as they come."""
    loader = Loader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()
