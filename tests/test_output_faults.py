"""Outputs that cannot be written: a closed or full standard output, and files on a read-only,
full or missing place. Every command ends with exit 2 and a message that names what could
not be written and why; never with a traceback (exit 3), and never with a file half-written.

The properties drive every subcommand (the list is checked against the parser, so a new
command must join it) with a standard output that takes a generated number of characters
and then fails as a closed pipe or a full disk does, and every command that writes files
with a place it cannot write, whatever its standard output does meanwhile. The real faults follow: `/dev/full`,
a pipe whose reader is gone, and small tmpfs mounts that are read-only or full (root only).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from faults import fill_up, make_read_only, small_filesystem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_browse import PLAIN

from ci_catalog.cli import build_parser, main
from gitcatalog import GitCatalog
from gitlab_standin import CatalogVersion, GitLabStandin, Project, RunningStandin

HOST = "gitlab.example.com"
TOKEN = "glpat-output-faults-0123456789"
PIPELINE = f"include:\n  - component: {HOST}/acme/ci/build@~latest\n"


@dataclass
class Workspace:
    root: Path
    pipeline: Path
    component: Path
    site: Path
    gitlab: str


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A catalog with two releases, a pipeline that includes it loosely, and a GitLab stand-in."""
    folder = tmp_path_factory.mktemp("faults")
    catalog = GitCatalog(folder / "catalog")
    catalog.release("1.0.0")
    catalog.release("1.1.0")
    pipeline = folder / ".gitlab-ci.yml"
    pipeline.write_text(PIPELINE, encoding="utf-8")
    component = folder / "plain.yml"
    component.write_text(PLAIN, encoding="utf-8")
    standin = GitLabStandin(
        token=TOKEN, projects=[Project(1, "acme/ci", "CI", versions=[CatalogVersion("1.1.0", "2025-01-01", [])])]
    )
    with pytest.MonkeyPatch.context() as patch, RunningStandin(standin) as gitlab:
        patch.setenv("GITLAB_TOKEN", TOKEN)
        yield Workspace(catalog.root, pipeline, component, folder / "public", gitlab.url)


def _context(ws: Workspace) -> list[str]:
    return [str(ws.pipeline), "--catalog", str(ws.root), "--server-fqdn", HOST]


# Every subcommand, each with arguments that make it print: (name, arguments of the workspace).
COMMANDS: list[tuple[str, Callable[[Workspace], list[str]]]] = [
    ("render", lambda ws: ["render", str(ws.component)]),
    ("validate", lambda ws: ["validate", str(ws.component)]),
    ("check", lambda ws: ["check", str(ws.root)]),
    ("lint", lambda ws: ["lint", "--format", "junit", str(ws.root)]),
    ("rules", lambda ws: ["rules"]),
    ("rules", lambda ws: ["rules", "shellcheck"]),
    ("resolve", lambda ws: ["resolve", *_context(ws)]),
    ("pin", lambda ws: ["pin", *_context(ws)]),
    ("expand", lambda ws: ["expand", *_context(ws)]),
    ("expand", lambda ws: ["expand", *_context(ws), "--format", "json"]),
    # Its report needs jobs run; here it stops at an input the pipeline does not have (exit 1, on stderr).
    ("run", lambda ws: ["run", *_context(ws), "--input", "nope=1", "--state-dir", str(ws.root.parent / "run-state")]),
    ("test", lambda ws: ["test", "--catalog", str(ws.root), "--state-dir", str(ws.root.parent / "test-state")]),
    ("diff", lambda ws: ["diff", "1.0.0", "1.1.0", "--catalog", str(ws.root)]),
    ("release", lambda ws: ["release", "check", "--tag", "1.1.0", "--catalog", str(ws.root)]),
    ("list", lambda ws: ["list", str(ws.root)]),
    ("show", lambda ws: ["show", "build", "--catalog", str(ws.root)]),
    ("docs", lambda ws: ["docs", str(ws.root), "--check"]),
    ("site", lambda ws: ["site", str(ws.site), "--catalog", str(ws.root)]),
    ("remote", lambda ws: ["remote", "list", "--gitlab", ws.gitlab]),
    ("remote", lambda ws: ["remote", "show", "acme/ci", "--gitlab", ws.gitlab]),
    ("remote", lambda ws: ["remote", "versions", "acme/ci", "--gitlab", ws.gitlab]),
    ("remote", lambda ws: ["remote", "lint", str(ws.pipeline), "--project", "1", "--gitlab", ws.gitlab]),
    ("--help", lambda ws: ["--help"]),
]


