"""Stage 6: lint rules for component authors, run over files or a whole catalog."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ci_catalog.catalog import discover_templates, load_catalog
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
    problems: list[Problem] = list(catalog.problems)
    files = sorted(path for path in (root / "templates").rglob("*") if path.is_file())
    for rule in config.enabled("catalog"):
        problems.extend(rule.check(CatalogContext(root, catalog, rule.ID, config.severity_of(rule), files)))
    for path in discover_templates(root).values():
        problems.extend(lint_file(path, config))
    return sort_problems(problems)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line, p.column, p.code, p.message))
