"""`ci-catalog resolve`: component references resolved against a real git catalog, as GitLab does.

Published releases: 1.0.0 1.1.0 1.1.1 1.2.0 v2.0.0 2.0.1 2.1.0 and the pre-release
3.0.0-rc.1, tagged out of order (2.1.0 before 1.2.0), as in GitLab's own examples.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ci_catalog.versions.gitrepo import GitRepo
from ci_catalog.versions.pipeline_resolve import Context, resolve_pipeline
from ci_catalog.versions.resolve import CatalogRepo
from gitcatalog import GitCatalog, component

HOST = "gitlab.example.com"
ADDRESS = f"{HOST}/acme/ci/build"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> GitCatalog:
    repo = GitCatalog(tmp_path_factory.mktemp("catalog"))
    for tag in ("1.0.0", "1.1.0", "1.1.1", "v2.0.0", "2.0.1", "2.1.0", "1.2.0", "3.0.0-rc.1"):
        repo.release(tag)
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature work", {"templates/build/template.yml": component("feature")})
    repo.git("checkout", "-q", "main")
    repo.commit("unreleased work", {"templates/build/template.yml": component("main")})
    return repo


@pytest.fixture
def resolve(cli, catalog: GitCatalog, tmp_path: Path):
    def run(*references: str, body: str = "", extra: tuple[str, ...] = ()):
        lines = ["include:"]
        for reference in references:
            lines.append(f"  - component: {reference}")
        pipeline = tmp_path / ".gitlab-ci.yml"
        pipeline.write_text("\n".join(lines) + "\n" + body, encoding="utf-8")
        return cli("resolve", pipeline, "--catalog", catalog.root, "--server-fqdn", HOST, *extra)

    return run


def resolved_to(result) -> list[str]:
    return [line.split(" -> ", 1)[1] for line in result.out.splitlines() if " -> " in line]


@pytest.mark.parametrize(
    ("reference", "target"),
    [
        ("1.1.0", "1.1.0 (release"),
        ("v2.0.0", "v2.0.0 (release"),
        ("1", "1.2.0 (partial version"),
        ("1.1", "1.1.1 (partial version"),
        ("2", "2.1.0 (partial version"),
        ("~latest", "2.1.0 (~latest"),
        ("3.0.0-rc.1", "3.0.0-rc.1 (release"),
    ],
)
def test_a_version_reference_resolves_to_the_release_gitlab_picks(resolve, reference: str, target: str) -> None:
    result = resolve(f"{ADDRESS}@{reference}")
    assert result.code == 0, result.out
    assert resolved_to(result)[0].startswith(target)


def test_latest_ignores_pre_releases_and_tagging_order(resolve, catalog: GitCatalog) -> None:
    result = resolve(f"{ADDRESS}@~latest", extra=("--format", "json"))
    resolved = json.loads(result.out)["includes"][0]["resolved"]
    assert (resolved["version"], resolved["sha"]) == ("2.1.0", catalog.git("rev-parse", "2.1.0^{commit}"))


def test_a_tag_without_its_v_prefix_is_not_found_as_on_gitlab(resolve) -> None:
    result = resolve(f"{ADDRESS}@2.0.0")
    assert result.code == 1
    assert f"error: Component '{ADDRESS}@2.0.0' - content not found" in result.out


@pytest.mark.parametrize("reference", ["3", "1.3", "9.9.9", "no-such-branch"])
def test_a_reference_that_names_nothing_gets_gitlabs_content_not_found(resolve, reference: str) -> None:
    result = resolve(f"{ADDRESS}@{reference}")
    assert result.code == 1
    assert f".gitlab-ci.yml:2:5: error: Component '{ADDRESS}@{reference}' - content not found" in result.out


def test_a_full_commit_sha_resolves_with_no_catalog_version(resolve, catalog: GitCatalog) -> None:
    sha = catalog.git("rev-parse", "1.1.1^{commit}")
    result = resolve(f"{ADDRESS}@{sha}", extra=("--format", "json"))
    resolved = json.loads(result.out)["includes"][0]["resolved"]
    assert (resolved["kind"], resolved["sha"], resolved["version"], resolved["pinned"]) == (
        "commit SHA",
        sha,
        None,
        True,
    )


def test_an_abbreviated_sha_resolves_too(resolve, catalog: GitCatalog) -> None:
    sha = catalog.git("rev-parse", "1.1.1^{commit}")
    result = resolve(f"{ADDRESS}@{sha[:10]}")
    assert result.code == 0
    assert resolved_to(result) == [f"1.1.1 (commit SHA, commit {sha[:12]})"]


def test_a_branch_resolves_to_its_head_with_a_warning_that_it_is_not_pinned(resolve, catalog: GitCatalog) -> None:
    result = resolve(f"{ADDRESS}@feature")
    sha = catalog.git("rev-parse", "feature")
    assert result.code == 0
    assert resolved_to(result) == [f"{sha[:12]} (branch, commit {sha[:12]})"]
    assert f"warning: `build@feature` is not pinned: a branch resolves to {sha[:12]} today" in result.out


def test_latest_is_reported_as_not_pinned(resolve) -> None:
    result = resolve(f"{ADDRESS}@~latest")
    assert (
        "warning: `build@~latest` is not pinned: `~latest` resolves to 2.1.0 today; run `ci-catalog pin`" in result.out
    )


def test_the_component_is_rendered_at_the_resolved_commit_with_gitlabs_component_context(
    catalog: GitCatalog, tmp_path: Path
) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text("include:\n  component: $CI_SERVER_FQDN/acme/ci/build@1.1\n", encoding="utf-8")
    context = Context(CatalogRepo(GitRepo(catalog.root), "acme/ci"), HOST, {"CI_SERVER_FQDN": HOST})
    report = resolve_pipeline(pipeline, context)
    assert report.ok, report.problems
    assert report.includes[0].data["build-run"]["variables"]["BUILT_FROM"] == "build 1.1.1 1.1 1.1.1"


def test_the_server_fqdn_variable_and_a_single_mapping_include_are_understood(
    resolve, cli, catalog: GitCatalog, tmp_path: Path
) -> None:
    pipeline = tmp_path / "single.yml"
    pipeline.write_text("include:\n  component: $CI_SERVER_FQDN/acme/ci/build@1.0.0\n", encoding="utf-8")
    result = cli("resolve", pipeline, "--catalog", catalog.root, "--server-fqdn", HOST)
    assert result.code == 0, result.out
    assert resolved_to(result)[0].startswith("1.0.0 (release")


def test_an_address_on_another_host_is_not_supported(resolve) -> None:
    result = resolve("gitlab.com/acme/ci/build@1.0.0")
    assert "error: Component 'gitlab.com/acme/ci/build@1.0.0' - the component path is not supported" in result.out


def test_an_address_without_a_version_is_not_supported(resolve) -> None:
    result = resolve(ADDRESS)
    assert f"error: Component '{ADDRESS}' - the component path is not supported" in result.out


def test_a_component_missing_at_that_version_is_content_not_found(resolve) -> None:
    result = resolve(f"{HOST}/acme/ci/deploy@1.0.0")
    assert f"error: Component '{HOST}/acme/ci/deploy@1.0.0' - content not found" in result.out


def test_an_include_under_another_project_path_is_resolved_by_the_component_name_with_a_warning(resolve) -> None:
    """What a user gets after filling in the README's `<group>/python-ci` with their own group."""
    result = resolve(f"{HOST}/my-group/ci/build@~latest")
    assert result.code == 0, result.out
    assert resolved_to(result)[0].startswith("2.1.0 (~latest")
    assert (
        f"warning: `{HOST}/my-group/ci/build@~latest` names the project `my-group/ci`, but this catalog's path is "
        "`acme/ci` (catalog.yml `project`, or --project): resolved against this catalog by the component name `build`"
    ) in result.out


