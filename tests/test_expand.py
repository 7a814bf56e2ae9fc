"""`ci-catalog expand`: the merged pipeline GitLab builds from a project's `.gitlab-ci.yml`.

Included files are deep-merged in order, then the file over them, `include` dropped
(lib/gitlab/ci/config/external/processor.rb); `include: local` reads the repository,
wildcards as Repository#search_files_by_wildcard_path matches them; components resolve
against a real git catalog built by `gitcatalog`.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from ci_catalog.local.expand import ExpandOptions, expand_pipeline
from ci_catalog.versions.gitrepo import GitRepo
from ci_catalog.versions.pipeline_resolve import Context
from ci_catalog.versions.resolve import CatalogRepo
from ci_catalog.yamlread import read_document
from conftest import ROOT
from gitcatalog import GIT_ENV, GitCatalog, component
from pipelines import require_gitlab_ci_local

HOST = "gitlab.example.com"
ADDRESS = f"{HOST}/acme/ci/build"


@pytest.fixture
def project(tmp_path: Path):
    """A project folder: write files into it, get the pipeline's path back."""
    root = tmp_path / "project"
    root.mkdir()

    def write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root / ".gitlab-ci.yml"

    return write


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> GitCatalog:
    """Releases 1.0.0 and 1.1.0 of `build`; 1.1.0 also includes a file of the catalog's own."""
    repo = GitCatalog(tmp_path_factory.mktemp("catalog"))
    repo.release("1.0.0")
    body = component("1.1.0") + "include:\n  - local: ci/shared.yml\n"
    repo.release(
        "1.1.0",
        {"templates/build/template.yml": body, "ci/shared.yml": "shared-from-catalog:\n  script: [make shared]\n"},
    )
    return repo


@pytest.fixture
def expand(cli, catalog: GitCatalog):
    def run(pipeline: Path, *extra: str):
        return cli("expand", pipeline, "--catalog", catalog.root, "--server-fqdn", HOST, *extra)

    return run


def merged(result) -> dict:
    assert result.code == 0, result.err
    document = read_document(result.out, 1 << 24)
    assert document is not None
    return document.data


# ----- local includes -----


@pytest.mark.parametrize(
    ("pattern", "jobs"),
    [
        ("ci/*.yml", ["top"]),  # one folder only
        ("ci/**.yml", ["top", "sub", "deep"]),  # the folder and every one below it
        ("ci/**/*.yml", ["sub", "deep"]),  # only the folders below it
        ("ci/sub/*.yml", ["sub"]),
    ],
)
def test_local_wildcards_match_as_gitlab_matches_them(expand, project, pattern: str, jobs: list[str]) -> None:
    pipeline = project(
        {
            ".gitlab-ci.yml": f"include:\n  - local: '{pattern}'\n",
            "ci/top.yml": "top:\n  script: [a]\n",
            "ci/other.yaml.txt": "nope:\n  script: [a]\n",
            "ci/sub/sub.yml": "sub:\n  script: [b]\n",
            "ci/sub/deep/deep.yml": "deep:\n  script: [c]\n",
        }
    )
    assert sorted(merged(expand(pipeline))) == sorted(jobs)


def test_a_wildcard_that_matches_nothing_includes_nothing_with_a_warning(expand, project) -> None:
    pipeline = project(
        {".gitlab-ci.yml": "include: '/ci/*.yml'\njob:\n  script: [a]\n", "ci/a.yml": "a:\n  script: [a]\n"}
    )
    result = expand(pipeline)
    assert list(merged(result)) == ["job"]
    assert (
        "warning: `/ci/*.yml` matches no file, so it includes nothing: a pattern starting with `/` never matches"
        in (result.err)
    )


