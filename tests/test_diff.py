"""`ci-catalog diff OLD NEW`: interface changes between two catalog revisions, each classified.

Every case is a pair of real commits that differ by one change to one component.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitcatalog import GitCatalog, component

OPTIONS = "    target:\n      default: a\n      options: [a, b]\n"


def catalog_pair(root: Path, old: dict[str, str | None], new: dict[str, str | None]) -> GitCatalog:
    repo = GitCatalog(root)
    repo.commit("old", old)
    repo.git("tag", "old")
    repo.commit("new", new)
    repo.git("tag", "new")
    return repo


CASES = [
    # (what changes, old build component, new build component, level, kind)
    (
        "an input removed",
        component("1", inputs="    extra:\n      default: x\n"),
        component("1"),
        "breaking",
        "input-removed",
    ),
    (
        "a new input without default",
        component("1"),
        component("1", inputs="    token_name:\n      description: d\n"),
        "breaking",
        "required-input-added",
    ),
    (
        "a type changed",
        component("1", inputs="    n:\n      default: '1'\n"),
        component("1", inputs="    n:\n      type: number\n      default: 1\n"),
        "breaking",
        "type-changed",
    ),
    (
        "options narrowed",
        component("1", inputs=OPTIONS),
        component("1", inputs="    target:\n      default: a\n      options: [a]\n"),
        "breaking",
        "options-narrowed",
    ),
    (
        "options where there were none",
        component("1", inputs="    target:\n      default: a\n"),
        component("1", inputs=OPTIONS),
        "breaking",
        "options-narrowed",
    ),
    (
        "a regex tightened",
        component("1", inputs="    v:\n      default: '1'\n      regex: ^\\d+$\n"),
        component("1", inputs="    v:\n      default: '1'\n      regex: ^\\d$\n"),
        "breaking",
        "regex-tightened",
    ),
    ("a job removed", component("1", jobs="extra-job:\n  script: [make]\n"), component("1"), "breaking", "job-removed"),
    (
        "a default removed",
        component("1", inputs="    v:\n      default: x\n"),
        component("1", inputs="    v:\n      type: string\n"),
        "breaking",
        "default-removed",
    ),
    (
        "a new optional input",
        component("1"),
        component("1", inputs="    extra:\n      default: x\n"),
        "minor",
        "optional-input-added",
    ),
    (
        "options widened",
        component("1", inputs=OPTIONS),
        component("1", inputs="    target:\n      default: a\n      options: [a, b, c]\n"),
        "minor",
        "options-widened",
    ),
    (
        "a regex dropped",
        component("1", inputs="    v:\n      default: '1'\n      regex: ^\\d+$\n"),
        component("1", inputs="    v:\n      default: '1'\n"),
        "minor",
        "regex-removed",
    ),
    ("a new job", component("1"), component("1", jobs="extra-job:\n  script: [make]\n"), "minor", "job-added"),
    (
        "a job that no longer runs with the defaults",
        component("1", jobs="extra-job:\n  script: [make]\n"),
        component(
            "1",
            jobs=".internal-off:\n  rules: [{when: never}]\nextra-job:\n  extends: .internal-off\n  script: [make]\n",
        ),
        "breaking",
        "job-off-by-default",
    ),
    (
        "a job that now runs with the defaults",
        component("1", jobs="extra-job:\n  rules: [{when: never}]\n  script: [make]\n"),
        component("1", jobs="extra-job:\n  script: [make]\n"),
        "minor",
        "job-on-by-default",
    ),
    (
        "a description changed",
        component("1", inputs="    v:\n      default: x\n      description: old\n"),
        component("1", inputs="    v:\n      default: x\n      description: new\n"),
        "patch",
        "input-description-changed",
    ),
    (
        "a default changed within its type",
        component("1"),
        component("1").replace("default: test", "default: verify"),
        "patch",
        "default-changed",
    ),
]


@pytest.mark.parametrize(("what", "old", "new", "level", "kind"), CASES, ids=[case[0] for case in CASES])
def test_each_kind_of_change_is_classified(
    cli, tmp_path: Path, what: str, old: str, new: str, level: str, kind: str
) -> None:
    path = "templates/build/template.yml"
    repo = catalog_pair(tmp_path, {path: old}, {path: new})
    result = cli("diff", "old", "new", "--catalog", repo.root, "--format", "json")
    assert result.code == 0, result.out
    report = json.loads(result.out)
    assert [(change["level"], change["kind"]) for change in report["changes"]] == [(level, kind)]
    assert report["bump"] == level


def test_a_renamed_job_is_a_breaking_removal_and_a_minor_addition(cli, tmp_path: Path) -> None:
    repo = catalog_pair(
        tmp_path,
        {"templates/build.yml": component("1")},
        {"templates/build.yml": component("1").replace("-run", "-build")},
    )
    result = cli("diff", "old", "new", "--catalog", repo.root)
    assert (
        result.out
        == "build\n  breaking  job `build-run` removed or renamed\n  minor     job `build-build` added\nold -> new: breaking changes\n"
    )


HELPER = ".$[[ inputs.job_prefix ]]-{name}:\n  variables: {{PATHS: here}}\n"


def test_renaming_an_internal_helper_is_no_interface_change(cli, tmp_path: Path) -> None:
    repo = catalog_pair(
        tmp_path,
        {"templates/build.yml": component("1", jobs=HELPER.format(name="internal-paths"))},
        {"templates/build.yml": component("1", jobs=HELPER.format(name="internal-where"))},
    )
    result = cli("diff", "old", "new", "--catalog", repo.root)
    assert result.out == "old -> new: no interface changes\n"


def test_making_a_hidden_template_internal_is_a_breaking_removal(cli, tmp_path: Path) -> None:
    repo = catalog_pair(
        tmp_path,
        {"templates/build.yml": component("1", jobs=HELPER.format(name="paths"))},
        {"templates/build.yml": component("1", jobs=HELPER.format(name="internal-paths"))},
    )
    result = cli("diff", "old", "new", "--catalog", repo.root)
    assert result.out == "build\n  breaking  job `.build-paths` removed or renamed\nold -> new: breaking changes\n"


def test_a_removed_component_is_breaking(cli, tmp_path: Path) -> None:
    repo = catalog_pair(tmp_path, {"templates/build.yml": component("1")}, {"templates/build.yml": None})
    result = cli("diff", "old", "new", "--catalog", repo.root)
    assert result.out == "build\n  breaking  component `build` removed\nold -> new: breaking changes\n"


def test_a_new_component_is_minor(cli, tmp_path: Path) -> None:
    repo = catalog_pair(
        tmp_path, {"templates/build.yml": component("1")}, {"templates/test/template.yml": component("1")}
    )
    result = cli("diff", "old", "new", "--catalog", repo.root, "--format", "json")
    assert json.loads(result.out)["changes"] == [
        {"component": "test", "level": "minor", "kind": "component-added", "message": "component `test` added"}
    ]


def test_moving_a_component_to_its_own_folder_changes_nothing(cli, tmp_path: Path) -> None:
    repo = catalog_pair(
        tmp_path,
        {"templates/build.yml": component("1")},
        {"templates/build.yml": None, "templates/build/template.yml": component("1")},
    )
    result = cli("diff", "old", "new", "--catalog", repo.root)
    assert result.out == "old -> new: no interface changes\n"


def test_the_text_report_lists_changes_per_component_most_serious_first(cli, tmp_path: Path) -> None:
    new = component("1", inputs="    extra:\n      default: x\n").replace("default: test", "default: verify")
    repo = catalog_pair(
        tmp_path,
        {"templates/build.yml": component("1", inputs="    gone:\n      default: x\n")},
        {"templates/build.yml": new},
    )
    result = cli("diff", "old", "new", "--catalog", repo.root)
    assert result.out == (
        "build\n"
        "  breaking  input `gone` removed\n"
        "  minor     new optional input `extra`\n"
        '  patch     input `stage`: default changed from "test" to "verify"\n'
        "old -> new: breaking changes\n"
    )


@pytest.mark.parametrize("target", ["missing", "tree", "blob"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_revision_that_names_no_commit_is_a_usage_error_and_nothing_is_compared(
    cli, tmp_path: Path, target: str, fmt: str
) -> None:
    repo = catalog_pair(tmp_path, {"templates/build.yml": component("1")}, {})
    if target == "tree":
        repo.git("tag", "-a", "2.0.0", "-m", "a tree", "old^{tree}")
    elif target == "blob":
        repo.git("tag", "2.0.0", repo.git("rev-parse", "old:templates/build.yml"))
    result = cli("diff", "2.0.0", "new", "--catalog", repo.root, "--format", fmt)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"ci-catalog: error: `2.0.0` names no commit of {repo.root}: give a tag, branch or commit SHA (see `git tag`)\n"
    )


def test_both_revisions_that_name_no_commit_are_named(cli, tmp_path: Path) -> None:
    repo = catalog_pair(tmp_path, {"templates/build.yml": component("1")}, {})
    result = cli("diff", "nosuchtag", "9.9.9", "--catalog", repo.root)
    assert (result.code, result.out) == (2, "")
    assert "`nosuchtag` names no commit" in result.err and "`9.9.9` names no commit" in result.err
