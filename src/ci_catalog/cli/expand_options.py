"""The options of `expand`, shared with every command that builds the merged pipeline first,
and those of `resolve` and `pin`, which `expand`'s include.

Only argparse text here: the parser is built for every command, and the stages load
when a command runs (`cli/expand_command.py`, `cli/versions_command.py`).
"""

from __future__ import annotations

import argparse

DESCRIPTION = (
    "Print the pipeline GitLab builds from a project's .gitlab-ci.yml: every `include: component:` resolved "
    "against a catalog (a clone, or a git URL) and rendered as GitLab renders it, every `include: local` file "
    "(wildcards, nested includes, inputs, rules) merged in as GitLab merges includes."
)
EPILOG = (
    "The merged pipeline is checked as `validate` checks a pipeline. `extends:` and `!reference` are left as "
    "written (GitLab resolves them after merging the includes, and so does gitlab-ci-local), or resolved as "
    "GitLab resolves them with --resolve-extends. In JSON, which has no tags, `!reference [job, key]` is written as "
    '{"!reference": ["job", "key"]}. Includes of other projects, remote URLs, templates and artifacts are not '
    "here: each is an error, or with --keep-unresolved a kept `include:` that GitLab merges before everything "
    "else. Exit codes: 0 printed, 1 problems (on stderr, nothing printed), 2 usage error."
)


DEFAULT_SERVER_FQDN = "gitlab.com"


def add_context_options(
    parser: argparse.ArgumentParser,
    catalog_default: str | None = ".",
    catalog_help: str = "the catalog's git repository, or a git URL to clone it from (default: here)",
) -> None:
    parser.add_argument("pipeline", metavar="PIPELINE", help="the project's pipeline file (.gitlab-ci.yml)")
    parser.add_argument("--catalog", default=catalog_default, metavar="PATH_OR_URL", help=catalog_help)
    parser.add_argument("--project", help="the catalog's project path on GitLab (default: catalog.yml's `project`)")
    parser.add_argument(
        "--server-fqdn",
        help=f"GitLab's host[:port], what $CI_SERVER_FQDN holds (default: $CI_SERVER_FQDN, else {DEFAULT_SERVER_FQDN})",
    )
    parser.add_argument("--variable", action="append", default=[], metavar="NAME=VALUE", help="a CI/CD variable")
    parser.add_argument(
        "--released-only",
        metavar="TAGS-FILE",
        help="only these tags (one a line) are published catalog versions (default: every semver tag is one)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="an include of another project path than the catalog's is an error"
    )


def add_expand_options(parser: argparse.ArgumentParser) -> None:
    """The options of `expand`, for every command that builds the merged pipeline first."""
    add_context_options(
        parser,
        catalog_default=None,
        catalog_help="the catalog's git repository, or a git URL to clone it from (default: here, if here is one)",
    )
    parser.add_argument(
        "--root",
        metavar="DIR",
        help="the project's repository root, where `include: local` paths start "
        "(default: the git work tree holding PIPELINE, else its folder)",
    )
    parser.add_argument(
        "--input", action="append", default=[], metavar="NAME=VALUE", help="a pipeline input (PIPELINE's spec:inputs)"
    )
    parser.add_argument(
        "--keep-unresolved",
        action="store_true",
        help="keep project, remote, template and artifact includes (and other catalogs' components) for GitLab",
    )
