"""The `jobs` lint rules: what a component's jobs do to the user's pipeline, and how safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_catalog.lint import lint_file, lint_text
from ci_catalog.lint.config import LintConfig
from ci_catalog.lint.rules.input_in_shell_unescaped import restricts_to_safe_characters
from conftest import shared_path

HEADER = """\
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: app
---
"""


def findings(rule: str, text: str) -> list[tuple[int, int, str, str]]:
    """(line, column, JSON path, message) of each finding of `rule` in a file."""
    problems = lint_text(text, "templates/example.yml", LintConfig(select={rule}))
    return [(p.line, p.column, p.json_path, p.message) for p in problems if p.code == rule]


def messages(rule: str, text: str) -> list[str]:
    return [message for *_, message in findings(rule, text)]


def real_findings(rule: str, *parts: str) -> list[tuple[int, int, str]]:
    path = shared_path("real-components", *parts)
    return [(p.line, p.column, p.message) for p in lint_file(Path(path), LintConfig(select={rule})) if p.code == rule]


# ------------------------------------------------------------ job-name-not-from-input

JOB_NAME = "job-name-not-from-input"


def test_fixed_job_name_in_a_component_is_reported() -> None:
    text = HEADER + "build:\n  script: make\n"
    assert findings(JOB_NAME, text) == [
        (
            7,
            1,
            "build",
            "Job `build` has a fixed name, so a second include of the component collides with it; "
            'build the name from an input, such as `"$[[ inputs.job_prefix ]]-build"`',
        )
    ]


@pytest.mark.parametrize(
    "name",
    [
        '"$[[ inputs.job_prefix ]]-build"',
        '"build-$[[inputs.job_prefix]]"',
        '"$[[ inputs.job_prefix | truncate(0,3) ]]"',
    ],
)
def test_job_name_built_from_an_input_is_not_reported(name: str) -> None:
    assert findings(JOB_NAME, HEADER + f"{name}:\n  script: make\n") == []


def test_job_name_from_component_context_is_still_fixed() -> None:
    text = "spec:\n  component: [name]\n---\n" + '"$[[ component.name ]]-build":\n  script: make\n'
    assert [line for line, *_ in findings(JOB_NAME, text)] == [4]


def test_hidden_job_is_not_reported() -> None:
    assert findings(JOB_NAME, HEADER + ".build:\n  script: make\n") == []


def test_override_of_an_included_job_keeps_its_name() -> None:
    text = HEADER + "include:\n  - template: Security/DAST.gitlab-ci.yml\ndast:\n  variables:\n    DAST_WEBSITE: x\n"
    assert findings(JOB_NAME, text) == []


def test_job_with_only_extends_is_a_new_job_and_reported() -> None:
    text = HEADER + ".base:\n  script: make\nbuild:\n  extends: .base\n"
    assert [(line, path) for line, _, path, _ in findings(JOB_NAME, text)] == [(9, "build")]


def test_fixed_job_name_in_a_plain_pipeline_is_not_reported() -> None:
    assert findings(JOB_NAME, "build:\n  script: make\n") == []


@pytest.mark.shared_data
def test_real_component_with_fixed_job_names() -> None:
    found = real_findings(JOB_NAME, "papier-tools__gitlab-component-docker", "templates", "docker-build.yml")
    assert [(line, column) for line, column, _ in found] == [(27, 1), (60, 1)]


@pytest.mark.shared_data
def test_real_dast_override_is_not_reported() -> None:
    assert real_findings(JOB_NAME, "shortlink-org__gitlab-templates", "templates", "dast", "template.yml") == []


# ------------------------------------------------------------------ hard-coded-stage

STAGE = "hard-coded-stage"


def test_literal_stage_is_reported_at_the_stage_key() -> None:
    text = HEADER + '"$[[ inputs.job_prefix ]]-deploy":\n  stage: deploy\n  script: ./deploy\n'
    assert findings(STAGE, text) == [
        (
            8,
            3,
            "$[[ inputs.job_prefix ]]-deploy.stage",
            "Job `$[[ inputs.job_prefix ]]-deploy` has a hard-coded `stage: deploy`; "
            "use an input such as `$[[ inputs.stage ]]`",
        )
    ]


@pytest.mark.parametrize("stage", ["$[[ inputs.job_prefix ]]", '"$[[ inputs.job_prefix ]]-deploy"', ".pre", ".post"])
def test_stage_from_an_input_or_always_present_is_not_reported(stage: str) -> None:
    assert findings(STAGE, HEADER + f"deploy:\n  stage: {stage}\n  script: ./deploy\n") == []


def test_stage_of_a_hidden_job_is_not_reported() -> None:
    assert findings(STAGE, HEADER + ".deploy:\n  stage: deploy\n  script: ./deploy\n") == []


def test_stage_from_a_reference_is_not_followed() -> None:
    text = HEADER + ".base:\n  stage: deploy\ndeploy:\n  stage: !reference [.base, stage]\n  script: ./deploy\n"
    assert findings(STAGE, text) == []


def test_declared_but_unused_stage_input_is_suggested() -> None:
    text = (
        "spec:\n  inputs:\n    deploy_stage:\n      description: Stage.\n      default: deploy\n"
        "    build_stage:\n      description: Stage.\n      default: build\n---\n"
        "build:\n  stage: $[[ inputs.build_stage ]]\n  script: make\n"
        "deploy:\n  stage: deploy\n  script: ./deploy\n"
    )
    assert messages(STAGE, text) == [
        "Job `deploy` has a hard-coded `stage: deploy`; use the input `deploy_stage`, declared but never used: "
        "`$[[ inputs.deploy_stage ]]`"
    ]


def test_input_that_only_contains_stage_in_its_name_is_not_suggested() -> None:
    text = (
        "spec:\n  inputs:\n    stagefreight_image:\n      description: Image.\n      default: x:1\n---\n"
        "docs:\n  stage: docs\n  image: $[[ inputs.stagefreight_image ]]\n  script: make\n"
    )
    assert messages(STAGE, text) == [
        "Job `docs` has a hard-coded `stage: docs`; use an input such as `$[[ inputs.stage ]]`"
    ]


def test_literal_stage_in_a_plain_pipeline_is_not_reported() -> None:
    assert findings(STAGE, "deploy:\n  stage: deploy\n  script: ./deploy\n") == []


@pytest.mark.shared_data
def test_real_component_points_at_its_unused_stage_input() -> None:
    found = real_findings(STAGE, "hegerdes__gitlab-actions", "templates", "helm-package.yml")
    assert found == [
        (
            67,
            3,
            "Job `$[[ inputs.job_name_prefix ]]:package` has a hard-coded `stage: build`; "
            "use the input `stage`, declared but never used: `$[[ inputs.stage ]]`",
        )
    ]


# ------------------------------------------------------- global-keyword-in-component

GLOBAL = "global-keyword-in-component"
JOB = '"$[[ inputs.job_prefix ]]-lint":\n  script: make lint\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "default:\n  image: node:22\n",
            "Component sets the global `default`, which changes every job of the user's pipeline; "
            "set these keywords on the component's jobs",
        ),
        (
            "stages: [build]\n",
            "Component sets the global `stages`, which replaces the user's list of stages; "
            "take each job's `stage` from an input instead",
        ),
        (
            "workflow:\n  rules:\n    - when: always\n",
            "Component sets the global `workflow`, which decides whether the user's whole pipeline runs; "
            "put `rules` on the component's jobs instead",
        ),
        (
            "variables:\n  A: b\n",
            "Component sets the global `variables`, which sets them for every job of the user's pipeline; "
            "move them into the component's jobs",
        ),
        (
            "image: node:22\n",
            "Component sets the deprecated global `image`, which applies to every job of the user's pipeline; "
            "move it into the component's jobs",
        ),
    ],
)
def test_global_keyword_in_a_component_is_reported_at_the_key(body: str, message: str) -> None:
    keyword = body.split(":", 1)[0]
    assert findings(GLOBAL, HEADER + JOB + body) == [(9, 1, keyword, message)]


@pytest.mark.parametrize("keyword", ["services", "cache", "before_script", "after_script"])
def test_every_deprecated_global_is_reported(keyword: str) -> None:
    assert [path for _, _, path, _ in findings(GLOBAL, HEADER + JOB + f"{keyword}: []\n")] == [keyword]


def test_include_and_jobs_are_not_global_keywords() -> None:
    text = HEADER + "include:\n  - local: /common.yml\n" + JOB + ".hidden:\n  variables:\n    A: b\n"
    assert findings(GLOBAL, text) == []


def test_global_keywords_in_a_plain_pipeline_are_not_reported() -> None:
    assert findings(GLOBAL, "stages: [build]\nvariables:\n  A: b\nbuild:\n  script: make\n") == []


# -------------------------------------------------------------- hard-coded-gitlab-host

HOST = "hard-coded-gitlab-host"


def test_api_url_in_a_script_is_reported_at_the_host() -> None:
    text = HEADER + 'notes:\n  script:\n    - curl "https://gitlab.com/api/v4/projects/$CI_PROJECT_ID/releases"\n'
    assert findings(HOST, text) == [
        (
            9,
            13,
            "notes.script[0]",
            "Job `notes` hard-codes the GitLab instance `https://gitlab.com/api/v4`; use `$CI_API_V4_URL` instead",
        )
    ]


def test_api_url_of_a_self_managed_instance_is_reported() -> None:
    text = "notes:\n  variables:\n    API: https://git.example.org:8443/api/v4\n  script: ./notes\n"
    assert messages(HOST, text) == [
        "Job `notes` hard-codes the GitLab instance `https://git.example.org/api/v4`; use `$CI_API_V4_URL` instead"
    ]


def test_gitlab_com_url_is_reported_without_its_credentials() -> None:
    text = "push:\n  script:\n    - git push https://oauth2:glpat-secret@gitlab.com/group/project.git main\n"
    assert findings(HOST, text) == [
        (
            3,
            16,
            "push.script[0]",
            "Job `push` hard-codes the GitLab instance `https://gitlab.com`; use `$CI_SERVER_URL` instead",
        )
    ]


def test_bare_gitlab_com_host_is_reported() -> None:
    text = "variables:\n  GITLAB_HOST: gitlab.com\nclone:\n  script:\n    - git clone git@gitlab.com:group/p.git\n"
    assert findings(HOST, text) == [
        (
            2,
            16,
            "variables.GITLAB_HOST",
            "The global `variables` hard-codes the GitLab instance `gitlab.com`; use `$CI_SERVER_FQDN` instead",
        ),
        (
            5,
            21,
            "clone.script[0]",
            "Job `clone` hard-codes the GitLab instance `gitlab.com`; use `$CI_SERVER_FQDN` instead",
        ),
    ]


def test_login_to_the_gitlab_com_registry_is_reported() -> None:
    text = 'push:\n  script:\n    - docker login -u "$U" -p "$P" registry.gitlab.com\n'
    assert messages(HOST, text) == [
        "Job `push` hard-codes the GitLab instance `registry.gitlab.com`; use `$CI_REGISTRY` instead"
    ]


def test_host_in_a_block_script_is_reported_on_its_own_line() -> None:
    text = "notes:\n  script:\n    - |\n      echo start\n      curl https://gitlab.com/api/v4/version\n"
    assert [(line, column) for line, column, *_ in findings(HOST, text)] == [(5, 12)]


@pytest.mark.parametrize(
    "value",
    [
        "registry.gitlab.com/gitlab-org/release-cli:v0.20.0",  # a public image
        "https://docs.gitlab.com/ci/",  # not an instance
        "bot@gitlab.com",  # an e-mail address
        "Publishing to GitLab.com",  # prose
        "https://gitlab.opencode.de/group/p/-/raw/main/schema.json",  # a fixed project's file
        "$CI_API_V4_URL/projects",
        "https://gitlab-ci-token:${CI_JOB_TOKEN}@${CI_SERVER_HOST}/${CI_PROJECT_PATH}.git",
    ],
)
def test_values_that_are_not_a_hard_coded_instance_are_not_reported(value: str) -> None:
    assert findings(HOST, f'job:\n  script:\n    - echo "{value}"\n') == []


def test_include_rules_and_comments_are_not_checked() -> None:
    text = (
        "# https://gitlab.com/api/v4 in a comment\n"
        "include:\n  - component: gitlab.com/group/project/component@1.0.0\n"
        'job:\n  rules:\n    - if: $CI_SERVER_FQDN == "gitlab.com"\n  script: make\n'
    )
    assert findings(HOST, text) == []


# -------------------------------------------------------------------- unpinned-image

IMAGE = "unpinned-image"


def test_image_with_no_tag_is_reported() -> None:
    assert findings(IMAGE, "build:\n  image: python\n  script: make\n") == [
        (
            2,
            3,
            "build.image",
            "Job `build` uses the image `python` with no tag, which means `latest`; "
            "pin a version tag or an `@sha256:` digest",
        )
    ]


def test_image_tagged_latest_is_reported_at_its_name() -> None:
    text = "build:\n  image:\n    name: registry.example.com:5000/tools/python:latest\n  script: make\n"
    assert findings(IMAGE, text) == [
        (
            3,
            5,
            "build.image.name",
            "Job `build` uses the image `registry.example.com:5000/tools/python:latest` tagged `latest`; "
            "pin a version tag or an `@sha256:` digest",
        )
    ]


def test_registry_port_is_not_taken_for_a_tag() -> None:
    assert messages(IMAGE, "build:\n  image: registry.example.com:5000/python\n  script: make\n") == [
        "Job `build` uses the image `registry.example.com:5000/python` with no tag, which means `latest`; "
        "pin a version tag or an `@sha256:` digest"
    ]


def test_unpinned_services_are_reported() -> None:
    text = "test:\n  services:\n    - postgres\n    - name: redis:latest\n      alias: cache\n  script: make\n"
    assert [(line, column, path) for line, column, path, _ in findings(IMAGE, text)] == [
        (3, 7, "test.services[0]"),
        (4, 7, "test.services[1].name"),
    ]
    assert messages(IMAGE, text)[0].startswith("Job `test` uses the service `postgres` with no tag")


def test_images_of_default_and_the_global_image_are_reported() -> None:
    text = "image: ruby\ndefault:\n  image: node:latest\nbuild:\n  script: make\n"
    assert [(path, message.split(" uses")[0]) for _, _, path, message in findings(IMAGE, text)] == [
        ("image", "The global `image`"),
        ("default.image", "`default`"),
    ]


@pytest.mark.parametrize(
    "image",
    [
        "python:3.12",
        "python@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "python:3.12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "python:$[[ inputs.job_prefix ]]",
        "docker:$[[ inputs.job_prefix ]]-dind",
        "$BUILD_IMAGE",
        "${BUILD_IMAGE}",
        "python:$PYTHON_VERSION",
        "$CI_REGISTRY_IMAGE/builder$SUFFIX",
        "ghcr.io/org/tool:main",  # a moving tag, but not `latest`
    ],
)
def test_pinned_or_unknowable_images_are_not_reported(image: str) -> None:
    assert findings(IMAGE, HEADER + f'build:\n  image: "{image}"\n  script: make\n') == []


def test_unpinned_default_of_an_image_input_is_reported_once_in_the_header() -> None:
    text = (
        "spec:\n  inputs:\n    image:\n      description: Image.\n      default: alpine/helm:latest\n---\n"
        "lint:\n  image: $[[ inputs.image ]]\n  script: helm lint\n"
        "package:\n  image:\n    name: $[[ inputs.image | expand_vars ]]\n  script: helm package\n"
    )
    assert findings(IMAGE, text) == [
        (
            5,
            7,
            "spec.inputs.image.default",
            "Input `image` defaults to the image `alpine/helm:latest` tagged `latest`, and job `lint` uses it; "
            "pin a version tag or an `@sha256:` digest in the default",
        )
    ]


@pytest.mark.parametrize("default", ["$CI_IMAGE", "alpine/helm:3.16.2", '""'])
def test_image_input_with_a_pinned_or_variable_default_is_not_reported(default: str) -> None:
    text = (
        f"spec:\n  inputs:\n    image:\n      description: Image.\n      default: {default}\n---\n"
        "lint:\n  image: $[[ inputs.image ]]\n  script: helm lint\n"
    )
    assert findings(IMAGE, text) == []


@pytest.mark.shared_data
def test_real_component_release_cli_latest() -> None:
    found = real_findings(IMAGE, "papier-tools__gitlab-component-docker", "templates", "docker-build.yml")
    assert [(line, column) for line, column, _ in found] == [(62, 3)]


# --------------------------------------------------------------------- pipe-to-shell

PIPE = "pipe-to-shell"


def test_curl_piped_to_sh_is_reported_at_the_command() -> None:
    text = "install:\n  script:\n    - echo start\n    - curl -fsSL https://example.com/install.sh | sh\n"
    assert findings(PIPE, text) == [
        (
            4,
            7,
            "install.script[1]",
            "Job `install` pipes a download into a shell (`curl -fsSL https://example.com/install.sh | sh`); "
            "save it to a file, check its checksum or signature, then run it",
        )
    ]


@pytest.mark.parametrize(
    "line",
    [
        "wget -O- https://example.com/i.sh | bash",
        "wget -qO - https://example.com/i.sh | sudo -E bash -s -- --yes",
        "curl -sL https://example.com/i.sh | tee install.log | /bin/sh",
        "bash <(curl -s https://example.com/i.sh)",
        "source <(curl -s https://example.com/env.sh)",
        'sh -c "$(curl -fsSL https://example.com/i.sh)"',
        'bash -xc "$(wget -qO- https://example.com/i.sh)"',
        'eval "$(curl -s https://example.com/env.sh)"',
    ],
)
def test_every_form_of_running_a_download_is_reported(line: str) -> None:
    assert len(findings(PIPE, f"install:\n  script:\n    - '{line}'\n")) == 1


@pytest.mark.parametrize(
    "line",
    [
        "curl -fsSL https://example.com/tool.tgz | tar xz",
        "curl -fsSL https://example.com/sums | sha256sum -c",
        "curl -fsSL https://example.com/x.sh | shellcheck -",
        "curl -fsSLo i.sh https://example.com/i.sh && sh i.sh",
        "curl -fsS https://example.com/health || sh ./fallback.sh",
        "./download | sh",
        'eval "$(ssh-agent -s)"',
    ],
)
def test_similar_lines_that_do_not_run_a_download_are_not_reported(line: str) -> None:
    assert findings(PIPE, f"install:\n  script:\n    - '{line}'\n") == []


def test_commented_out_line_in_a_block_script_is_not_reported() -> None:
    text = "install:\n  script:\n    - |\n      # curl https://example.com/i.sh | sh\n      make\n"
    assert findings(PIPE, text) == []


def test_continued_line_is_reported_where_the_download_starts() -> None:
    text = (
        "install:\n  script:\n    - |\n      echo start\n      curl -fsSL \\\n        https://example.com/i.sh | bash\n"
    )
    assert findings(PIPE, text) == [
        (
            5,
            7,
            "install.script[0]",
            "Job `install` pipes a download into a shell (`curl -fsSL https://example.com/i.sh | bash`); "
            "save it to a file, check its checksum or signature, then run it",
        )
    ]


def test_a_download_in_a_nested_script_list_is_reported_at_every_level() -> None:
    text = (
        "install:\n  script:\n"
        "    - curl https://example.com/install.sh | sh\n"
        "    - - curl https://example.com/install.sh | sh\n"
    )
    assert [(line, column, path) for line, column, path, _ in findings(PIPE, text)] == [
        (3, 7, "install.script[0]"),
        (4, 9, "install.script[1][0]"),
    ]


def test_a_download_in_a_pre_get_sources_hook_is_reported() -> None:
    text = (
        "install:\n  hooks:\n    pre_get_sources_script:\n      - curl https://example.com/a.sh | sh\n  script: make\n"
    )
    assert [(line, column, path) for line, column, path, _ in findings(PIPE, text)] == [
        (4, 9, "install.hooks.pre_get_sources_script[0]"),
    ]


def test_default_and_global_scripts_are_checked() -> None:
    text = (
        "before_script:\n  - curl https://example.com/a.sh | sh\n"
        "default:\n  after_script:\n    - curl https://example.com/b.sh | sh\n"
    )
    assert [(path, message.split(" pipes")[0]) for _, _, path, message in findings(PIPE, text)] == [
        ("before_script[0]", "A global script"),
        ("default.after_script[0]", "`default`"),
    ]


# ---------------------------------------------------------- input-in-shell-unescaped

SHELL = "input-in-shell-unescaped"


def component(inputs: str, script: str) -> str:
    return f"spec:\n  inputs:\n{inputs}---\njob:\n  script:\n{script}"


MESSAGE_INPUT = "    message:\n      description: Commit message.\n      default: Release\n"


def test_raw_string_input_in_a_script_is_reported_at_the_block() -> None:
    text = component(MESSAGE_INPUT, '    - git commit -m "$[[ inputs.message ]]"\n')
    assert findings(SHELL, text) == [
        (
            9,
            22,
            "job.script[0]",
            "Input `message` is pasted unescaped into the `script` of job `job`, so a value such as "
            "`$(touch pwned)` runs as a command; use `$[[ inputs.message | posix_escape ]]`, or pass it through "
            'a job variable (`variables: {MESSAGE: $[[ inputs.message ]]}`, then `"$MESSAGE"` in the script)',
        )
    ]


def test_posix_escaped_input_is_not_reported() -> None:
    assert findings(SHELL, component(MESSAGE_INPUT, "    - git commit -m $[[ inputs.message | posix_escape ]]\n")) == []


def test_posix_escape_before_another_function_is_reported() -> None:
    text = component(MESSAGE_INPUT, "    - git commit -m $[[ inputs.message | posix_escape | truncate(0,50) ]]\n")
    assert messages(SHELL, text)[0].endswith("runs as a command; apply `posix_escape` last")


def test_input_passed_through_a_job_variable_is_not_reported() -> None:
    text = (
        "spec:\n  inputs:\n" + MESSAGE_INPUT + "---\n"
        'job:\n  variables:\n    MESSAGE: $[[ inputs.message ]]\n  script:\n    - git commit -m "$MESSAGE"\n'
    )
    assert findings(SHELL, text) == []


@pytest.mark.parametrize(
    "constraint",
    [
        "      options: [Release, Hotfix]\n",
        "      regex: ^[A-Za-z0-9_.-]+$\n",
        "      regex: \\A(release|hotfix)-\\d+\\z\n",
    ],
)
def test_input_restricted_to_safe_characters_is_not_reported(constraint: str) -> None:
    assert findings(SHELL, component(MESSAGE_INPUT + constraint, '    - echo "$[[ inputs.message ]]"\n')) == []


@pytest.mark.parametrize(
    "regex",
    ["'[A-Za-z]+'", "'^[A-Za-z]+'", "'^.+$'", "'^[^;|&]+$'", "'^[a-z ]+$'", "'^\\S+$'", "'^a$|^b'", "'^[a-z]+$|x'"],
)
def test_regex_that_does_not_restrict_to_safe_characters_is_reported(regex: str) -> None:
    inputs = MESSAGE_INPUT.replace("default: Release", "default: a") + f"      regex: {regex}\n"
    assert len(findings(SHELL, component(inputs, '    - echo "$[[ inputs.message ]]"\n'))) == 1


@pytest.mark.parametrize(
    ("regex", "safe"),
    [
        (r"^[a-zA-Z0-9_-]+$", True),
        (r"^v\d+\.\d+\.\d+$", True),
        (r"^(dev|prod)$", True),
        (r"^[\w.]+$", True),
        (r"^[a-z]+", False),
        (r"^[a-z $]+$", False),
        (r"^(?:[a-z]|\s)+$", False),
        (r"^[^']+$", False),
        (r"^(", False),
    ],
)
def test_regex_safety_analysis(regex: str, safe: bool) -> None:
    assert restricts_to_safe_characters(regex) is safe


@pytest.mark.parametrize("kind", ["number", "boolean"])
def test_number_and_boolean_inputs_are_not_reported(kind: str) -> None:
    default = "1" if kind == "number" else "true"
    inputs = f"    flag:\n      type: {kind}\n      default: {default}\n"
    assert findings(SHELL, component(inputs, "    - ./run --flag=$[[ inputs.flag ]]\n")) == []


def test_input_that_is_the_whole_line_is_a_hook_and_not_reported() -> None:
    inputs = "    extra_commands:\n      description: Extra commands.\n      default: 'true'\n"
    assert findings(SHELL, component(inputs, "    - $[[ inputs.extra_commands ]]\n    - make\n")) == []


def test_input_whose_default_is_shell_code_is_not_reported() -> None:
    inputs = '    is_tag:\n      description: Tag?\n      default: $(if [ -n "$CI_COMMIT_TAG" ]; then echo true; fi)\n'
    assert findings(SHELL, component(inputs, '    - ./scan --isTag="$[[ inputs.is_tag ]]"\n')) == []


def test_input_whose_default_uses_variables_suggests_a_job_variable() -> None:
    inputs = "    token:\n      description: Token.\n      default: $DEVGUARD_TOKEN\n"
    assert messages(SHELL, component(inputs, '    - ./scan --token="$[[ inputs.token ]]"\n')) == [
        "Input `token` is pasted unescaped into the `script` of job `job`, so a value such as `$(touch pwned)` "
        "runs as a command; pass it through a job variable (`variables: {TOKEN: $[[ inputs.token ]]}`, then "
        '`"$TOKEN"` in the script), as `posix_escape` would stop the variables in its default from expanding'
    ]


def test_input_holding_several_arguments_suggests_an_unquoted_job_variable() -> None:
    inputs = "    extra-args:\n      description: Arguments.\n      default: -summary -strict\n"
    assert messages(SHELL, component(inputs, "    - kubeconform $[[ inputs.extra-args ]]\n")) == [
        "Input `extra-args` is pasted unescaped into the `script` of job `job`, so a value such as "
        "`$(touch pwned)` runs as a command; pass it through a job variable (`variables: {EXTRA_ARGS: "
        "$[[ inputs.extra-args ]]}`, then `$EXTRA_ARGS` unquoted in the script), as `posix_escape` would make "
        "its words one argument"
    ]


def test_input_is_reported_once_per_script_line_at_its_first_use() -> None:
    script = '    - |\n      echo "$[[ inputs.message ]]"\n      git commit -m "$[[ inputs.message ]]"\n    - echo $[[ inputs.message ]]\n'
    found = findings(SHELL, component(MESSAGE_INPUT, script))
    assert [(line, column, path) for line, column, path, _ in found] == [
        (10, 13, "job.script[0]"),
        (12, 12, "job.script[1]"),
    ]


def test_input_in_a_folded_script_is_reported_on_its_own_line() -> None:
    script = "    - >\n      trivy image\n      --exit-code 0\n      --severity $[[ inputs.message ]]\n      .\n"
    assert [(line, column) for line, column, *_ in findings(SHELL, component(MESSAGE_INPUT, script))] == [(12, 18)]


def test_inputs_outside_scripts_are_not_reported() -> None:
    text = (
        "spec:\n  inputs:\n" + MESSAGE_INPUT + "---\n"
        'job:\n  image: alpine:$[[ inputs.message ]]\n  rules:\n    - if: \'"$[[ inputs.message ]]" == "x"\'\n'
        "  script: make\n"
    )
    assert findings(SHELL, text) == []


def test_before_and_after_scripts_and_hidden_jobs_are_checked() -> None:
    text = (
        "spec:\n  inputs:\n" + MESSAGE_INPUT + "---\n"
        ".base:\n  before_script:\n    - echo $[[ inputs.message ]]\n"
        "job:\n  extends: .base\n  script: make\n  after_script:\n    - echo $[[ inputs.message ]]\n"
    )
    assert [path for _, _, path, _ in findings(SHELL, text)] == [".base.before_script[0]", "job.after_script[0]"]


def test_an_input_in_a_nested_script_list_is_reported_at_every_level() -> None:
    script = "    - echo $[[ inputs.message ]]\n    - - - echo $[[ inputs.message ]]\n"
    found = findings(SHELL, component(MESSAGE_INPUT, script))
    assert [(line, column, path) for line, column, path, _ in found] == [
        (9, 12, "job.script[0]"),
        (10, 16, "job.script[1][0][0]"),
    ]


def test_an_input_in_a_pre_get_sources_hook_is_reported_naming_the_hook() -> None:
    text = (
        "spec:\n  inputs:\n" + MESSAGE_INPUT + "---\n"
        "job:\n  hooks:\n    pre_get_sources_script: git config user.name $[[ inputs.message ]]\n  script: make\n"
    )
    assert [
        (line, column, path, message.split(", so")[0]) for line, column, path, message in findings(SHELL, text)
    ] == [
        (
            9,
            50,
            "job.hooks.pre_get_sources_script",
            "Input `message` is pasted unescaped into the `hooks:pre_get_sources_script` of job `job`",
        ),
    ]


def test_plain_pipeline_file_is_not_checked() -> None:
    assert findings(SHELL, "job:\n  script:\n    - echo $[[ inputs.message ]]\n") == []


@pytest.mark.shared_data
def test_real_component_with_regex_restricted_input_is_not_reported() -> None:
    assert real_findings(SHELL, "eiseron__ci", "templates", "coverage-gate.yml") == []


# ----------------------------------------------------------- literal-secret-variable

SECRET = "literal-secret-variable"
SECRET_VALUE = "glpat-0123456789abcdefghij"


def test_literal_token_in_job_variables_is_reported_without_its_value() -> None:
    text = f"publish:\n  variables:\n    NPM_TOKEN: {SECRET_VALUE}\n  script: npm publish\n"
    assert findings(SECRET, text) == [
        (
            3,
            5,
            "publish.variables.NPM_TOKEN",
            "Variable `NPM_TOKEN` of job `publish` has its secret value written in the file; remove it and use a "
            "masked CI/CD variable, or an input in a component",
        )
    ]


@pytest.mark.parametrize("name", ["db_password", "CLIENT_SECRET", "OPENAI_API_KEY", "SSH_PRIVATE_KEY", "AccessToken"])
def test_every_kind_of_secret_name_is_reported_in_any_case(name: str) -> None:
    assert len(findings(SECRET, f"variables:\n  {name}: {SECRET_VALUE}\n")) == 1


def test_secrets_in_rules_workflow_and_mapping_form_are_reported() -> None:
    text = (
        "workflow:\n  rules:\n    - variables:\n        API_TOKEN: abc123secret\n"
        "variables:\n  DB_PASSWORD:\n    value: hunter2secret\n    description: The password.\n"
        "deploy:\n  rules:\n    - if: $CI_COMMIT_TAG\n      variables:\n        DEPLOY_TOKEN: abc123secret\n"
        "  script: ./deploy\n"
    )
    assert [(line, message.split(" has")[0]) for line, _, _, message in findings(SECRET, text)] == [
        (4, "Variable `API_TOKEN` in the `rules` of `workflow`"),
        (6, "Global variable `DB_PASSWORD`"),
        (13, "Variable `DEPLOY_TOKEN` in the `rules` of job `deploy`"),
    ]


@pytest.mark.parametrize(
    "value",
    ['""', "$NPM_TOKEN", "${NPM_TOKEN}", "$[[ inputs.npm_token ]]", '"Bearer $NPM_TOKEN"', "'true'", "0", "null"],
)
def test_references_empty_values_and_flags_are_not_reported(value: str) -> None:
    assert findings(SECRET, f"publish:\n  variables:\n    NPM_TOKEN: {value}\n  script: npm publish\n") == []


@pytest.mark.parametrize(
    "name",
    ["DAST_PASSWORD_FIELD", "VAULT_SECRET_PATH", "SECRET_DETECTION_EXCLUDED_PATHS", "TOKEN_URL", "GIT_DEPTH"],
)
def test_names_that_describe_a_secret_are_not_reported(name: str) -> None:
    assert findings(SECRET, f"variables:\n  {name}: '#password'\n") == []


def test_secret_value_never_appears_in_any_message() -> None:
    text = f"variables:\n  API_KEY: {SECRET_VALUE}\njob:\n  variables:\n    PASSWORD: {SECRET_VALUE}\n  script: x\n"
    found = messages(SECRET, text)
    assert len(found) == 2
    assert all(SECRET_VALUE not in message for message in found)
