"""catalog.yml: the version and the project path a catalog is included from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ci_catalog.catalog import DEFAULT_PROJECT, load_catalog


def write_catalog(root: Path, manifest: str) -> Path:
    (root / "templates").mkdir()
    (root / "templates" / "build.yml").write_text("spec:\n  inputs: {}\n---\nbuild:\n  script: [make]\n")
    (root / "catalog.yml").write_text(manifest)
    return root


def test_the_manifest_names_the_version_and_project(tmp_path: Path) -> None:
    catalog = load_catalog(write_catalog(tmp_path, "version: 1.2.0\nproject: acme/ci\n"))
    assert (catalog.version, catalog.project) == ("1.2.0", "acme/ci")


def test_a_manifest_without_a_project_gets_a_placeholder_path_to_fill_in(tmp_path: Path) -> None:
    catalog = load_catalog(write_catalog(tmp_path, "version: 1.2.0\n"))
    assert catalog.project == DEFAULT_PROJECT == "<group>/python-ci"


BAD_MANIFESTS = {
    "a YAML syntax error": ("version: [1\n", "did not find expected ',' or ']'"),
    "not a mapping": ("- a\n", "catalog.yml must be a mapping"),
    "a lint section that is no mapping": ("lint: 3\n", "lint: expected a mapping with select, ignore and severity"),
    "a rule that does not exist": ("lint: {select: [nope]}\n", "lint.select: no such rule nope"),
    "a version that is a list": ("version: [1]\n", "`version` must be text, not a list"),
    "a version that is a path": ("version: ../../etc\n", "`version: ../../etc` is not a semantic version like 1.2.0"),
    "a v-prefixed version": ("version: v1.2.0\n", "`version: v1.2.0` is not a semantic version like 1.2.0"),
    "a project that is a mapping": ("project: {a: b}\n", "`project` must be text, not a mapping"),
}
COMMANDS = {
    "check": lambda root: ["check", root],
    "lint": lambda root: ["lint", root],
    "list": lambda root: ["list", root],
    "show": lambda root: ["show", "build", "--catalog", root],
    "docs": lambda root: ["docs", root],
    "site": lambda root: ["site", root.parent / "public", "--catalog", root],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(BAD_MANIFESTS))
def test_a_bad_catalog_yml_is_exit_1_naming_its_place_in_every_command(
    cli, tmp_path: Path, case: str, command: str
) -> None:
    manifest, message = BAD_MANIFESTS[case]
    (tmp_path / "catalog").mkdir()
    root = write_catalog(tmp_path / "catalog", manifest)
    (root / "README.md").write_text("# A catalog\n", encoding="utf-8")
    result = cli(*COMMANDS[command](root))
    assert result.code == 1, result.err
    assert re.search(
        rf"{re.escape(str(root / 'catalog.yml'))}:\d+:\d+: error: (\[\w+\] )?.*{re.escape(message)}",
        result.out + result.err,
    )
    assert not (root / "docs").exists() and not (tmp_path / "public").exists()


def test_a_summary_that_is_not_text_is_a_problem_not_a_python_repr(cli, tmp_path: Path) -> None:
    root = write_catalog(tmp_path, "components:\n  build:\n    summary: [one, two]\n")
    result = cli("list", root)
    assert result.code == 1
    assert "['one'" not in result.out
    assert f"{root / 'catalog.yml'}:3:5: error: catalog.yml `build` summary must be text, not a list" in result.err
