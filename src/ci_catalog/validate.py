"""Check a rendered file as GitLab would: its `spec` header, then its content.

GitLab's schema describes both documents: the header as `{spec: ...}` (where, for
example, an untyped input with a non-string default is refused) and the content as a
pipeline. The content then goes through GitLab's YAML processor (`ci_catalog.processor`),
whose verdict wins where the two disagree: the schema sees the configuration as the
processor built it (`extends` merged, `!reference` tags resolved), and a schema problem
is kept only where the processor has no say (`processor.verdict`).
"""

from __future__ import annotations

from typing import Any

from ci_catalog.problems import Marks, Problem
from ci_catalog.processor import Processed, process
from ci_catalog.processor.verdict import keep_schema_problem
from ci_catalog.render import RenderResult
from ci_catalog.schema import validate_document


def schema_problems(result: RenderResult) -> list[Problem]:
    """Header and content problems of a render that succeeded (or header-only on failure).

    A file with a `spec` header is a component: its content is checked as an include of
    it would be (processor.process, `component`).
    """
    loaded = result.loaded
    problems: list[Problem] = []
    if loaded.header is not None and "spec" in loaded.header:
        header = {"spec": loaded.header["spec"]}
        problems += validate_document(header, loaded.header_marks, loaded.path)
    if result.ok:
        blank_file = not loaded.text.strip()
        problems += checked_content(result.data, result.marks, loaded.path, loaded.has_header, blank_file).problems
    return problems


def checked_content(
    data: Any,
    marks: Marks,
    path: str,
    component: bool = False,
    blank_file: bool = False,
    partial: bool | None = None,
) -> Processed:
    """The configuration as GitLab's processor builds it (`extends` merged, `!reference`
    resolved), with what GitLab refuses in it: the processor's problems, then the schema's."""
    processed = process(data, marks, path, component=component, blank_file=blank_file, partial=partial)
    if not processed.built:
        return processed
    reported = processed.paths
    incomplete = processed.incomplete

    def keep(where: tuple[Any, ...]) -> bool:
        return not (where and where[0] in incomplete) and keep_schema_problem(where, reported)

    processed.problems += validate_document(processed.data, processed.marks, path, keep=keep)
    return processed
