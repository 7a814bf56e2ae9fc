"""The findings cache: a file whose bytes, path, harness, ShellCheck and configuration have not
changed is not linted again, and an example input set of `check` whose file, inputs and
component context have not changed is not rendered and validated again; a broken entry is
ignored and written again; two runs at once share one cache safely; `--no-cache` neither
reads nor writes it."""

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
from ci_catalog.loading import LoadedFile
from ci_catalog.problems import Problem
from ci_catalog.render import RenderOptions, RenderResult
from ci_catalog.yamlread import Reference
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
    # One entry a component (its lint findings) and one an example input set (its render and schema problems).
    input_sets = int(first.out.split(" input sets")[0].rsplit(" ", 1)[1])
    assert len(entries(tmp_path / "cache")) == len(list((root / "templates").glob("*/template.yml"))) + input_sets


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
    input_sets = int(expected[0].split(" input sets")[0].rsplit(" ", 1)[1])
    assert len(entries(tmp_path / "cache")) == files + input_sets
    config = LintConfig()
    cache = findings_cache(config, tmp_path / "cache")
    lint_files(sorted((root / "templates").glob("*/template.yml")), config, cache)
    assert cache.hits == files


# --- check's example input sets ------------------------------------------------------------

TEMPLATE = """spec:
  component: [version]
  inputs:
    job_prefix:
      description: The start of the job's name.
      default: job
    stage:
      description: The stage of the job.
      default: test
      options: [test, build]
---
"$[[ inputs.job_prefix ]]-run":
  stage: $[[ inputs.stage ]]
  image: python:$[[ component.version ]]
  script:
    - echo "$[[ inputs.stage ]]"
"""


def one_component_catalog(tmp_path: Path, version: str = "1.0.0", stage: str = "build") -> Path:
    root = tmp_path / "catalog"
    (root / "templates" / "job").mkdir(parents=True, exist_ok=True)
    (root / "templates" / "job" / "template.yml").write_text(TEMPLATE, encoding="utf-8")
    (root / "README.md").write_text("# A catalog\n", encoding="utf-8")
    manifest = {
        "version": version,
        "components": {"job": {"summary": "A job.", "examples": [{"name": "built", "inputs": {"stage": stage}}]}},
    }
    (root / "catalog.yml").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def counting_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record each input set `check` renders."""
    from ci_catalog.cli import commands

    rendered: list[str] = []
    real = commands.render_loaded

    def spy(loaded: LoadedFile, options: RenderOptions) -> RenderResult:
        rendered.append(str(options.inputs))
        return real(loaded, options)

    monkeypatch.setattr(commands, "render_loaded", spy)
    return rendered


def test_a_check_where_nothing_changed_renders_no_input_set_again(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = one_component_catalog(tmp_path)
    renders = counting_renders(monkeypatch)
    first = cli("check", root)
    second = cli("check", root)
    assert (first.code, first.out) == (0, "checked 1 components, 1 input sets, 0 lint findings\n")
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err)
    assert renders == ["{'stage': 'build'}"]


def test_an_input_set_whose_inputs_changed_is_checked_again(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("check", one_component_catalog(tmp_path)).code == 0
    renders = counting_renders(monkeypatch)
    changed = cli("check", one_component_catalog(tmp_path, stage="deploy"))
    assert changed.code == 1
    assert "`deploy` cannot be used because it is not in the list of allowed options" in changed.out
    assert "(example: built)" in changed.out
    assert renders == ["{'stage': 'deploy'}"]
    assert cli("check", one_component_catalog(tmp_path, stage="deploy")).out == changed.out


@pytest.mark.parametrize("change", ["version", "template", "no-cache"])
def test_an_input_set_is_rendered_again_when_what_it_renders_from_changed(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    root = one_component_catalog(tmp_path)
    first = cli("check", root)
    renders = counting_renders(monkeypatch)
    arguments = ["check", root]
    if change == "version":  # $[[ component.version ]] is in the job's image
        one_component_catalog(tmp_path, version="1.0.1")
    elif change == "template":
        template = root / "templates" / "job" / "template.yml"
        template.write_text(template.read_text() + "# a comment\n", encoding="utf-8")
    else:
        arguments.append("--no-cache")
    again = cli(*arguments)
    assert (again.code, again.out) == (first.code, first.out)
    assert renders == ["{'stage': 'build'}"]


@pytest.mark.parametrize("change", ["schema", "library"])
def test_a_new_schema_or_library_makes_new_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    """Schema problems come from GitLab's schema (check-jsonschema's copy); findings and
    verdicts also from the libraries that read YAML, RE2, the validators and Bash's grammar."""
    from ci_catalog import schema
    from ci_catalog.lint import cache as cache_module

    schema_copy = tmp_path / "gitlab-ci.json"
    shutil.copy(schema.schema_path() or "", schema_copy)
    monkeypatch.setattr(schema, "schema_path", lambda: schema_copy)
    library = tmp_path / "library" / "a_validator.py"
    library.parent.mkdir()
    library.write_text("VERSION = 1\n")
    monkeypatch.syspath_prepend(str(library.parent))
    monkeypatch.setattr(cache_module, "LIBRARIES", (*cache_module.LIBRARIES, "a_validator"))
    config = LintConfig()
    before = findings_cache(config, tmp_path / "cache").key("c.yml", b"job: {}", {"stage": "build"})
    changed = schema_copy if change == "schema" else library
    changed.write_bytes(changed.read_bytes() + b"\n")
    after = findings_cache(config, tmp_path / "cache").key("c.yml", b"job: {}", {"stage": "build"})
    assert before != after


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (1, 1.0),
        (1, True),
        ("1", 1),
        ([["a", "b"]], [{"a": "b"}]),
        ({"a": 1, "b": 2}, {"a": 2, "b": 1}),
        (Reference(["job", "script"]), ["job", "script"]),
    ],
    ids=["int-float", "int-bool", "str-int", "list-mapping", "values-swapped", "reference-list"],
)
def test_input_values_that_differ_make_different_keys(tmp_path: Path, one: object, other: object) -> None:
    cache = findings_cache(LintConfig(), tmp_path / "cache")
    assert cache.key("c.yml", b"job: {}", {"value": one}) != cache.key("c.yml", b"job: {}", {"value": other})


