"""The version subcommands: `resolve`, `pin`, `diff` and `release check`."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from ci_catalog.catalog import MANIFEST, load_catalog, manifest_project
from ci_catalog.cli.catalog_folder import GIVE_THE_OPTION, catalog_folder
from ci_catalog.cli.expand_options import DEFAULT_SERVER_FQDN
from ci_catalog.emit import to_json
from ci_catalog.exits import Exit, UsageError
from ci_catalog.options import parse_input_flags
from ci_catalog.problems import Problem
from ci_catalog.report import text_line
from ci_catalog.versions.catalog_history import catalog_at
from ci_catalog.versions.clone import CloneError, cached_clone, is_git_url, shown_url
from ci_catalog.versions.gitrepo import GitError, GitRepo
from ci_catalog.versions.interface_diff import Change, diff_catalogs, level, required_bump
from ci_catalog.versions.pin import Rewrite, pin_text
from ci_catalog.versions.pipeline_resolve import Context, PipelineReport, ResolvedInclude, resolve_pipeline
from ci_catalog.versions.release import check_release
from ci_catalog.versions.resolve import CatalogRepo, Kind
from ci_catalog.writing import write_text


def server_fqdn(args: argparse.Namespace) -> str:
    """--server-fqdn, else $CI_SERVER_FQDN (set in every CI job), else gitlab.com."""
    return str(args.server_fqdn or os.environ.get("CI_SERVER_FQDN") or DEFAULT_SERVER_FQDN)


def resolve(args: argparse.Namespace) -> int:
    report = _resolve(args)
    if args.format == "json":
        print(to_json(_report_json(report)))
    else:
        _print_resolutions(report)
    return Exit.OK if report.ok else Exit.PROBLEMS


def pin(args: argparse.Namespace) -> int:
    """Exit 0: nothing to change (or written); 1: the dry run would change something, or a
    loose reference cannot be rewritten; 2: an error (the file cannot be resolved or read)."""
    report = _resolve(args)
    print_problems(report.problems, sys.stderr)
    if not report.ok:
        print(f"{report.path}: not pinned: fix the errors above first", file=sys.stderr)
        return Exit.USAGE
    rewrites = _rewrites(report.includes, args.to)
    stuck = _not_rewritable(report.includes, args.to)
    for resolved in stuck:
        print_problems([_stuck_problem(report.path, resolved)], sys.stderr)
    if not rewrites:
        if stuck:
            print(f"{report.path}: {len(stuck)} reference(s) not pinned, and pin cannot rewrite them", file=sys.stderr)
            return Exit.PROBLEMS
        print(_nothing_to_pin(report, args.to))
        return Exit.OK
    original = _read_exact(Path(args.pipeline))
    result = pin_text(original, report.path, rewrites)
    if result.problems:
        print_problems(result.problems, sys.stderr)
        return Exit.USAGE
    if not args.write:
        sys.stdout.writelines(
            difflib.unified_diff(original.splitlines(True), result.text.splitlines(True), report.path, report.path)
        )
        return Exit.PROBLEMS
    write_text(Path(args.pipeline), result.text)
    print(f"{report.path}: pinned {len(rewrites)} component reference(s)")
    return Exit.PROBLEMS if stuck else Exit.OK


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
        print_problems(problems)
        _print_changes(changes, args.old, args.new)
    return Exit.PROBLEMS if problems else Exit.OK


def release_check(args: argparse.Namespace) -> int:
    root = catalog_folder(args.catalog, GIVE_THE_OPTION)
    tag = args.tag if args.tag is not None else (os.environ.get("CI_COMMIT_TAG") or None)
    report = check_release(root, tag)
    for line in report.passed:
        print(f"ok: {line}")
    if report.changes:
        _print_changes(report.changes, report.previous or "", "this release")
    print_problems(report.problems)
    if report.problems:
        print(f"release check: {len(report.problems)} problem(s); nothing is released", file=sys.stderr)
        return Exit.PROBLEMS
    print(f"release check: {report.version} is ready to release")
    return Exit.OK


def _resolve(args: argparse.Namespace) -> PipelineReport:
    path = Path(args.pipeline)
    if not path.is_file():
        raise UsageError(f"{path}: no such file (name the project's pipeline file)")
    context, notes = resolve_context(args, path)
    report = resolve_pipeline(path, context)
    report.problems = notes + report.problems
    return report


def resolve_context(args: argparse.Namespace, pipeline: Path) -> tuple[Context, list[Problem]]:
    """The catalog, the server and the variables an include address sees, from the options;
    with warnings about them (a cached clone that could not be updated, released tags the
    catalog lacks). `--catalog` None means: here, when here is a git repository, else none."""
    fqdn = server_fqdn(args)
    variables = {"CI_SERVER_FQDN": fqdn, "CI_SERVER_HOST": fqdn.split(":")[0]}
    value = args.catalog
    if value is None:
        value = "." if GitRepo(Path(".")).is_repository() else None
    if value is None:
        return Context(None, fqdn, variables | _given_variables(args), strict=args.strict), []
    repo, notes = catalog_repository(value)
    project = args.project or catalog_project(repo)
    variables |= _own_pipeline_variables(pipeline, repo, project)
    catalog = CatalogRepo(repo, project, read_released_tags(args.released_only))
    notes += _unknown_released_tags(args, catalog)
    return Context(catalog, fqdn, variables | _given_variables(args), strict=args.strict), notes


def catalog_repository(value: str) -> tuple[GitRepo, list[Problem]]:
    """The catalog's git repository: a folder, or a git URL cloned into the cache."""
    if not is_git_url(value):
        return _repository(value), []
    try:
        clone = cached_clone(value)
    except CloneError as error:
        raise UsageError(f"--catalog: {error}") from None
    notes = [Problem(clone.warning, shown_url(value), severity="warning", code="git")] if clone.warning else []
    return clone.repo, notes