def test_included_files_merge_in_order_then_the_pipeline_file_over_them(expand, project) -> None:
    pipeline = project(
        {
            ".gitlab-ci.yml": (
                "include:\n  - local: first.yml\n  - local: second.yml\n"
                "job:\n  variables: {OWN: own, SHARED: from-pipeline}\n"
            ),
            "first.yml": "job:\n  stage: build\n  script: [first, one]\n  variables: {SHARED: first, FIRST: '1'}\n",
            "second.yml": "job:\n  script: [second]\n  variables: {SECOND: '2'}\n",
        }
    )
    assert merged(expand(pipeline)) == {
        "job": {
            "stage": "build",
            "script": ["second"],  # a list is replaced, not merged
            "variables": {"SHARED": "from-pipeline", "FIRST": "1", "SECOND": "2", "OWN": "own"},
        }
    }


def test_nested_includes_are_merged_inside_the_file_that_includes_them(expand, project) -> None:
    pipeline = project(
        {
            ".gitlab-ci.yml": "include: ci/outer.yml\n",
            "ci/outer.yml": "include:\n  - local: /ci/inner.yml\njob:\n  script: [outer]\n",
            "ci/inner.yml": "job:\n  script: [inner]\n  stage: test\ninner-only:\n  script: [x]\n",
        }
    )
    assert merged(expand(pipeline)) == {
        "job": {"script": ["outer"], "stage": "test"},
        "inner-only": {"script": ["x"]},
    }


def test_local_paths_start_at_the_repository_root_not_the_including_file(expand, project) -> None:
    pipeline = project(
        {
            ".gitlab-ci.yml": "include: ci/outer.yml\n",
            "ci/outer.yml": "include: inner.yml\n",
            "inner.yml": "root-job:\n  script: [x]\n",
            "ci/inner.yml": "wrong-job:\n  script: [x]\n",
        }
    )
    assert list(merged(expand(pipeline))) == ["root-job"]


def test_a_local_file_with_inputs_is_rendered_with_them(expand, project) -> None:
    pipeline = project(
        {
            ".gitlab-ci.yml": "include:\n  - local: job.yml\n    inputs: {name: api}\n",
            "job.yml": "spec:\n  inputs:\n    name:\n    stage:\n      default: test\n---\n"
            '"$[[ inputs.name ]]-job":\n  stage: $[[ inputs.stage ]]\n  script: [make]\n',
        }
    )
    assert merged(expand(pipeline)) == {"api-job": {"stage": "test", "script": ["make"]}}


def test_the_pipeline_files_own_inputs_come_from_input(expand, project) -> None:
    pipeline = project(
        {
            ".gitlab-ci.yml": "spec:\n  inputs:\n    target:\n---\ndeploy:\n  script:\n    - deploy $[[ inputs.target ]]\n"
        }
    )
    assert merged(expand(pipeline, "--input", "target=prod")) == {"deploy": {"script": ["deploy prod"]}}


@pytest.mark.parametrize(
    ("include", "files", "message"),
    [
        ("missing.yml", {}, "Local file `missing.yml` does not exist!"),
        ("../outside.yml", {}, "Local file `../outside.yml` does not exist!"),
        ("empty.yml", {"empty.yml": "\n  \n"}, "Local file `empty.yml` is empty!"),
        ("notes.txt", {"notes.txt": "a: 1\n"}, "Included file `notes.txt` does not have YAML extension!"),
        (
            "comments.yml",
            {"comments.yml": "# nothing\n"},
            "Included file `comments.yml` does not have valid YAML syntax!",
        ),
        ("list.yml", {"list.yml": "- a\n"}, "`list.yml`: Invalid configuration format"),
    ],
)
def test_a_local_include_gitlab_refuses_gets_its_message_at_the_entry(
    expand, project, include: str, files: dict[str, str], message: str
) -> None:
    pipeline = project({".gitlab-ci.yml": f"job:\n  script: [a]\ninclude:\n  - local: {include}\n", **files})
    result = expand(pipeline)
    assert (result.code, result.out) == (1, "")
    assert f"{pipeline}:4:5: error: {message}" in result.err
    assert result.err.endswith(f"{pipeline}: not expanded: 1 error(s)\n")


