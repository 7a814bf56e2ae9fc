"""The `command-not-in-image` rule: a script calls a command its job's image does not provide."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_catalog.lint import lint_file, lint_text
from ci_catalog.lint.config import LintConfig
from conftest import ROOT

RULE = "command-not-in-image"
UV_SLIM = "ghcr.io/astral-sh/uv:0.13.8-python3.13-trixie-slim"
UV_ALPINE = "ghcr.io/astral-sh/uv:0.13.8-python3.13-alpine"
HEADER = """\
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: app
---
"""


def findings(text: str) -> list[tuple[int, int, str, str]]:
    """(line, column, JSON path, message) of each finding of the rule in a component."""
    problems = lint_text(text, "templates/example.yml", LintConfig(select={RULE}))
    return [(p.line, p.column, p.json_path, p.message) for p in problems if p.code == RULE]


def places(text: str) -> list[tuple[int, int]]:
    return [(line, column) for line, column, _, _ in findings(text)]


def job(image: str, *script: str, key: str = "script") -> str:
    lines = "".join(f"    - {line}\n" for line in script)
    return HEADER + f'"$[[ inputs.job_prefix ]]-job":\n  image: {image}\n  {key}:\n{lines}'


def block(image: str, script: str) -> str:
    """A job whose script is one `|` block, its lines at column 7."""
    body = "".join(f"      {line}\n" for line in script.splitlines())
    return HEADER + f'"$[[ inputs.job_prefix ]]-job":\n  image: {image}\n  script:\n    - |\n{body}'


def test_git_in_uvs_trixie_slim_image_is_reported_at_the_command() -> None:
    assert findings(job(UV_SLIM, "git describe --tags")) == [
        (
            10,
            7,
            "app-job.script[0]",
            f"Job `app-job` runs `git`, which its image `{UV_SLIM}` does not provide: "
            "install it in the script before using it, or run the job in an image that has it",
        )
    ]


def test_the_place_is_exact_inside_a_block_after_an_input_and_a_pipe() -> None:
    text = block(UV_SLIM, "set -eu\necho $[[ inputs.job_prefix ]] | tee name.txt && curl -fsS x")
    # `$[[ inputs.job_prefix ]]` renders as `app`: the column is the one in the file.
    assert places(text) == [(12, 55)]
    assert text.splitlines()[11][54:58] == "curl"


def test_git_after_apt_get_install_is_not_reported() -> None:
    script = (
        "apt-get update -qq\nDEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git\ngit status"
    )
    assert findings(block(UV_SLIM, script)) == []


def test_git_before_its_install_is_reported() -> None:
    assert places(job(UV_SLIM, "git status", "apt-get install -y git", "git status")) == [(10, 7)]


@pytest.mark.parametrize(
    ("image", "install", "command"),
    [
        (UV_ALPINE, "apk add --no-cache git", "git"),
        (UV_SLIM, "apt-get -o Dpkg::Use-Pty=0 install -y -qq xz-utils", "xz"),
        (UV_SLIM, "pip install --quiet 'twine==6.1.0'", "twine"),
        (UV_SLIM, 'python3 -m pip install "poetry==$POETRY_VERSION"', "poetry"),
        (UV_SLIM, "uv tool install pre-commit", "pre-commit"),
    ],
)
def test_a_command_installed_earlier_in_the_shell_is_not_reported(image: str, install: str, command: str) -> None:
    text = HEADER + (
        '"$[[ inputs.job_prefix ]]-job":\n'
        f"  image: {image}\n"
        "  before_script:\n"
        f"    - {install}\n"
        "  script:\n"
        f"    - {command} --version\n"
    )
    assert findings(text) == []


def test_an_install_with_sudo_installs_but_sudo_itself_is_not_in_the_image() -> None:
    found = findings(job(UV_SLIM, "sudo apt-get install -y zstd", "zstd --version"))
    assert [message.split(",")[0] for *_, message in found] == ["Job `app-job` runs `sudo`"]


def test_after_an_install_of_packages_from_a_variable_nothing_is_reported() -> None:
    assert findings(job(UV_SLIM, "apt-get install -y $PACKAGES", "psql --version")) == []


def test_a_command_in_an_image_without_a_list_is_not_reported() -> None:
    for image in ("debian:trixie", "registry.example.com/mirror/uv:0.13.8-python3.13-trixie-slim", "$BUILD_IMAGE"):
        assert findings(job(image, "git status")) == [], image


def test_busybox_applets_in_the_alpine_image_are_provided() -> None:
    script = (
        "find . -newer mark -exec touch -h -d '2000-01-01 00:00:00' {} +\n"
        "sort a | comm -13 b - | wc -l\n"
        "mktemp -d && date +%s && sha256sum x | cut -d ' ' -f 1\n"
        "pgrep uv || true"
    )
    assert findings(block(UV_ALPINE, script)) == []


def test_gnu_and_debian_commands_missing_from_alpine_are_reported() -> None:
    found = findings(block(UV_ALPINE, "bash -c 'echo'\napt-get install -y git\ncurl -O x"))
    assert [(line, column, message.split(",")[0]) for line, column, _, message in found] == [
        (11, 7, "Job `app-job` runs `bash`"),
        (12, 7, "Job `app-job` runs `apt-get`"),
        (13, 7, "Job `app-job` runs `curl`"),
    ]


def test_functions_the_script_defines_are_not_reported() -> None:
    text = HEADER + (
        '"$[[ inputs.job_prefix ]]-job":\n'
        f"  image: {UV_SLIM}\n"
        "  before_script:\n"
        "    - |\n"
        '      say() { echo "app: $*"; }\n'
        '      fail() { say "$*" >&2; exit 1; }\n'
        "      list_items() { printf '%s\\n' \"$@\"; }\n"
        "  script:\n"
        '    - list_items a b | while read -r item; do say "$item"; done || fail oops\n'
    )
    assert findings(text) == []


def test_a_function_of_before_script_is_not_there_in_after_script() -> None:
    text = HEADER + (
        '"$[[ inputs.job_prefix ]]-job":\n'
        f"  image: {UV_SLIM}\n"
        "  before_script:\n"
        "    - 'fail() { exit 1; }'\n"
        "  script:\n"
        "    - fail\n"
        "  after_script:\n"
        "    - fail\n"
    )
    assert [(line, column, path) for line, column, path, _ in findings(text)] == [(14, 7, "app-job.after_script[0]")]


@pytest.mark.parametrize(
    "line",
    [
        "command -v git >/dev/null || echo 'no git'",
        "type git || which git || hash git || true",
        "uv run --no-sync git status",
        ".venv/bin/git status",
        '"$TOOLS/bin/git" status',
        "$CMD status",
        "echo git curl zstd",
    ],
)
def test_what_only_looks_a_command_up_or_runs_it_elsewhere_is_not_reported(line: str) -> None:
    assert findings(job(UV_SLIM, f"'{line}'")) == []


@pytest.mark.parametrize(
    ("line", "command", "column"),
    [
        ("env LC_ALL=C git log", "git", 20),
        ("sudo -u app git log", "sudo", 7),
        ("timeout 10 wget x", "wget", 18),
        ("xargs -n 1 zstd < list", "zstd", 18),
        ("find . -name '*.zst' -exec zstd -d {} +", "zstd", 34),
        ('echo "$(git rev-parse HEAD)"', "git", 15),
    ],
)
def test_a_command_run_by_another_is_reported_where_it_is_named(line: str, command: str, column: int) -> None:
    found = findings(job(UV_SLIM, line))
    assert (found[0][0], found[0][1], found[0][3].split("`")[3]) == (10, column, command)


def test_a_quoted_here_document_is_data_not_commands() -> None:
    script = "python3 - <<'PY'\nimport os\ndef fail(message):\n    git = os.environ\nPY"
    assert findings(block(UV_SLIM, script)) == []


def test_a_script_is_read_up_to_where_the_grammar_loses_its_way() -> None:
    # tree-sitter's bash grammar cannot read `${TAGS%]}`; after it, it took `done` for a command.
    script = 'git fetch\nTAGS="${TAGS%]}"\nfor tag in $TAGS; do\n  echo "$tag" | xargs\ndone\ncurl x'
    assert places(block(UV_SLIM, script)) == [(11, 7)]


def test_the_image_of_default_and_of_an_extended_job_count() -> None:
    text = HEADER + (
        f"default:\n  image: {UV_SLIM}\n"
        '".$[[ inputs.job_prefix ]]-base":\n'
        f"  image: {UV_ALPINE}\n"
        '"$[[ inputs.job_prefix ]]-a":\n  script:\n    - git status\n'
        '"$[[ inputs.job_prefix ]]-b":\n  extends: .$[[ inputs.job_prefix ]]-base\n  script:\n    - bash x.sh\n'
        '"$[[ inputs.job_prefix ]]-c":\n  inherit:\n    default: false\n  script:\n    - git status\n'
    )
    assert [message.split(" does")[0] for *_, message in findings(text)] == [
        f"Job `app-a` runs `git`, which its image `{UV_SLIM}`",
        f"Job `app-b` runs `bash`, which its image `{UV_ALPINE}`",
    ]


def test_the_image_of_an_input_default_and_a_matrix_variable() -> None:
    text = (
        "spec:\n  inputs:\n    image:\n      description: Image.\n      default: python:${PYTHON_VERSION}-slim\n"
        "---\n"
        "test:\n  image: $[[ inputs.image ]]\n  parallel:\n    matrix:\n"
        '      - PYTHON_VERSION: ["3.12", "3.13"]\n'
        "  script:\n    - curl -fsS https://example.com\n"
    )
    assert [message.split(" does")[0] for *_, message in findings(text)] == [
        "Job `test` runs `curl`, which its image `python:3.12-slim` (and 1 more)"
    ]


def test_a_line_can_be_silenced() -> None:
    assert findings(job(UV_SLIM, "git status  # ci-catalog: ignore[command-not-in-image]")) == []


def test_a_script_shared_by_jobs_is_reported_once() -> None:
    text = HEADER + (
        '".$[[ inputs.job_prefix ]]-base":\n'
        f"  image: {UV_SLIM}\n  before_script:\n    - git fetch\n"
        '"$[[ inputs.job_prefix ]]-a":\n  extends: .$[[ inputs.job_prefix ]]-base\n  script:\n    - "true"\n'
        '"$[[ inputs.job_prefix ]]-b":\n  extends: .$[[ inputs.job_prefix ]]-base\n  script:\n    - "true"\n'
    )
    assert places(text) == [(10, 7)]


# --- this catalog's components ----------------------------------------------------------


def component_findings(tmp_path: Path, name: str, old: str, new: str) -> list[tuple[int, str]]:
    """The rule's findings on a component of this catalog with `old` replaced by `new`."""
    text = (ROOT / "templates" / name / "template.yml").read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "templates" / name / "template.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text.replace(old, new), encoding="utf-8")
    problems = lint_file(path, LintConfig(select={RULE}))
    return [(p.line, p.message.split(",")[0]) for p in problems if p.code == RULE]


def test_the_catalogs_components_call_only_commands_their_images_provide() -> None:
    for template in sorted((ROOT / "templates").glob("*/template.yml")):
        problems = lint_file(template, LintConfig(select={RULE}))
        assert [p for p in problems if p.code == RULE] == [], template


def test_pypi_publish_may_run_git_after_installing_it_for_dynamic_version(tmp_path: Path) -> None:
    # The build job installs git with apt-get when dynamic_version needs it.
    install = '"apt-get could not install git for dynamic_version (is a Debian package mirror reachable?)"\n'
    check = "      # The build backend reads a version from git with git"
    after = component_findings(tmp_path / "after", "pypi-publish", install, install + "      git describe --tags\n")
    before = component_findings(tmp_path / "before", "pypi-publish", check, "      git describe --tags\n" + check)
    assert after == []
    assert [message for _, message in before] == ["Job `pypi-build` runs `git`"]
