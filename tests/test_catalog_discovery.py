"""Finding a catalog's component files: one place looks in `templates/` for every command.

GitLab stores a symbolic link as a file that holds the target's path and never follows it
(a Git blob of mode 120000), so a link that leaves the catalog can only ever show a local
checkout's files: `/etc/shadow`, another project. Such a link is refused with a message,
and what it points at is never read, printed or published. A link inside the catalog is
reported too: GitLab would read its path as the component, not the file it names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_browse import GREETER, MANIFEST, PLAIN, make_catalog

from ci_catalog.catalog import template_files

SECRET = "root:$6$secret-hash-line:19000:0:99999:7:::\n"
COMMANDS = {
    "check": lambda root: ["check", root],
    "lint": lambda root: ["lint", root],
    "list": lambda root: ["list", root],
    "show": lambda root: ["show", "greeter", "--catalog", root],
    "docs": lambda root: ["docs", root],
    "site": lambda root: ["site", root.parent / "public", "--catalog", root],
}


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    root = make_catalog(tmp_path / "catalog", {"greeter": GREETER, "plain": PLAIN})
    (root / "README.md").write_text("# Catalog\n", encoding="utf-8")
    return root


MIRROR_REPORTED = "`templates/mirror.yml` is a link to ../shared/mirror.yml: GitLab does not follow links"


@pytest.fixture
def mirrored(catalog: Path) -> Path:
    """The catalog with `templates/mirror.yml` a link to `shared/mirror.yml`, a component of its own."""
    (catalog / "shared").mkdir()
    (catalog / "shared" / "mirror.yml").write_text(PLAIN.replace("plain", "mirrored"), encoding="utf-8")
    (catalog / "templates" / "mirror.yml").symlink_to(Path("..", "shared", "mirror.yml"))
    return catalog


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "shadow"
    path.parent.mkdir()
    path.write_text(SECRET, encoding="utf-8")
    return path


def _refusal(link: str, target: Path) -> str:
    return f"`{link}` is a link to {target}, outside the catalog: GitLab does not follow links"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_component_link_out_of_the_catalog_is_refused_and_never_read(
    cli, catalog: Path, secret: Path, command: str
) -> None:
    (catalog / "templates" / "leak.yml").symlink_to(secret)
    result = cli(*COMMANDS[command](catalog))
    assert result.code == 1
    assert _refusal("templates/leak.yml", secret) in result.out + result.err
    assert "secret-hash-line" not in result.out + result.err
    assert not (catalog / "docs").exists() and not (catalog.parent / "public").exists()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_templates_folder_link_out_of_the_catalog_is_refused(
    cli, catalog: Path, tmp_path: Path, command: str
) -> None:
    outside = tmp_path / "other-project" / "templates"
    outside.mkdir(parents=True)
    (outside / "leak.yml").write_text("spec:\n  inputs: {}\n---\nleak:\n  script: [cat /etc/shadow]\n")
    (catalog / "templates" / "stolen").symlink_to(outside)
    result = cli(*COMMANDS[command](catalog))
    assert result.code == 1
    assert _refusal("templates/stolen", outside) in result.out + result.err
    assert "cat /etc/shadow" not in result.out + result.err


def test_a_catalog_yml_link_out_of_the_catalog_is_refused_and_never_read(cli, catalog: Path, secret: Path) -> None:
    (catalog / "catalog.yml").unlink()
    (catalog / "catalog.yml").symlink_to(secret)
    for args in (["list", catalog], ["lint", catalog], ["check", catalog]):
        result = cli(*args)
        assert result.code == 1, args
        assert _refusal("catalog.yml", secret) in result.out + result.err
        assert "secret-hash-line" not in result.out + result.err


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_component_link_inside_the_catalog_is_reported_as_gitlab_reads_it(cli, mirrored: Path, command: str) -> None:
    """GitLab would list `mirror` and read the text `../shared/mirror.yml` as its content."""
    result = cli(*COMMANDS[command](mirrored))
    assert result.code == 1
    assert MIRROR_REPORTED in result.out + result.err
    assert "mirrored" not in result.out + result.err
    assert not (mirrored / "docs").exists() and not (mirrored.parent / "public").exists()


def test_showing_a_linked_component_names_the_link(cli, mirrored: Path) -> None:
    result = cli("show", "mirror", "--catalog", mirrored)
    assert result.code == 1
    assert MIRROR_REPORTED in result.err
    assert result.err.rstrip().endswith("(known: greeter, plain)")


def test_showing_a_misspelt_component_is_a_usage_error_whatever_else_is_wrong(cli, catalog: Path) -> None:
    manifest = catalog / "catalog.yml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("version: 2.3.0", "version: two"))
    result = cli("show", "greter", "--catalog", catalog)
    assert result.code == 2
    assert "no component named 'greter'" in result.err and "`version: two`" not in result.err


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_loop_of_links_is_reported_not_a_crash(cli, catalog: Path, command: str) -> None:
    (catalog / "templates" / "loop.yml").symlink_to("loop.yml")
    result = cli(*COMMANDS[command](catalog))
    assert result.code == 1
    assert "`templates/loop.yml` is a link to loop.yml: GitLab does not follow links" in result.out + result.err


def test_a_catalog_yml_link_that_leads_nowhere_is_reported(cli, catalog: Path) -> None:
    (catalog / "catalog.yml").unlink()
    (catalog / "catalog.yml").symlink_to("catalog.yml")
    for args in (["list", catalog], ["check", catalog]):
        result = cli(*args)
        assert result.code == 1, args
        assert "`catalog.yml` is a link to catalog.yml, which leads to no file" in result.out + result.err


def test_a_finding_on_a_link_is_reported_at_the_link_not_at_what_it_names(
    cli, mirrored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_PROJECT_DIR", str(mirrored))
    result = cli("lint", mirrored, "--format", "codequality")
    paths = {finding["location"]["path"] for finding in json.loads(result.out)}
    assert "templates/mirror.yml" in paths and "shared/mirror.yml" not in paths


def test_a_component_folder_linked_inside_the_catalog_is_reported_and_not_searched(cli, catalog: Path) -> None:
    (catalog / "templates" / "twin").symlink_to("greeter")
    result = cli("list", catalog)
    assert result.code == 1
    assert "`templates/twin` is a link to greeter: GitLab does not follow links" in result.out + result.err
    assert [path.relative_to(catalog).as_posix() for path in template_files(catalog).files] == [
        "templates/greeter/template.yml",
        "templates/plain/template.yml",
    ]


def test_every_command_finds_the_same_files_in_path_order(catalog: Path) -> None:
    (catalog / "templates" / "notes.txt").write_text("not a component\n", encoding="utf-8")
    (catalog / "catalog.yml").write_text(MANIFEST, encoding="utf-8")
    found = template_files(catalog)
    assert [path.relative_to(catalog).as_posix() for path in found.files] == [
        "templates/greeter/template.yml",
        "templates/notes.txt",
        "templates/plain/template.yml",
    ]
    assert found.problems == []
