"""The version subcommands: `resolve`, `pin`, `diff` and `release check`."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path
from typing import Any

from ci_catalog.catalog import load_catalog
from ci_catalog.emit import to_json
from ci_catalog.exits import Exit, UsageError
from ci_catalog.options import parse_input_flags
from ci_catalog.problems import Problem
from ci_catalog.report import text_line
from ci_catalog.versions.catalog_history import catalog_at
from ci_catalog.versions.gitrepo import GitError, GitRepo
from ci_catalog.versions.interface_diff import Change, diff_catalogs, level, required_bump
from ci_catalog.versions.pin import Rewrite, pin_text
from ci_catalog.versions.pipeline_resolve import Context, PipelineReport, ResolvedInclude, resolve_pipeline
from ci_catalog.versions.release import check_release
from ci_catalog.versions.resolve import CatalogRepo, Kind
from ci_catalog.writing import write_text


def add_context_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pipeline", metavar="PIPELINE", help="the project's pipeline file (.gitlab-ci.yml)")
    parser.add_argument("--catalog", default=".", help="the catalog's git repository (default: here)")
    parser.add_argument("--project", help="the catalog's project path on GitLab (default: catalog.yml's `project`)")
    parser.add_argument("--server-fqdn", default="gitlab.com", help="GitLab's host[:port], $CI_SERVER_FQDN")
    parser.add_argument("--variable", action="append", default=[], metavar="NAME=VALUE", help="a CI/CD variable")


def resolve(args: argparse.Namespace) -> int:
    report = _resolve(args)
    if args.format == "json":
        print(to_json(_report_json(report)))
    else:
        _print_resolutions(report)
    return Exit.OK if report.ok else Exit.PROBLEMS


def pin(args: argparse.Namespace) -> int:
    report = _resolve(args)
    _print_problems([problem for problem in report.problems if problem.severity == "error"])
    if not report.ok:
        print(f"{report.path}: not pinned: fix the problems above first", file=sys.stderr)
        return Exit.PROBLEMS
    rewrites = _rewrites(report.includes, args.to)
    if not rewrites:
        print(f"{report.path}: every component reference is already pinned")
        return Exit.OK
    original = _read_exact(Path(args.pipeline))
    result = pin_text(original, report.path, rewrites)
    if result.problems:
        _print_problems(result.problems)
        return Exit.PROBLEMS
    if not args.write:
        sys.stdout.writelines(
            difflib.unified_diff(original.splitlines(True), result.text.splitlines(True), report.path, report.path)
        )
        return Exit.PROBLEMS
    write_text(Path(args.pipeline), result.text)
    print(f"{report.path}: pinned {len(rewrites)} component reference(s)")
    return Exit.OK


def diff(args: argparse.Namespace) -> int:
    repo = _repository(args.catalog)
    old, new = catalog_at(repo, args.old), catalog_at(repo, args.new)
    # A revision that names no commit has no interfaces: any comparison with it would be made up.
    unknown = [problem.message for state in (old, new) if not state.sha for problem in state.problems]
    if unknown:
        raise UsageError("; ".join(unknown))
    problems = old.problems + new.problems
    changes = diff_catalogs(old.interfaces, new.interfaces)
    if args.format == "json":
        payload = {
            "old": args.old,
            "new": args.new,
            "bump": level(required_bump(changes)),
            "changes": [change.as_dict() for change in changes],
            "problems": [problem.as_dict() for problem in problems],
        }
        print(to_json(payload))
    else:
        _print_problems(problems)
        _print_changes(changes, args.old, args.new)
    return Exit.PROBLEMS if problems else Exit.OK


def release_check(args: argparse.Namespace) -> int:
    root = Path(args.catalog)
    if not (root / "templates").is_dir():
        raise UsageError(f"{root}: no templates/ folder here; run it in a catalog or give --catalog")
    tag = args.tag if args.tag is not None else (os.environ.get("CI_COMMIT_TAG") or None)
    report = check_release(root, tag)
    for line in report.passed:
        print(f"ok: {line}")
    if report.changes:
        _print_changes(report.changes, report.previous or "", "this release")
    _print_problems(report.problems)
    if report.problems:
        print(f"release check: {len(report.problems)} problem(s); nothing is released", file=sys.stderr)
        return Exit.PROBLEMS
    print(f"release check: {report.version} is ready to release")
    return Exit.OK


def _resolve(args: argparse.Namespace) -> PipelineReport:
    path = Path(args.pipeline)
    if not path.is_file():
        raise UsageError(f"{path}: no such file (name the project's pipeline file)")
    root = Path(args.catalog)
    repo = _repository(root)
    project = args.project or load_catalog(root).project
    variables = _variables(args, root, project, repo)
    return resolve_pipeline(path, Context(CatalogRepo(repo, project), args.server_fqdn, variables))


def _repository(root: str | Path) -> GitRepo:
    repo = GitRepo(Path(root))
    if not repo.is_repository():
        raise UsageError(f"{root}: not a git repository; --catalog names the catalog's clone")
    return repo


def _variables(args: argparse.Namespace, root: Path, project: str, repo: GitRepo) -> dict[str, str]:
    """What an include address sees: the server, and for the catalog's own pipeline its project and commit."""
    variables = {"CI_SERVER_FQDN": args.server_fqdn, "CI_SERVER_HOST": args.server_fqdn.split(":")[0]}
    if Path(args.pipeline).resolve().is_relative_to(root.resolve()):
        variables["CI_PROJECT_PATH"] = project
        try:
            variables["CI_COMMIT_SHA"] = repo.commit_of("HEAD") or ""
        except GitError:
            pass
    given = parse_input_flags(args.variable)
    return variables | {name: str(value) for name, value in given.items()}