class FailingStdout(io.StringIO):
    """A standard output that takes `room` characters, then fails as a closed pipe or a full disk."""

    def __init__(self, room: int, error: int) -> None:
        super().__init__()
        self.room, self.error, self.failed = room, error, False

    def write(self, text: str) -> int:
        if len(text) > self.room:
            self.failed = True
            raise OSError(self.error, os.strerror(self.error))
        self.room -= len(text)
        return super().write(text)


def run_with_stdout(args: list[str], stdout: io.StringIO) -> tuple[int, str]:
    stderr = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(args)
    return code, stderr.getvalue()


def test_the_property_covers_every_subcommand() -> None:
    subcommands = next(action for action in build_parser()._actions if action.dest == "command").choices
    assert set(subcommands) <= {name for name, _ in COMMANDS}


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(COMMANDS),
    room=st.integers(0, 3000),
    error=st.sampled_from([errno.EPIPE, errno.ENOSPC]),
)
def test_a_failing_standard_output_is_exit_2_with_a_message_whenever_it_fails(
    workspace: Workspace, command: tuple[str, Callable[[Workspace], list[str]]], room: int, error: int
) -> None:
    stdout = FailingStdout(room, error)
    code, err = run_with_stdout(command[1](workspace), stdout)
    assert "Traceback" not in err and code != 3, err
    if stdout.failed:
        assert code == 2
        reason = "the reader closed it (broken pipe)" if error == errno.EPIPE else "no space left on the device"
        assert f"ci-catalog: error: cannot write to standard output: {reason}" in err
    else:
        assert code in (0, 1, 4), err


# Commands that write a file or folder, each with places it cannot write: /proc takes no new
# file (from root either), a file stands where a folder must go, a folder where a file must.
UNWRITABLE = {
    "lint --output /proc/…": lambda ws: ["lint", str(ws.root), "--output", "/proc/ci-catalog-report.xml"],
    "lint --output FOLDER": lambda ws: ["lint", str(ws.root), "--output", str(ws.root)],
    "site /proc/…": lambda ws: ["site", "/proc/ci-catalog-site", "--catalog", str(ws.root)],
    "site FILE/…": lambda ws: ["site", str(ws.component / "public"), "--catalog", str(ws.root)],
    "docs into a file": lambda ws: ["docs", str(ws.component.parent / "catalog-docs-blocked")],
}


@settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    command=st.sampled_from(sorted(UNWRITABLE)),
    room=st.integers(0, 200),
    error=st.sampled_from([errno.EPIPE, errno.ENOSPC]),
)
def test_an_unwritable_output_is_exit_2_with_a_message_whatever_stdout_does(
    workspace: Workspace, blocked_docs: Path, command: str, room: int, error: int
) -> None:
    stdout = FailingStdout(room, error)
    code, err = run_with_stdout(UNWRITABLE[command](workspace), stdout)
    assert code == 2, err
    assert err.startswith("ci-catalog: error: cannot "), err
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def blocked_docs(workspace: Workspace) -> Path:
    """A copy of the catalog whose `docs/components` is a file, so `docs` cannot write its pages."""
    root = workspace.component.parent / "catalog-docs-blocked"
    shutil.copytree(workspace.root / "templates", root / "templates")
    shutil.copy(workspace.root / "catalog.yml", root / "catalog.yml")
    (root / "docs").mkdir()
    (root / "docs" / "components").write_text("not a folder\n", encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "args",
    [["rules"], ["list", "ROOT"], ["check", "ROOT"], ["render", "COMPONENT"], ["--help"]],
    ids=["rules", "list", "check", "render", "help"],
)
@pytest.mark.parametrize("device", ["/dev/full", "closed pipe"])
def test_a_real_full_device_or_closed_pipe_ends_with_a_message_not_a_traceback(
    workspace: Workspace, args: list[str], device: str
) -> None:
    args = [str(workspace.root) if a == "ROOT" else str(workspace.component) if a == "COMPONENT" else a for a in args]
    if device == "/dev/full":
        with open("/dev/full", "w") as full:
            done = subprocess.run([sys.executable, "-m", "ci_catalog", *args], stdout=full, stderr=subprocess.PIPE)
    else:
        read, write = os.pipe()
        os.close(read)
        try:
            done = subprocess.run([sys.executable, "-m", "ci_catalog", *args], stdout=write, stderr=subprocess.PIPE)
        finally:
            os.close(write)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err.startswith("ci-catalog: error: cannot write to standard output:")
    assert "Traceback" not in err and "Exception ignored" not in err


# ----- files that cannot be written -----


