"""Durations as GitLab reads them: its ChronicDuration parser, and the checks built on it.

`timeout`, `start_in`, `artifacts:expire_in` and friends are parsed by the copy of the
`gitlab-chronic-duration` gem GitLab ships (lib/chronic_duration.rb, with
`raise_exceptions` on): an unknown word is an error, and a duration of zero parses to
nothing. The checks are `validate_duration` and `validate_duration_limit` of
lib/gitlab/config/entry/legacy_validation_helpers.rb, and `never` is a duration where
Gitlab::Ci::Build::DurationParser is the parser.
"""

from __future__ import annotations

import re
from typing import Any

_FLOAT = re.compile(r"[0-9]*\.?[0-9]+")
_CLOCK = re.compile(r"^[0-9]+:[0-9]+(:[0-9]+){0,4}(\.[0-9]*)?$", re.MULTILINE)
_UNITS = ("seconds", "minutes", "hours", "days", "weeks", "months", "years")
_SECONDS = {
    "seconds": 1,
    "minutes": 60,
    "hours": 3600,
    "days": 86400,
    "weeks": 86400 * 7,  # days_per_month (30) / 4 full weeks a month
    "months": 86400 * 30,
    "years": 31_557_600,
}
_WORDS = {
    **dict.fromkeys(("seconds", "second", "secs", "sec", "s"), "seconds"),
    **dict.fromkeys(("minutes", "minute", "mins", "min", "m"), "minutes"),
    **dict.fromkeys(("hours", "hour", "hrs", "hr", "h"), "hours"),
    **dict.fromkeys(("days", "day", "dy", "d"), "days"),
    **dict.fromkeys(("weeks", "week", "wks", "wk", "w"), "weeks"),
    **dict.fromkeys(("months", "mo", "mos", "month"), "months"),
    **dict.fromkeys(("years", "year", "yrs", "yr", "y"), "years"),
}
_JOIN_WORDS = ("and", "with", "plus")

ONE_WEEK = 7 * 86400
# Project::MAX_BUILD_TIMEOUT is `1.month`, which ActiveSupport counts as 30.436875 days.
ONE_MONTH = 2_629_746


class DurationError(ValueError):
    """ChronicDuration::DurationParseError: a word the parser does not know."""


def parse(text: str) -> float | None:
    """ChronicDuration.parse: seconds, or None for a duration of zero."""
    words = _cleanup(text).split()
    total: float = 0
    last_unit: str | None = None
    for index, word in enumerate(words):
        if not _FLOAT.search(word):
            continue
        following = words[index + 1] if index + 1 < len(words) else None
        if following in _UNITS:
            unit = last_unit = following
        elif last_unit is not None:
            # A bare number after a unit counts in the next smaller unit ("1 hour 30").
            unit = last_unit = _UNITS[max(_UNITS.index(last_unit) - 1, 0)]
        else:
            unit = "seconds"
        total += _number(word) * _SECONDS[unit]
    return None if total == 0 else total


def _number(word: str) -> float:
    """Ruby's `to_f`/`to_i` of the leading number of a word."""
    match = re.match(r"[0-9]*\.?[0-9]+", word)
    value = float(match.group(0)) if match else 0.0
    return value if value % 1 else int(value)


def _cleanup(text: str) -> str:
    lowered = _clock_to_words(text.lower())
    spaced = re.sub(r" +", " ", _FLOAT.sub(lambda match: f" {match.group(0)} ", lowered)).strip()
    return _known_words(spaced)


def _clock_to_words(text: str) -> str:
    """`3:41:59` as `3 hours 41 minutes 59 seconds`."""
    compact = text.replace(" ", "")
    if not _CLOCK.search(compact):
        return text
    units = [unit for unit in _UNITS if unit != "weeks"]
    parts = list(reversed(compact.split(":")))
    if len(parts) > len(units):
        return ""
    return " ".join(f"{part} {units[index]}" for index, part in reversed(list(enumerate(parts))))


def _known_words(text: str) -> str:
    kept: list[str] = []
    for word in text.split():
        if _FLOAT.search(word):
            kept.append(word.strip())
            continue
        stripped = re.sub(r",$", "", re.sub(r"^,", "", word.strip()))
        if stripped in _WORDS:
            kept.append(_WORDS[stripped])
        elif stripped not in _JOIN_WORDS:
            raise DurationError(f"An invalid word {word!r} was used in the string to be parsed.")
    if kept and kept[0] in _WORDS:
        kept.insert(0, "1")
    return " ".join(kept)


def is_duration(value: Any, never: bool = False) -> bool:
    """`validate_duration`: a string that parses to a non-zero duration.

    With GitLab's build DurationParser (`never`), `never` is one, and a duration of
    zero passes too: that parser only fails on a word it does not know.
    """
    if not isinstance(value, str):
        return False
    if never and value.lower() == "never":
        return True
    try:
        seconds = parse(value)
    except DurationError:
        return False
    return never or seconds is not None


def within(value: Any, limit: float) -> bool:
    """`validate_duration_limit`: parses and is no longer than the limit.

    GitLab compares `value.from_now < limit.from_now` with two calls to `Time.now`, the
    second one later: a duration equal to the limit passes.
    """
    if not isinstance(value, str):
        return False
    try:
        seconds = parse(value)
    except DurationError:
        return False
    return seconds is not None and seconds <= limit
