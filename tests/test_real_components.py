"""Real public components (shared/real-components) render and validate as GitLab would.

The files are read where they are, at test time; `manifest.tsv` says which inputs each
one requires. Values for those inputs are made up from the input's spec (its type,
options) and name, as a user would fill them in.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_catalog.cli import main
from ci_catalog.cli.commands import validate_report
from ci_catalog.render import RenderOptions, render_path
from conftest import SHARED, shared_path

# GitLab's schema tests and third-party components are other people's files, in ../shared.
pytestmark = pytest.mark.shared_data

REAL = SHARED / "real-components"
REQUIRED = "`{}` input: required value has not been provided"
# GitLab's divider (lib/gitlab/config/loader/multi_doc_yaml.rb), Ruby's ASCII \s.
DIVIDER = re.compile(r"^---[ \t\r\n\f\v]+", re.MULTILINE)
BLOCK = re.compile(r"\$\[\[\s*(\S.*?\S)\s*\]\]")
CONTEXT = {"name": "component", "sha": "0" * 40, "version": "1.2.3", "reference": "1.2.3"}
TYPO3 = "Moselwal-Digitalagentur__release-tools/templates/typo3-extension-release/template.yml"
# An untyped input is a string input; GitLab's schema wants its default a string or null.
UNTYPED_PATH = "spec.inputs.needs-config.default"
UNTYPED_MESSAGE = "[] is not of type 'string', 'null'"
ALLURE = "aleksandr-kotlyar__gitlab-allure-history/templates/gitlab-allure-history.yml"


@dataclass(frozen=True)
class Component:
    catalog_dir: str
    path: str
    required: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.catalog_dir}/{self.path}"

    @property
    def file(self) -> Path:
        return shared_path("real-components", self.catalog_dir, self.path)

    @cached_property
    def text(self) -> str:
        return self.file.read_text(encoding="utf-8")

    @cached_property
    def pieces(self) -> list[str]:
        """GitLab's split of the raw text: header first, then the body."""
        pieces = DIVIDER.split(self.text, maxsplit=2)
        return pieces[1:] if not pieces[0].strip() else pieces

    @cached_property
    def spec(self) -> dict[str, Any]:
        return yaml.safe_load(self.pieces[0])["spec"]

    @property
    def inputs(self) -> dict[str, Any]:
        return {name: definition or {} for name, definition in (self.spec.get("inputs") or {}).items()}

    @property
    def body(self) -> str:
        return self.pieces[-1]

    def place_of_input(self, name: str) -> tuple[int, int]:
        """Line and column of the input's key in the header (1-based)."""
        offset = self.text.index(self.pieces[0])
        match = re.compile(rf"^([ \t]+){re.escape(name)}:", re.MULTILINE).search(self.text, offset)
        assert match, f"{name} not found in the header of {self.id}"
        return self.text.count("\n", 0, match.start()) + 1, len(match.group(1)) + 1

    def place_of_default(self, name: str) -> tuple[int, int]:
        """Line and column of the input's own `default:` key (1-based)."""
        line, column = self.place_of_input(name)
        for number, text in enumerate(self.text.splitlines()[line:], line + 1):
            indent = len(text) - len(text.lstrip())
            if text.strip() and indent < column:
                break
            if text.strip().startswith("default:"):
                return number, indent + 1
        raise AssertionError(f"{name} has no default in {self.id}")

    def uses(self, name: str) -> bool:
        return re.search(rf"inputs\.{re.escape(name)}(?![\w-])", self.body) is not None


def _manifest() -> list[Component]:
    manifest = REAL / "manifest.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        Component(row["catalog_dir"], row["path"], tuple(filter(None, row["required_inputs"].split(","))))
        for row in rows
    ]


COMPONENTS = _manifest()
_NO_DATA = [pytest.param(None, marks=pytest.mark.skip(reason=f"no manifest at {REAL}"))]


def each(components: list[Any]) -> Any:
    return pytest.mark.parametrize(
        "component", components or _NO_DATA, ids=lambda c: c.id if isinstance(c, Component) else None
    )