def test_a_linked_file_is_read_as_git_keeps_it_never_followed(expand, project, tmp_path: Path) -> None:
    """GitLab stores a link as a file holding its target's path; it never reads the target."""
    secret = tmp_path / "secret.yml"
    secret.write_text("stolen:\n  script: [cat]\n", encoding="utf-8")
    pipeline = project({".gitlab-ci.yml": "include: ci/link.yml\n"})
    (pipeline.parent / "ci").mkdir()
    (pipeline.parent / "ci" / "link.yml").symlink_to(secret)
    result = expand(pipeline)
    assert result.code == 1
    assert "error: `ci/link.yml`: Invalid configuration format" in result.err
    assert "stolen" not in result.out + result.err


def test_a_file_below_a_linked_folder_does_not_exist(expand, project, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "job.yml").write_text("stolen:\n  script: [cat]\n", encoding="utf-8")
    pipeline = project({".gitlab-ci.yml": "include: ci/job.yml\n"})
    (pipeline.parent / "ci").symlink_to(elsewhere)
    assert "error: Local file `ci/job.yml` does not exist!" in expand(pipeline).err


def test_the_catalogs_own_pipeline_expands_with_every_component_job(cli) -> None:
    result = cli("expand", ROOT / ".gitlab-ci.yml", "--catalog", ROOT)
    jobs = merged(result)
    assert result.err == ""
    for job in ("catalog-test", "selftest-uv-test", "selftest-poetry-test", "selftest-deps-build", "release", "pages"):
        assert job in jobs, job


def test_an_include_loop_stops_at_gitlabs_limit_of_150_files(expand, project) -> None:
    pipeline = project({".gitlab-ci.yml": "include: a.yml\n", "a.yml": "include: b.yml\na: {script: [a]}\n"})
    project({"b.yml": "include: a.yml\nb: {script: [b]}\n"})
    result = expand(pipeline)
    assert result.code == 1
    assert "error: Maximum of 150 nested includes are allowed!" in result.err


def test_150_included_files_are_allowed(expand, project) -> None:
    files = {f"ci/{number:03}.yml": f"job-{number}:\n  script: [a]\n" for number in range(150)}
    pipeline = project({".gitlab-ci.yml": "include: 'ci/*.yml'\n", **files})
    assert len(merged(expand(pipeline))) == 150


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{local: a.yml, remote: 'https://example.com/a.yml'}", "Each include must use only one of: `local`"),
        (
            "{inputs: {a: 1}}",
            '`{"inputs":{"a":1}}` does not have a valid subkey for include. Valid subkeys are: `local`',
        ),
        ("42", "Each include must be a hash or a string"),
    ],
)
def test_an_entry_that_names_no_single_file_gets_gitlabs_message(expand, project, entry: str, message: str) -> None:
    pipeline = project({".gitlab-ci.yml": f"include:\n  - {entry}\n", "a.yml": "a:\n  script: [a]\n"})
    result = expand(pipeline)
    assert result.code == 1
    assert f"{pipeline}:2:5: error: {message}" in result.err


# ----- include rules -----


RULED = """\
include:
  - local: deploy.yml
    rules:
      - if: $DEPLOY == "yes"
  - local: docs.yml
    rules:
      - exists: ["docs/**/*.md"]
  - local: never.yml
    rules:
      - when: never
build:
  script: [make]
"""


@pytest.mark.parametrize(
    ("files", "variables", "jobs"),
    [
        ({}, (), ["build"]),
        ({}, ("--variable", "DEPLOY=yes"), ["build", "deploy"]),
        ({"docs/guide/index.md": "# Guide\n"}, (), ["build", "docs"]),
        ({"docs/index.md": "# Guide\n"}, (), ["build", "docs"]),  # `**/` matches no folder too, as Ruby's fnmatch does
    ],
)
def test_include_rules_decide_which_files_are_merged(
    expand, project, files: dict[str, str], variables: tuple[str, ...], jobs: list[str]
) -> None:
    pipeline = project(
        {
            ".gitlab-ci.yml": RULED,
            "deploy.yml": "deploy:\n  script: [a]\n",
            "docs.yml": "docs:\n  script: [a]\n",
            "never.yml": "never:\n  script: [a]\n",
            **files,
        }
    )
    assert sorted(merged(expand(pipeline, *variables))) == jobs


