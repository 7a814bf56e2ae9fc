"""What each subcommand does: run the stages, report, return the exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_catalog.catalog import Example, load_catalog
from ci_catalog.cimodel import component_context
from ci_catalog.cli.catalog_folder import NAME_ONE, catalog_folder
from ci_catalog.cli.progress import Progress
from ci_catalog.emit import to_json, to_yaml
from ci_catalog.exits import Exit, UsageError
from ci_catalog.functions import FEATURE_FLAGS
from ci_catalog.lint import open_lint_catalog
from ci_catalog.loading import STDIN, SourceFile, load_source, read_source_file
from ci_catalog.options import (
    parse_input_flags,
    read_component_context,
    read_variables,
    read_yaml_file,
)
from ci_catalog.problems import Problem
from ci_catalog.render import RenderOptions, RenderResult, render_loaded
from ci_catalog.report import text_line
from ci_catalog.terminal import shown
from ci_catalog.validate import schema_problems

if TYPE_CHECKING:
    from ci_catalog.lint.cache import FindingsCache


def render(args: argparse.Namespace) -> int:
    _check_source(args.file)
    options = _render_options(args)
    result = render_loaded(load_source(args.file), options)
    if not result.ok:
        print(result.gitlab_message(), file=sys.stderr)
        # After GitLab's own text, each place: it is not a report, so no severity or rule.
        for problem in result.problems:
            print(f"  {shown(problem.where())}: {shown(problem.message)}", file=sys.stderr)
        return Exit.PROBLEMS
    if args.format == "json":
        sys.stdout.write(to_json(result.data) + "\n")
    else:
        # Multi-line strings (scripts) as `|` blocks, as they are written, where they read back the same.
        sys.stdout.write(to_yaml(result.data, literal_blocks=True))
    return Exit.OK


def _check_source(name: str) -> None:
    """A path `render` cannot read at all is a usage error; one it can (a FIFO, /dev/null, `-`) is read."""
    path = Path(name)
    if name == STDIN:
        return
    if path.is_dir():
        raise UsageError(f"{name} is a folder, not a file: name a component or pipeline file")
    if not path.exists():
        raise UsageError(f"{name}: no such file (name a component or pipeline file, or - for standard input)")


def _render_options(args: argparse.Namespace) -> RenderOptions:
    unknown = sorted(set(args.feature) - FEATURE_FLAGS)
    if unknown:
        known = ", ".join(sorted(FEATURE_FLAGS))
        raise UsageError(f"--feature {', '.join(unknown)}: no such GitLab feature flag here (known: {known})")
    options = RenderOptions(features=frozenset(args.feature))
    if args.inputs_file:
        options.inputs = read_yaml_file(args.inputs_file, "--inputs-file")
    flags = parse_input_flags(args.input)
    if flags:
        if options.inputs is not None and not isinstance(options.inputs, dict):
            raise UsageError("--input cannot be combined with an --inputs-file that is not a mapping")
        options.inputs = {**(options.inputs or {}), **flags}
    if args.variables_file:
        options.variables = read_variables(args.variables_file)
    if args.component_context:
        options.component = read_component_context(args.component_context)
    return options


@dataclass
class FileReport:
    file: str
    problems: list[Problem]
    example: str | None = None

    @property
    def valid(self) -> bool:
        """Valid when nothing was found; lint warnings count, as `lint` counts them."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        report: dict[str, Any] = {"file": self.file, "valid": self.valid}
        if self.example is not None:
            report["example"] = self.example
        return report | {"problems": [problem.as_dict() for problem in self.problems]}


def validate_report(result: RenderResult) -> FileReport:
    return FileReport(result.path, result.problems + schema_problems(result))


def validate(args: argparse.Namespace) -> int:
    reports = [validate_report(render_loaded(load_source(path), RenderOptions())) for path in args.files]
    _print_reports(reports, args.format)
    return Exit.OK if all(report.valid for report in reports) else Exit.PROBLEMS


def check(args: argparse.Namespace) -> int:
    root = catalog_folder(args.catalog, NAME_ONE)
    catalog = load_catalog(root)
    reports: list[FileReport] = []  # catalog.yml's own problems come with the lint findings
    from ci_catalog.lint.cache import findings_cache
    from ci_catalog.lint.config import find_config

    config = find_config(root)
    progress = Progress(len(catalog.components))
    progress.phase("checking")
    cache = None if args.no_cache else findings_cache(config)
    lint = open_lint_catalog(root, config, catalog, cache, progress.advance)
    for component in catalog.components:
        # Read once, and loaded once (if at all) for the lint rules and every input set alike.
        source = read_source_file(component.path)
        lint.add(source)  # ShellCheck checks its scripts in processes of its own meanwhile
        context = component_context(component.name, catalog.version)
        reports += [_example_report(source, example, context, cache) for example in component.examples]
        lint.poll()
    findings = lint.finish()
    progress.close()
    from ci_catalog.lint.rules import RULES_BY_ID

    reports += _reports_by_file(findings)
    _print_reports(reports, args.format, RULES_BY_ID)
    if args.format == "text":
        renders = sum(len(component.examples) for component in catalog.components)
        print(f"checked {len(catalog.components)} components, {renders} input sets, {len(findings)} lint findings")
    return Exit.OK if all(report.valid for report in reports) else Exit.PROBLEMS


def _example_report(
    source: SourceFile, example: Example, context: dict[str, Any], cache: FindingsCache | None
) -> FileReport:
    """An input set's render and schema problems; from the cache when the file, the inputs
    and the context are as they were (the file is not loaded then)."""
    if cache is None or source.raw is None:  # no cache, or a file that could not be read
        return FileReport(source.path, _render_problems(source, example, context), example.name)
    key = cache.key(source.path, source.raw, example.inputs, context)
    problems = cache.get(key)
    if problems is None:
        problems = _render_problems(source, example, context)
        cache.put(key, problems)
    return FileReport(source.path, problems, example.name)


def _render_problems(source: SourceFile, example: Example, context: dict[str, Any]) -> list[Problem]:
    options = RenderOptions(inputs=example.inputs, component=context)
    return validate_report(render_loaded(source.loaded, options)).problems


def _reports_by_file(problems: list[Problem]) -> list[FileReport]:
    files = dict.fromkeys(problem.file for problem in problems)
    return [FileReport(file, [problem for problem in problems if problem.file == file]) for file in files]


def _print_reports(reports: list[FileReport], fmt: str, rules: Collection[str] = frozenset()) -> None:
    if fmt == "json":
        print(to_json([report.as_dict() for report in reports]))
        return
    for report in reports:
        note = f"example: {report.example}" if report.example is not None else ""
        for problem in report.problems:
            print(text_line(problem, rules, note))
    bad = [report for report in reports if not report.valid]
    if bad:
        print(f"{len(bad)} of {len(reports)} files have problems", file=sys.stderr)