def plausible(name: str, definition: dict[str, Any]) -> Any:
    """A value a user would give: one of the options, else by type, else by name."""
    assert "regex" not in definition, f"{name}: pick a value that matches {definition['regex']!r}"
    if definition.get("options"):
        return definition["options"][0]
    kind = definition.get("type", "string")
    if kind == "number":
        return 3
    if kind == "boolean":
        return True
    if kind == "array":
        return ["example"]
    words = name.replace("-", "_").lower()
    if "url" in words:
        return "https://staging.example.com"
    if "token" in words or "password" in words:
        return f"${words.upper()}"
    if "job" in words:
        return "build:image"
    return f"example-{name}"


def given_inputs(component: Component, leave_out: str | None = None) -> dict[str, Any]:
    return {name: plausible(name, component.inputs[name]) for name in component.required if name != leave_out}


def render_args(component: Component, tmp_path: Path, inputs: dict[str, Any]) -> list[str]:
    args = [str(component.file)]
    if inputs:
        inputs_file = tmp_path / "inputs.json"
        inputs_file.write_text(json.dumps(inputs), encoding="utf-8")
        args += ["--inputs-file", str(inputs_file)]
    if component.spec.get("component"):
        context = tmp_path / "context.json"
        context.write_text(json.dumps(CONTEXT), encoding="utf-8")
        args += ["--component-context", str(context)]
    return args


class _ReferenceLoader(yaml.SafeLoader):
    """Reads back what `render` prints, `!reference [job, key]` as a plain list."""


_ReferenceLoader.add_constructor("!reference", lambda loader, node: loader.construct_sequence(node))


def strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string in a document, keys included, with where it is."""
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            found += [(f"{path}.{key}", str(key))] + strings(item, f"{path}.{key}")
        return found
    if isinstance(value, list):
        return [hit for index, item in enumerate(value) for hit in strings(item, f"{path}[{index}]")]
    return [(path, value)] if isinstance(value, str) else []


def leftover_blocks(document: Any) -> list[tuple[str, str]]:
    """Interpolation blocks still in a rendered document; GitLab leaves only `$[[ matrix.X ]]`.

    Inside `matrix:` GitLab still interpolates `inputs`; only blocks whose access starts
    with `matrix` are kept for `needs:parallel:matrix` (SKIP_INTERPOLATION_CONTEXTS).
    """
    return [
        (where, text)
        for where, text in strings(document)
        for block in BLOCK.findall(text)
        if block.split(".", 1)[0].split("|", 1)[0].strip() != "matrix"
    ]


def test_the_leftover_check_keeps_only_matrix_blocks() -> None:
    document = {
        "job $[[ inputs.name ]]": {"needs": [{"parallel": {"matrix": [{"X": "$[[ matrix.X ]]"}]}}]},
        "other": {"parallel": {"matrix": [{"X": "$[[inputs.x|truncate(0,1)]]"}]}, "script": "$[[ component.sha ]]"},
    }
    assert leftover_blocks(document) == [
        (".job $[[ inputs.name ]]", "job $[[ inputs.name ]]"),
        (".other.parallel.matrix[0].X", "$[[inputs.x|truncate(0,1)]]"),
        (".other.script", "$[[ component.sha ]]"),
    ]


def test_the_manifest_lists_the_components_on_disk() -> None:
    root = shared_path("real-components")
    on_disk = sorted(str(p.relative_to(root)) for p in root.glob("*/**/*.yml"))
    assert on_disk == sorted(c.id for c in COMPONENTS)
    assert len(COMPONENTS) == 23


# --- rendering --------------------------------------------------------------------------


@each(COMPONENTS)
def test_renders_with_its_required_inputs(component: Component, cli, tmp_path: Path) -> None:
    inputs = given_inputs(component)
    args = render_args(component, tmp_path, inputs)

    as_yaml = cli("render", *args)
    assert (as_yaml.code, as_yaml.err) == (0, "")
    as_json = cli("render", *args, "--format", "json")
    assert (as_json.code, as_json.err) == (0, "")

    document = json.loads(as_json.out)
    assert isinstance(document, dict) and document
    assert yaml.load(as_yaml.out, Loader=_ReferenceLoader) == document
    assert "$[[ inputs." not in as_json.out
    assert leftover_blocks(document) == []
    for name, value in inputs.items():
        if component.uses(name) and isinstance(value, str):
            assert value in as_json.out, f"the value of `{name}` is not in the output"
    if component.spec.get("component"):
        assert CONTEXT["version"] in as_json.out


@each([c for c in COMPONENTS if c.inputs])
def test_given_inputs_change_the_output(component: Component, cli, tmp_path: Path) -> None:
    """Sanity check on the harness: a used string input's value reaches the output."""
    used = [n for n, d in component.inputs.items() if component.uses(n) and d.get("type", "string") == "string"]
    used = [n for n in used if not component.inputs[n].get("options") and "regex" not in component.inputs[n]]
    if not used:
        pytest.skip("no free-form string input is used in the body")
    inputs = {**given_inputs(component), used[0]: "marker-4f9c2a"}
    result = cli("render", *render_args(component, tmp_path, inputs), "--format", "json")
    assert result.code == 0, result.err
    assert "marker-4f9c2a" in result.out