def catalog_project(repo: GitRepo) -> str:
    """catalog.yml's `project`: in the work tree, or at HEAD of a bare clone."""
    if (repo.root / MANIFEST).exists():
        return load_catalog(repo.root).project
    head = repo.commit_of("HEAD")
    return manifest_project((repo.show(head, MANIFEST) if head else None) or "")


def read_released_tags(path: str | None) -> frozenset[str] | None:
    """The tags a `--released-only` file lists: one a line; blank lines and `#` comments are skipped."""
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"--released-only {path}: cannot read it: {error}") from None
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return frozenset(line for line in lines if line)


def _unknown_released_tags(args: argparse.Namespace, catalog: CatalogRepo) -> list[Problem]:
    if catalog.released is None:
        return []
    missing = sorted(catalog.released - set(catalog.repo.tags()))
    if not missing:
        return []
    message = (
        f"released tag(s) {', '.join(missing)} are not tags of the catalog's repository "
        f"{catalog.repo.root}: fetch its tags (`git fetch --tags`), or fix the list"
    )
    return [Problem(message, args.released_only, severity="warning", code="release")]


def _repository(root: str | Path) -> GitRepo:
    repo = GitRepo(Path(root))
    if not repo.is_repository():
        raise UsageError(f"{root}: not a git repository; --catalog names the catalog's clone")
    return repo


def _own_pipeline_variables(pipeline: Path, repo: GitRepo, project: str) -> dict[str, str]:
    """For the catalog's own pipeline (a file inside the catalog's clone), its project and commit."""
    if not pipeline.resolve().is_relative_to(repo.root.resolve()):
        return {}
    variables = {"CI_PROJECT_PATH": project}
    try:
        variables["CI_COMMIT_SHA"] = repo.commit_of("HEAD") or ""
    except GitError:
        pass
    return variables


def _given_variables(args: argparse.Namespace) -> dict[str, str]:
    return {name: str(value) for name, value in parse_input_flags(args.variable, "--variable").items()}


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


def _not_rewritable(includes: list[ResolvedInclude], target: str) -> list[ResolvedInclude]:
    """Loose references `pin` cannot rewrite: written through a variable, so the file does not hold them."""
    found = []
    for resolved in includes:
        resolution, address = resolved.resolution, resolved.address
        if resolution is None or address is None or address.reference_is_literal:
            continue
        loose = resolution.kind is not Kind.SHA if target == "sha" else not resolution.kind.pinned
        if loose:
            found.append(resolved)
    return found


def _stuck_problem(path: str, resolved: ResolvedInclude) -> Problem:
    include = resolved.include
    message = (
        f"`{include.written}` is not pinned, and its reference is written through a variable: "
        "pin it where the variable is set, or write the reference in the file"
    )
    return Problem(message, path, include.line, include.column, code="pin", severity="warning")


def _nothing_to_pin(report: PipelineReport, target: str) -> str:
    """What pin says when it rewrites nothing: `already pinned` only when every reference was checked."""
    unchecked = [resolved for resolved in report.includes if resolved.resolution is None]
    exact = "pinned to a commit SHA" if target == "sha" else "pinned"
    if not unchecked:
        return f"{report.path}: every component reference is already {exact}"
    checked = len(report.includes) - len(unchecked)
    return (
        f"{report.path}: {checked} component reference(s) of this catalog already {exact}; "
        f"{len(unchecked)} of another catalog not checked (see the warnings)"
    )


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
    print_problems(report.problems)
    count = len(report.includes)
    if report.ok:
        print(f"resolved {count} component include(s); the merged pipeline is valid")
        return
    errors = sum(problem.severity == "error" for problem in report.problems)
    clean = sum(item.ok for item in report.includes)
    print(f"resolve failed: {errors} error(s); {clean} of {count} component include(s) resolved cleanly")


def print_problems(problems: list[Problem], stream: TextIO | None = None) -> None:
    for problem in problems:
        print(text_line(problem), file=stream)


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
