"""Text that is safe to print: control characters shown as escapes, never sent to the terminal raw.

A name, a description, a job name or a message read from a file or a server can hold
ESC sequences that clear the screen, move the cursor or retitle the window, a carriage
return that overprints a line with a fake verdict, or bidirectional overrides that show
text in another order than it is. `shown` writes each as a visible escape (`\\x1b`,
`\\r`, `\\u202e`), so what a reader sees is what is there. A lone surrogate (a byte of a
file name that is not UTF-8, as Python decodes it) becomes that byte's `\\xff` escape.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, the line and paragraph separators, bidirectional controls,
# and lone surrogates. Tab and line feed are kept only where a caller asks.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: str, keep: str = "") -> str:
    """`text` with every control character escaped, except those in `keep` (say "\\n\\t")."""
    if not keep:
        return _UNSAFE.sub(_escape, text)
    return _UNSAFE.sub(lambda match: match.group() if match.group() in keep else _escape(match), text)
