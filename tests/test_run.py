"""`ci-catalog run PIPELINE [JOB...]`: the merged pipeline run by gitlab-ci-local on a fresh checkout.

The fast tests need git only: the fresh checkout, and what `run` refuses before any job runs.
The e2e ones run a small pipeline's jobs (in containers of the look-alike images, or with
CI_CATALOG_EXECUTOR=shell on this machine), and "Try your pipeline locally": a fresh
project that includes uv-cache and poetry-test from a clone of this catalog, run with the
README's commands, cold then warm.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_component_uv_cache import packages_fetched

from ci_catalog.local.checkout import fresh_checkout
from pipelines import EXECUTOR, JOB_PODMAN, PYTHON_VERSION, ROOT, job_tools, require_job_images

GIT_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.invalid"]


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *GIT_IDENTITY, *args], cwd=folder, check=True, capture_output=True, text=True).stdout


def repository(folder: Path, files: dict[str, str]) -> Path:
    """A git repository holding `files`, committed, on branch main."""
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "first")
    return folder


def everything(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (its .git too) with its content: to tell that nothing changed."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


# --- the fresh checkout ------------------------------------------------------------------


def test_checkout_holds_the_next_commit_of_the_work_tree_and_leaves_the_repository_alone(tmp_path: Path) -> None:
    project = repository(
        tmp_path / "project",
        {".gitignore": "*.log\n.venv/\n", "kept.txt": "old\n", "gone.txt": "x\n", "src/app.py": "print(1)\n"},
    )
    (project / "kept.txt").write_text("changed, not committed\n")
    (project / "gone.txt").unlink()
    (project / "new.txt").write_text("new, not added\n")
    (project / "debug.log").write_text("ignored\n")
    (project / ".venv").mkdir()
    (project / ".venv" / "python").write_text("ignored\n")
    before = everything(project)

    checkout = fresh_checkout(project, tmp_path / "checkout")

    files = sorted(git(checkout.path, "ls-files").split())
    assert files == [".gitignore", "kept.txt", "new.txt", "src/app.py"]
    assert (checkout.path / "kept.txt").read_text() == "changed, not committed\n"
    assert not (checkout.path / "debug.log").exists() and not (checkout.path / ".venv").exists()
    assert git(checkout.path, "status", "--porcelain") == ""
    assert checkout.work_tree_changes
    assert git(checkout.path, "rev-parse", "HEAD^").strip() == git(project, "rev-parse", "HEAD").strip()
    assert git(checkout.path, "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert everything(project) == before


def test_checkout_of_a_clean_work_tree_is_the_commit_itself_with_its_branch_tags_and_origin(tmp_path: Path) -> None:
    project = repository(tmp_path / "project", {"a.txt": "a\n"})
    git(project, "switch", "-q", "-c", "feature")
    git(project, "tag", "v1.0.0")
    git(project, "remote", "add", "origin", "https://gitlab.example.com/acme/app.git")

    checkout = fresh_checkout(project, tmp_path / "checkout")

    assert not checkout.work_tree_changes
    assert checkout.commit == git(project, "rev-parse", "HEAD").strip()
    assert git(checkout.path, "symbolic-ref", "--short", "HEAD").strip() == "feature"
    assert git(checkout.path, "tag").split() == ["v1.0.0"]
    assert git(checkout.path, "remote", "get-url", "origin").strip() == "https://gitlab.example.com/acme/app.git"


def test_checkout_replaces_the_previous_one_whole(tmp_path: Path) -> None:
    project = repository(tmp_path / "project", {"a.txt": "a\n"})
    fresh_checkout(project, tmp_path / "checkout")
    (tmp_path / "checkout" / "left-by-a-job.txt").write_text("x\n")
    fresh_checkout(project, tmp_path / "checkout")
    assert not (tmp_path / "checkout" / "left-by-a-job.txt").exists()


def test_checkout_of_a_folder_that_is_no_repository_is_a_new_repository_of_its_files(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text("a\n")
    checkout = fresh_checkout(folder, tmp_path / "checkout")
    assert git(checkout.path, "ls-files").split() == ["sub/a.txt"]
    assert not (folder / ".git").exists()


def test_checkout_ignores_git_variables_that_point_at_the_users_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set while a git hook runs, GIT_DIR and GIT_INDEX_FILE would make the copy's commands write to the user's repository."""
    project = repository(tmp_path / "project", {"a.txt": "a\n"})
    (project / "b.txt").write_text("b\n")
    before = everything(project)
    monkeypatch.setenv("GIT_DIR", str(project / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(project / ".git" / "index"))
    fresh_checkout(project, tmp_path / "checkout")
    assert everything(project) == before


# --- what `run` refuses before any job runs --------------------------------------------

BROKEN_PIPELINE = "build:\n  stage: nowhere\n  script: [make]\n"


def test_a_pipeline_with_errors_is_exit_1_and_runs_nothing(cli, tmp_path: Path) -> None:
    project = repository(tmp_path / "project", {".gitlab-ci.yml": BROKEN_PIPELINE})
    result = cli("run", project / ".gitlab-ci.yml", "--state-dir", tmp_path / "state")
    assert result.code == 1
    assert "chosen stage nowhere does not exist" in result.err
    assert "not run: 1 error(s) in the merged pipeline" in result.err
    assert result.out == "" and not (tmp_path / "state").exists()


def test_job_names_after_the_options_are_job_names_and_an_unknown_option_is_a_usage_error(cli, tmp_path: Path) -> None:
    project = repository(tmp_path / "project", {".gitlab-ci.yml": BROKEN_PIPELINE})
    named = cli("run", project / ".gitlab-ci.yml", "--state-dir", tmp_path / "state", "build", "--cold", "test")
    assert named.code == 1 and "chosen stage nowhere does not exist" in named.err
    unknown = cli("run", project / ".gitlab-ci.yml", "--state-dir", tmp_path / "state", "build", "--colder")
    assert unknown.code == 2 and "unrecognized arguments: --colder" in unknown.err


def test_a_state_folder_inside_the_project_is_refused(cli, tmp_path: Path) -> None:
    project = repository(tmp_path / "project", {".gitlab-ci.yml": "build:\n  script: [make]\n"})
    result = cli("run", project / ".gitlab-ci.yml", "--state-dir", project / ".state", "--executor", "shell")
    assert result.code == 2
    assert "is inside the project" in result.err and "give a --state-dir outside it" in result.err
    assert not (project / ".state").exists()


def test_a_logs_folder_that_holds_other_files_is_refused_before_anything_runs(cli, tmp_path: Path) -> None:
    project = repository(tmp_path / "project", {".gitlab-ci.yml": "build:\n  script: [make]\n"})
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious\n")
    result = cli("run", project / ".gitlab-ci.yml", "--state-dir", tmp_path / "state", "--logs", tmp_path / "mine")
    assert result.code == 2
    assert "holds other things than job logs (thesis.tex)" in result.err
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious\n"
    assert not (tmp_path / "state").exists()


def test_a_second_run_on_a_state_folder_in_use_is_refused(cli, tmp_path: Path) -> None:
    project = repository(tmp_path / "project", {".gitlab-ci.yml": "build:\n  script: [make]\n"})
    state = tmp_path / "state"
    state.mkdir()
    with open(state / "lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = cli("run", project / ".gitlab-ci.yml", "--state-dir", state, "--executor", "shell")
    assert result.code == 2
    assert f"another run is using the state folder {state}" in result.err


def test_the_shell_executor_without_rsync_is_refused_before_anything_runs(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # gitlab-ci-local would run every job green and cache nothing: it ignores rsync's absence.
    project = repository(tmp_path / "project", {".gitlab-ci.yml": "build:\n  script: [make]\n"})
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("git", "node", "npm"):
        found = shutil.which(tool)
        if found:
            (tools / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(tools))
    result = cli("run", project / ".gitlab-ci.yml", "--state-dir", tmp_path / "state", "--executor", "shell")
    assert result.code == 2
    assert "the shell executor needs rsync" in result.err and "apt-get install rsync" in result.err
    assert not (tmp_path / "state").exists()


def test_an_unknown_executor_in_the_environment_is_a_usage_error(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = repository(tmp_path / "project", {".gitlab-ci.yml": "build:\n  script: [make]\n"})
    monkeypatch.setenv("CI_CATALOG_EXECUTOR", "kubernetes")
    result = cli("run", project / ".gitlab-ci.yml", "--state-dir", tmp_path / "state")
    assert result.code == 2
    assert "CI_CATALOG_EXECUTOR='kubernetes': use one of auto, container, shell" in result.err


# --- running jobs ----------------------------------------------------------------------

PIPELINE = """\
spec:
  inputs:
    greeting:
      default: hello
---
stages: [build, test]

build:
  stage: build
  image: docker.io/library/python:3.13-slim
  script:
    - cat README.md
    - echo "$[[ inputs.greeting ]] $AUDIENCE" > greeting.txt
    - mkdir -p .stash && date +%s%N >> .stash/runs && wc -l < .stash/runs
    - echo "IMAGE_TAG=built-$CI_COMMIT_SHORT_SHA" > build.env
  cache:
    key: stash
    paths: [.stash]
  artifacts:
    paths: [greeting.txt]
    reports:
      dotenv: build.env

test:
  stage: test
  image: docker.io/library/python:3.13-slim
  needs: [build]
  script:
    - cat greeting.txt
    - echo "tag $IMAGE_TAG"

broken:
  stage: test
  image: docker.io/library/python:3.13-slim
  needs: []
  script:
    - echo "the build is broken"
    - exit 3
"""


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """How this machine runs jobs, as its user would configure it once: in containers, podman on the
    look-alike images' store; in shell mode, the jobs' tools on PATH."""
    if EXECUTOR == "container":
        require_job_images()
        monkeypatch.setenv("CI_CATALOG_CONTAINER_EXECUTABLE", str(JOB_PODMAN))
    else:
        tools = job_tools(tmp_path / "bin")
        monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("CI_CATALOG_EXECUTOR", EXECUTOR)


@pytest.fixture
def small_project(tmp_path: Path, machine: None) -> Path:
    return repository(tmp_path / "project", {".gitlab-ci.yml": PIPELINE, "README.md": "a project\n"})


def run(cli, project: Path, *args: object) -> object:
    return cli("run", project / ".gitlab-ci.yml", "--state-dir", project.parent / "state", "--quiet", *args)


def job_line(out: str, job: str) -> re.Match[str] | None:
    return re.search(rf"^(?P<status>PASS|FAIL|WARN)  {re.escape(job)} +(?P<seconds>[\d.]+) s", out, re.M)


@pytest.mark.e2e
def test_a_failed_job_is_exit_1_naming_it_and_its_log_with_each_jobs_result_and_time(cli, small_project: Path) -> None:
    result = run(cli, small_project)
    assert result.code == 1, result.err
    for job, status in (("build", "PASS"), ("test", "PASS"), ("broken", "FAIL")):
        found = job_line(result.out, job)
        assert found and found["status"] == status, result.out
        assert float(found["seconds"]) > 0
    logs = small_project.parent / "state" / "logs"
    assert f"ci-catalog: broken failed; its log: {logs / 'broken.log'}" in result.err
    assert "the build is broken" in (logs / "broken.log").read_text()
    assert "hello" in (logs / "test.log").read_text()
    assert "3 job(s) in " in result.out and f"logs in {logs}" in result.out


@pytest.mark.e2e
def test_jobs_named_run_with_the_jobs_they_need_and_variables_and_inputs_reach_them(cli, small_project: Path) -> None:
    result = run(cli, small_project, "test", "--variable", "AUDIENCE=world", "--input", "greeting=bonjour")
    assert result.code == 0, result.err + result.out
    assert job_line(result.out, "build") and job_line(result.out, "test") and not job_line(result.out, "broken")
    log = (small_project.parent / "state" / "logs" / "test.log").read_text()
    assert "bonjour world" in log
    assert re.search(r"tag built-[0-9a-f]{8}", log), log


@pytest.mark.e2e
def test_caches_are_kept_between_runs_unless_cold(cli, small_project: Path) -> None:
    logs = small_project.parent / "state" / "logs"

    def runs_counted(*args: str) -> str:
        result = run(cli, small_project, "build", *args)
        assert result.code == 0, result.err
        return (logs / "build.log").read_text()

    assert re.search(r"^1$", runs_counted(), re.M)
    assert re.search(r"^2$", runs_counted(), re.M)
    assert re.search(r"^1$", runs_counted("--cold"), re.M)


@pytest.mark.e2e
def test_a_run_leaves_nothing_in_the_work_tree_and_runs_its_uncommitted_changes(cli, small_project: Path) -> None:
    (small_project / "README.md").write_text("changed, not committed\n")
    (small_project / "notes.txt").write_text("new, not added\n")  # not run: nothing for it to do here
    status = git(small_project, "status", "--porcelain", "--ignored")
    before = everything(small_project)
    result = run(cli, small_project, "build")
    assert result.code == 0, result.err
    assert "changed, not committed" in (small_project.parent / "state" / "logs" / "build.log").read_text()
    assert git(small_project, "status", "--porcelain", "--ignored") == status
    assert everything(small_project) == before
    assert not (small_project / ".gitlab-ci-local").exists() and not (small_project / "greeting.txt").exists()


@pytest.mark.e2e
def test_the_shell_executor_runs_jobs_whatever_their_image_and_the_container_executor_in_it(
    cli, small_project: Path
) -> None:
    """An image that no engine has: the shell executor drops `image:`, the container executor tries to pull it."""
    pipeline = (small_project / ".gitlab-ci.yml").read_text()
    (small_project / ".gitlab-ci.yml").write_text(
        pipeline.replace("docker.io/library/python:3.13-slim", "registry.example.invalid/no/such:image")
    )
    shell = run(cli, small_project, "build", "--executor", "shell")
    assert shell.code == 0, shell.err
    if EXECUTOR == "container":
        container = run(cli, small_project, "build", "--executor", "container")
        assert container.code == 1
        assert "registry.example.invalid/no/such:image" in container.err
        assert "the pipeline did not run as a whole" in container.err


# --- Try your pipeline locally (README) -------------------------------------------------


def readme_commands() -> list[str]:
    """The commands of the README's "Try your pipeline locally" section, in order."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Try your pipeline locally", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "no ```sh block in the README's Try your pipeline locally section"
    return [line.split("  #", 1)[0].strip() for line in block[1].splitlines() if line.strip()]


USERS_PIPELINE = """\
include:
  - component: $CI_SERVER_FQDN/acme/python-ci/uv-cache@0.1.0
    inputs:
      project_dir: api
      python_version: "{python}"
  - component: $CI_SERVER_FQDN/acme/python-ci/poetry-test@0.1.0
    inputs:
      project_dir: worker
      python_versions: ["{python}"]
"""


@pytest.fixture
def users_project(tmp_path: Path, machine: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """A fresh project (a uv service in api/, a Poetry one in worker/) and a clone of this catalog, as
    the work tree holds it now, released as 0.1.0. ci-catalog's cache is the test's own: gitlab-ci-local
    is installed into it on first use."""
    catalog = fresh_checkout(ROOT, tmp_path / "src" / "python-ci").path
    git(catalog, "tag", "0.1.0")
    project = tmp_path / "app"
    project.mkdir()
    subprocess.run(["cp", "-r", str(ROOT / "tests/fixtures/uv-project"), str(project / "api")], check=True)
    subprocess.run(["cp", "-r", str(ROOT / "tests/fixtures/poetry-project"), str(project / "worker")], check=True)
    (project / ".gitlab-ci.yml").write_text(USERS_PIPELINE.format(python=PYTHON_VERSION))
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "a new project")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield project, catalog


@pytest.mark.e2e
@pytest.mark.slow
def test_a_fresh_project_goes_green_cold_then_warm_with_the_readmes_commands(users_project, tmp_path: Path) -> None:
    project, catalog = users_project
    commands = readme_commands()
    assert [command.split()[:2] for command in commands] == [
        ["pip", "install"],
        ["ci-catalog", "expand"],
        ["ci-catalog", "run"],
    ]
    # The user's environment: a virtual environment of their own, first on PATH.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    environment = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}
    status = git(project, "status", "--porcelain", "--ignored")
    files = everything(project)

    def shell(command: str) -> subprocess.CompletedProcess[str]:
        command = command.replace("~/src/python-ci", str(catalog))
        return subprocess.run(["bash", "-c", command], cwd=project, env=environment, capture_output=True, text=True)

    installed = shell(commands[0])
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert Path(shell("command -v ci-catalog").stdout.strip()) == venv / "bin" / "ci-catalog"
    expanded = shell(commands[1])
    assert expanded.returncode == 0, expanded.stderr
    assert "uv-test:" in expanded.stdout and "poetry-test:" in expanded.stdout

    cold = shell(commands[2])
    assert cold.returncode == 0, cold.stderr[-4000:] + cold.stdout
    assert "installing gitlab-ci-local 4.72.0" in cold.stderr
    logs = Path(re.search(r"logs in (\S+)", cold.stdout)[1])
    poetry_job = f"poetry-test: [{PYTHON_VERSION}]"
    for job in ("uv-lint", "uv-test", poetry_job):
        assert job_line(cold.stdout, job)["status"] == "PASS", cold.stdout
    assert packages_fetched((logs / "uv-test.log").read_text()) > 0
    poetry_log = logs / f"poetry-test-{PYTHON_VERSION}.log"
    assert "poetry-test: installing Poetry" in poetry_log.read_text()

    warm = shell(commands[2])
    assert warm.returncode == 0, warm.stderr[-4000:] + warm.stdout
    for job in ("uv-lint", "uv-test", poetry_job):
        assert job_line(warm.stdout, job)["status"] == "PASS", warm.stdout
    for job in ("uv-lint", "uv-test"):
        assert packages_fetched((logs / f"{job}.log").read_text()) == 0, job
    warm_poetry = poetry_log.read_text()
    assert "installing Poetry" not in warm_poetry and "poetry-test: using the cached .venv" in warm_poetry
    assert "installing gitlab-ci-local" not in warm.stderr

    assert git(project, "status", "--porcelain", "--ignored") == status
    assert everything(project) == files
