"""`ci-catalog lint` and `ci-catalog rules`: run the lint rules, or show their documentation."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection, Iterable
from pathlib import Path

from ci_catalog.catalog import discover_templates, template_files
from ci_catalog.cli.catalog_folder import NAME_A_FILE, catalog_folder
from ci_catalog.cli.progress import Progress
from ci_catalog.exits import Exit, UsageError
from ci_catalog.lint import lint_catalog, lint_files, sort_problems, unique_problems
from ci_catalog.lint.cache import FindingsCache, findings_cache
from ci_catalog.lint.config import LintConfig, find_config
from ci_catalog.problems import Problem
from ci_catalog.report import FORMATS, Report
from ci_catalog.writing import write_text


def lint_targets(paths: list[str], cache: bool = False) -> tuple[list[Problem], list[str]]:
    """Findings for each path (a catalog folder, or a file), and the files looked at.

    Files under one configuration are linted as one batch; with `cache`, findings come
    from and go to the findings cache.
    """
    targets: list[tuple[Path, LintConfig]] = []
    for name in paths or ["."]:
        path = Path(name)
        if path.is_dir():
            catalog_folder(name, NAME_A_FILE)
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        targets.append((path, _config_for(path)))
    progress = Progress(sum(len(discover_templates(path)) if path.is_dir() else 1 for path, _ in targets), "files")
    progress.phase("linting")
    found: dict[int, list[Problem]] = {}
    checked: list[str] = []
    try:
        for number, (path, config) in enumerate(targets):
            if path.is_dir():
                found[number] = lint_catalog(path, config, _cache(config, cache), progress.advance)
                checked += [str(file) for file in template_files(path).files if file.suffix == ".yml"]
            else:
                checked.append(str(path))
        files = [(number, path, config) for number, (path, config) in enumerate(targets) if not path.is_dir()]
        for config in _distinct(config for _, _, config in files):
            group = {str(path): number for number, path, same in files if same == config}
            for problem in lint_files(map(Path, group), config, _cache(config, cache), progress.advance):
                found.setdefault(group[problem.file], []).append(problem)
    finally:
        progress.close()
    problems = [problem for number in sorted(found) for problem in found[number]]
    problems += [problem for _, config in targets for problem in config.problems]
    return sort_problems(unique_problems(problems)), checked


def _cache(config: LintConfig, enabled: bool) -> FindingsCache | None:
    return findings_cache(config) if enabled else None


def _distinct(configs: Iterable[LintConfig]) -> list[LintConfig]:
    found: list[LintConfig] = []
    for config in configs:
        if config not in found:
            found.append(config)
    return found


def _config_for(path: Path) -> LintConfig:
    return find_config(path if path.exists() else Path.cwd())


def lint(args: argparse.Namespace) -> int:
    problems, checked = lint_targets(args.paths, cache=not args.no_cache)
    output = FORMATS[args.format](Report(problems, checked, _rule_ids(problems)))
    if args.output:
        write_text(Path(args.output), output)
    else:
        sys.stdout.write(output)
    return Exit.PROBLEMS if problems else Exit.OK


def _rule_ids(problems: list[Problem]) -> Collection[str]:
    """The rules' ids, to tag their findings; with no finding to tag, no rule is imported
    (a `lint` from pre-commit whose findings all come from the cache imports none)."""
    if not problems:
        return frozenset()
    from ci_catalog.lint.rules import RULES_BY_ID

    return RULES_BY_ID


def rules(args: argparse.Namespace) -> int:
    from ci_catalog.lint.rules import ALL_RULES, get_rule

    if args.rule:
        rule = get_rule(args.rule)
        print(f"# {rule.ID} ({rule.SEVERITY}, {rule.SCOPE})\n\n{(rule.__doc__ or '').strip()}")
        return Exit.OK
    for rule in ALL_RULES:
        summary = (rule.__doc__ or "").split("## What it does", 1)[-1].strip().splitlines()[0]
        print(f"{rule.ID:36} {rule.SEVERITY:8} {summary}")
    return Exit.OK