@dataclass
class Writer:
    """A command that writes a file or folder: how to set up its target in a folder, and run it."""

    setup: Callable[[Workspace, Path], Path]
    """Puts the target (with its old content) in the folder; returns the path the message names."""
    args: Callable[[Workspace, Path], list[str]]


def _pipeline_in(ws: Workspace, folder: Path) -> Path:
    (folder / ".gitlab-ci.yml").write_text(PIPELINE, encoding="utf-8")
    return folder / ".gitlab-ci.yml"


def _report_in(ws: Workspace, folder: Path) -> Path:
    (folder / "report.xml").write_text("old report\n", encoding="utf-8")
    return folder / "report.xml"


def _catalog_in(ws: Workspace, folder: Path) -> Path:
    shutil.copytree(ws.root / "templates", folder / "catalog" / "templates")
    shutil.copy(ws.root / "catalog.yml", folder / "catalog" / "catalog.yml")
    (folder / "catalog" / "docs" / "components").mkdir(parents=True)
    (folder / "catalog" / "docs" / "components" / "build.md").write_text("old page\n", encoding="utf-8")
    return folder / "catalog" / "docs" / "components" / "build.md"


def _site_in(ws: Workspace, folder: Path) -> Path:
    assert main(["site", str(folder / "public"), "--catalog", str(ws.root)]) == 0
    return folder / "public"


WRITERS = {
    "lint --output": Writer(
        _report_in,
        lambda ws, folder: ["lint", str(ws.root), "--format", "junit", "--output", str(folder / "report.xml")],
    ),
    "pin --write": Writer(
        _pipeline_in, lambda ws, folder: ["pin", "--write", *_context(ws)[1:], str(folder / ".gitlab-ci.yml")]
    ),
    "docs": Writer(_catalog_in, lambda ws, folder: ["docs", str(folder / "catalog")]),
    "site": Writer(_site_in, lambda ws, folder: ["site", str(folder / "public"), "--catalog", str(ws.root)]),
}


def staging_left(folder: Path) -> list[Path]:
    """What a write staged beside its target (`.<name>.ci-catalog-<pid>-<random>.<kind>`) and left."""
    return [path for path in folder.rglob("*") if re.search(r"\.ci-catalog-\d+-", path.name)]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "filler"
    }


@pytest.mark.parametrize("fault", ["read-only", "full"])
@pytest.mark.parametrize("command", list(WRITERS))
def test_a_read_only_or_full_file_system_is_exit_2_naming_the_file_and_leaves_it_intact(
    cli, workspace: Workspace, tmp_path: Path, command: str, fault: str
) -> None:
    writer = WRITERS[command]
    with small_filesystem(tmp_path / "mount", "256k") as mount:
        named = writer.setup(workspace, mount)
        before = _snapshot(mount)
        fill_up(mount) if fault == "full" else make_read_only(mount)
        result = cli(*writer.args(workspace, mount))
        reason = "the file system is read-only" if fault == "read-only" else "no space left on the device"
        assert result.code == 2, result.err
        assert f"cannot write {named}" in result.err or f"cannot create {named}" in result.err
        assert reason in result.err and "Traceback" not in result.err
        assert _snapshot(mount) == before
        assert not staging_left(mount)


def test_lint_output_to_a_folder_is_exit_2_saying_to_name_a_file(cli, workspace: Workspace, tmp_path: Path) -> None:
    result = cli("lint", workspace.root, "--output", tmp_path)
    assert result.code == 2
    assert result.err.strip() == f"ci-catalog: error: cannot write {tmp_path}: it is a folder; name a file"


def test_lint_output_into_a_missing_folder_is_exit_2_saying_to_create_it(
    cli, workspace: Workspace, tmp_path: Path
) -> None:
    result = cli("lint", workspace.root, "--output", tmp_path / "reports" / "lint.xml")
    assert result.code == 2
    assert f"the folder {tmp_path / 'reports'} does not exist; create the folder first" in result.err
    assert not (tmp_path / "reports").exists()


def test_docs_where_docs_components_is_a_file_is_exit_2_naming_it(cli, workspace: Workspace, tmp_path: Path) -> None:
    _catalog_in(workspace, tmp_path)
    shutil.rmtree(tmp_path / "catalog" / "docs" / "components")
    (tmp_path / "catalog" / "docs" / "components").write_text("not a folder\n", encoding="utf-8")
    result = cli("docs", tmp_path / "catalog")
    assert result.code == 2, result.err
    assert f"cannot create {tmp_path / 'catalog' / 'docs' / 'components'}" in result.err
