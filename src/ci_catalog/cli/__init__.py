"""The `ci-catalog` command: wires the stages together and owns exit codes.

Exit codes (`ci_catalog.exits.Exit`): 0 clean, 1 problems found, 2 usage error (or an
output that cannot be written), 3 internal error, 4 (`remote` only) the GitLab instance
could not answer. This edge is the one place that turns errors into codes.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Callable, Sequence

from ci_catalog import __version__
from ci_catalog.cli import expand_options, run_options
from ci_catalog.cli.stdout import StdoutFailed, guarded_stdout
from ci_catalog.exits import Exit, UsageError
from ci_catalog.report import FORMATS
from ci_catalog.terminal import shown


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"ci-catalog: error: {shown(message)}", file=sys.stderr)
        raise SystemExit(Exit.USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ci-catalog", description="Render, validate and lint GitLab CI/CD components.")
    parser.add_argument("--version", action="version", version=f"ci-catalog {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_render(sub.add_parser("render", help="print a component rendered as GitLab would render it"))
    _add_validate(sub.add_parser("validate", help="check pipeline files against GitLab's CI schema"))
    _add_check(sub.add_parser("check", help="render, validate and lint every component of a catalog"))
    _add_lint(sub.add_parser("lint", help="lint components, pipeline files or a catalog"))
    _add_rules(sub.add_parser("rules", help="list the lint rules, or show one rule's documentation"))
    _add_resolve(sub.add_parser("resolve", help="resolve, render and validate a pipeline's component includes"))
    _add_pin(sub.add_parser("pin", help="pin a pipeline's loose component references to exact versions"))
    _add_expand(sub.add_parser("expand", help="print the merged pipeline GitLab would build from a pipeline file"))
    _add_run(sub.add_parser("run", help="run the merged pipeline's jobs on this machine with gitlab-ci-local"))
    _add_test(sub.add_parser("test", help="run the test cases catalog.yml gives each component"))
    _add_diff(sub.add_parser("diff", help="the interface changes between two catalog revisions, classified"))
    _add_release(sub.add_parser("release", help="check that a catalog release is consistent"))
    _add_list(sub.add_parser("list", help="list a catalog's components with their summaries"))
    _add_show(sub.add_parser("show", help="show one component: inputs, jobs, examples, include snippet"))
    _add_docs(sub.add_parser("docs", help="write (or --check) the Markdown page of every component"))
    _add_site(sub.add_parser("site", help="build the catalog as a static HTML site"))
    _add_remote(sub.add_parser("remote", help="a GitLab instance's CI/CD Catalog, and its CI Lint for a file"))
    return parser


def _add_lint(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="a component, a pipeline file or a catalog folder")
    parser.set_defaults(more_positionals="paths")
    parser.add_argument("--format", choices=tuple(FORMATS), default="text")
    parser.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    _add_no_cache(parser)
    parser.set_defaults(run=_lazy("lint_command", "lint"))


def _add_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule", nargs="?", help="a rule id")
    parser.set_defaults(run=_lazy("lint_command", "rules"))


def _add_render(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the component or pipeline file")
    parser.add_argument("--input", action="append", default=[], metavar="NAME=VALUE", help="an input value")
    parser.add_argument("--inputs-file", metavar="F", help="a YAML mapping of input values")
    parser.add_argument("--variables-file", metavar="F", help="a YAML list of {key, value, masked} for expand_vars")
    parser.add_argument("--component-context", metavar="F", help="a YAML mapping of name, sha, version, reference")
    parser.add_argument("--feature", action="append", default=[], metavar="FLAG", help="turn a GitLab feature flag on")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.set_defaults(run=_lazy("commands", "render"))


def _add_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.set_defaults(more_positionals="files")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=_lazy("commands", "validate"))


def _add_check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("catalog", nargs="?", default=".", help="the catalog folder (default: here)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    _add_no_cache(parser)
    parser.set_defaults(run=_lazy("commands", "check"))


def _add_no_cache(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="lint every file again, neither reading nor writing the findings cache "
        "($CI_CATALOG_CACHE_DIR, else $XDG_CACHE_HOME/ci-catalog, else ~/.cache/ci-catalog)",
    )


def _add_resolve(parser: argparse.ArgumentParser) -> None:
    expand_options.add_context_options(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=_lazy("versions_command", "resolve"))


def _add_pin(parser: argparse.ArgumentParser) -> None:
    expand_options.add_context_options(parser)
    parser.add_argument("--to", choices=("version", "sha"), default="version", help="what to pin to (version)")
    parser.add_argument("--write", action="store_true", help="rewrite the file (default: print the diff, exit 1)")
    parser.set_defaults(run=_lazy("versions_command", "pin"))


def _add_expand(parser: argparse.ArgumentParser) -> None:
    parser.description, parser.epilog = expand_options.DESCRIPTION, expand_options.EPILOG
    expand_options.add_expand_options(parser)
    parser.add_argument(
        "--resolve-extends",
        action="store_true",
        help="print the pipeline with `extends:` merged and `!reference` tags resolved, as GitLab builds it",
    )
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.set_defaults(run=_lazy("expand_command", "expand"))


def _add_run(parser: argparse.ArgumentParser) -> None:
    parser.description, parser.epilog = run_options.RUN_DESCRIPTION, run_options.RUN_EPILOG
    expand_options.add_expand_options(parser)
    parser.add_argument("jobs", nargs="*", metavar="JOB", help="run only these jobs, and the jobs they need")
    parser.set_defaults(more_positionals="jobs")
    parser.add_argument("--cold", action="store_true", help="start without the caches earlier runs kept")
    run_options.add_runner_options(parser)
    parser.set_defaults(run=_lazy("run_command", "run"))


def _add_test(parser: argparse.ArgumentParser) -> None:
    parser.description, parser.epilog = run_options.TEST_DESCRIPTION, run_options.TEST_EPILOG
    parser.add_argument("components", nargs="*", metavar="COMPONENT", help="only these components' cases")
    parser.set_defaults(more_positionals="components")
    parser.add_argument("--catalog", default=".", metavar="PATH", help="the catalog folder (default: here)")
    parser.add_argument("--case", action="append", default=[], metavar="NAME", help="only the cases of this name")
    parser.add_argument("--junit", metavar="FILE", help="also write the results as a JUnit report to FILE")
    run_options.add_runner_options(parser)
    parser.set_defaults(run=_lazy("test_command", "test"))


def _add_diff(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD", help="the earlier revision (a tag, branch or commit)")
    parser.add_argument("new", metavar="NEW", help="the later revision")
    parser.add_argument("--catalog", default=".", metavar="PATH", help="the catalog's git repository (default: here)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=_lazy("versions_command", "diff"))


def _add_release(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="release_command", required=True, parser_class=_Parser)
    check = sub.add_parser("check", help="version, tag, CHANGELOG and the interface changes agree")
    check.add_argument("--tag", help="the release tag (default: $CI_COMMIT_TAG)")
    check.add_argument("--catalog", default=".", metavar="PATH", help="the catalog folder (default: here)")
    check.set_defaults(run=_lazy("versions_command", "release_check"))


def _add_list(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("catalog", nargs="?", default=".", help="the catalog folder (default: here)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=_lazy("browse_command", "list_components"))


def _add_show(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="a component name (see `ci-catalog list`)")
    parser.add_argument("--catalog", default=".", metavar="PATH", help="the catalog folder (default: here)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.set_defaults(run=_lazy("browse_command", "show"))


def _add_docs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("catalog", nargs="?", default=".", help="the catalog folder (default: here)")
    parser.add_argument("--check", action="store_true", help="write nothing; fail when a page is missing or stale")
    parser.set_defaults(run=_lazy("browse_command", "docs"))


def _add_site(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", metavar="OUT", help="the folder to write the site to (replaced whole)")
    parser.add_argument("--catalog", default=".", metavar="PATH", help="the catalog folder (default: here)")
    parser.set_defaults(run=_lazy("browse_command", "build_site"))


_REMOTE_TOKEN_HELP = (
    "The token is read from the environment variable GITLAB_TOKEN (or the one --token-variable names), never "
    "from the command line, and is never printed. Without one, only public data can be read: public catalog "
    "resources for list and show; lint needs a token with the api scope and the Developer role. "
    "Exit codes: 0 done (lint: valid), 1 lint: invalid, 2 usage error, 4 the remote could not answer."
)


def _add_remote(parser: argparse.ArgumentParser) -> None:
    parser.description = "Read a GitLab instance's CI/CD Catalog, or lint a file with its CI Lint API."
    parser.epilog = _REMOTE_TOKEN_HELP
    sub = parser.add_subparsers(dest="remote_command", required=True, parser_class=_Parser)
    listing = sub.add_parser("list", help="the catalog's resources", epilog=_REMOTE_TOKEN_HELP)
    listing.add_argument("--search", metavar="TEXT", help="only resources whose name or description has TEXT")
    show = sub.add_parser("show", help="one resource's versions, components and inputs", epilog=_REMOTE_TOKEN_HELP)
    show.add_argument("project", metavar="PROJECT_PATH", help="the catalog project's full path, e.g. group/python-ci")
    show.add_argument("component", nargs="?", metavar="COMPONENT", help="show only this component")
    show.add_argument("--version", metavar="V", help="this released version (default: the latest)")
    versions = sub.add_parser(
        "versions",
        help="every version a resource has published, one a line (for resolve --released-only)",
        epilog=_REMOTE_TOKEN_HELP,
    )
    versions.add_argument("project", metavar="PROJECT_PATH", help="the catalog project's full path")
    lint = sub.add_parser("lint", help="lint a CI file with a project's CI Lint API", epilog=_REMOTE_TOKEN_HELP)
    lint.add_argument("file", metavar="FILE", help="the CI/CD configuration to lint")
    lint.add_argument("--project", required=True, metavar="ID_OR_PATH", help="the project to lint it in")
    lint.add_argument("--ref", metavar="REF", help="with --dry-run: the branch or tag to simulate on")
    lint.add_argument("--dry-run", action="store_true", help="simulate creating the pipeline, not only a static check")
    for name, command in (("list", listing), ("show", show), ("versions", versions), ("lint", lint)):
        command.add_argument("--gitlab", required=True, metavar="URL", help="the instance, e.g. https://gitlab.com")
        command.add_argument("--token-variable", default="GITLAB_TOKEN", metavar="NAME", help="read the token here")
        command.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per request, whole (30)")
        command.add_argument("--format", choices=("text", "json"), default="text")
        command.set_defaults(run=_lazy("remote_command", f"remote_{name}"))


def _lazy(module: str, function: str) -> Callable[[argparse.Namespace], int]:
    """A subcommand whose module is imported only when it runs: python-gitlab, gql and httpx
    take ~0.3 s to import, the lint rules are many, and the catalog's pages need the browse
    package; only the commands that use them should pay (a `check` with nothing changed
    takes 0.3 s, half of it imports)."""

    def run(args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(f"ci_catalog.cli.{module}"), function)(args))

    return run


def main(argv: Sequence[str] | None = None) -> int:
    try:
        with guarded_stdout():
            return _run(argv)
    except (UsageError, StdoutFailed) as error:
        _error(str(error))
        return Exit.USAGE


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = _parse(parser, argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return int(args.run(args))
    except (UsageError, StdoutFailed):
        raise
    except KeyboardInterrupt:
        return Exit.INTERRUPTED
    except Exception:  # noqa: BLE001 -- the edge: anything unexpected is a bug, reported as one
        print("ci-catalog: internal error (please report it):", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return Exit.INTERNAL


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments, with a command's list of paths, files, jobs or components also taken where
    its items follow options (`lint a.yml --format json b.yml`, `run ci.yml --cold test`).

    argparse fills such a list from the first run of positionals only, and calls the later
    ones unrecognized."""
    args, extras = parser.parse_known_args(argv)
    options = [item for item in extras if item.startswith("-")]
    more = getattr(args, "more_positionals", None)
    if options or (extras and more is None):
        parser.error(f"unrecognized arguments: {' '.join(options or extras)}")
    if more is not None:
        getattr(args, more).extend(extras)
    return args


def _error(message: str) -> None:
    try:
        print(f"ci-catalog: error: {shown(message)}", file=sys.stderr)
    except OSError:
        pass  # stderr is gone too: the exit code is all that is left to say it


if __name__ == "__main__":
    sys.exit(main())