WITH_REQUIRED = [(c, name) for c in COMPONENTS if c.required for name in c.required]


@pytest.mark.parametrize(
    ("component", "missing"),
    WITH_REQUIRED or [pytest.param(None, None, marks=pytest.mark.skip(reason="no manifest"))],
    ids=lambda value: value.id if isinstance(value, Component) else value,
)
def test_a_missing_required_input_is_named_as_gitlab_names_it(
    component: Component, missing: str, cli, tmp_path: Path
) -> None:
    result = cli("render", *render_args(component, tmp_path, given_inputs(component, leave_out=missing)))
    assert result.code == 1 and result.out == ""
    message = REQUIRED.format(missing)
    line, column = component.place_of_input(missing)
    assert result.err.splitlines() == [message, f"  {component.file}:{line}:{column}: {message}"]


def test_all_five_components_with_a_required_input_are_covered() -> None:
    if not COMPONENTS:
        pytest.skip("no manifest")
    assert {c.id: c.required for c in COMPONENTS if c.required} == {
        "sanjin-ivankovic__ci-components/templates/auto-tag/template.yml": ("token",),
        "sanjin-ivankovic__ci-components/templates/trivy-image/template.yml": ("needs_job",),
        TYPO3: ("typo3-api-token",),
        "hegerdes__gitlab-actions/templates/helm-package.yml": ("chart",),
        "shortlink-org__gitlab-templates/templates/dast/template.yml": ("target_url",),
    }


@each(COMPONENTS)
def test_with_every_default_removed_each_input_is_reported_and_gitlab_shows_three(
    component: Component, cli, tmp_path: Path
) -> None:
    """The same component with no defaults: every input is required and missing.

    GitLab's message is the first three errors joined by ", "; the lines under it list
    every problem, in the order of the spec.
    """
    spec = {
        **component.spec,
        "inputs": {n: {k: v for k, v in d.items() if k != "default"} for n, d in component.inputs.items()},
    }
    derived = tmp_path / "template.yml"
    header = yaml.safe_dump({"spec": spec}, sort_keys=False, allow_unicode=True)
    derived.write_text(header + "---\n" + component.body, encoding="utf-8")
    args = [str(derived)]
    if spec.get("component"):
        context = tmp_path / "context.json"
        context.write_text(json.dumps(CONTEXT), encoding="utf-8")
        args += ["--component-context", str(context)]

    result = cli("render", *args)

    messages = [REQUIRED.format(name) for name in component.inputs]
    assert result.code == 1 and result.out == ""
    first, *lines = result.err.splitlines()
    assert first == ", ".join(messages[:3])
    assert [line.split(": ", 1)[1] for line in lines] == messages
    assert all(line.startswith(f"  {derived}:") for line in lines)


# --- validation -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validated() -> dict[str, dict[str, Any]]:
    """`validate --format json` over every real component at once, by component id."""
    if not COMPONENTS:
        pytest.skip("no manifest")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["validate", "--format", "json", *(str(c.file) for c in COMPONENTS)])
    assert code == 1
    reports = json.loads(out.getvalue())
    assert [r["file"] for r in reports] == [str(c.file) for c in COMPONENTS]
    return {c.id: report for c, report in zip(COMPONENTS, reports, strict=True)}


