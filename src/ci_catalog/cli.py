"""The `ci-catalog` command: wires the stages together and owns exit codes.

Exit codes: 0 clean, 1 problems found, 2 usage error, 3 internal error.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from ci_catalog import __version__, commands, lint_command
from ci_catalog.lint.formats import FORMATS
from ci_catalog.options import OptionError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"ci-catalog: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ci-catalog", description="Render, validate and lint GitLab CI/CD components.")
    parser.add_argument("--version", action="version", version=f"ci-catalog {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_render(sub.add_parser("render", help="print a component rendered as GitLab would render it"))
    _add_validate(sub.add_parser("validate", help="check pipeline files against GitLab's CI schema"))
    _add_check(sub.add_parser("check", help="render, validate and lint every component of a catalog"))
    _add_lint(sub.add_parser("lint", help="lint components, pipeline files or a catalog"))
    _add_rules(sub.add_parser("rules", help="list the lint rules, or show one rule's documentation"))
    return parser


def _add_lint(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="a component, a pipeline file or a catalog folder")
    parser.add_argument("--format", choices=tuple(FORMATS), default="text")
    parser.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    parser.set_defaults(run=lint_command.lint)


def _add_rules(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule", nargs="?", help="a rule id")
    parser.set_defaults(run=lint_command.rules)


def _add_render(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the component or pipeline file")
    parser.add_argument("--input", action="append", default=[], metavar="NAME=VALUE", help="an input value")
    parser.add_argument("--inputs-file", metavar="F", help="a YAML mapping of input values")
    parser.add_argument("--variables-file", metavar="F", help="a YAML list of {key, value, masked} for expand_vars")
    parser.add_argument("--component-context", metavar="F", help="a YAML mapping of name, sha, version, reference")
    parser.add_argument("--feature", action="append", default=[], metavar="FLAG", help="turn a GitLab feature flag on")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.set_defaults(run=commands.render)


def _add_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=commands.validate)


def _add_check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("catalog", nargs="?", default=".", help="the catalog folder (default: here)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=commands.check)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return int(args.run(args))
    except OptionError as error:
        print(f"ci-catalog: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 -- the edge: anything unexpected is a bug, reported as one
        print("ci-catalog: internal error (please report it):", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
