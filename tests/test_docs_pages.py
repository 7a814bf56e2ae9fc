"""`ci-catalog docs`: a Markdown page per component, kept in step with the specs and catalog.yml."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browse import GREETER, HELPED, MANIFEST, PLAIN, commit_and_tag, make_catalog

from ci_catalog.browse import docs_pages
from ci_catalog.browse.views import readable_yaml
from conftest import ROOT

PIPED = """\
spec:
  inputs:
    mode:
      default: "a|b"
      description: "Either a|b,\\nor c."
---
piped-job:
  script:
    - echo $[[ inputs.mode ]]
"""


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    return make_catalog(tmp_path, {"greeter": GREETER, "plain": PLAIN})


def pages(root: Path) -> dict[str, str]:
    folder = root / "docs" / "components"
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())}


def test_docs_writes_one_page_per_component(cli, catalog: Path) -> None:
    result = cli("docs", catalog)
    assert result.code == 0
    assert list(pages(catalog)) == ["greeter.md", "plain.md"]
    assert f"wrote {catalog / 'docs/components/greeter.md'}" in result.out


def test_a_page_has_usage_inputs_jobs_and_each_example_rendered(cli, catalog: Path) -> None:
    cli("docs", catalog)
    page = pages(catalog)["greeter.md"]
    assert page.startswith(docs_pages.MARKER + "\n# greeter\n\nGreets someone.\n\nSays hello.\n")
    assert "## Usage\n\n```yaml\ninclude:\n  - component: $CI_SERVER_FQDN/acme/ci/greeter@2.3.0\n" in page
    assert "| `who` | string |  |  | yes | Whom to greet. |" in page
    assert "## Jobs\n\nRendered with the example “greet Ada”" in page
    assert (
        "### greet Bob on deploy\n\n```yaml\ninclude:\n  - component: $CI_SERVER_FQDN/acme/ci/greeter@2.3.0\n" in page
    )
    assert "Rendered:\n\n```yaml\ngreet-bob:\n  stage: deploy\n  script:\n  - echo hello bob\n```\n" in page


def test_a_page_lists_no_internal_helper_and_says_they_are_left_out(cli, tmp_path: Path) -> None:
    make_catalog(tmp_path, {"helped": HELPED}, manifest=None)
    assert cli("docs", tmp_path).code == 0
    page = pages(tmp_path)["helped.md"]
    jobs = page.split("## Jobs\n", 1)[1].split("## ", 1)[0]
    assert "- `.helped-job`\n- `helped-run`\n" in jobs
    assert "internal-paths" not in jobs
    assert "internal helpers (`.…-internal-…`) are left out" in jobs


def test_docs_output_is_the_same_on_every_run(cli, catalog: Path) -> None:
    cli("docs", catalog)
    first = pages(catalog)
    again = cli("docs", catalog)
    assert pages(catalog) == first
    assert again.out == "2 component pages are up to date\n"


def test_table_cells_escape_pipes_and_newlines(cli, tmp_path: Path) -> None:
    make_catalog(tmp_path, {"piped": PIPED}, manifest=None)
    cli("docs", tmp_path)
    assert '| `mode` | string | `"a\\|b"` |  | no | Either a\\|b,<br>or c. |' in pages(tmp_path)["piped.md"]


def test_check_passes_when_every_page_is_current(cli, catalog: Path) -> None:
    cli("docs", catalog)
    result = cli("docs", catalog, "--check")
    assert result.code == 0
    assert result.out == "2 component pages are up to date\n"


def test_check_names_each_missing_page_with_the_fix_and_writes_nothing(cli, catalog: Path) -> None:
    result = cli("docs", catalog, "--check")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"{catalog / 'docs/components/greeter.md'} is missing: run `ci-catalog docs` to update it",
        f"{catalog / 'docs/components/plain.md'} is missing: run `ci-catalog docs` to update it",
    ]
    assert not (catalog / "docs").exists()


def test_check_names_a_stale_page(cli, catalog: Path) -> None:
    cli("docs", catalog)
    (catalog / "catalog.yml").write_text(MANIFEST.replace("A plain job.", "A plainer job."), encoding="utf-8")
    result = cli("docs", catalog, "--check")
    assert result.code == 1
    assert result.err == f"{catalog / 'docs/components/plain.md'} is stale: run `ci-catalog docs` to update it\n"


def test_check_names_the_page_of_a_component_that_is_gone(cli, catalog: Path) -> None:
    cli("docs", catalog)
    (catalog / "templates" / "plain" / "template.yml").unlink()
    result = cli("docs", catalog, "--check")
    assert result.code == 1
    assert f"{catalog / 'docs/components/plain.md'} is for no component" in result.err


def test_docs_removes_its_own_page_of_a_gone_component_but_keeps_hand_written_pages(cli, catalog: Path) -> None:
    cli("docs", catalog)
    (catalog / "docs" / "components" / "notes.md").write_text("# my notes\n", encoding="utf-8")
    (catalog / "templates" / "plain" / "template.yml").unlink()
    result = cli("docs", catalog)
    assert f"removed {catalog / 'docs/components/plain.md'} (no such component)" in result.out
    assert list(pages(catalog)) == ["greeter.md", "notes.md"]


def test_docs_refuses_a_docs_components_link_that_leaves_the_catalog(cli, catalog: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    orphan = elsewhere / "old.md"
    orphan.write_text(docs_pages.MARKER + "\n# someone's page\n", encoding="utf-8")
    (catalog / "docs").mkdir()
    (catalog / "docs" / "components").symlink_to(elsewhere)
    result = cli("docs", catalog)
    assert result.code == 2
    assert (
        f"{catalog / 'docs/components'} leads to {elsewhere}, outside {catalog}: refusing to write there" in result.err
    )
    assert sorted(path.name for path in elsewhere.iterdir()) == ["old.md"]


def test_docs_refuses_a_page_that_is_a_link_out_of_the_catalog(cli, catalog: Path, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "notes.md"
    outside.write_text("my notes\n", encoding="utf-8")
    (catalog / "docs" / "components").mkdir(parents=True)
    (catalog / "docs" / "components" / "plain.md").symlink_to(outside)
    result = cli("docs", catalog)
    assert result.code == 2
    assert f"{catalog / 'docs/components/plain.md'} leads to {outside}" in result.err
    assert outside.read_text(encoding="utf-8") == "my notes\n"


def test_docs_writes_through_a_docs_components_link_inside_the_catalog(cli, catalog: Path) -> None:
    (catalog / "pages").mkdir()
    (catalog / "docs").mkdir()
    (catalog / "docs" / "components").symlink_to(catalog / "pages")
    assert cli("docs", catalog).code == 0
    assert sorted(path.name for path in (catalog / "pages").iterdir()) == ["greeter.md", "plain.md"]


def test_docs_writes_nothing_when_an_example_does_not_render(cli, catalog: Path) -> None:
    (catalog / "catalog.yml").write_text(MANIFEST.replace("{who: ada}", "{who: ada, colour: red}"), encoding="utf-8")
    result = cli("docs", catalog)
    assert result.code == 1
    assert "unknown input arguments: colour" in result.err
    assert "no page written" in result.err
    assert not (catalog / "docs").exists()


def test_this_repository_s_component_pages_are_up_to_date(cli) -> None:
    result = cli("docs", ROOT, "--check")
    assert result.code == 0, result.err


def test_rendered_yaml_on_pages_keeps_scripts_as_blocks_and_quotes_what_gitlab_would_misread() -> None:
    assert readable_yaml({"script": "echo one\necho two\n", "count": "1,000", "name": ":symbol"}) == (
        "script: |\n  echo one\n  echo two\ncount: '1,000'\nname: ':symbol'\n"
    )


# ----- which version the pages name -----


def test_pages_pin_the_newest_release_and_name_the_version_being_prepared(cli, catalog: Path) -> None:
    commit_and_tag(catalog, "2.1.0", "2.2.0")
    cli("docs", catalog)
    page = pages(catalog)["plain.md"]
    assert "  - component: $CI_SERVER_FQDN/acme/ci/plain@2.2.0\n" in page
    assert "@2.3.0" not in page
    assert "Version: 2.3.0 (catalog.yml); snippets pin 2.2.0, the newest release before it." in page


def test_before_the_first_release_the_pages_pin_the_first_version(cli, catalog: Path) -> None:
    cli("docs", catalog)
    page = pages(catalog)["plain.md"]
    assert "  - component: $CI_SERVER_FQDN/acme/ci/plain@2.3.0\n" in page
    assert "Version: 2.3.0 (catalog.yml), the first: snippets pin it, and work once it is released." in page


def test_tagging_the_release_commit_does_not_make_its_pages_stale(cli, catalog: Path) -> None:
    """The release's tag pipeline runs `docs --check` on the very commit it tags."""
    commit_and_tag(catalog, "2.2.0")
    cli("docs", catalog)
    commit_and_tag(catalog, "2.3.0")
    result = cli("docs", catalog, "--check")
    assert (result.code, result.out) == (0, "2 component pages are up to date\n")


def test_a_new_release_below_the_prepared_version_makes_the_pages_stale(cli, catalog: Path) -> None:
    commit_and_tag(catalog, "2.1.0")
    cli("docs", catalog)
    commit_and_tag(catalog, "2.2.0")
    result = cli("docs", catalog, "--check")
    assert result.code == 1
    assert "plain.md is stale: run `ci-catalog docs` to update it" in result.err
