"""The findings cache: a file whose bytes, path, harness, ShellCheck and configuration have not
changed is not linted again; a broken entry is ignored and written again; two runs at once
share one cache safely; `--no-cache` neither reads nor writes it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ci_catalog.lint import lint_files
from ci_catalog.lint import shellcheck_runner as runner_module
from ci_catalog.lint.cache import cache_folder, findings_cache
from ci_catalog.lint.config import LintConfig
from ci_catalog.problems import Problem
from conftest import ROOT

COMPONENT = "spec:\n  inputs:\n    dir:\n      default: build\n---\nbuild:\n  only: [main]\n  script:\n    - cd $CI_PROJECT_DIR/$[[ inputs.dir ]]\n"
RULES = {"only-except", "shellcheck"}
EXPECTED = [("only-except", 7), ("shellcheck", 9)]


@pytest.fixture
def component(tmp_path: Path) -> Path:
    path = tmp_path / "templates" / "c" / "template.yml"
    path.parent.mkdir(parents=True)
    path.write_text(COMPONENT, encoding="utf-8")
    return path


def lint(path: Path, folder: Path, config: LintConfig | None = None) -> tuple[list[Problem], int]:
    """The findings, and how many files came from the cache."""
    config = config or LintConfig(select=RULES)
    cache = findings_cache(config, folder)
    return lint_files([path], config, cache), cache.hits


def summary(problems: list[Problem]) -> list[tuple[str, int]]:
    return [(problem.code, problem.line) for problem in problems]


def entries(folder: Path) -> list[Path]:
    return sorted((folder / "lint").rglob("*.json"))


def checking_nothing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record each batch handed to ShellCheck."""
    batches: list[int] = []
    real = runner_module.Runner.submit

    def spy(self: runner_module.Runner, texts: list[str], done: runner_module.Done) -> None:
        batches.append(len(texts))
        real(self, texts, done)

    monkeypatch.setattr(runner_module.Runner, "submit", spy)
    return batches