def test_a_rule_with_an_unknown_key_is_gitlabs_error(expand, project) -> None:
    pipeline = project({".gitlab-ci.yml": "include:\n  - local: a.yml\n    rules: [{if: $A, allow_failure: true}]\n"})
    result = expand(pipeline)
    assert "error: include:rules:rule config contains unknown keys: allow_failure" in result.err


# ----- what cannot be resolved offline -----


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("project: group/tools\n    file: ci/build.yml", "project: group/tools, file: ci/build.yml"),
        ("remote: https://example.com/ci.yml", "remote: https://example.com/ci.yml"),
        ("template: Jobs/SAST.gitlab-ci.yml", "template: Jobs/SAST.gitlab-ci.yml"),
        (
            "component: gitlab.example.com/other/catalog/lint@1.0.0",
            "component: gitlab.example.com/other/catalog/lint@1.0.0",
        ),
    ],
)
def test_an_include_that_cannot_be_resolved_offline_is_an_error_naming_it(
    expand, project, entry: str, named: str
) -> None:
    pipeline = project({".gitlab-ci.yml": f"include:\n  - {entry}\njob:\n  script: [a]\n"})
    result = expand(pipeline)
    assert (result.code, result.out) == (1, "")
    assert f"{pipeline}:2:5: error: `{named}` cannot be resolved offline" in result.err
    assert "--keep-unresolved" in result.err


def test_a_url_written_as_a_string_is_a_remote_include(expand, project) -> None:
    pipeline = project({".gitlab-ci.yml": "include: https://example.com/ci.yml\n"})
    assert "error: `remote: https://example.com/ci.yml` cannot be resolved offline" in expand(pipeline).err


def test_keep_unresolved_keeps_those_includes_for_gitlab(expand, project) -> None:
    pipeline = project(
        {
            ".gitlab-ci.yml": (
                "include:\n  - local: a.yml\n  - project: $GROUP/tools\n    ref: v1\n    file: [one.yml, two.yml]\n"
                "    rules: [{if: $GROUP}]\n  - remote: https://example.com/ci.yml\njob:\n  script: [a]\n"
            ),
            "a.yml": "a:\n  script: [a]\n",
        }
    )
    result = expand(pipeline, "--keep-unresolved", "--variable", "GROUP=group")
    assert merged(result) == {
        "include": [  # as written: GitLab expands the variables and reads the rules itself
            {"project": "$GROUP/tools", "ref": "v1", "file": ["one.yml", "two.yml"], "rules": [{"if": "$GROUP"}]},
            {"remote": "https://example.com/ci.yml"},
        ],
        "a": {"script": ["a"]},
        "job": {"script": ["a"]},
    }
    assert "warning: `remote: https://example.com/ci.yml` is kept as an include for GitLab to fetch" in result.err


# ----- components -----


def test_a_component_is_rendered_at_its_release_with_its_own_local_includes_from_the_catalog(expand, project) -> None:
    pipeline = project(
        {".gitlab-ci.yml": f"include:\n  - component: {ADDRESS}@1.1.0\n    inputs: {{job_prefix: api}}\n"}
    )
    assert merged(expand(pipeline)) == {
        "shared-from-catalog": {"script": ["make shared"]},
        "api-run": {"stage": "test", "variables": {"BUILT_FROM": "build 1.1.0 1.1.0 1.1.0"}, "script": ["make"]},
    }