def test_a_check_loads_each_component_once_for_its_lint_and_every_input_set(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_catalog import loading

    root = catalog_copy(tmp_path)
    loaded: list[str] = []
    real = loading.load_text

    def spy(text: str, path: str) -> loading.LoadedFile:
        loaded.append(path)
        return real(text, path)

    monkeypatch.setattr(loading, "load_text", spy)
    assert cli("check", "--no-cache", root).code == 0
    assert sorted(loaded) == sorted(str(path) for path in (root / "templates").glob("*/template.yml"))


def test_findings_read_from_the_cache_are_reported_as_when_linted(cli, component: Path) -> None:
    linted = cli("lint", component)
    cached = cli("lint", component)
    assert (cached.code, cached.out) == (linted.code, linted.out)
    assert "[only-except]" in cached.out and "[shellcheck]" in cached.out


def test_a_lint_whose_findings_are_all_cached_imports_no_rule(tmp_path: Path) -> None:
    """What pre-commit runs on every commit: with nothing changed, no rule is loaded (this
    catalog's configuration names none; one that does loads them to check the names)."""
    program = (
        "import sys\nfrom ci_catalog.cli import main\ncode = main(sys.argv[1:])\n"
        "print(sorted(name for name in sys.modules if name.startswith(('ci_catalog.lint.rules', 'ci_catalog.lint.context'))))\n"
        "sys.exit(code)\n"
    )
    template = str(ROOT / "templates" / "deps-image" / "template.yml")
    environment = {**os.environ, "CI_CATALOG_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", program, "lint", template], capture_output=True, text=True, env=environment
        )
        for _ in range(2)
    ]
    assert [run.returncode for run in runs] == [0, 0]
    assert "ci_catalog.lint.rules.shellcheck" in runs[0].stdout
    assert runs[1].stdout == "[]\n"
