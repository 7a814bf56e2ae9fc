"""Inline suppressions: `# ci-catalog: ignore[rule-id, other-id]` at the end of a line."""

from __future__ import annotations

import re

from ci_catalog.problems import Problem

_COMMENT = re.compile(r"#\s*ci-catalog:\s*ignore(?:\[([^\]]*)\])?")


def suppressed_on_lines(text: str) -> dict[int, set[str] | None]:
    """Line number -> the rule ids ignored on it (None: every rule)."""
    found: dict[int, set[str] | None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _COMMENT.search(line)
        if match:
            ids = match.group(1)
            found[number] = None if ids is None else {item.strip() for item in ids.split(",") if item.strip()}
    return found


def drop_suppressed(problems: list[Problem], text: str) -> list[Problem]:
    ignored = suppressed_on_lines(text)

    def kept(problem: Problem) -> bool:
        ids = ignored.get(problem.line, set())
        return ids is not None and problem.code not in ids

    return [problem for problem in problems if kept(problem)]
