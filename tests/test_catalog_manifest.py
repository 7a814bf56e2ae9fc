"""catalog.yml: the version and the project path a catalog is included from."""

from __future__ import annotations

from pathlib import Path

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