def test_an_include_under_another_project_path_is_checked_like_any_other(resolve) -> None:
    result = resolve(f"{HOST}/my-group/ci/build@9.9.9")
    assert result.code == 1
    assert f"error: Component '{HOST}/my-group/ci/build@9.9.9' - content not found" in result.out


def test_strict_makes_another_project_path_an_error(resolve) -> None:
    result = resolve(f"{HOST}/my-group/ci/build@1.0.0", extra=("--strict",))
    assert result.code == 1
    assert f"error: `{HOST}/my-group/ci/build@1.0.0` names the project `my-group/ci`" in result.out


def test_a_component_this_catalog_never_had_under_another_path_is_left_unresolved_with_a_warning(resolve) -> None:
    result = resolve(f"{HOST}/other/ci/deploy@1.0.0")
    assert result.code == 0
    assert (
        f"warning: `{HOST}/other/ci/deploy@1.0.0` is not a component of this catalog: its project `other/ci` is not "
        "`acme/ci`, and the catalog has no component `deploy`; not resolved"
    ) in result.out


def test_strict_makes_another_catalogs_component_an_error(resolve) -> None:
    result = resolve(f"{HOST}/other/ci/deploy@1.0.0", extra=("--strict",))
    assert result.code == 1
    assert f"error: `{HOST}/other/ci/deploy@1.0.0` is not a component of this catalog" in result.out


