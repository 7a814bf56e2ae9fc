"""`ci-catalog test [COMPONENT...]`: run the components' test cases from catalog.yml, report text and JUnit.

Exit codes: 0 every case passed; 1 a case failed, or catalog.yml has problems (each printed
at its place, and no case runs); 2 usage (an unknown component, an output that cannot be
written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ci_catalog.catalog import load_catalog
from ci_catalog.catalog_cases import Case
from ci_catalog.cli.catalog_folder import GIVE_THE_OPTION, catalog_folder
from ci_catalog.cli.run_command import runner_options
from ci_catalog.cli.versions_command import print_problems
from ci_catalog.exits import Exit, UsageError
from ci_catalog.local.cases import CaseResult, Workspace, report_text, run_case, snapshot_catalog
from ci_catalog.local.checkout import CheckoutError
from ci_catalog.local.runner import State, default_state_folder
from ci_catalog.report import JUnitCase, JUnitFailure, junit_xml
from ci_catalog.writing import write_text


def test(args: argparse.Namespace) -> int:
    root = catalog_folder(args.catalog, GIVE_THE_OPTION)
    catalog = load_catalog(root)
    if catalog.problems:
        print_problems(catalog.problems, sys.stderr)
        print(f"{catalog.manifest_path}: no case runs: fix the problems above first", file=sys.stderr)
        return Exit.PROBLEMS
    cases = _selected(args, {component.name: component.cases for component in catalog.components})
    folder = Path(args.state_dir) if args.state_dir else default_state_folder(root, "tests")
    workspace = Workspace(folder, Path(args.logs) if args.logs else folder / "logs")
    results: list[CaseResult] = []
    if cases:
        options = runner_options(args, sys.stderr)
        with State(folder).locked():
            try:
                snapshot = snapshot_catalog(root, workspace)
            except CheckoutError as error:
                raise UsageError(f"cannot take the catalog's work tree as a commit: {error}") from None
            for case in cases:
                results.append(run_case(case, snapshot, catalog.project, workspace, options))
    if args.junit:
        write_text(Path(args.junit), as_junit(results))
    report_text(results, sys.stdout, workspace.logs)
    return Exit.OK if all(result.passed for result in results) else Exit.PROBLEMS


def _selected(args: argparse.Namespace, by_component: dict[str, list[Case]]) -> list[Case]:
    unknown = [name for name in args.components if name not in by_component]
    if unknown:
        raise UsageError(f"no component {', '.join(unknown)} in this catalog (it has {', '.join(by_component)})")
    names = args.components or list(by_component)
    cases = [case for name in names for case in by_component[name]]
    if args.case:
        missing = [name for name in args.case if not any(case.name == name for case in cases)]
        if missing:
            raise UsageError(f"no case named {', '.join(repr(name) for name in missing)} among the selected ones")
        cases = [case for case in cases if case.name in args.case]
    return cases


def as_junit(results: list[CaseResult]) -> str:
    cases = []
    for result in results:
        failures = []
        if result.failures:
            failures.append(JUnitFailure(result.failures[0], "failure", "\n".join(result.failures)))
        cases.append(
            JUnitCase(
                f"ci-catalog.test.{result.case.component}", result.case.name, "catalog.yml", result.seconds, failures
            )
        )
    return junit_xml("ci-catalog test", cases)
