"""Where GitLab's YAML-processor checks run: `validate` (a pipeline file, a component's body
as an include of it would be), `check` (each rendered component) and `resolve` (the merged
pipeline), and how their verdict stands beside the JSON schema's."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitcatalog import GitCatalog, component

HOST = "gitlab.example.com"
HEADER = "spec:\n  inputs:\n    stage:\n      default: lint\n---\n"


# --- the schema and the server ----------------------------------------------------------


def test_when_both_refuse_a_value_only_gitlabs_message_is_shown(validate) -> None:
    assert validate("job:\n  script: x\n  when: 1\n") == (
        1,
        [
            "3:3: error: jobs:job when should be a string [job.when]",
            "3:3: error: jobs:job when should be one of: on_success, on_failure, always, manual, delayed [job.when]",
        ],
    )


def test_a_schema_problem_where_the_server_has_no_check_of_its_own_is_still_shown(validate) -> None:
    code, lines = validate("child:\n  trigger:\n    include: child.txt\n")
    assert code == 1
    assert lines == ["3:5: error: 'child.txt' does not match '\\\\.ya?ml$' [child.trigger.include]"]


def test_a_hidden_job_is_not_checked_until_a_job_uses_it(validate) -> None:
    assert validate(".template:\n  script: 1\njob:\n  script: x\n") == (0, [])


def test_a_file_with_unmerged_includes_leaves_overrides_of_included_jobs_to_them(validate) -> None:
    assert validate("include: ci/jobs.yml\ntest:\n  variables:\n    A: b\n") == (0, [])


# --- components ---------------------------------------------------------------------------


def test_a_components_jobs_may_use_stages_the_including_pipeline_defines(validate) -> None:
    assert validate(HEADER + "lint:\n  stage: $[[ inputs.stage ]]\n  script: ruff check\n") == (0, [])


def test_a_components_jobs_may_need_the_including_pipelines_jobs(validate) -> None:
    assert validate(HEADER + "report:\n  needs: [test]\n  script: x\n") == (0, [])


def test_a_component_of_hidden_templates_only_is_valid(validate) -> None:
    assert validate(HEADER + ".template:\n  script: x\n") == (0, [])


def test_a_components_job_is_still_checked_as_gitlab_checks_it(validate) -> None:
    assert validate(HEADER + "lint:\n  script: x\n  retry: 5\n")[1] == [
        "8:3: error: retry config must be less than or equal to 2 [lint.retry]"
    ]


def test_check_reports_gitlabs_message_for_a_rendered_component(cli, tmp_path: Path) -> None:
    (tmp_path / "templates" / "lint").mkdir(parents=True)
    (tmp_path / "templates" / "lint" / "template.yml").write_text(
        HEADER + '"lint":\n  stage: $[[ inputs.stage ]]\n  script: x\n  needs: [lint]\n', encoding="utf-8"
    )
    (tmp_path / "catalog.yml").write_text(
        "version: 0.1.0\nproject: acme/ci\ncomponents:\n  lint:\n    summary: Lint.\n"
        "    examples:\n      - name: defaults\n        inputs: {}\n",
        encoding="utf-8",
    )
    (tmp_path / "README.md").write_text("# Catalog\n", encoding="utf-8")
    result = cli("check", tmp_path)
    assert result.code == 1
    template = tmp_path / "templates" / "lint" / "template.yml"
    assert (
        f"{template}:9:3: error: The pipeline has circular dependencies: self-dependency: lint [lint.needs]"
        " (example: defaults)"
    ) in result.out.splitlines()


# --- resolve: the merged pipeline --------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> GitCatalog:
    repo = GitCatalog(tmp_path_factory.mktemp("catalog"))
    repo.release("1.0.0", {"templates/build/template.yml": component("1.0.0", jobs=".build-job:\n  image: gcc:14\n")})
    return repo


@pytest.fixture
def resolve(cli, catalog: GitCatalog, tmp_path: Path):
    def run(body: str) -> tuple[int, list[str]]:
        pipeline = tmp_path / ".gitlab-ci.yml"
        pipeline.write_text(f"include:\n  - component: {HOST}/acme/ci/build@1.0.0\n" + body, encoding="utf-8")
        result = cli("resolve", pipeline, "--catalog", catalog.root, "--server-fqdn", HOST)
        return result.code, [line.replace(f"{pipeline}:", "") for line in result.out.splitlines()]

    return run


def test_resolve_refuses_a_typo_in_extends_of_a_base_the_component_defines(resolve) -> None:
    code, lines = resolve("typecheck:\n  extends: .build-jobs\n  script: make check\n")
    assert code == 1
    assert "4:3: error: typecheck: unknown keys in `extends` (.build-jobs) [typecheck.extends]" in lines
    assert lines[-1] == "resolve failed: 1 error(s); 1 of 1 component include(s) resolved cleanly"


def test_resolve_accepts_extending_a_base_the_component_defines(resolve) -> None:
    code, lines = resolve("typecheck:\n  extends: .build-job\n  script: make check\n")
    assert code == 0
    assert lines[-1] == "resolved 1 component include(s); the merged pipeline is valid"


def test_resolve_checks_needs_against_the_components_jobs(resolve) -> None:
    assert resolve("deploy:\n  stage: deploy\n  needs: [build-run]\n  script: x\n")[0] == 0
    code, lines = resolve("deploy:\n  stage: deploy\n  needs: [build-runs]\n  script: x\n")
    assert code == 1
    assert "5:11: error: deploy job: undefined need: build-runs [deploy.needs[0]]" in lines


def test_resolve_leaves_what_a_local_include_may_define_to_it(cli, catalog: GitCatalog, tmp_path: Path) -> None:
    pipeline = tmp_path / ".gitlab-ci.yml"
    pipeline.write_text(
        f"include:\n  - component: {HOST}/acme/ci/build@1.0.0\n  - local: ci/more.yml\n"
        "deploy:\n  extends: .from-more\n  needs: [more-job]\n",
        encoding="utf-8",
    )
    result = cli("resolve", pipeline, "--catalog", catalog.root, "--server-fqdn", HOST)
    assert result.code == 0, result.out