def expected_problems(component: Component) -> list[dict[str, Any]]:
    """What validate (which renders with the defaults alone) must report, and only that."""
    problems = []
    for name in component.required:
        line, column = component.place_of_input(name)
        problems.append(
            {"line": line, "column": column, "json_path": f"spec.inputs.{name}", "message": REQUIRED.format(name)}
        )
    if component.id == TYPO3:
        line, column = component.place_of_default("needs-config")
        problems.append({"line": line, "column": column, "json_path": UNTYPED_PATH, "message": UNTYPED_MESSAGE})
    if component.id == ALLURE:
        # A file rendered outside `include:component` has no component context
        # (GitLab: component data is {} for non-component files), so these fail.
        for key, field_name in (("ALLURE_HISTORY_GENERATOR_VERSION", "version"), ("COMPONENT_REFERENCE", "reference")):
            line = next(
                i for i, text in enumerate(component.text.splitlines(), 1) if text.strip().startswith(f"{key}:")
            )
            problems.append(
                {
                    "line": line,
                    "column": 3,
                    "json_path": f"variables.{key}",
                    "message": f"unknown interpolation provided: `{field_name}` in `component.{field_name}`",
                }
            )
    return problems


def _order(problem: dict[str, Any]) -> tuple[int, int, str]:
    return problem["line"], problem["column"], problem["json_path"]


def _placed(problem: dict[str, Any]) -> dict[str, Any]:
    """A reported problem less what every one of a file's problems shares (its file, rule and severity)."""
    return {key: problem[key] for key in ("line", "column", "json_path", "message")}


@each(COMPONENTS)
def test_validate_reports_exactly_what_is_wrong(component: Component, validated) -> None:
    report = validated[component.id]
    expected = expected_problems(component)
    assert sorted(map(_placed, report["problems"]), key=_order) == sorted(expected, key=_order)
    assert report["valid"] is (not expected)


def test_the_untyped_array_default_is_pointed_at_its_input(validated) -> None:
    """`needs-config: {default: []}` has no `type: array`: the problem is at that default."""
    component = next(c for c in COMPONENTS if c.id == TYPO3)
    (problem,) = [p for p in validated[TYPO3]["problems"] if p["json_path"].startswith("spec.inputs.needs-config")]
    assert _placed(problem) == {"line": 41, "column": 7, "json_path": UNTYPED_PATH, "message": UNTYPED_MESSAGE}
    lines = component.text.splitlines()
    assert lines[38].strip() == "needs-config:" and lines[problem["line"] - 1].strip() == "default: []"
    assert (problem["line"], problem["column"]) == component.place_of_default("needs-config")


@each(COMPONENTS)
def test_no_other_header_breaks_the_schema(component: Component, validated) -> None:
    header_problems = [
        p
        for p in validated[component.id]["problems"]
        if p["json_path"].startswith("spec") and not p["message"].endswith("required value has not been provided")
    ]
    if component.id == TYPO3:
        assert [p["json_path"] for p in header_problems] == [UNTYPED_PATH]
    else:
        assert header_problems == []


@each(COMPONENTS)
def test_rendered_with_its_inputs_the_body_passes_gitlabs_schema(component: Component) -> None:
    """What `validate` cannot show for components with required inputs: their body."""
    inputs = given_inputs(component)
    context = CONTEXT if component.spec.get("component") else {}
    report = validate_report(render_path(component.file, RenderOptions(inputs=inputs, component=context)))
    found = [(p.line, p.json_path, p.message) for p in report.problems]
    if component.id != TYPO3:
        assert found == []
        return
    # The untyped input is a string input, so its default [] is rendered as Ruby's
    # `[].to_s`, "[]", and `needs: "[]"` is refused by GitLab (and the schema): the bug is real.
    header_line, _ = component.place_of_default("needs-config")
    needs_line = next(i for i, text in enumerate(component.text.splitlines(), 1) if text.strip().startswith("needs:"))
    assert [(line, path) for line, path, _ in found] == [
        (header_line, UNTYPED_PATH),
        (needs_line, "release:ter.needs"),
    ]
    assert [message for _, _, message in found] == [
        UNTYPED_MESSAGE,
        "jobs:release:ter:needs config can only be a hash or an array",
    ]
