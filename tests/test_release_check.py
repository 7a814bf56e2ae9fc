"""`ci-catalog release check`: version, tag, CHANGELOG and the interface changes agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitcatalog import GitCatalog, component

BREAKING = component("2")  # no `extra` input any more
BEFORE = component("1", inputs="    extra:\n      default: x\n")


def manifest(version: str) -> str:
    return f"version: {version}\nproject: acme/ci\ncomponents:\n  build:\n    summary: Builds.\n"


def changelog(*versions: str) -> str:
    return "# Changelog\n\n" + "".join(f"## {version} - 2026-11-21\n\n- Changes.\n\n" for version in versions)


@pytest.fixture
def released(tmp_path: Path) -> GitCatalog:
    """A catalog with 1.4.0 released, then a breaking change committed."""
    repo = GitCatalog(tmp_path / "catalog")
    repo.commit(
        "1.4.0",
        {"templates/build/template.yml": BEFORE, "catalog.yml": manifest("1.4.0"), "CHANGELOG.md": changelog("1.4.0")},
    )
    repo.git("tag", "1.4.0")
    repo.commit("breaking", {"templates/build/template.yml": BREAKING})
    return repo


def prepare(repo: GitCatalog, version: str, tag: str | None = None) -> None:
    repo.commit(f"prepare {version}", {"catalog.yml": manifest(version), "CHANGELOG.md": changelog(version, "1.4.0")})
    if tag:
        repo.git("tag", tag)


def test_a_major_release_after_a_breaking_change_passes(cli, released: GitCatalog) -> None:
    prepare(released, "2.0.0", "v2.0.0")
    result = cli("release", "check", "--catalog", released.root, "--tag", "v2.0.0")
    assert result.code == 0, result.out + result.err
    assert "ok: tag `v2.0.0` is catalog.yml's version" in result.out
    assert "ok: CHANGELOG.md's top entry is 2.0.0" in result.out
    assert "ok: 1.4.0 -> 2.0.0 is a major step; the changes need major" in result.out
    assert result.out.endswith("release check: 2.0.0 is ready to release\n")


def test_a_minor_release_after_a_breaking_change_fails_and_names_the_version_to_release(
    cli, released: GitCatalog
) -> None:
    prepare(released, "1.5.0", "1.5.0")
    result = cli("release", "check", "--catalog", released.root, "--tag", "1.5.0")
    assert result.code == 1
    assert "breaking  input `extra` removed" in result.out
    assert (
        "error: 1.4.0 -> 1.5.0 is a minor step, but the changes since need a major one (breaking changes): release 2.0.0 instead"
    ) in result.out
    assert "nothing is released" in result.err


def test_a_tag_that_is_not_the_catalog_version_fails(cli, released: GitCatalog) -> None:
    prepare(released, "2.0.0")
    result = cli("release", "check", "--catalog", released.root, "--tag", "2.0.1")
    assert result.code == 1
    assert "error: catalog.yml says version 2.0.0 but the tag is `2.0.1`: make them the same" in result.out


def test_a_tag_that_is_not_semver_fails_as_gitlabs_catalog_would(cli, released: GitCatalog) -> None:
    prepare(released, "2.0.0")
    result = cli("release", "check", "--catalog", released.root, "--tag", "2.0")
    assert (
        "error: tag `2.0` is not a semantic version (like 1.2.0 or v1.2.0): GitLab's catalog refuses it" in result.out
    )


def test_the_tag_comes_from_ci_commit_tag_in_a_pipeline(
    cli, released: GitCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(released, "2.0.0", "2.0.0")
    monkeypatch.setenv("CI_COMMIT_TAG", "2.0.1")
    result = cli("release", "check", "--catalog", released.root)
    assert "but the tag is `2.0.1`" in result.out


def test_a_changelog_whose_top_entry_is_another_version_fails_at_that_line(cli, released: GitCatalog) -> None:
    released.commit("prepare", {"catalog.yml": manifest("2.0.0"), "CHANGELOG.md": changelog("1.4.0")})
    result = cli("release", "check", "--catalog", released.root)
    assert result.code == 1
    assert "CHANGELOG.md:3:1: error: the top entry is `1.4.0`, not 2.0.0: add `## 2.0.0` on top" in result.out


def test_an_unreleased_section_on_top_must_become_the_version(cli, released: GitCatalog) -> None:
    released.commit("prepare", {"catalog.yml": manifest("2.0.0"), "CHANGELOG.md": changelog("Unreleased", "1.4.0")})
    result = cli("release", "check", "--catalog", released.root)
    assert "error: the top entry is `Unreleased`, not 2.0.0" in result.out


def test_a_missing_changelog_fails(cli, released: GitCatalog) -> None:
    released.commit("prepare", {"catalog.yml": manifest("2.0.0"), "CHANGELOG.md": None})
    result = cli("release", "check", "--catalog", released.root)
    assert "error: no CHANGELOG.md: add one with a `## 2.0.0` entry" in result.out


def test_before_1_0_a_breaking_change_needs_a_minor_step(cli, tmp_path: Path) -> None:
    repo = GitCatalog(tmp_path / "catalog")
    repo.commit(
        "0.3.0",
        {"templates/build/template.yml": BEFORE, "catalog.yml": manifest("0.3.0"), "CHANGELOG.md": changelog("0.3.0")},
    )
    repo.git("tag", "0.3.0")
    repo.commit(
        "breaking",
        {
            "templates/build/template.yml": BREAKING,
            "catalog.yml": manifest("0.3.1"),
            "CHANGELOG.md": changelog("0.3.1"),
        },
    )
    result = cli("release", "check", "--catalog", repo.root)
    assert (
        "error: 0.3.0 -> 0.3.1 is a patch step, but the changes since need a minor one (breaking changes): release 0.4.0 instead"
        in result.out
    )


def test_the_first_release_has_nothing_to_compare_with(cli, tmp_path: Path) -> None:
    repo = GitCatalog(tmp_path / "catalog")
    repo.commit(
        "first",
        {"templates/build/template.yml": BEFORE, "catalog.yml": manifest("1.0.0"), "CHANGELOG.md": changelog("1.0.0")},
    )
    result = cli("release", "check", "--catalog", repo.root)
    assert result.code == 0, result.out
    assert "ok: first release: no earlier release to compare with" in result.out


def test_a_catalog_without_readme_fails_as_gitlab_would_refuse_to_publish(cli, released: GitCatalog) -> None:
    prepare(released, "2.0.0")
    (released.root / "README.md").unlink()
    result = cli("release", "check", "--catalog", released.root)
    assert "error: Project must have a README (README.md at the release commit)" in result.out


def test_a_catalog_version_that_is_not_semver_fails(cli, released: GitCatalog) -> None:
    released.commit("prepare", {"catalog.yml": manifest("'2.0'")})
    result = cli("release", "check", "--catalog", released.root)
    assert result.code == 1
    assert "catalog.yml:1:1: error: `version: 2.0` is not a semantic version like 1.2.0" in result.out


def test_a_linked_template_fails_as_gitlab_would_publish_the_link_s_text(cli, released: GitCatalog) -> None:
    prepare(released, "2.0.0")
    (released.root / "templates" / "deploy.yml").symlink_to("build/template.yml")
    result = cli("release", "check", "--catalog", released.root)
    assert result.code == 1
    assert "`templates/deploy.yml` is a link to build/template.yml: GitLab does not follow links" in result.out
    assert "nothing is released" in result.err
