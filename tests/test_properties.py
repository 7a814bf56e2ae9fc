"""Properties of rendering, over generated specs, inputs and bodies.

Whatever the component and the inputs: rendering gives a result or GitLab-style
problems, each placed in the file, and never raises; the same input gives the same
output; and a rendered body, printed and read back as a file without a header, is the
same data (what the user sees is what GitLab would read).

The examples are derandomized and no example database is kept, so every run tries the
same cases; the budget is kept small enough for the suite (a few seconds each).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from ci_catalog.cli.commands import validate_report
from ci_catalog.emit import to_json, to_yaml
from ci_catalog.functions import SPLIT_FEATURE, Variable
from ci_catalog.lint import lint_text
from ci_catalog.lint.config import LintConfig
from ci_catalog.render import RenderOptions, RenderResult, render_text
from ci_catalog.yamlread import _psych_int, psych_plain_scalar

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NAMES = ["a", "b", "n", "flag", "list", "job-name"]
# Strings that mean something to YAML, to Psych, to the block syntax or to a shell.
TRICKY = [
    "",
    " ",
    "yes",
    "No",
    "~",
    "null",
    "1,000",
    "0o17",
    "0x1F",
    "1_000",
    "012",
    "1e3",
    ".inf",
    ":symbol",
    "2024-01-01",
    "12:30:00",
    "- item",
    "key: value",
    "# comment",
    "---",
    "--- x",
    "...",
    "a\n--- b",
    "line\nline",
    "tab\there",
    "it's",
    'say "hi"',
    "back\\slash",
    "\\0",
    "$[[ inputs.a ]]",
    "$[[",
    "]]",
    "a | b",
    "$HOME",
    "${HOME}",
    "%HOME%",
    "$SECRET",
    "!reference",
    "&anchor",
    "*alias",
    "{a: 1}",
    "[1, 2]",
    "café",
    "\u2028",
    "\ufeff",
    "\x00",
    "\x7f",
]
TEXT = st.one_of(st.sampled_from(TRICKY), st.text(max_size=8))
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
VALUE = st.one_of(SCALAR, st.lists(SCALAR, max_size=3), st.lists(st.lists(SCALAR, max_size=2), max_size=2))
REGEXES = ["^[a-z]+$", "a", "^$", "\\d", "(a+)+$", "a++", "(?=x)", "(", "[[:alpha:]]", "\\p{L}"]
EXPRESSIONS = [
    "$[[ inputs.a ]] == 'x'",
    "$[[ inputs.flag ]]",
    "$[[ inputs.flag ]] == true",
    "$[[ inputs.n ]] != null && $[[ inputs.b ]] =~ /^b/",
    "$[[ inputs.missing ]]",
    "$VAR || 'text'",
    "true",
    "&&&&",
    "(",
    "'a' == 'a' || ('b' != 'b')",
]
TYPES = [None, "string", "number", "boolean", "array"]
RIGHT_TYPE = {
    None: TEXT,
    "string": TEXT,
    "number": st.one_of(st.integers(-100, 100), st.floats(allow_nan=False, allow_infinity=False)),
    "boolean": st.booleans(),
    "array": st.lists(SCALAR, max_size=3),
}


@st.composite
def input_rule(draw: st.DrawFn) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if draw(st.booleans()):
        rule["if"] = draw(st.sampled_from(EXPRESSIONS))
    if draw(st.booleans()):
        rule["options"] = draw(st.lists(SCALAR, max_size=4))
    if draw(st.integers(0, 4)):
        rule["default"] = draw(VALUE)
    return rule


@st.composite
def input_definition(draw: st.DrawFn) -> dict[str, Any] | None:
    kind = draw(st.sampled_from(TYPES))
    if kind is None and draw(st.integers(0, 5)) == 0:
        return None  # `name:` with nothing: a required string
    definition: dict[str, Any] = {} if kind is None else {"type": kind}
    if draw(st.booleans()):
        definition["description"] = draw(TEXT)
    if draw(st.integers(0, 4)) == 0:
        definition["rules"] = draw(st.lists(input_rule(), min_size=1, max_size=3))
    else:
        if draw(st.integers(0, 3)):
            definition["default"] = draw(st.one_of(RIGHT_TYPE[kind], VALUE))
        if draw(st.integers(0, 3)) == 0:
            definition["options"] = draw(st.lists(st.one_of(RIGHT_TYPE[kind], SCALAR), max_size=4))
    if draw(st.integers(0, 3)) == 0:
        definition["regex"] = draw(st.sampled_from(REGEXES))
    return definition


HEADER = st.fixed_dictionaries(
    {"inputs": st.dictionaries(st.sampled_from(NAMES), input_definition(), max_size=4)},
    optional={"component": st.lists(st.sampled_from(["name", "sha", "version", "reference"]), max_size=2)},
).map(lambda spec: {"spec": spec})

ACCESSES = [f"inputs.{name}" for name in NAMES] + [
    "inputs.list[0]",
    "inputs.list[1][0]",
    "inputs.list[0][0][0][0][0][0]",
    "inputs.a[0]",
    "inputs.list[x]",
    "inputs.list[0",
    "inputs.missing",
    "inputs",
    "inputs.a.b.c.d.e",
    "component.name",
    "component.sha",
    "matrix.TARGET",
    "other.thing",
]
FUNCTIONS = [
    "expand_vars",
    "posix_escape",
    "truncate(0,3)",
    "truncate( 1 , 100 )",
    "truncate(2,1",
    "split(',')",
    "split(' ')",
    "split('')",
    "nope",
    "truncate(a,b)",
]
BLOCK = st.builds(
    lambda access, chain, spaced: (
        ("$[[ " if spaced else "$[[") + " | ".join([access, *chain]) + (" ]]" if spaced else "]]")
    ),
    st.sampled_from(ACCESSES),
    st.lists(st.sampled_from(FUNCTIONS), max_size=4),
    st.booleans(),
)
STRING = st.one_of(BLOCK, st.builds(lambda *parts: "".join(parts), TEXT, BLOCK, TEXT, st.one_of(BLOCK, TEXT)), TEXT)
BODY_VALUE = st.recursive(
    st.one_of(STRING, SCALAR),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(STRING, children, max_size=3)),
    max_leaves=16,
)
BODY = st.dictionaries(STRING, BODY_VALUE, min_size=1, max_size=4)
STRING_FUNCTIONS = ["expand_vars", "posix_escape", "truncate(0,3)", "truncate( 1 , 100 )"]


@st.composite
def tame_case(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """A component that mostly renders: defaults of the right type, blocks that exist."""
    kinds = draw(st.dictionaries(st.sampled_from(NAMES), st.sampled_from(TYPES), min_size=1, max_size=4))
    inputs: dict[str, Any] = {}
    for name, kind in kinds.items():
        definition: dict[str, Any] = {"default": draw(RIGHT_TYPE[kind])}
        if kind:
            definition["type"] = kind
        if kind in (None, "string") and draw(st.booleans()):
            definition["options"] = [definition["default"], *draw(st.lists(TEXT, max_size=2))]
        inputs[name] = definition

    def block(name: str) -> st.SearchStrategy[str]:
        chain = (
            st.lists(st.sampled_from(STRING_FUNCTIONS), max_size=3) if kinds[name] in (None, "string") else st.just([])
        )
        return chain.map(lambda functions: "$[[ " + " | ".join([f"inputs.{name}", *functions]) + " ]]")

    blocks = st.sampled_from(sorted(kinds)).flatmap(block)
    strings = st.one_of(blocks, st.builds(lambda *parts: "".join(parts), TEXT, blocks, TEXT), TEXT)
    values = st.recursive(
        st.one_of(strings, SCALAR),
        lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(strings, children, max_size=3)),
        max_leaves=12,
    )
    body = draw(st.dictionaries(strings, values, min_size=1, max_size=3))
    given = {name: draw(RIGHT_TYPE[kinds[name]]) for name in draw(st.lists(st.sampled_from(sorted(kinds)), max_size=2))}
    return {"spec": {"inputs": inputs}}, body, given


GIVEN = st.one_of(st.none(), st.dictionaries(st.sampled_from([*NAMES, "unknown"]), VALUE, max_size=4))
VARIABLES = {
    "HOME": Variable("HOME", "/home/user"),
    "SECRET": Variable("SECRET", "hunter2", masked=True),
}
CASES = st.one_of(tame_case(), st.tuples(HEADER, BODY, GIVEN))
COMPONENT = {"name": "greeter", "sha": "0" * 40, "version": "1.0.0", "reference": "1.0.0"}


def dump(data: Any) -> str:
    # The harness's own printer: what it prints must read back as the same data.
    return to_yaml(data)


def component_text(header: dict[str, Any], body: dict[str, Any]) -> str:
    return dump(header) + "---\n" + dump(body)


def render(text: str, given: Any, split: bool) -> RenderResult:
    features = frozenset({SPLIT_FEATURE}) if split else frozenset()
    options = RenderOptions(inputs=given, variables=VARIABLES, component=COMPONENT, features=features)
    return render_text(text, "c.yml", options)


def seen(result: RenderResult) -> tuple[str, list[tuple[str, str, int, int]]]:
    """All a user sees of a render: the printed document, or the problems and their places."""
    printed = to_json(result.data) + to_yaml(result.data) if result.ok else ""
    return printed, [(p.message, p.file, p.line, p.column) for p in result.problems]


def contains_block(value: Any) -> bool:
    if isinstance(value, str):
        return "$[[" in value
    if isinstance(value, dict):
        return any(contains_block(key) or contains_block(item) for key, item in value.items())
    if isinstance(value, list):
        return any(contains_block(item) for item in value)
    return False


@PROPERTY
@given(case=CASES, split=st.booleans())
def test_rendering_gives_a_result_or_problems_placed_in_the_file(
    case: tuple[dict[str, Any], dict[str, Any], Any], split: bool
) -> None:
    header, body, given_inputs = case
    result = render(component_text(header, body), given_inputs, split)
    event("rendered" if result.ok else f"refused at stage {result.problems[0].code}")
    if result.ok:
        json.loads(to_json(result.data))  # printable as the user would see it
        to_yaml(result.data)
    else:
        assert result.gitlab_message()
        for problem in result.problems:
            assert problem.message and problem.file == "c.yml"
            assert problem.line >= 1 and problem.column >= 1, problem
    for problem in validate_report(result).problems:
        assert problem.file == "c.yml" and problem.line >= 0


@PROPERTY
@given(case=CASES, split=st.booleans())
def test_the_same_component_and_inputs_render_the_same_twice(
    case: tuple[dict[str, Any], dict[str, Any], Any], split: bool
) -> None:
    header, body, given_inputs = case
    text = component_text(header, body)
    assert seen(render(text, given_inputs, split)) == seen(render(text, given_inputs, split))


@PROPERTY
@given(case=CASES, split=st.booleans())
# Found by this property: `--format json` wrote DEL raw, which YAML readers refuse.
@example(case=({"spec": {"inputs": {}}}, {"\x7f": None}, None), split=False)
# Found by this property: `--format json` wrote 5e-324, which Psych reads as a string.
@example(case=({"spec": {"inputs": {}}}, {"job": [5e-324, 1e20]}, None), split=False)
def test_a_rendered_body_read_back_without_a_header_is_the_same_data(
    case: tuple[dict[str, Any], dict[str, Any], Any], split: bool
) -> None:
    header, body, given_inputs = case
    result = render(component_text(header, body), given_inputs, split)
    if not result.ok or contains_block(result.data):
        return
    for printed in (to_yaml(result.data), to_yaml(result.data, literal_blocks=True), to_json(result.data)):
        again = render_text(printed, "out.yml")
        assert again.ok, (printed, again.gitlab_message())
        assert again.data == result.data, printed


@PROPERTY
@given(body=BODY)
# Found by this property: the YAML printer left `1,000` plain (Psych reads 1000) and
# wrote NEL raw in single quotes (read back as a space).
@example(body={"1,000": ":symbol"})
@example(body={"job": "echo\x85"})
def test_a_file_without_a_header_renders_to_itself(body: dict[str, Any]) -> None:
    """No header: GitLab interpolates nothing, blocks and all stay as written."""
    result = render_text(dump(body), "c.yml")
    assert result.ok and result.data == body


@settings(PROPERTY, max_examples=60)
@given(header=HEADER, body=BODY)
def test_linting_any_component_reports_findings_and_never_raises(header: dict[str, Any], body: dict[str, Any]) -> None:
    # shellcheck runs a process per script: the property is about the rules' own code.
    for problem in lint_text(component_text(header, body), "c.yml", LintConfig(ignore={"shellcheck"})):
        assert problem.file == "c.yml" and problem.message


@PROPERTY
@given(number=st.integers(0, 10**20), sign=st.sampled_from(["", "+", "-"]))
@example(number=0, sign="-")
def test_a_plain_integer_reads_as_psych_reads_it(number: int, sign: str) -> None:
    """The fast path for decimal integers gives what the general integer rule gives."""
    text = sign + str(number)
    assert psych_plain_scalar(text) == _psych_int(text) == int(text)
