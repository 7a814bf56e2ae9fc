"""The `list`, `show`, `docs` and `site` subcommands: load the catalog, report, return the exit code.

Exit codes as everywhere: 0 clean, 1 problems (a catalog.yml or component that cannot be
read, stale pages), 2 usage (no catalog there, an unknown component name).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ci_catalog.browse import docs_pages, site
from ci_catalog.browse.releases import catalog_versions
from ci_catalog.browse.views import catalog_dict, catalog_text, component_text, component_view
from ci_catalog.catalog import Catalog, load_catalog
from ci_catalog.cli.catalog_folder import GIVE_THE_OPTION, NAME_ONE, catalog_folder
from ci_catalog.emit import to_json
from ci_catalog.exits import Exit, UsageError
from ci_catalog.lint import unique_problems
from ci_catalog.lint.config import find_config
from ci_catalog.problems import Problem
from ci_catalog.report import text_line
from ci_catalog.terminal import shown


def open_catalog(folder: str, how_to_name_one: str) -> Catalog:
    root = catalog_folder(folder, how_to_name_one)
    catalog = load_catalog(root)
    # A catalog.yml `lint` and `check` cannot use is a problem here too: one file, one exit code.
    catalog.problems = unique_problems(catalog.problems + find_config(root).problems)
    return catalog


def list_components(args: argparse.Namespace) -> int:
    catalog = open_catalog(args.catalog, NAME_ONE)
    versions = catalog_versions(catalog)
    if args.format == "json":
        print(to_json(catalog_dict(catalog, versions)))
    else:
        sys.stdout.write(shown(catalog_text(catalog, versions), keep="\n"))
    return _report(catalog.problems)


def show(args: argparse.Namespace) -> int:
    catalog = open_catalog(args.catalog, GIVE_THE_OPTION)
    component = next((item for item in catalog.components if item.name == args.name), None)
    if component is None:
        known = ", ".join(item.name for item in catalog.components) or "none"
        missing = f"no component named {args.name!r} in {catalog.root} (known: {known})"
        if catalog.template_problems:
            return _report(catalog.template_problems, closing=f"ci-catalog: error: {shown(missing)}")
        raise UsageError(missing)
    view = component_view(catalog, component)
    if args.format == "json":
        print(to_json(view.as_dict()))
    elif args.format == "markdown":
        sys.stdout.write(docs_pages.component_markdown(view))
    else:
        sys.stdout.write(shown(component_text(view), keep="\n"))
    return _report(catalog.problems + view.problems)


def docs(args: argparse.Namespace) -> int:
    catalog = open_catalog(args.catalog, NAME_ONE)
    pages = docs_pages.expected_pages(catalog)
    if pages.problems:
        return _report(pages.problems, "no page written: fix these first")
    if args.check:
        folder = Path(args.catalog) / docs_pages.PAGES_DIR
        stale = docs_pages.stale_pages(folder, pages.pages)
        for entry in stale:
            print(f"{entry}: run `ci-catalog docs` to update it", file=sys.stderr)
        if not stale:
            print(f"{len(pages.pages)} component pages are up to date")
        return Exit.PROBLEMS if stale else Exit.OK
    for entry in docs_pages.write_pages(Path(args.catalog), pages.pages):
        print(entry)
    return Exit.OK


def build_site(args: argparse.Namespace) -> int:
    catalog = open_catalog(args.catalog, GIVE_THE_OPTION)
    refusal = site.refusal(Path(args.out), catalog.root)
    if refusal:
        raise UsageError(refusal)
    result = site.build(catalog, Path(args.out))
    if result.problems:
        return _report(result.problems, "no site written: fix these first")
    print(f"wrote {result.pages} pages to {args.out}")
    return Exit.OK


def _report(problems: list[Problem], closing: str = "") -> int:
    for problem in problems:
        print(text_line(problem), file=sys.stderr)
    if problems and closing:
        print(closing, file=sys.stderr)
    return Exit.PROBLEMS if problems else Exit.OK
