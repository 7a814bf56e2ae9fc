"""Shared test helpers: where the shared reference data lives, running the CLI, and
running a module's tests with each YAML parser."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ci_catalog import yamlevents
from ci_catalog.cli import main

ROOT = Path(__file__).resolve().parent.parent
# This project's own test data (GitLab's behaviours as data, fixtures' expectations).
DATA = Path(__file__).resolve().parent / "data"
# Other people's files (GitLab's schema tests, third-party components), beside the clone.
SHARED = Path(os.environ.get("CI_CATALOG_SHARED", ROOT.parent / "shared"))


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run `ci-catalog ARGS...` in-process; returns exit code, stdout and stderr."""

    def run(*args: str) -> Run:
        code = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def _cache_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("ci-catalog-cache")
    return (root / str(number) for number in itertools.count())


@pytest.fixture(autouse=True)
def _own_cache_folder(monkeypatch: pytest.MonkeyPatch, _cache_folders: Iterator[Path]) -> None:
    """Each test its own findings cache (made when first written), never the user's ~/.cache."""
    monkeypatch.setenv("CI_CATALOG_CACHE_DIR", str(next(_cache_folders)))


_running: list[pytest.Item] = []


@pytest.fixture(autouse=True)
def _current_test(request: pytest.FixtureRequest):
    _running.append(request.node)
    yield
    _running.pop()


@pytest.fixture(scope="module", params=["libyaml", "pure"])
def yaml_parser(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a module's tests once with each YAML parser: libyaml's, which GitLab reads
    with, and PyYAML's pure-Python one, which the harness reads with where PyYAML has no
    libyaml. Set in os.environ (CI_CATALOG_YAML_PARSER), which a child process inherits.
    A module takes it with `pytestmark = pytest.mark.usefixtures("yaml_parser")`."""
    if request.param == "libyaml" and not yamlevents.libyaml_available():
        pytest.skip("PyYAML was built without libyaml")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(yamlevents.PARSER_VARIABLE, request.param)
        yield request.param


def shared_path(*parts: str) -> Path:
    """A file of ../shared, for tests marked `shared_data` only.

    The marker lets a run without the data (the catalog's own GitLab pipeline) deselect
    exactly those tests. Without the data a test skips, but under CI (`CI` set) it fails:
    a CI run that silently skipped hundreds of conformance cases would prove nothing.
    """
    if _running and _running[-1].get_closest_marker("shared_data") is None:
        pytest.fail(f"{_running[-1].nodeid} reads ../shared but is not marked shared_data")
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"shared reference data not found at {path} (set CI_CATALOG_SHARED, or deselect -m 'not shared_data')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def validate(cli, tmp_path: Path):
    """`ci-catalog validate` on a pipeline file's text: the exit code and the stdout lines,
    each without the file's path."""

    def run(text: str) -> tuple[int, list[str]]:
        path = tmp_path / "ci.yml"
        path.write_text(text, encoding="utf-8")
        result = cli("validate", path)
        return result.code, [line.replace(f"{path}:", "") for line in result.out.splitlines()]

    return run
