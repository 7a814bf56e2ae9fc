"""Stage 6: lint rules for component authors, run over files or a whole catalog."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ci_catalog.catalog import load_catalog
from ci_catalog.lint.context import CatalogContext, FileContext
from ci_catalog.lint.suppress import drop_suppressed
from ci_catalog.loading import LoadedFile, load_path, load_text
from ci_catalog.problems import Problem

if TYPE_CHECKING:  # the configuration imports every rule: only linting should pay for that
    from ci_catalog.lint.config import LintConfig


def lint_loaded(loaded: LoadedFile, config: LintConfig) -> list[Problem]:
    """Every enabled file rule over one loaded file, minus inline suppressions."""
    if loaded.problems:
        return list(loaded.problems)
    problems: list[Problem] = []
    for rule in config.enabled("file"):
        problems.extend(rule.check(FileContext(loaded, rule.ID, config.severity_of(rule))))
    return sort_problems(drop_suppressed(problems, loaded.text))


def lint_text(text: str, path: str, config: LintConfig | None = None) -> list[Problem]:
    from ci_catalog.lint.config import LintConfig  # see the TYPE_CHECKING import

    return lint_loaded(load_text(text, path), config or LintConfig())


def lint_file(path: Path, config: LintConfig) -> list[Problem]:
    return lint_loaded(load_path(path), config)


def lint_catalog(root: Path, config: LintConfig) -> list[Problem]:
    """Catalog rules over the folder, then file rules over each component."""
    catalog = load_catalog(root)
    problems = unique_problems(catalog.problems + config.problems)
    for rule in config.enabled("catalog"):
        problems.extend(rule.check(CatalogContext(root, catalog, rule.ID, config.severity_of(rule), catalog.files)))
    for component in catalog.components:
        problems.extend(lint_file(component.path, config))
    return sort_problems(problems)


def unique_problems(problems: list[Problem]) -> list[Problem]:
    """Each problem once, though two readers of one file (by two names of it) found it."""
    found: dict[tuple[str, int, int, str], Problem] = {}
    for problem in problems:
        found.setdefault((os.path.realpath(problem.file), problem.line, problem.column, problem.message), problem)
    return list(found.values())


def sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line, p.column, p.code, p.message))