def _rewrites(includes: list[ResolvedInclude], target: str) -> list[Rewrite]:
    rewrites = []
    for resolved in includes:
        resolution, address = resolved.resolution, resolved.address
        if resolution is None or address is None or not address.reference_is_literal:
            continue
        if target == "sha" and resolution.kind is not Kind.SHA:
            new = resolution.sha
        elif target == "version" and not resolution.kind.pinned:
            new = resolution.tag or resolution.sha
        else:
            continue
        rewrites.append(Rewrite(resolved.include.index, address.reference, new))
    return rewrites


def _read_exact(path: Path) -> str:
    """The text as stored: line ends and a byte-order mark kept, so that a rewrite changes nothing else."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def _print_resolutions(report: PipelineReport) -> None:
    for resolved in report.includes:
        if resolved.resolution is None or resolved.address is None:
            continue
        resolution = resolved.resolution
        target = resolution.version or resolution.tag or resolution.sha[:12]
        line = f"{report.path}:{resolved.include.line}:{resolved.include.column}: {resolved.include.written}"
        print(f"{line} -> {target} ({resolution.kind.value}, commit {resolution.sha[:12]})")
    _print_problems(report.problems)
    count = len(report.includes)
    verdict = "the merged pipeline is valid" if report.ok else "problems found"
    print(f"resolved {count} component include(s); {verdict}")


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(text_line(problem))


def _print_changes(changes: list[Change], old: str, new: str) -> None:
    for component in dict.fromkeys(change.component for change in changes):
        print(component)
        for change in changes:
            if change.component == component:
                print(f"  {level(change.bump):<9} {change.message}")
    bump = required_bump(changes)
    summary = f"{level(bump)} changes" if changes else "no interface changes"
    print(f"{old} -> {new}: {summary}")


def _report_json(report: PipelineReport) -> dict[str, Any]:
    includes = []
    for resolved in report.includes:
        resolution = resolved.resolution
        includes.append(
            {
                "component": resolved.include.written,
                "line": resolved.include.line,
                "resolved": None
                if resolution is None
                else {
                    "sha": resolution.sha,
                    "version": resolution.version,
                    "tag": resolution.tag,
                    "kind": resolution.kind.value,
                    "pinned": resolution.kind.pinned,
                },
                "jobs": resolved.jobs,
            }
        )
    problems = [problem.as_dict() for problem in report.problems]
    return {"file": report.path, "valid": report.ok, "includes": includes, "problems": problems}
