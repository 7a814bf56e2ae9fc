"""GitLab's own CI-schema tests (../shared/conformance/schema-tests), case by case.

Every file listed in the folder's `manifest.tsv` is read at test time (never copied)
with our loader, `ci_catalog.yamlread.read_document`, and each case is validated as
GitLab's jest spec (`spec/frontend/editor/schema/ci/ci_schema_spec.js`) does it:

* `per-key` files: for every top-level key `k`, the document `{k: file[k]}`;
* `global` files (`workflow/auto_cancel/*`): the top-level keys are test names and
  each value is a whole document.

The folder (`positive`/`negative`, the manifest's `expect` column) says whether the
document must validate.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from typing import Any

import pytest

from ci_catalog.schema import as_json, fast_verdict, gitlab_ci_validator, is_valid, schema_errors, validate_document
from ci_catalog.yamlread import Document, YamlError, read_document
from conftest import SHARED, shared_path

# GitLab's schema tests and third-party components are other people's files, in ../shared.
pytestmark = pytest.mark.shared_data

SCHEMA_TESTS = SHARED / "conformance" / "schema-tests"
MANIFEST = SCHEMA_TESTS / "manifest.tsv"
MAX_SIZE = 2 * 1024 * 1024

# Cases whose stored test is older than the schema: GitLab's `ci.json` (and the copy
# check-jsonschema vendors) no longer lists `action` in `definitions.step`.
STALE = {
    ("positive/run.yml", "step_using_action"): (
        "a `run:` step with `action:` was valid when this upstream test was written; the "
        "schema has since dropped `action` steps from `definitions.step`, so it is rejected"
    ),
}


@dataclass(frozen=True)
class Case:
    file: str
    key: str
    expect: str  # "valid" | "invalid"
    mode: str  # "per-key" | "global"

    @property
    def id(self) -> str:
        return f"{self.file}::{self.key}"


def _manifest() -> list[dict[str, str]]:
    if not MANIFEST.exists():
        return []
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@functools.cache
def _load(file: str) -> Document:
    document = read_document((SCHEMA_TESTS / file).read_text(encoding="utf-8"), MAX_SIZE)
    assert document is not None, f"{file} holds no YAML document"
    assert isinstance(document.data, dict), f"{file}: top level is not a mapping"
    return document


def _cases() -> list[Any]:
    rows = _manifest()
    if not rows:
        # Collected anyway, so that a missing shared folder shows as a skip, not as nothing.
        return [pytest.param(None, id="schema-tests-missing")]
    params = []
    for row in rows:
        try:
            keys = list(_load(row["file"]).data)
        except (YamlError, AssertionError, OSError):  # the test reports it, not collection
            keys = ["<load>"]
        for key in keys:
            case = Case(row["file"], key, row["expect"], row["mode"])
            reason = STALE.get((case.file, case.key))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(pytest.param(case, id=case.id, marks=marks))
    return params


def _document(case: Case) -> Any:
    """The document GitLab's spec validates for this case."""
    value = _load(case.file).data[case.key]
    return value if case.mode == "global" else {case.key: value}


def _messages(document: Any) -> str:
    return "\n".join(f"  at {list(e.absolute_path)}: {e.message}" for e in schema_errors(document))


@pytest.mark.parametrize("case", _cases())
def test_schema_case(case: Case | None) -> None:
    shared_path("conformance", "schema-tests", "manifest.tsv")
    assert case is not None
    document = _document(case)
    if case.expect == "valid":
        assert is_valid(document), f"{case.id} should validate, but:\n{_messages(document)}"
    else:
        assert case.expect == "invalid", f"unknown expectation {case.expect!r} in the manifest"
        assert not is_valid(document), f"{case.id} should NOT validate"
        assert schema_errors(document), "is_valid and schema_errors disagree"


