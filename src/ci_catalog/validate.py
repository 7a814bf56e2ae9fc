"""Schema-check a rendered file: its `spec` header and its rendered content.

GitLab's schema describes both documents: the header as `{spec: ...}` (where, for
example, an untyped input with a non-string default is refused) and the content as a
pipeline.
"""

from __future__ import annotations

from ci_catalog.problems import Problem
from ci_catalog.render import RenderResult
from ci_catalog.schema import validate_document


def schema_problems(result: RenderResult) -> list[Problem]:
    """Header and content problems of a render that succeeded (or header-only on failure)."""
    loaded = result.loaded
    problems: list[Problem] = []
    if loaded.header is not None and "spec" in loaded.header:
        header = {"spec": loaded.header["spec"]}
        problems += validate_document(header, loaded.header_marks, loaded.path)
    if result.ok:
        problems += validate_document(result.data, result.marks, loaded.path)
    return problems