def test_a_failed_resolve_does_not_report_its_includes_as_resolved(resolve) -> None:
    result = resolve(f"{ADDRESS}@1.0.0", f"{ADDRESS}@9.9.9\n    inputs: {{job_prefix: other}}")
    assert result.code == 1
    assert "resolved 2 component include(s)" not in result.out
    assert result.out.endswith("resolve failed: 1 error(s); 1 of 2 component include(s) resolved cleanly\n")


def test_server_fqdn_defaults_to_ci_server_fqdn(
    resolve, monkeypatch: pytest.MonkeyPatch, catalog, cli, tmp_path
) -> None:
    monkeypatch.setenv("CI_SERVER_FQDN", "git.internal.example:8443")
    pipeline = tmp_path / "p.yml"
    pipeline.write_text("include:\n  - component: git.internal.example:8443/acme/ci/build@1.0.0\n", encoding="utf-8")
    result = cli("resolve", pipeline, "--catalog", catalog.root)
    assert result.code == 0, result.out
    assert resolved_to(result)[0].startswith("1.0.0 (release")


def test_without_ci_server_fqdn_the_server_is_gitlab_com(
    monkeypatch: pytest.MonkeyPatch, catalog, cli, tmp_path
) -> None:
    monkeypatch.delenv("CI_SERVER_FQDN", raising=False)
    pipeline = tmp_path / "p.yml"
    pipeline.write_text("include:\n  - component: $CI_SERVER_FQDN/acme/ci/build@1.2\n", encoding="utf-8")
    result = cli("resolve", pipeline, "--catalog", catalog.root, "--format", "json")
    assert json.loads(result.out)["includes"][0]["resolved"]["version"] == "1.2.0"
    result = cli("resolve", pipeline, "--catalog", catalog.root, "--project", "other/ci", "--strict")
    assert "`gitlab.com/acme/ci/build@1.2` names the project `acme/ci`" in result.out


def test_project_overrides_the_path_the_catalog_is_included_from(resolve) -> None:
    result = resolve(f"{HOST}/platform/python-ci/build@1.0.0", extra=("--project", "platform/python-ci"))
    assert result.code == 0, result.out
    assert resolved_to(result)[0].startswith("1.0.0 (release")


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (
            "~latest",
            "The ~latest version reference is not supported for non-catalog resources. Use a tag, branch, or commit SHA instead.",
        ),
        (
            "1",
            "The partial semantic version reference is not supported for non-catalog resources. Use a tag, branch, or commit SHA instead.",
        ),
    ],
)
def test_a_project_that_is_not_a_catalog_resource_refuses_loose_versions(
    cli, tmp_path: Path, reference: str, message: str
) -> None:
    repo = GitCatalog(tmp_path / "plain", project=None)
    repo.release("1.0.0")
    pipeline = tmp_path / "p.yml"
    pipeline.write_text(f"include:\n  - component: {HOST}/acme/ci/build@{reference}\n", encoding="utf-8")
    result = cli("resolve", pipeline, "--catalog", repo.root, "--server-fqdn", HOST, "--project", "acme/ci")
    assert f"error: Component '{HOST}/acme/ci/build@{reference}' - {message}" in result.out