def test_a_component_in_a_local_file_resolves_too(expand, project) -> None:
    pipeline = project(
        {".gitlab-ci.yml": "include: ci/build.yml\n", "ci/build.yml": f"include:\n  - component: {ADDRESS}@1.0.0\n"}
    )
    assert merged(expand(pipeline))["build-run"]["variables"]["BUILT_FROM"] == "build 1.0.0 1.0.0 1.0.0"


def test_a_component_reference_that_names_nothing_is_gitlabs_error(expand, project) -> None:
    pipeline = project({".gitlab-ci.yml": f"include:\n  - component: {ADDRESS}@9.9.9\n"})
    result = expand(pipeline)
    assert result.code == 1
    assert f"error: Component '{ADDRESS}@9.9.9' - content not found" in result.err


def test_without_a_catalog_a_component_include_is_an_error_naming_it(cli, project, monkeypatch, tmp_path) -> None:
    pipeline = project({".gitlab-ci.yml": f"include:\n  - component: {ADDRESS}@1.0.0\n"})
    monkeypatch.chdir(tmp_path)  # not a git repository: no catalog by default
    result = cli("expand", pipeline, "--server-fqdn", HOST)
    assert result.code == 1
    assert f"error: no catalog to resolve `{ADDRESS}@1.0.0` against: give --catalog" in result.err


