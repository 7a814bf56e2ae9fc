"""`ci-catalog lint` and `ci-catalog rules`: run the lint rules, or show their documentation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ci_catalog.catalog import template_files
from ci_catalog.exits import Exit, UsageError
from ci_catalog.lint import lint_catalog, lint_file, sort_problems, unique_problems
from ci_catalog.lint.config import LintConfig, find_config
from ci_catalog.lint.rules import ALL_RULES, RULES_BY_ID, get_rule
from ci_catalog.problems import Problem
from ci_catalog.report import FORMATS, Report
from ci_catalog.writing import write_text


def lint_targets(paths: list[str]) -> tuple[list[Problem], list[str]]:
    """Findings for each path (a catalog folder, or a file), and the files looked at."""
    problems: list[Problem] = []
    checked: list[str] = []
    for name in paths or ["."]:
        path = Path(name)
        config = _config_for(path)
        if path.is_dir():
            if not (path / "templates").is_dir():
                raise UsageError(f"{path}: not a catalog (no templates/ folder); name a component file instead")
            problems += lint_catalog(path, config)
            checked += [str(file) for file in template_files(path).files if file.suffix == ".yml"]
        elif path.is_file():
            problems += lint_file(path, config)
            checked.append(str(path))
        else:
            raise UsageError(f"{path}: no such file or folder")
        problems += config.problems
    return sort_problems(unique_problems(problems)), checked


def _config_for(path: Path) -> LintConfig:
    return find_config(path if path.exists() else Path.cwd())


def lint(args: argparse.Namespace) -> int:
    problems, checked = lint_targets(args.paths)
    output = FORMATS[args.format](Report(problems, checked, RULES_BY_ID))
    if args.output:
        write_text(Path(args.output), output)
    else:
        sys.stdout.write(output)
    return Exit.PROBLEMS if problems else Exit.OK


def rules(args: argparse.Namespace) -> int:
    if args.rule:
        rule = get_rule(args.rule)
        print(f"# {rule.ID} ({rule.SEVERITY}, {rule.SCOPE})\n\n{(rule.__doc__ or '').strip()}")
        return Exit.OK
    for rule in ALL_RULES:
        summary = (rule.__doc__ or "").split("## What it does", 1)[-1].strip().splitlines()[0]
        print(f"{rule.ID:36} {rule.SEVERITY:8} {summary}")
    return Exit.OK
