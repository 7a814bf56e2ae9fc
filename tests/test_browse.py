"""`ci-catalog list` and `ci-catalog show`: what a user learns about a catalog's components."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT
from gitcatalog import GIT_ENV

GREETER = """\
spec:
  description: Says hello.
  inputs:
    who:
      description: Whom to greet.
    stage:
      default: test
      options: [test, deploy]
    prefix:
      default: greet
      regex: ^[a-z]+$
    times:
      type: number
      default: 1
---
"$[[ inputs.prefix ]]-$[[ inputs.who ]]":
  stage: $[[ inputs.stage ]]
  script:
    - echo hello $[[ inputs.who ]]
"""

PLAIN = """\
spec:
  inputs:
    stage:
      default: test
---
plain-job:
  stage: $[[ inputs.stage ]]
  script: [echo plain]
"""

MANIFEST = """\
version: 2.3.0
project: acme/ci
components:
  greeter:
    summary: Greets someone.
    examples:
      - name: greet Ada
        inputs: {who: ada}
      - name: greet Bob on deploy
        inputs: {who: bob, stage: deploy}
  plain:
    summary: A plain job.
"""


def make_catalog(root: Path, components: dict[str, str], manifest: str | None = MANIFEST) -> Path:
    for name, text in components.items():
        folder = root / "templates" / name
        folder.mkdir(parents=True)
        (folder / "template.yml").write_text(text, encoding="utf-8")
    if manifest is not None:
        (root / "catalog.yml").write_text(manifest, encoding="utf-8")
    return root


def commit_and_tag(root: Path, *tags: str) -> None:
    """Commit the catalog folder as it is (a repository of its own) and tag that commit."""
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(
            ["git", "-C", str(root), *command], check=True, capture_output=True, env={**os.environ, **GIT_ENV}
        )
    for tag in tags:
        subprocess.run(
            ["git", "-C", str(root), "tag", tag], check=True, capture_output=True, env={**os.environ, **GIT_ENV}
        )


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    return make_catalog(tmp_path, {"greeter": GREETER, "plain": PLAIN})


def test_list_prints_the_catalog_version_and_each_component_with_its_summary(cli, catalog: Path) -> None:
    result = cli("list", catalog)
    assert result.code == 0
    assert result.out.splitlines() == [
        "acme/ci 2.3.0 (2 components)",
        "version: 2.3.0, being prepared and not released yet: snippets pin it, and work once it is released",
        "  greeter  Greets someone.",
        "  plain    A plain job.",
    ]


def test_list_json_gives_the_project_version_and_components(cli, catalog: Path) -> None:
    result = cli("list", catalog, "--format", "json")
    assert result.code == 0
    assert json.loads(result.out) == {
        "project": "acme/ci",
        "version": "2.3.0",
        "released": None,
        "prepared": "2.3.0",
        "components": [
            {"name": "greeter", "summary": "Greets someone.", "path": "templates/greeter/template.yml"},
            {"name": "plain", "summary": "A plain job.", "path": "templates/plain/template.yml"},
        ],
        "problems": [],
    }


def test_list_shows_this_repository_s_four_components(cli) -> None:
    result = cli("list", ROOT, "--format", "json")
    names = [component["name"] for component in json.loads(result.out)["components"]]
    assert names == ["deps-image", "poetry-test", "pypi-publish", "uv-cache"]


def test_list_outside_a_catalog_is_a_usage_error(cli, tmp_path: Path) -> None:
    result = cli("list", tmp_path)
    assert result.code == 2
    assert "no templates/ folder" in result.err


def test_list_reports_an_unreadable_catalog_yml_with_exit_1(cli, tmp_path: Path) -> None:
    make_catalog(tmp_path, {"plain": PLAIN}, manifest="version: [unclosed\n")
    result = cli("list", tmp_path)
    assert result.code == 1
    assert "plain" in result.out
    assert "catalog.yml" in result.err


def test_show_ends_with_the_include_snippet_pinned_to_the_catalog_version(cli, catalog: Path) -> None:
    result = cli("show", "plain", "--catalog", catalog)
    assert result.code == 0
    assert result.out.endswith("usage:\ninclude:\n  - component: $CI_SERVER_FQDN/acme/ci/plain@2.3.0\n")


def test_show_lists_each_input_with_type_requirement_default_and_constraint(cli, catalog: Path) -> None:
    out = cli("show", "greeter", "--catalog", catalog).out
    rows = {
        line.split()[0]: line.split() for line in out.splitlines() if line.startswith("  ") and len(line.split()) > 2
    }
    assert rows["who"] == ["who", "string", "yes"]
    assert rows["stage"] == ["stage", "string", "no", '"test"', "one", "of", '"test",', '"deploy"']
    assert rows["prefix"] == ["prefix", "string", "no", '"greet"', "matches", "^[a-z]+$"]
    assert rows["times"] == ["times", "number", "no", "1"]
    assert "      Whom to greet." in out.splitlines()


def test_show_renders_the_jobs_with_the_defaults(cli, catalog: Path) -> None:
    out = cli("show", "plain", "--catalog", catalog).out
    assert "jobs (rendered with the defaults):\n  plain-job\n" in out


HELPED = """\
spec:
  inputs:
    job_prefix:
      default: helped