def test_a_project_that_is_not_a_catalog_resource_still_resolves_a_tag(cli, tmp_path: Path) -> None:
    repo = GitCatalog(tmp_path / "plain", project=None)
    repo.release("1.0.0")
    pipeline = tmp_path / "p.yml"
    pipeline.write_text(f"include:\n  - component: {HOST}/acme/ci/build@1.0.0\n", encoding="utf-8")
    result = cli("resolve", pipeline, "--catalog", repo.root, "--server-fqdn", HOST, "--project", "acme/ci")
    assert result.code == 0, result.out
    assert resolved_to(result)[0].startswith("1.0.0 (tag")


def test_the_same_component_twice_with_different_job_prefixes_resolves_and_validates(
    cli, catalog: GitCatalog, tmp_path: Path
) -> None:
    pipeline = tmp_path / "twice.yml"
    pipeline.write_text(
        "include:\n"
        f"  - component: {ADDRESS}@1.0.0\n"
        "    inputs: {job_prefix: api}\n"
        f"  - component: {ADDRESS}@1.0.0\n"
        "    inputs: {job_prefix: web}\n",
        encoding="utf-8",
    )
    result = cli("resolve", pipeline, "--catalog", catalog.root, "--server-fqdn", HOST)
    assert result.code == 0, result.out
    assert "resolved 2 component include(s); the merged pipeline is valid" in result.out


def test_the_same_component_twice_with_one_job_prefix_is_a_collision(cli, catalog: GitCatalog, tmp_path: Path) -> None:
    pipeline = tmp_path / "twice.yml"
    pipeline.write_text(f"include:\n  - component: {ADDRESS}@1.0.0\n  - component: {ADDRESS}@1.1.0\n", encoding="utf-8")
    result = cli("resolve", pipeline, "--catalog", catalog.root, "--server-fqdn", HOST)
    assert result.code == 1
    assert (
        f"twice.yml:3:5: error: job `build-run` is defined by two includes (`{ADDRESS}@1.0.0` at line 2 and this one): "
        "GitLab would merge them into one job; give each include its own `job_prefix`"
    ) in result.out


def test_a_wrong_input_gets_gitlabs_message_at_the_include(resolve) -> None:
    result = resolve(f"{ADDRESS}@1.0.0\n    inputs: {{colour: red}}")
    assert result.code == 1
    assert ".gitlab-ci.yml:2:5: error: unknown input arguments: colour" in result.out


def test_the_merged_pipeline_is_validated_against_gitlabs_schema(resolve) -> None:
    result = resolve(f"{ADDRESS}@1.0.0", body="own-job:\n  stage: test\n  script: 42\n")
    assert result.code == 1
    assert "own-job.script" in result.out


def test_a_pipeline_with_no_component_include_resolves_nothing_and_is_valid(
    cli, catalog: GitCatalog, tmp_path: Path
) -> None:
    pipeline = tmp_path / "plain.yml"
    pipeline.write_text("include:\n  - local: other.yml\njob:\n  script: [make]\n", encoding="utf-8")
    result = cli("resolve", pipeline, "--catalog", catalog.root)
    assert result.code == 0
    assert result.out.strip() == "resolved 0 component include(s); the merged pipeline is valid"


def test_a_catalog_that_is_not_a_git_repository_is_a_usage_error(cli, tmp_path: Path) -> None:
    pipeline = tmp_path / "p.yml"
    pipeline.write_text("job:\n  script: [make]\n", encoding="utf-8")
    result = cli("resolve", pipeline, "--catalog", tmp_path)
    assert result.code == 2
    assert "not a git repository; --catalog names the catalog's clone" in result.err