def test_a_catalog_given_as_a_git_url_is_cloned_into_the_cache_and_fetched_again(
    cli, project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin = GitCatalog(tmp_path / "origin")
    origin.release("1.0.0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pipeline = project({".gitlab-ci.yml": f"include:\n  - component: {ADDRESS}@~latest\n"})

    def built_from() -> str:
        result = cli("expand", pipeline, "--catalog", origin.root.as_uri(), "--server-fqdn", HOST)
        return merged(result)["build-run"]["variables"]["BUILT_FROM"]

    assert built_from() == "build 1.0.0 ~latest 1.0.0"
    clones = list((tmp_path / "cache" / "ci-catalog" / "catalogs").iterdir())
    assert len(clones) == 1 and (clones[0] / "HEAD").is_file()
    origin.release("1.1.0")
    assert built_from() == "build 1.1.0 ~latest 1.1.0"


def test_a_git_url_that_cannot_be_cloned_is_a_usage_error(cli, project, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pipeline = project({".gitlab-ci.yml": "job:\n  script: [a]\n"})
    result = cli("expand", pipeline, "--catalog", (tmp_path / "nothing-here").as_uri())
    assert result.code == 2
    assert "--catalog: cannot clone the catalog file://" in result.err


def test_a_catalog_url_with_credentials_never_shows_them(cli, project, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pipeline = project({".gitlab-ci.yml": "job:\n  script: [a]\n"})
    result = cli("expand", pipeline, "--catalog", "https://ci-bot:glpat-Secret-123@127.0.0.1:1/acme/ci.git")
    assert result.code == 2
    assert "cannot clone the catalog https://127.0.0.1:1/acme/ci.git" in result.err
    assert "Secret" not in result.err + result.out


# ----- output -----


PIPELINE_WITH_REFERENCES = """\
include: base.yml
job:
  extends: .base
  script:
    - !reference [.setup, script]
    - make
"""
BASE = ".base:\n  image: alpine:3.20\n.setup:\n  script: [echo setup]\n"


def test_extends_and_references_are_left_as_written_in_yaml(expand, project) -> None:
    pipeline = project({".gitlab-ci.yml": PIPELINE_WITH_REFERENCES, "base.yml": BASE})
    result = expand(pipeline)
    assert "  extends: .base\n" in result.out
    assert "  - !reference [.setup, script]\n" in result.out


def test_json_is_the_same_pipeline_with_references_marked(expand, project) -> None:
    pipeline = project({".gitlab-ci.yml": PIPELINE_WITH_REFERENCES, "base.yml": BASE})
    as_json = json.loads(expand(pipeline, "--format", "json").out)
    assert as_json == {
        ".base": {"image": "alpine:3.20"},
        ".setup": {"script": ["echo setup"]},
        "job": {"extends": ".base", "script": [{"!reference": [".setup", "script"]}, "make"]},
    }
    as_yaml = yaml.safe_load(expand(pipeline).out.replace("!reference ", ""))
    as_yaml["job"]["script"][0] = {"!reference": as_yaml["job"]["script"][0]}
    assert as_yaml == as_json


def test_resolve_extends_prints_the_pipeline_as_gitlab_builds_it(expand, project) -> None:
    pipeline = project({".gitlab-ci.yml": PIPELINE_WITH_REFERENCES, "base.yml": BASE})
    built = merged(expand(pipeline, "--resolve-extends"))
    assert built["job"]["image"] == "alpine:3.20"
    # As GitLab keeps it: the runner flattens nested script arrays when the job runs.
    assert built["job"]["script"] == [["echo setup"], "make"]
    assert built["job"]["extends"] == ".base"  # GitLab keeps the key once it has merged the base


def test_a_merged_pipeline_gitlab_refuses_is_not_printed_and_names_the_place(expand, project) -> None:
    pipeline = project(
        {
            ".gitlab-ci.yml": "include:\n  - local: base.yml\njob:\n  extends: .bsae\n  script: make\n",
            "base.yml": ".base:\n  image: alpine:3.20\n",
        }
    )
    result = expand(pipeline)
    assert (result.code, result.out) == (1, "")
    assert f"{pipeline}:4:3: error: job: unknown keys in `extends` (.bsae)" in result.err


def test_the_expansion_api_returns_the_pipeline_and_its_problems(catalog: GitCatalog, project) -> None:
    """What `run` builds on: the merged pipeline and the problems, no printing."""
    pipeline = project({".gitlab-ci.yml": f"include:\n  - component: {ADDRESS}@~latest\n  - local: nope.yml\n"})
    context = Context(CatalogRepo(GitRepo(catalog.root), "acme/ci"), HOST, {"CI_SERVER_FQDN": HOST})
    failed = expand_pipeline(pipeline, pipeline.parent, context, ExpandOptions())
    assert not failed.ok and failed.pipeline == {}
    assert [problem.message for problem in failed.problems if problem.severity == "error"] == [
        "Local file `nope.yml` does not exist!"
    ]
    pipeline.write_text(f"include:\n  - component: {ADDRESS}@~latest\n", encoding="utf-8")
    done = expand_pipeline(pipeline, pipeline.parent, context)
    assert done.ok and "build-run" in done.pipeline
    assert [(item.kind, item.location, item.read_from) for item in done.files] == [
        ("component", f"{ADDRESS}@~latest", "templates/build/template.yml@~latest"),
        ("local", "ci/shared.yml", "ci/shared.yml@~latest"),
    ]


@pytest.mark.e2e
def test_gitlab_ci_local_reads_the_expanded_pipeline(expand, project, tmp_path: Path) -> None:
    tool = require_gitlab_ci_local()
    pipeline = project(
        {
            ".gitlab-ci.yml": "include:\n  - local: 'ci/**.yml'\n"
            f"  - component: {ADDRESS}@1.1.0\njob:\n  extends: .base\n  script: [!reference [.setup, script], make]\n",
            "ci/base.yml": ".base:\n  image: alpine:3.20\n.setup:\n  script: [echo setup]\n",
        }
    )
    run = tmp_path / "run"
    run.mkdir()
    (run / ".gitlab-ci.yml").write_text(expand(pipeline).out, encoding="utf-8")
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "expanded"]):
        subprocess.run(
            ["git", "-C", str(run), *command], check=True, capture_output=True, env={**os.environ, **GIT_ENV}
        )
    done = subprocess.run([str(tool), "--preview", "--no-color"], cwd=run, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    preview = yaml.safe_load(done.stdout[done.stdout.index("---\n") :])
    assert preview["job"]["script"] == ["echo setup", "make"]
    assert preview["build-run"]["variables"]["BUILT_FROM"] == "build 1.1.0 1.1.0 1.1.0"
