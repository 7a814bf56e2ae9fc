"""Ruby's text forms of values, where GitLab's output depends on them.

GitLab writes an input that is embedded in a longer string with Ruby's `to_s` (arrays
and hashes through `inspect`), inserts it with `String#gsub` (whose replacement string
gives backslash sequences a meaning), and escapes with `Shellwords.shellescape`. A
faithful renderer has to produce the same characters, so those Ruby behaviours are
re-created here (from Ruby's documented semantics, for Ruby 3.3 as GitLab 18 runs it).
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

_DBL_DIG_FIXED = 15  # Float#to_s switches to exponent form at 16 integer digits (1.0e+15)


def float_to_s(value: float) -> str:
    """Ruby `Float#to_s`: shortest round-trip digits, `1.0e+15` from 16 integer digits on."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    digits, point = _shortest_digits(abs(value))
    if 0 < point <= _DBL_DIG_FIXED:
        whole = digits[:point].ljust(point, "0")
        fraction = digits[point:] or "0"
        return f"{sign}{whole}.{fraction}"
    if -4 < point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    exponent = point - 1
    return f"{sign}{digits[0]}.{digits[1:] or '0'}e{exponent:+03d}"


def _shortest_digits(value: float) -> tuple[str, int]:
    """Significant digits and the decimal point's position (`0.5` -> ("5", 0))."""
    if value == 0:
        return "0", 1
    mantissa, _, exponent = f"{value!r}".partition("e")
    if "." not in mantissa:
        mantissa += "."
    whole, fraction = mantissa.split(".")
    digits = (whole + fraction).lstrip("0")
    leading_zeros = len(whole + fraction) - len((whole + fraction).lstrip("0"))
    point = len(whole) - leading_zeros + int(exponent or 0)
    return digits.rstrip("0") or "0", point


def ruby_to_s(value: Any, symbol_keys: bool = True) -> str:
    """Ruby `to_s` of a YAML/JSON value: nil is empty, arrays and hashes are `inspect`ed."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return ruby_inspect(value, symbol_keys)
    return _scalar_text(value)


def _scalar_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return float_to_s(value)
    return str(value)


_STRING_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\f": "\\f",
    "\v": "\\v",
    "\a": "\\a",
    "\b": "\\b",
    "\x1b": "\\e",
}


def ruby_inspect(value: Any, symbol_keys: bool = True) -> str:
    """Ruby 3.3 `inspect`: `["a", 1, nil]`, `{:key=>"v"}`.

    Hash keys are symbols in included YAML (GitLab deep-symbolizes it) and strings where
    GitLab reads values with indifferent access (expression variables): `symbol_keys`.
    """
    if value is None:
        return "nil"
    if isinstance(value, str):
        return _inspect_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(ruby_inspect(item, symbol_keys) for item in value) + "]"
    if isinstance(value, dict):
        keys = _inspect_symbol if symbol_keys else _inspect_string
        pairs = (f"{keys(str(k))}=>{ruby_inspect(v, symbol_keys)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    return _scalar_text(value)


def _inspect_string(text: str) -> str:
    out = ['"']
    for index, char in enumerate(text):
        if char in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[char])
        elif char == "#" and text[index + 1 : index + 2] in ("{", "$", "@"):
            out.append("\\#")
        elif not char.isprintable() and unicodedata.category(char) != "Zs":
            # Ruby prints spaces such as U+00A0 as they are; Python calls them unprintable.
            out.append(f"\\u{ord(char):04X}" if ord(char) <= 0xFFFF else f"\\u{{{ord(char):X}}}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


_PLAIN_SYMBOL = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*[?!=]?\Z")


def _inspect_symbol(name: str) -> str:
    return f":{name}" if _PLAIN_SYMBOL.match(name) else f":{_inspect_string(name)}"


def gsub_literal(text: str, pattern: str, replacement: str) -> str:
    """Ruby `text.gsub(pattern, replacement)` with a String pattern and String replacement.

    The replacement's backslash sequences are live: `\\0`/`\\&` the match, `` \\` `` the
    text before it, `\\'` the text after it, `\\\\` one backslash, `\\1`..`\\9` and
    `\\k<name>` empty groups (a String pattern has none).
    """
    if not pattern:
        return text
    pieces: list[str] = []
    start = 0
    while (found := text.find(pattern, start)) >= 0:
        pieces.append(text[start:found])
        end = found + len(pattern)
        pieces.append(_expand_replacement(replacement, text, found, end))
        start = end
    pieces.append(text[start:])
    return "".join(pieces)


def _expand_replacement(replacement: str, text: str, start: int, end: int) -> str:
    if "\\" not in replacement:
        return replacement
    out: list[str] = []
    index = 0
    while index < len(replacement):
        char = replacement[index]
        following = replacement[index + 1 : index + 2]
        if char != "\\" or not following:
            out.append(char)
            index += 1
            continue
        index += 2
        if following in ("0", "&"):
            out.append(text[start:end])
        elif following == "`":
            out.append(text[:start])
        elif following == "'":
            out.append(text[end:])
        elif following == "\\":
            out.append("\\")
        elif following.isdigit():
            pass
        elif following == "k" and (named := re.match(r"<\w+>", replacement[index:])):
            index += named.end()
        else:
            out.append("\\" + following)
    return "".join(out)


_SHELL_SAFE = re.compile(r"[^A-Za-z0-9_\-.,:+/@\n]")


class ShellEscapeError(ValueError):
    """Ruby's Shellwords refuses a NUL character."""


def shellescape(text: str) -> str:
    """Ruby `Shellwords.shellescape`."""
    if "\0" in text:
        raise ShellEscapeError("NUL character")
    if not text:
        return "''"
    escaped = _SHELL_SAFE.sub(lambda match: "\\" + match.group(0), text)
    return escaped.replace("\n", "'\n'")