@pytest.mark.parametrize("case", [c for c in _cases() if c.values[0] and c.values[0].expect == "invalid"])
def test_negative_case_problems_are_placed_inside_the_case(case: Case) -> None:
    """Each problem of a negative case points into that case's lines of the file."""
    document = _load(case.file)
    keys = list(document.data)
    first = document.marks.find((case.key,))[0]
    following = keys.index(case.key) + 1
    last = document.marks.find((keys[following],))[0] - 1 if following < len(keys) else 10**9
    prefix = (case.key,) if case.mode == "global" else ()
    problems = validate_document(_document(case), document.marks, case.file, prefix)
    assert problems
    for problem in problems:
        assert first <= problem.line <= last, (problem, (first, last))
        assert problem.json_path.startswith(case.key), problem


def test_manifest_covers_the_folder_and_counts_match() -> None:
    """Every YAML file is in the manifest, and each file has the case count it states."""
    folder = shared_path("conformance", "schema-tests")
    rows = _manifest()
    listed = {row["file"] for row in rows}
    on_disk = {path.relative_to(folder).as_posix() for path in folder.rglob("*.yml")}
    assert listed == on_disk
    for row in rows:
        assert row["expect"] == ("valid" if row["file"].startswith("positive/") else "invalid")
        assert row["mode"] == ("global" if "/workflow/auto_cancel/" in row["file"] else "per-key")
        assert len(_load(row["file"]).data) == int(row["cases"]), row["file"]


def test_stale_cases_are_the_manifests_mismatches() -> None:
    """The xfail list is exactly what the manifest records as differing from `ci.json`."""
    shared_path("conformance", "schema-tests", "manifest.tsv")
    recorded = set()
    for row in _manifest():
        result = row["result_vs_ci_json"]
        if result.startswith("MISMATCH:"):
            recorded |= {(row["file"], key.strip()) for key in result.split(":", 1)[1].split(",")}
        else:
            assert result == "as-expected", row
    assert recorded == set(STALE)


# --- the validator itself ---------------------------------------------------------------


def test_validator_is_compiled_once_per_process() -> None:
    assert gitlab_ci_validator() is gitlab_ci_validator()


PLACED = """\
stages: [test]

build:
  stage: test
  script: 42

lint:
  script: ["ruff check"]
  scirpt_typo: true
"""


def test_problems_are_placed_at_the_offending_node() -> None:
    document = read_document(PLACED, MAX_SIZE)
    assert document is not None
    problems = validate_document(document.data, document.marks, "ci.yml")
    found = {problem.json_path: problem for problem in problems}
    assert set(found) == {"build.script", "lint.scirpt_typo"}

    script = found["build.script"]
    assert (script.file, script.line, script.column, script.code) == ("ci.yml", 5, 3, "schema")
    assert "42" in script.message

    unknown = found["lint.scirpt_typo"]
    assert (unknown.line, unknown.column) == (9, 3)
    assert "scirpt_typo" in unknown.message


@pytest.mark.parametrize(
    "key_text, key",
    [
        ("'it''s'", "it's"),  # repr() shows this key in double quotes
        ('"tab\\there"', "tab\there"),  # and this one with an escape
        ("'zz'", "zz"),
    ],
    ids=["quote", "escape", "plain"],
)
def test_unknown_keyword_is_placed_at_its_key_whatever_its_spelling(key_text: str, key: str) -> None:
    text = f"lint:\n  script: [x]\n\n  {key_text}: 1\n"
    document = read_document(text, MAX_SIZE)
    assert document is not None
    assert key in document.data["lint"]
    [problem] = validate_document(document.data, document.marks, "ci.yml")
    assert (problem.line, problem.column, problem.json_path) == (4, 3, f"lint.{key}")


# --- the fast validator -------------------------------------------------------------------


def test_jsonschema_rs_gives_jsonschemas_verdict_on_every_case_it_decides() -> None:
    """Where jsonschema-rs decides (printable ASCII documents), it says what jsonschema says."""
    shared_path("conformance", "schema-tests", "manifest.tsv")
    cases = [param.values[0] for param in _cases() if param.values[0] is not None]
    verdicts = {
        case.id: (fast_verdict(_document(case)), gitlab_ci_validator().is_valid(as_json(_document(case))))
        for case in cases
    }
    assert [name for name, (fast, slow) in verdicts.items() if fast is not None and fast != slow] == []
    assert sum(fast is not None for fast, _ in verdicts.values()) >= 0.95 * len(cases)