def test_an_unchanged_file_is_read_from_the_cache_and_not_checked_again(
    component: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, hits = lint(component, tmp_path / "cache")
    assert (summary(first), hits) == (EXPECTED, 0)
    batches = checking_nothing(monkeypatch)
    second, hits = lint(component, tmp_path / "cache")
    assert (second, hits, batches) == (first, 1, [])


def test_the_cache_folder_is_tagged_so_that_backups_skip_it(component: Path, tmp_path: Path) -> None:
    lint(component, tmp_path / "cache")
    assert (tmp_path / "cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


@pytest.mark.parametrize("change", ["bytes", "path", "configuration", "shellcheck"])
def test_a_change_to_what_findings_depend_on_lints_the_file_again(
    component: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    lint(component, tmp_path / "cache")
    config = LintConfig(select=RULES)
    if change == "bytes":
        component.write_text(COMPONENT.replace("only: [main]", "rules: [{when: always}]"), encoding="utf-8")
    elif change == "path":
        moved = component.parent.parent / "d" / "template.yml"
        moved.parent.mkdir()
        component = Path(shutil.copy(component, moved))
    elif change == "configuration":
        config = LintConfig(select=RULES, severity={"only-except": "error"})
    else:
        fake = tmp_path / "bin" / "shellcheck"
        fake.parent.mkdir()
        shutil.copy(runner_module.find_shellcheck() or "", fake)
        monkeypatch.setattr(runner_module, "find_shellcheck", lambda: str(fake))
    problems, hits = lint(component, tmp_path / "cache", config)
    assert hits == 0
    assert len(entries(tmp_path / "cache")) == 2
    if change == "configuration":
        assert [problem.severity for problem in problems] == ["error", "warning"]


DAMAGES = {
    "empty": lambda entry, key: b"",
    "truncated": lambda entry, key: entry.read_bytes()[: len(entry.read_bytes()) // 2],
    "another-key": lambda entry, key: json.dumps({"key": "0" * 64, "problems": []}).encode(),
    "wrong-field": lambda entry, key: json.dumps({"key": key, "problems": [{"message": 1}]}).encode(),
    "not-utf8": lambda entry, key: b"\xff\xfe",
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_broken_entry_is_ignored_and_written_again(component: Path, tmp_path: Path, damage: str) -> None:
    first, _ = lint(component, tmp_path / "cache")
    [entry] = entries(tmp_path / "cache")
    entry.write_bytes(DAMAGES[damage](entry, entry.parent.name + entry.stem))
    again, hits = lint(component, tmp_path / "cache")
    assert (again, hits) == (first, 0)
    third, hits = lint(component, tmp_path / "cache")
    assert (third, hits) == (first, 1)


def test_a_cache_that_cannot_be_written_is_no_cache(component: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder would be")
    problems, hits = lint(component, blocked)
    assert (summary(problems), hits) == (EXPECTED, 0)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"CI_CATALOG_CACHE_DIR": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/c"),
        ({"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/x/ci-catalog"),
        ({"XDG_CACHE_HOME": "relative", "HOME": "/h"}, "/h/.cache/ci-catalog"),
        ({"HOME": "/h"}, "/h/.cache/ci-catalog"),
    ],
    ids=["explicit", "xdg", "xdg-relative-ignored", "home"],
)
def test_the_cache_folder_follows_ruff_and_pre_commit(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    for name in ("CI_CATALOG_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert cache_folder() == Path(expected)


# --- the command line ---------------------------------------------------------------------


def catalog_copy(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(ROOT / "templates", root / "templates")
    # catalog.yml's test cases name their fixture projects, which check looks for.
    shutil.copytree(ROOT / "tests" / "fixtures", root / "tests" / "fixtures")
    for name in ("catalog.yml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    return root


def run(*args: str, cache: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ci_catalog", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI_CATALOG_CACHE_DIR": str(cache)},
    )


def test_no_cache_neither_reads_nor_writes_the_cache(
    cli, component: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_CATALOG_CACHE_DIR", str(tmp_path / "cache"))
    assert cli("lint", "--no-cache", component).code == 1
    assert not (tmp_path / "cache").exists()
    assert cli("lint", component).code == 1
    batches = checking_nothing(monkeypatch)
    assert cli("lint", component).code == 1 and batches == []
    assert cli("lint", "--no-cache", component).code == 1 and batches == [1]


def test_a_check_where_nothing_changed_reads_every_lint_result_from_the_cache(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = catalog_copy(tmp_path)
    monkeypatch.setenv("CI_CATALOG_CACHE_DIR", str(tmp_path / "cache"))
    first = cli("check", root)
    batches = checking_nothing(monkeypatch)
    second = cli("check", root)
    assert (second.code, second.out) == (first.code, first.out)
    assert first.out.endswith("0 lint findings\n")
    assert batches == []
    assert len(entries(tmp_path / "cache")) == len(list((root / "templates").glob("*/template.yml")))


def test_runs_at_once_share_the_cache_safely(tmp_path: Path) -> None:
    """Four `check`s start together on an empty cache; each reports what one alone reports,
    and what they left is whole: a fifth run reads every file from it."""
    root = catalog_copy(tmp_path)
    alone = run("check", "--no-cache", str(root), cache=tmp_path / "unused")
    expected = alone.communicate(timeout=300)
    runs = [run("check", str(root), cache=tmp_path / "cache") for _ in range(4)]
    results = [process.communicate(timeout=300) for process in runs]
    assert [process.returncode for process in runs] == [alone.returncode] * 4
    assert results == [expected] * 4
    assert not list((tmp_path / "cache").rglob("*.tmp"))
    files = len(list((root / "templates").glob("*/template.yml")))
    assert len(entries(tmp_path / "cache")) == files
    config = LintConfig()
    cache = findings_cache(config, tmp_path / "cache")
    lint_files(sorted((root / "templates").glob("*/template.yml")), config, cache)
    assert cache.hits == files
