"""`.pre-commit-hooks.yaml`: valid for pre-commit, and its entries are real subcommands."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from ci_catalog.cli import build_parser
from conftest import ROOT

HOOKS = ROOT / ".pre-commit-hooks.yaml"

# pre-commit's documented hook keys (https://pre-commit.com/#new-hooks): the first four
# are required; the rest are optional, with these types.
REQUIRED = {"id": str, "name": str, "entry": str, "language": str}
OPTIONAL = {
    "files": str,
    "exclude": str,
    "types": list,
    "types_or": list,
    "exclude_types": list,
    "always_run": bool,
    "fail_fast": bool,
    "verbose": bool,
    "pass_filenames": bool,
    "require_serial": bool,
    "description": str,
    "language_version": str,
    "minimum_pre_commit_version": str,
    "args": list,
    "stages": list,
}


def hooks() -> list[dict[str, object]]:
    data = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(data, list) and data, "the manifest is a non-empty list of hooks"
    return data


def hook(hook_id: str) -> dict[str, object]:
    return next(item for item in hooks() if item["id"] == hook_id)


def test_every_hook_has_the_required_keys_and_only_documented_ones() -> None:
    for item in hooks():
        assert isinstance(item, dict)
        for key, kind in REQUIRED.items():
            assert isinstance(item.get(key), kind), f"{item.get('id')}: `{key}` is required"
        for key, value in item.items():
            assert key in REQUIRED or key in OPTIONAL, f"{item['id']}: `{key}` is not a pre-commit hook key"
            assert isinstance(value, (REQUIRED | OPTIONAL)[key]), f"{item['id']}: `{key}` has the wrong type"
        for key in ("files", "exclude"):
            if key in item:
                re.compile(str(item[key]))


def test_hook_ids_are_unique() -> None:
    ids = [item["id"] for item in hooks()]
    assert sorted(ids) == sorted(set(ids)) == ["ci-catalog-check", "ci-catalog-lint"]


@pytest.mark.parametrize("hook_id", ["ci-catalog-lint", "ci-catalog-check"])
def test_each_entry_is_a_real_subcommand(hook_id: str) -> None:
    program, subcommand, *options = shlex.split(str(hook(hook_id)["entry"]))
    assert program == "ci-catalog"
    args = build_parser().parse_args([subcommand, *options])
    assert args.command == subcommand


def test_the_lint_hook_gets_the_component_and_pipeline_files() -> None:
    item = hook("ci-catalog-lint")
    assert (item["entry"], item["language"], item["pass_filenames"]) == ("ci-catalog lint", "python", True)
    files = re.compile(str(item["files"]))
    for path in ("templates/build.yml", "templates/build/template.yml", ".gitlab-ci.yml"):
        assert files.search(path), path
    for path in ("catalog.yml", "docs/templates/x.yml", "templates/build/README.md", "x/.gitlab-ci.yml"):
        assert not files.search(path), path


def test_the_check_hook_runs_on_the_whole_catalog() -> None:
    item = hook("ci-catalog-check")
    assert (item["entry"], item["language"], item["pass_filenames"]) == ("ci-catalog check", "python", False)


def test_pre_commit_itself_accepts_the_manifest() -> None:
    from pre_commit import clientlib  # a test dependency: this check must run, not skip

    hooks = clientlib.load_manifest(str(HOOKS))
    assert {hook["id"] for hook in hooks} == {"ci-catalog-lint", "ci-catalog-check"}


def test_the_package_installs_the_entry_point() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'ci-catalog = "ci_catalog.cli:main"' in text  # what `language: python` hooks run
