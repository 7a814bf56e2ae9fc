"""Shared test helpers: where the shared reference data lives, and running the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from ci_catalog.cli import main

ROOT = Path(__file__).resolve().parent.parent
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


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared reference data not found at {path}")
    return path
