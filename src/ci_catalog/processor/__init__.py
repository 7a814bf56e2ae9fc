"""Stage 6: GitLab's YAML processor - what GitLab checks before it creates a pipeline.

After the JSON schema, the configuration goes where GitLab's server takes it
(lib/gitlab/ci/config.rb, lib/gitlab/ci/yaml_processor.rb), in its order:

1. `extends` merged (extends.py) - a failure stops here, with one message;
2. `!reference` tags resolved (references.py) - likewise;
3. `.pre`/`.post` added to `stages` (stages.py);
4. every keyword checked, as GitLab's configuration entries check it (root.py, jobs.py
   and the modules they use, on entry.py) - all the problems found are reported;
5. only then the logical checks (logic.py): stages, needs, dependencies, environments,
   cycles - GitLab reports the first.

A component's body is checked as an include of it would be: in a pipeline that defines
the default stages and every stage its jobs name, and that may define what its jobs
extend, reference or need, and visible jobs of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_catalog.problems import Marks, Problem, format_json_path
from ci_catalog.processor.extends import extend_all
from ci_catalog.processor.includes import include_source_error
from ci_catalog.processor.jobs import Bridge, Job
from ci_catalog.processor.logic import check_logic
from ci_catalog.processor.references import resolve_references
from ci_catalog.processor.root import InheritError, check_tree, left_to_includes
from ci_catalog.processor.stages import inject_edges, stages_for_include

EMPTY_FILE = "Please provide content of .gitlab-ci.yml"
CODE = "gitlab"

Path = tuple[Any, ...]


@dataclass
class Processed:
    """The configuration as GitLab builds it, and what GitLab refuses in it."""

    data: Any
    marks: Marks
    problems: list[Problem] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    built: bool = True
    """False when GitLab stops before checking keywords (an include of no kind, `extends`,
    a `!reference`, a keyword both at the top and in `default:`): one message only."""
    incomplete: frozenset[str] = frozenset()
    """Top-level keys an unmerged include would complete: not checked."""


def process(
    document: Any,
    marks: Marks,
    file: str,
    component: bool = False,
    blank_file: bool = False,
    partial: bool | None = None,
) -> Processed:
    """Run GitLab's YAML processor over a rendered document.

    `partial`: the document's `include:` entries were not merged into it (by default,
    when it has any), so what it extends, references or needs may be in them.
    """
    result = Processed(document, marks)
    if blank_file:
        _fail(result, file, EMPTY_FILE, ())
        return result
    if not isinstance(document, dict):
        return result
    unmerged = bool(document.get("include")) if partial is None else partial
    # A component's body, like a file with unmerged includes, may use what the including
    # pipeline (or another component it includes) defines.
    partial = component or unmerged
    wrong_include = include_source_error(document)
    if wrong_include is not None:
        _fail(result, file, *wrong_include)
        return result
    extended = extend_all(document, marks, partial)
    if extended.error is not None:
        _fail(result, file, extended.error.message, extended.error.path)
        return result
    resolved = resolve_references(extended.data, extended.marks, partial)
    if resolved.error is not None:
        _fail(result, file, resolved.error.message, resolved.error.path)
        return result
    data = stages_for_include(resolved.data) if component else resolved.data
    result.data, result.marks = inject_edges(data), resolved.marks
    incomplete = extended.incomplete | resolved.incomplete
    if unmerged:
        incomplete |= left_to_includes(result.data)
    result.incomplete = frozenset(incomplete)
    _check(result, file, component, partial)
    return result


def _check(result: Processed, file: str, component: bool, partial: bool) -> None:
    try:
        root = check_tree(result.data, component, partial, result.incomplete, result.marks.key_types)
    except InheritError as error:
        _fail(result, file, error.message, error.path)
        return
    for problem in root.errors():
        _add(result, file, problem.message, problem.path)
    if result.problems:
        return
    jobs_entry = root.entries.get("jobs")
    jobs = {
        name: entry.config
        for name, entry in (jobs_entry.entries.items() if jobs_entry else [])
        if isinstance(entry, (Job, Bridge))
    }
    for found in check_logic(result.data, jobs, partial):
        _add(result, file, found.message, found.path)


def _fail(result: Processed, file: str, message: str, path: Path) -> None:
    result.built = False
    _add(result, file, message, path)


def _add(result: Processed, file: str, message: str, path: Path) -> None:
    line, column = result.marks.find(path)
    result.problems.append(Problem(message, file, line, column, json_path=format_json_path(path), code=CODE))
    result.paths.append(path)