@pytest.mark.parametrize("revision", ["HEAD", "refs/heads/main", "refs/tags/1.1.1", "feature~1"])
def test_any_revision_git_resolves_is_found_as_gitlabs_project_commit_finds_it(
    resolve, catalog: GitCatalog, revision: str
) -> None:
    result = resolve(f"{ADDRESS}@{revision}", extra=("--format", "json"))
    assert result.code == 0, result.out
    resolved = json.loads(result.out)["includes"][0]["resolved"]
    assert (resolved["sha"], resolved["kind"], resolved["pinned"]) == (
        catalog.git("rev-parse", f"{revision}^{{commit}}"),
        "revision",
        False,
    )


@pytest.fixture
def odd_tags(tmp_path: Path) -> GitCatalog:
    """Releases 1.0.0 and 1.1.0, and semver tags that name a tree (2.0.0) and a blob (3.0.0)."""
    repo = GitCatalog(tmp_path / "odd")
    repo.release("1.0.0")
    repo.release("1.1.0")
    repo.git("tag", "-a", "2.0.0", "-m", "a tree", "HEAD^{tree}")
    repo.git("tag", "3.0.0", repo.git("rev-parse", "HEAD:README.md"))
    return repo


def test_a_tag_on_a_tree_or_a_blob_is_no_release_so_latest_passes_it_by(cli, odd_tags: GitCatalog, tmp_path) -> None:
    pipeline = tmp_path / ".gitlab-ci.yml"
    pipeline.write_text(f"include:\n  - component: {ADDRESS}@~latest\n", encoding="utf-8")
    result = cli("resolve", pipeline, "--catalog", odd_tags.root, "--server-fqdn", HOST)
    assert result.code == 0, result.out
    assert resolved_to(result)[0].startswith("1.1.0 (~latest")


# ----- which tags are published releases -----


@pytest.fixture
def released_only(tmp_path: Path):
    def write(*tags: str) -> Path:
        path = tmp_path / "released.txt"
        path.write_text("# published through the release: job\n" + "\n".join(tags) + "\n", encoding="utf-8")
        return path

    return write


def test_by_default_every_semver_tag_is_taken_for_a_release(resolve) -> None:
    assert resolved_to(resolve(f"{ADDRESS}@~latest"))[0].startswith("2.1.0 (~latest")


def test_released_only_limits_latest_and_partial_versions_to_the_listed_tags(resolve, released_only) -> None:
    tags = released_only("1.0.0", "1.1.0", "v2.0.0")
    assert resolved_to(resolve(f"{ADDRESS}@~latest", extra=("--released-only", tags)))[0].startswith("v2.0.0 (~latest")
    assert resolved_to(resolve(f"{ADDRESS}@1", extra=("--released-only", tags)))[0].startswith("1.1.0 (partial")


def test_an_unpublished_tag_resolves_as_a_plain_git_tag_with_no_catalog_version(
    resolve, released_only, catalog: GitCatalog
) -> None:
    result = resolve(f"{ADDRESS}@2.1.0", extra=("--released-only", released_only("1.0.0"), "--format", "json"))
    resolved = json.loads(result.out)["includes"][0]["resolved"]
    assert (resolved["kind"], resolved["version"], resolved["sha"]) == (
        "tag",
        None,
        catalog.git("rev-parse", "2.1.0^{commit}"),
    )


def test_a_listed_tag_the_repository_lacks_is_a_warning(resolve, released_only) -> None:
    result = resolve(f"{ADDRESS}@1.0.0", extra=("--released-only", released_only("1.0.0", "7.0.0")))
    assert result.code == 0
    assert "warning: released tag(s) 7.0.0 are not tags of the catalog's repository" in result.out


def test_an_unreadable_released_only_file_is_a_usage_error(resolve, tmp_path: Path) -> None:
    result = resolve(f"{ADDRESS}@1.0.0", extra=("--released-only", tmp_path / "missing.txt"))
    assert result.code == 2
    assert "--released-only" in result.err and "cannot read it" in result.err