---
".$[[ inputs.job_prefix ]]-internal-paths":
  variables: {WHERE: here}
".$[[ inputs.job_prefix ]]-job":
  extends: .$[[ inputs.job_prefix ]]-internal-paths
"$[[ inputs.job_prefix ]]-run":
  extends: .$[[ inputs.job_prefix ]]-job
  script: [echo run]
"""


def test_show_lists_the_jobs_users_may_extend_and_counts_the_internal_helpers_it_leaves_out(
    cli, tmp_path: Path
) -> None:
    make_catalog(tmp_path, {"helped": HELPED}, manifest=None)
    out = cli("show", "helped", "--catalog", tmp_path).out
    assert "jobs (rendered with the defaults; 1 internal helper left out):\n  .helped-job\n  helped-run\n" in out
    shown = json.loads(cli("show", "helped", "--catalog", tmp_path, "--format", "json").out)
    assert shown["jobs"] == [".helped-job", "helped-run"]


def test_show_renders_the_jobs_with_the_first_example_when_an_input_is_required(cli, catalog: Path) -> None:
    out = cli("show", "greeter", "--catalog", catalog).out
    assert "jobs (rendered with example 'greet Ada'):\n  greet-ada\n" in out


def test_show_gives_required_inputs_in_the_snippet_from_the_first_example(cli, catalog: Path) -> None:
    out = cli("show", "greeter", "--catalog", catalog).out
    assert out.endswith(
        "usage:\ninclude:\n  - component: $CI_SERVER_FQDN/acme/ci/greeter@2.3.0\n    inputs:\n      who: ada\n"
    )


def test_show_lists_the_example_input_sets(cli, catalog: Path) -> None:
    out = cli("show", "greeter", "--catalog", catalog).out
    assert "examples:\n  greet Ada:\n    who: ada\n  greet Bob on deploy:\n    who: bob\n    stage: deploy\n" in out


def test_show_json_carries_the_same_snippet_as_the_text(cli, catalog: Path) -> None:
    shown = json.loads(cli("show", "greeter", "--catalog", catalog, "--format", "json").out)
    text = cli("show", "greeter", "--catalog", catalog).out
    assert text.endswith("usage:\n" + shown["snippet"])
    assert shown["address"] == "$CI_SERVER_FQDN/acme/ci/greeter@2.3.0"
    assert shown["jobs"] == ["greet-ada"]
    assert [item["name"] for item in shown["inputs"]] == ["who", "stage", "prefix", "times"]
    assert [example["name"] for example in shown["examples"]] == ["greet Ada", "greet Bob on deploy"]


def test_show_markdown_has_an_inputs_table_and_a_usage_block(cli, catalog: Path) -> None:
    out = cli("show", "greeter", "--catalog", catalog, "--format", "markdown").out
    assert '| `stage` | string | `"test"` | one of `"test"`, `"deploy"` | no |  |' in out
    assert "```yaml\ninclude:\n  - component: $CI_SERVER_FQDN/acme/ci/greeter@2.3.0\n" in out


def test_show_unknown_component_is_a_usage_error_naming_the_known_ones(cli, catalog: Path) -> None:
    result = cli("show", "greter", "--catalog", catalog)
    assert result.code == 2
    assert result.out == ""
    assert "no component named 'greter'" in result.err
    assert "known: greeter, plain" in result.err


def test_show_pins_latest_when_catalog_yml_names_no_version(cli, tmp_path: Path) -> None:
    make_catalog(tmp_path, {"plain": PLAIN}, manifest=None)
    out = cli("show", "plain", "--catalog", tmp_path).out
    assert "  - component: $CI_SERVER_FQDN/<group>/python-ci/plain@~latest\n" in out


def test_show_reports_a_broken_spec_with_exit_1(cli, tmp_path: Path) -> None:
    make_catalog(tmp_path, {"broken": "spec:\n  inputs:\n    a:\n      type: colour\n---\njob: {script: [x]}\n"}, None)
    result = cli("show", "broken", "--catalog", tmp_path)
    assert result.code == 1
    assert "input type unknown value: colour" in result.err


def test_show_a_real_component_names_the_jobs_users_may_extend(cli) -> None:
    shown = json.loads(cli("show", "uv-cache", "--catalog", ROOT, "--format", "json").out)
    assert shown["jobs"] == [".uv-job", "uv-warm", "uv-lint", "uv-test"]
    assert shown["jobs_that_do_not_run"] == ["uv-warm"]
    assert shown["snippet"] == "include:\n  - component: $CI_SERVER_FQDN/<group>/python-ci/uv-cache@0.1.0\n"


def test_show_says_which_jobs_do_not_run_with_the_inputs_it_rendered(cli) -> None:
    """uv-cache's warm job runs only with `warm_job: true`: its merged rules are `when: never`."""
    text = cli("show", "uv-cache", "--catalog", ROOT).out
    assert "\n  uv-warm (does not run with these inputs)\n  uv-lint\n  uv-test\n" in text


