"""The catalog rules: layout under templates/, the component limit, README.md, catalog.yml."""

from __future__ import annotations

from pathlib import Path

from ci_catalog.catalog import load_catalog
from ci_catalog.lint import lint_catalog
from ci_catalog.lint.config import LintConfig

JOB = "build:\n  script: make\n"
COMPONENT = (
    "spec:\n  inputs:\n    stage:\n      default: build\n---\nbuild:\n  stage: $[[ inputs.stage ]]\n  script: make\n"
)


def make_catalog(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"README.md": "# Catalog\n", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "templates").mkdir(exist_ok=True)
    return root


def findings(root: Path, rule: str) -> list[tuple[str, int, int, str]]:
    return [
        (Path(p.file).relative_to(root).as_posix(), p.line, p.column, p.message)
        for p in lint_catalog(root, LintConfig(select={rule}))
        if p.code == rule
    ]


# --- template-outside-gitlab-layout ---------------------------------------------------

LAYOUT = "template-outside-gitlab-layout"


def test_a_yaml_suffix_is_reported_with_the_yml_name_gitlab_expects(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/build.yaml": COMPONENT})
    assert findings(root, LAYOUT) == [
        (
            "templates/build.yaml",
            1,
            1,
            "GitLab does not read `templates/build.yaml` as a component: GitLab reads "
            "only `.yml` files; rename it to `templates/build.yml`",
        ),
    ]


def test_a_yaml_suffix_in_a_component_folder_is_reported(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/build/template.yaml": COMPONENT})
    assert findings(root, LAYOUT) == [
        (
            "templates/build/template.yaml",
            1,
            1,
            "GitLab does not read `templates/build/template.yaml` as a component: "
            "GitLab reads only `.yml` files; rename it to `templates/build/template.yml`",
        ),
    ]


def test_an_upper_case_suffix_is_reported(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/build.YML": COMPONENT})
    assert findings(root, LAYOUT) == [
        (
            "templates/build.YML",
            1,
            1,
            "GitLab does not read `templates/build.YML` as a component: GitLab reads "
            "only `.yml` files; rename it to `templates/build.yml`",
        ),
    ]


def test_a_folder_without_template_yml_is_told_to_rename_its_file(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/build/build.yml": COMPONENT})
    assert findings(root, LAYOUT) == [
        (
            "templates/build/build.yml",
            1,
            1,
            "GitLab does not read `templates/build/build.yml` as a component: a "
            "component folder's entry point is `template.yml`; rename it to `templates/build/template.yml`",
        ),
    ]


def test_another_yml_next_to_template_yml_is_told_to_move(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/build/template.yml": COMPONENT, "templates/build/lint.yml": COMPONENT})
    assert findings(root, LAYOUT) == [
        (
            "templates/build/lint.yml",
            1,
            1,
            "GitLab does not read `templates/build/lint.yml` as a component: a "
            "component folder's entry point is `template.yml`; if it is a component of its own, move it to "
            "`templates/lint.yml`",
        ),
    ]


def test_a_name_with_a_dot_is_reported_with_a_valid_name(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/build.v2.yml": COMPONENT})
    assert findings(root, LAYOUT) == [
        (
            "templates/build.v2.yml",
            1,
            1,
            "GitLab does not read `templates/build.v2.yml` as a component: a component "
            "name may contain only letters, digits, `_` and `-`, not `build.v2`; rename it, for example to "
            "`templates/build-v2.yml`",
        ),
    ]


def test_a_folder_name_with_a_space_is_reported(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/my build/template.yml": COMPONENT})
    assert findings(root, LAYOUT) == [
        (
            "templates/my build/template.yml",
            1,
            1,
            "GitLab does not read `templates/my build/template.yml` as a "
            "component: a component name may contain only letters, digits, `_` and `-`, not `my build`; rename it, "
            "for example to `templates/my-build/template.yml`",
        ),
    ]


def test_a_non_ascii_name_is_reported_as_gitlab_matches_ascii_word_characters(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/büild.yml": COMPONENT})
    assert [message for *_, message in findings(root, LAYOUT)] == [
        "GitLab does not read `templates/büild.yml` as a component: a component name may contain only letters, "
        "digits, `_` and `-`, not `büild`; rename it, for example to `templates/b-ild.yml`",
    ]


def test_a_deeper_file_is_reported(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/python/build/template.yml": COMPONENT})
    assert findings(root, LAYOUT) == [
        (
            "templates/python/build/template.yml",
            1,
            1,
            "GitLab does not read `templates/python/build/template.yml` as "
            "a component: components are `templates/<name>.yml` or `templates/<name>/template.yml`, nothing deeper; "
            "move it up to one of these",
        ),
    ]


def test_both_component_layouts_are_fine(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/build.yml": COMPONENT, "templates/test_it-2/template.yml": COMPONENT})
    assert findings(root, LAYOUT) == []


def test_files_that_are_not_yaml_in_a_component_folder_are_fine(tmp_path: Path) -> None:
    root = make_catalog(
        tmp_path,
        {
            "templates/build/template.yml": COMPONENT,
            "templates/build/README.md": "# build\n",
            "templates/build/run.sh": "make\n",
            "templates/notes.txt": "x\n",
        },
    )
    assert findings(root, LAYOUT) == []


def test_hidden_yaml_files_are_not_reported(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/.yamllint.yml": "rules: {}\n", "templates/.ci/x.yaml": JOB})
    assert findings(root, LAYOUT) == []


def test_a_yaml_file_that_a_component_includes_is_a_helper_not_a_component(tmp_path: Path) -> None:
    component = "spec:\n  inputs: {}\n---\ninclude:\n  - local: /templates/build/jobs.yml\n"
    root = make_catalog(tmp_path, {"templates/build/template.yml": component, "templates/build/jobs.yml": JOB})
    assert findings(root, LAYOUT) == []


def test_a_project_include_of_a_helper_file_is_recognised_too(tmp_path: Path) -> None:
    component = "include:\n  - project: group/catalog\n    file: [templates/shared/rules.yaml]\n"
    root = make_catalog(tmp_path, {"templates/build.yml": component, "templates/shared/rules.yaml": JOB})
    assert findings(root, LAYOUT) == []


# --- too-many-components --------------------------------------------------------------

TOO_MANY = "too-many-components"


def test_more_than_100_components_are_reported_at_the_first_over_the_limit(tmp_path: Path) -> None:
    files = {f"templates/c{index:03}.yml": JOB for index in range(1, 101)}
    root = make_catalog(tmp_path, {**files, "templates/zz/template.yml": JOB, "templates/zz2/template.yml": JOB})
    assert findings(root, TOO_MANY) == [
        (
            "templates/zz/template.yml",
            1,
            1,
            "The catalog has 102 components, and GitLab publishes at most 100 "
            "(`Release cannot contain more than 100 components`); remove or merge 2, or split the catalog into two "
            "projects (`templates/zz/template.yml` is the first over the limit)",
        ),
    ]


def test_exactly_100_components_are_fine(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {f"templates/c{index:03}.yml": JOB for index in range(1, 101)})
    assert findings(root, TOO_MANY) == []


def test_files_gitlab_does_not_count_are_not_components(tmp_path: Path) -> None:
    files = {f"templates/c{index:03}.yml": JOB for index in range(1, 101)}
    root = make_catalog(tmp_path, {**files, "templates/extra.yaml": JOB, "templates/c001/README.md": "x"})
    assert findings(root, TOO_MANY) == []


def test_a_name_in_both_layouts_counts_twice_as_gitlab_counts_paths(tmp_path: Path) -> None:
    files = {f"templates/c{index:03}.yml": JOB for index in range(1, 101)}
    root = make_catalog(tmp_path, {**files, "templates/c001/template.yml": JOB})
    assert [message.split(",")[0] for *_, message in findings(root, TOO_MANY)] == ["The catalog has 101 components"]


# --- missing-readme -------------------------------------------------------------------

README = "missing-readme"


def test_a_catalog_without_readme_is_reported(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/build.yml": COMPONENT})
    (root / "README.md").unlink()
    assert findings(root, README) == [
        (
            "README.md",
            0,
            0,
            "The catalog has no `README.md`, so GitLab will not publish it (`Project must have a "
            "README`); add a `README.md` that describes the components and their inputs",
        ),
    ]


def test_a_readme_with_another_name_does_not_count(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/build.yml": COMPONENT, "README.rst": "Build\n=====\n"})
    (root / "README.md").unlink()
    assert [message for *_, message in findings(root, README)] == [
        "The catalog has no `README.md`, so GitLab will not publish it (`Project must have a README`) "
        "(`README.rst` does not count: the name must be exactly `README.md`); add a `README.md` that describes "
        "the components and their inputs"
    ]


def test_a_readme_in_a_subfolder_does_not_count(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/build/template.yml": COMPONENT, "templates/build/README.md": "# b\n"})
    (root / "README.md").unlink()
    assert len(findings(root, README)) == 1


def test_a_readme_md_is_fine(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/build.yml": COMPONENT})
    assert findings(root, README) == []


# --- catalog-manifest-mismatch --------------------------------------------------------

MANIFEST = "catalog-manifest-mismatch"


def test_a_component_without_an_entry_is_reported_at_components(tmp_path: Path) -> None:
    manifest = "version: 1.0.0\ncomponents:\n  build:\n    summary: Build.\n"
    root = make_catalog(
        tmp_path, {"catalog.yml": manifest, "templates/build.yml": COMPONENT, "templates/test/template.yml": COMPONENT}
    )
    assert findings(root, MANIFEST) == [
        (
            "catalog.yml",
            2,
            1,
            "Component `test` (`templates/test/template.yml`) has no entry in `catalog.yml`; add one "
            "under `components` with a summary and example inputs",
        ),
    ]


def test_an_entry_without_a_component_is_reported_at_the_entry(tmp_path: Path) -> None:
    manifest = "version: 1.0.0\ncomponents:\n  build:\n    summary: Build.\n  deploy:\n    summary: Deploy.\n"
    root = make_catalog(tmp_path, {"catalog.yml": manifest, "templates/build.yml": COMPONENT})
    assert findings(root, MANIFEST) == [
        (
            "catalog.yml",
            5,
            3,
            "Entry `deploy` in `catalog.yml` has no component: there is no `templates/deploy.yml` or "
            "`templates/deploy/template.yml`; add the component or remove the entry",
        ),
    ]


def test_an_entry_for_a_yaml_file_gitlab_ignores_has_no_component(tmp_path: Path) -> None:
    manifest = "components:\n  build: {summary: Build.}\n"
    root = make_catalog(tmp_path, {"catalog.yml": manifest, "templates/build.yaml": COMPONENT})
    assert [(line, column) for _, line, column, _ in findings(root, MANIFEST)] == [(2, 3)]


def test_an_empty_components_key_reports_every_component(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"catalog.yml": "version: 1.0.0\ncomponents:\n", "templates/build.yml": COMPONENT})
    assert [(file, line) for file, line, _, _ in findings(root, MANIFEST)] == [("catalog.yml", 2)]


def test_a_manifest_that_matches_is_fine(tmp_path: Path) -> None:
    manifest = "components:\n  build: {summary: Build.}\n  test:\n"
    root = make_catalog(
        tmp_path, {"catalog.yml": manifest, "templates/build.yml": COMPONENT, "templates/test/template.yml": COMPONENT}
    )
    assert findings(root, MANIFEST) == []


def test_a_catalog_without_a_manifest_is_not_checked(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"templates/build.yml": COMPONENT})
    assert findings(root, MANIFEST) == []


def test_a_manifest_without_components_is_not_checked(tmp_path: Path) -> None:
    root = make_catalog(
        tmp_path, {"catalog.yml": "lint:\n  ignore: [missing-readme]\n", "templates/build.yml": COMPONENT}
    )
    assert findings(root, MANIFEST) == []


def test_a_manifest_gitlab_yaml_cannot_read_is_left_to_load_catalog(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, {"catalog.yml": "components: [\n", "templates/build.yml": COMPONENT})
    assert findings(root, MANIFEST) == []
    assert [problem.code for problem in load_catalog(root).problems] == ["catalog"]


def test_load_catalog_leaves_the_mismatch_to_the_rule(tmp_path: Path) -> None:
    manifest = "components:\n  gone: {summary: x}\n"
    root = make_catalog(tmp_path, {"catalog.yml": manifest, "templates/here.yml": COMPONENT})
    catalog = load_catalog(root)
    assert catalog.problems == []
    assert [(c.name, [e.name for e in c.examples]) for c in catalog.components] == [("here", ["defaults"])]
