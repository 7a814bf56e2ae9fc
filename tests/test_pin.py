"""`ci-catalog pin`: loose component references rewritten to exact versions, every other byte kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitcatalog import GitCatalog, component

HOST = "gitlab.example.com"
ADDRESS = f"{HOST}/acme/ci/build"

PIPELINE = f"""\
# Our pipeline: keep this comment.
include:
  - local: ci/extra.yml     # a local include is left alone
  - component: "{ADDRESS}@~latest"   # newest release
    inputs:
      job_prefix: api
  - component: '{ADDRESS}@1.0'
    inputs: {{job_prefix: web}}
  - component: $CI_SERVER_FQDN/acme/ci/build@1.0.0
    inputs:
      job_prefix: exact

variables:
  KEEP:   "odd   spacing"
"""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> GitCatalog:
    repo = GitCatalog(tmp_path_factory.mktemp("catalog"))
    for tag in ("1.0.0", "1.0.1", "1.1.0"):
        repo.release(tag)
    repo.git("checkout", "-q", "-b", "next")
    repo.commit("next", {"templates/build/template.yml": component("next")})
    repo.git("checkout", "-q", "main")
    return repo


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "extra.yml").write_text("extra:\n  script: [make]\n", encoding="utf-8")
    path = tmp_path / ".gitlab-ci.yml"
    path.write_bytes(PIPELINE.encode())
    return path


def pin(cli, catalog: GitCatalog, pipeline: Path, *extra: str):
    return cli("pin", pipeline, "--catalog", catalog.root, "--server-fqdn", HOST, *extra)


def test_write_rewrites_only_the_loose_references_and_keeps_every_other_byte(
    cli, catalog: GitCatalog, pipeline: Path
) -> None:
    result = pin(cli, catalog, pipeline, "--write")
    assert result.code == 0, result.out
    assert result.out.strip() == f"{pipeline}: pinned 2 component reference(s)"
    expected = PIPELINE.replace(f"{ADDRESS}@~latest", f"{ADDRESS}@1.1.0").replace(
        f"{ADDRESS}@1.0'", f"{ADDRESS}@1.0.1'"
    )
    assert pipeline.read_bytes() == expected.encode()


def test_crlf_line_ends_are_kept(cli, catalog: GitCatalog, pipeline: Path) -> None:
    pipeline.write_bytes(PIPELINE.replace("\n", "\r\n").encode())
    assert pin(cli, catalog, pipeline, "--write").code == 0
    assert (
        pipeline.read_bytes()
        == PIPELINE.replace("~latest", "1.1.0").replace("@1.0'", "@1.0.1'").replace("\n", "\r\n").encode()
    )


def test_without_write_the_change_is_shown_as_a_diff_and_the_file_is_untouched(
    cli, catalog: GitCatalog, pipeline: Path
) -> None:
    result = pin(cli, catalog, pipeline)
    assert result.code == 1
    assert (
        f'-  - component: "{ADDRESS}@~latest"   # newest release\n+  - component: "{ADDRESS}@1.1.0"   # newest release\n'
        in result.out
    )
    assert pipeline.read_bytes() == PIPELINE.encode()


def test_to_sha_pins_every_reference_to_its_commit(cli, catalog: GitCatalog, pipeline: Path) -> None:
    assert pin(cli, catalog, pipeline, "--write", "--to", "sha").code == 0
    text = pipeline.read_text()
    for tag in ("1.1.0", "1.0.1", "1.0.0"):
        assert f"@{catalog.git('rev-parse', tag + '^{commit}')}" in text
    assert "# newest release" in text and "@~latest" not in text


def test_a_pinned_file_is_left_alone(cli, catalog: GitCatalog, pipeline: Path) -> None:
    pin(cli, catalog, pipeline, "--write")
    before = pipeline.read_bytes()
    result = pin(cli, catalog, pipeline, "--write")
    assert (result.code, result.out.strip()) == (0, f"{pipeline}: every component reference is already pinned")
    assert pipeline.read_bytes() == before


def test_a_branch_with_no_release_at_its_head_is_pinned_to_the_sha(cli, catalog: GitCatalog, tmp_path: Path) -> None:
    path = tmp_path / "branch.yml"
    path.write_text(f"include:\n  - component: {ADDRESS}@next\n", encoding="utf-8")
    assert pin(cli, catalog, path, "--write").code == 0
    assert path.read_text() == f"include:\n  - component: {ADDRESS}@{catalog.git('rev-parse', 'next')}\n"


def test_a_tab_before_a_comment_is_read_as_gitlab_reads_it(cli, catalog: GitCatalog, tmp_path: Path) -> None:
    """libyaml (Psych's parser) takes a tab before `#`; PyYAML's own scanner refused it."""
    path = tmp_path / "tab.yml"
    path.write_text(f"include:\n  - component: {ADDRESS}@1.0\t# pinned later\n", encoding="utf-8")
    result = pin(cli, catalog, path, "--write")
    assert result.code == 0, result.out + result.err
    assert path.read_text() == f"include:\n  - component: {ADDRESS}@1.0.1\t# pinned later\n"


def test_a_loose_reference_written_through_a_variable_is_left_as_written_and_not_called_pinned(
    cli, catalog: GitCatalog, tmp_path: Path
) -> None:
    path = tmp_path / "variable.yml"
    text = f"include:\n  - component: {ADDRESS}@$RELEASE\n"
    path.write_text(text, encoding="utf-8")
    result = pin(cli, catalog, path, "--write", "--variable", "RELEASE=~latest")
    assert result.code == 1
    assert "already pinned" not in result.out + result.err
    assert (
        f"variable.yml:2:5: warning: `{ADDRESS}@$RELEASE` is not pinned, and its reference is written through a "
        "variable: pin it where the variable is set"
    ) in result.err
    assert path.read_text() == text


def test_a_reference_written_through_a_variable_that_resolves_exactly_is_pinned(
    cli, catalog: GitCatalog, tmp_path: Path
) -> None:
    path = tmp_path / "variable.yml"
    path.write_text(f"include:\n  - component: {ADDRESS}@$RELEASE\n", encoding="utf-8")
    result = pin(cli, catalog, path, "--variable", "RELEASE=1.0.0")
    assert (result.code, result.out.strip()) == (0, f"{path}: every component reference is already pinned")


def test_nothing_is_written_when_a_reference_does_not_resolve(cli, catalog: GitCatalog, pipeline: Path) -> None:
    pipeline.write_text(PIPELINE.replace("@1.0.0", "@9.9.9"), encoding="utf-8")
    before = pipeline.read_bytes()
    result = pin(cli, catalog, pipeline, "--write")
    assert result.code == 2
    assert f"error: Component '{ADDRESS}@9.9.9' - content not found" in result.err
    assert "not pinned: fix the errors above first" in result.err
    assert pipeline.read_bytes() == before


def test_the_dry_run_exits_2_on_an_error_and_prints_no_diff(cli, catalog: GitCatalog, pipeline: Path) -> None:
    pipeline.write_text(PIPELINE.replace("@1.0.0", "@9.9.9"), encoding="utf-8")
    result = pin(cli, catalog, pipeline)
    assert (result.code, result.out) == (2, "")


def test_the_dry_run_exits_0_when_nothing_would_change(cli, catalog: GitCatalog, tmp_path: Path) -> None:
    path = tmp_path / "pinned.yml"
    path.write_text(f"include:\n  - component: {ADDRESS}@1.0.1\n", encoding="utf-8")
    result = pin(cli, catalog, path)
    assert (result.code, result.out.strip()) == (0, f"{path}: every component reference is already pinned")


def test_an_include_under_another_project_path_is_pinned_too(cli, catalog: GitCatalog, tmp_path: Path) -> None:
    """The README's `<group>/python-ci` with the user's own group: `pin` said `already pinned` and exited 0."""
    path = tmp_path / "forked.yml"
    path.write_text(f"include:\n  - component: {HOST}/my-group/ci/build@~latest\n", encoding="utf-8")
    result = pin(cli, catalog, path)
    assert result.code == 1
    assert f"+  - component: {HOST}/my-group/ci/build@1.1.0\n" in result.out
    assert "names the project `my-group/ci`, but this catalog's path is `acme/ci`" in result.err


def test_strict_refuses_to_pin_an_include_under_another_project_path(cli, catalog: GitCatalog, tmp_path: Path) -> None:
    path = tmp_path / "forked.yml"
    path.write_text(f"include:\n  - component: {HOST}/my-group/ci/build@~latest\n", encoding="utf-8")
    result = pin(cli, catalog, path, "--strict", "--write")
    assert result.code == 2
    assert "error: `gitlab.example.com/my-group/ci/build@~latest` names the project" in result.err
    assert "@~latest" in path.read_text()


def test_already_pinned_is_not_claimed_for_an_include_of_another_catalog(
    cli, catalog: GitCatalog, tmp_path: Path
) -> None:
    path = tmp_path / "two-catalogs.yml"
    path.write_text(
        f"include:\n  - component: {ADDRESS}@1.0.0\n  - component: {HOST}/other/ci/deploy@~latest\n", encoding="utf-8"
    )
    result = pin(cli, catalog, path)
    assert result.code == 0
    assert "every component reference is already pinned" not in result.out
    assert result.out.strip() == (
        f"{path}: 1 component reference(s) of this catalog already pinned; 1 of another catalog not checked "
        "(see the warnings)"
    )


def test_write_through_a_linked_pipeline_pins_the_file_it_names_and_keeps_the_link(
    cli, catalog: GitCatalog, pipeline: Path
) -> None:
    link = pipeline.with_name("linked-ci.yml")
    link.symlink_to(pipeline.name)
    result = cli("pin", link, "--catalog", catalog.root, "--server-fqdn", HOST, "--write")
    assert result.code == 0, result.out
    assert link.is_symlink() and link.resolve() == pipeline
    assert f"{ADDRESS}@1.1.0" in pipeline.read_text(encoding="utf-8")
    assert sorted(path.name for path in pipeline.parent.iterdir()) == [".gitlab-ci.yml", "ci", "linked-ci.yml"]