def test_the_readme_catalog_yml_and_the_pages_name_one_project_path() -> None:
    from ci_catalog.catalog import load_catalog

    project = load_catalog(ROOT).project
    assert project == "<group>/python-ci"
    for name in ("README.md", "docs/components.md", "docs/versioning.md", "docs/components/uv-cache.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        paths = set(re.findall(r"\$CI_SERVER_FQDN/([^/\s]+/[^/\s]+)/[\w-]+@", text))
        assert paths == {project}, name


# ----- which version the snippet names -----


def test_show_pins_the_newest_release_and_names_the_version_being_prepared(cli, catalog: Path) -> None:
    """catalog.yml at 2.3.0 with releases up to 2.2.0: `@2.3.0` would be `content not found`."""
    commit_and_tag(catalog, "2.0.0", "2.2.0", "2.1.0", "3.0.0-rc.1")
    result = cli("show", "plain", "--catalog", catalog)
    assert result.out.endswith("usage:\ninclude:\n  - component: $CI_SERVER_FQDN/acme/ci/plain@2.2.0\n")
    assert "version: 2.3.0, being prepared; snippets pin 2.2.0, the newest release\n" in result.out
    shown = json.loads(cli("show", "plain", "--catalog", catalog, "--format", "json").out)
    assert (shown["version"], shown["released"], shown["prepared"]) == ("2.2.0", "2.2.0", "2.3.0")
    assert shown["address"] == "$CI_SERVER_FQDN/acme/ci/plain@2.2.0"


def test_show_names_the_prepared_version_the_newest_release_once_it_is_tagged(cli, catalog: Path) -> None:
    commit_and_tag(catalog, "2.2.0", "v2.3.0")
    out = cli("show", "plain", "--catalog", catalog).out
    assert out.endswith("@v2.3.0\n")
    assert "version: v2.3.0, the newest release\n" in out


def test_list_names_the_newest_release_too(cli, catalog: Path) -> None:
    commit_and_tag(catalog, "1.0.0")
    assert cli("list", catalog).out.splitlines()[:2] == [
        "acme/ci 1.0.0 (2 components)",
        "version: 2.3.0, being prepared; snippets pin 1.0.0, the newest release",
    ]
