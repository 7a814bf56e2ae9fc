"""Hostile and malformed files: a clear error naming the file and the place, fast.

Every case goes through both `render` and `validate`: exit 1 (never 3, never a
traceback), GitLab's text for the error, and each command within `SECONDS` of CPU; and
every test runs twice, with each YAML parser (the `yaml_parser` fixture of
tests/conftest.py): libyaml's, and PyYAML's pure-Python one, which must give libyaml's
messages and places.
"""

from __future__ import annotations

import json
import os
import pathlib
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.usefixtures("yaml_parser")

SECONDS = 2.0
TOO_BIG = "The parsed YAML is too big"
PROVIDED_TOO_BIG = "The provided YAML is too big"
NOT_A_HASH = "Invalid configuration format"

COMPONENT = """\
spec:
  inputs:
    stage:
      default: test
    name:
      description: who to greet
---
greet:
  stage: $[[ inputs.stage ]]
  script:
    - echo "hello $[[ inputs.name ]]"
    - |
      cat > notes.txt <<EOF
      first line
        indented line
      EOF
  after_script:
    - >
      folded
      text
  variables:
    QUOTED: "two
      lines"
    KEEP: |+
      kept

"""


def timed(cli, *args: Any):
    # CPU seconds, not wall-clock: on two cores shared with other work, the wall-clock
    # time of 10,000-deep nesting ran to three times its CPU time (0.7 s) and past 2 s.
    start = time.process_time()
    result = cli(*args)
    elapsed = time.process_time() - start
    assert elapsed < SECONDS, f"{args[0]} took {elapsed:.2f} CPU seconds"
    assert result.code != 3 and "Traceback" not in result.err, result.err
    return result


def write(tmp_path: Path, content: str | bytes, name: str = "ci.yml") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def assert_refused(cli, path: Path, message: str, place: tuple[int, int] | None = None) -> None:
    """`render` and `validate` both refuse the file with `message`, at `place` if given."""
    render = timed(cli, "render", path)
    assert render.code == 1 and render.out == ""
    first, located, *rest = render.err.splitlines()
    assert first == message and rest == []
    where, _, said = located.strip().partition(": ")
    assert said == message
    file, line, column = where.rsplit(":", 2)
    assert file == str(path)
    assert int(line) >= 1 and int(column) >= 1
    if place is not None:
        assert (int(line), int(column)) == place

    validate = timed(cli, "validate", "--format", "json", path)
    assert validate.code == 1
    assert json.loads(validate.out) == [
        {
            "file": str(path),
            "valid": False,
            "problems": [
                {
                    "file": str(path),
                    "line": int(line),
                    "column": int(column),
                    "rule": "load",
                    "severity": "error",
                    "message": message,
                    "json_path": "",
                }
            ],
        }
    ]
    text = timed(cli, "validate", path)
    assert text.code == 1
    assert text.out.splitlines() == [f"{path}:{line}:{column}: error: {message}"]


def rendered(cli, path: Path, *args: str) -> Any:
    """The file renders (as JSON) and validates clean; returns the rendered document."""
    render = timed(cli, "render", path, *args, "--format", "json")
    assert (render.code, render.err) == (0, "")
    if not args:
        validate = timed(cli, "validate", "--format", "json", path)
        assert validate.code == 0, validate.out
        assert json.loads(validate.out) == [{"file": str(path), "valid": True, "problems": []}]
    return json.loads(render.out)


# --- documents that grow when read -------------------------------------------------------

LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_too_big(cli, tmp_path: Path) -> None:
    assert_refused(cli, write(tmp_path, LAUGHS), TOO_BIG)


def test_billion_laughs_in_a_components_header_is_too_big(cli, tmp_path: Path) -> None:
    header = "spec:\n  inputs:\n    a:\n      default: x\n" + "".join(f"    {line}\n" for line in LAUGHS.splitlines())
    bomb = header.replace("    a: &a", "    bomb: &a", 1)
    assert_refused(cli, write(tmp_path, bomb + "---\njob:\n  script: echo\n"), TOO_BIG)


def test_a_syntax_error_after_the_bomb_is_reported_first_as_psych_parses_before_gitlab_measures(
    cli, tmp_path: Path
) -> None:
    message = "(<unknown>): did not find expected ',' or ']' while parsing a flow sequence at line 10 column 4"
    assert_refused(cli, write(tmp_path, LAUGHS + "z: [open\n"), message, (11, 1))


def test_a_date_after_the_bomb_is_reported_first_as_psych_converts_before_gitlab_measures(cli, tmp_path: Path) -> None:
    assert_refused(cli, write(tmp_path, LAUGHS + "z: 2024-01-01\n"), "Tried to load unspecified class: Date", (10, 4))


def test_a_cyclic_alias_is_too_big(cli, tmp_path: Path) -> None:
    assert_refused(cli, write(tmp_path, "--- &1\n- hi\n- *1\n"), TOO_BIG)


def test_a_cyclic_alias_inside_a_mapping_is_too_big(cli, tmp_path: Path) -> None:
    assert_refused(cli, write(tmp_path, "job: &j\n  script: echo\n  self: *j\n"), TOO_BIG)


def test_an_alias_to_an_unknown_anchor_is_named(cli, tmp_path: Path) -> None:
    assert_refused(
        cli, write(tmp_path, "job:\n  script: *nope\n"), "An alias referenced an unknown anchor: nope", (2, 11)
    )


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "a: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
        "- " * 10_000 + "x\n",
    ],
    ids=["flow-sequences", "flow-mappings", "block-sequences"],
)
def test_nesting_ten_thousand_deep_is_too_big(cli, tmp_path: Path, text: str) -> None:
    assert_refused(cli, write(tmp_path, text), TOO_BIG)


def test_the_depth_limit_is_a_hundred_nested_collections(cli, tmp_path: Path) -> None:
    """Gitlab::Utils::DeepSize counts every Hash/Array entered, the root being 1."""

    def nested(lists: int) -> str:  # the root, `job` and `variables` are three levels
        return "job:\n  script: echo\n  variables:\n    X: " + "[" * lists + "]" * lists + "\n"

    render = timed(cli, "render", write(tmp_path, nested(97), "at.yml"), "--format", "json")
    assert render.code == 0, render.err
    assert_refused(cli, write(tmp_path, nested(98), "over.yml"), TOO_BIG, (4, 105))  # the 98th `[`


# --- size ----------------------------------------------------------------------------------


def test_a_fifty_megabyte_file_is_refused_before_parsing(cli, tmp_path: Path) -> None:
    path = tmp_path / "big.yml"
    with path.open("wb") as handle:
        handle.write(b"job:\n  script: [")  # never parsed: this would be a syntax error
        for _ in range(50):
            handle.write(b"#" * (1024 * 1024))
    assert_refused(cli, path, PROVIDED_TOO_BIG, (1, 1))


def test_the_size_limit_is_two_mebibytes_of_raw_bytes(cli, tmp_path: Path) -> None:
    body = b"job:\n  script: echo\n"
    filler = 2 * 1024 * 1024 - len(body) - 3
    at_limit = write(tmp_path, body + b"# " + b"x" * filler + b"\n", "at.yml")
    assert at_limit.stat().st_size == 2 * 1024 * 1024
    assert rendered(cli, at_limit) == {"job": {"script": "echo"}}
    over = write(tmp_path, body + b"# " + b"x" * (filler + 1) + b"\n", "over.yml")
    assert_refused(cli, over, PROVIDED_TOO_BIG, (1, 1))


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_an_endless_stream_is_refused_without_reading_it_all(cli) -> None:
    validate = timed(cli, "validate", "--format", "json", "/dev/zero")
    assert validate.code == 1
    (report,) = json.loads(validate.out)
    assert [p["message"] for p in report["problems"]] == [PROVIDED_TOO_BIG]


# --- bytes that are not YAML text ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message", "place"),
    [
        (
            b"\x00\x01\x02\x03\x04\x05job:\n",
            "(<unknown>): control characters are not allowed at line 1 column 1 (character U+0000)",
            (1, 1),
        ),
        (
            b"job:\n  script: echo \x00hi\n",
            "(<unknown>): control characters are not allowed at line 2 column 16 (character U+0000)",
            (2, 16),
        ),
        (
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x00\x00",
            "(<unknown>): invalid leading UTF-8 octet at line 1 column 2 (the file is not UTF-8 text)",
            (1, 2),
        ),
    ],
    ids=["leading-nul", "nul-in-a-value", "gzip-bytes"],
)
def test_binary_bytes_are_refused_at_their_place(
    cli, tmp_path: Path, content: bytes, message: str, place: tuple[int, int]
) -> None:
    assert_refused(cli, write(tmp_path, content), message, place)


def test_a_nul_in_a_components_body_is_placed_in_the_file(cli, tmp_path: Path) -> None:
    text = "spec:\n  inputs:\n    a:\n      default: x\n---\njob:\n  script: echo \x00\n"
    message = "(<unknown>): control characters are not allowed at line 7 column 16 (character U+0000)"
    assert_refused(cli, write(tmp_path, text), message, (7, 16))


@pytest.mark.parametrize(
    ("content", "place"),
    [
        (b"job:\n  script: echo caf\xe9\n", (2, 19)),
        (b"job:\n  script: echo \xc3\xa9t\xc3\xa9 \xff\n", (2, 20)),
    ],
    ids=["latin-1", "after-multibyte-characters"],
)
def test_invalid_utf8_names_line_and_column(cli, tmp_path: Path, content: bytes, place: tuple[int, int]) -> None:
    line, column = place
    message = f"(<unknown>): invalid leading UTF-8 octet at line {line} column {column} (the file is not UTF-8 text)"
    assert_refused(cli, write(tmp_path, content), message, place)


def test_a_utf8_byte_order_mark_is_ignored_as_gitlab_strips_it(cli, tmp_path: Path) -> None:
    plain = write(tmp_path, COMPONENT, "plain.yml")
    marked = write(tmp_path, "\ufeff" + COMPONENT, "marked.yml")
    with_bom = rendered(cli, marked, "--input", "name=world")
    assert with_bom == rendered(cli, plain, "--input", "name=world")
    assert with_bom["greet"]["script"][0] == 'echo "hello world"'
    job = write(tmp_path, "\ufeffjob:\n  script: echo\n", "job.yml")
    assert rendered(cli, job) == {"job": {"script": "echo"}}


def test_crlf_line_ends_render_exactly_as_lf(cli, tmp_path: Path) -> None:
    lf = write(tmp_path, COMPONENT, "lf.yml")
    crlf = write(tmp_path, COMPONENT.replace("\n", "\r\n"), "crlf.yml")
    assert b"\r\n---\r\n" in crlf.read_bytes()
    for fmt in ("yaml", "json"):
        outputs = [timed(cli, "render", path, "--input", "name=world", "--format", fmt) for path in (lf, crlf)]
        assert [o.code for o in outputs] == [0, 0]
        assert outputs[0].out == outputs[1].out
    variables = rendered(cli, crlf, "--input", "name=world")["greet"]["variables"]
    assert variables == {"QUOTED": "two lines", "KEEP": "kept\n\n"}


def test_crlf_line_ends_give_the_same_places_as_lf(cli, tmp_path: Path) -> None:
    """A missing input is reported at the same line and column either way."""
    (tmp_path / "crlf").mkdir()
    lf = timed(cli, "render", write(tmp_path, COMPONENT, "ci.yml"))
    crlf = timed(cli, "render", write(tmp_path / "crlf", COMPONENT.replace("\n", "\r\n"), "ci.yml"))
    assert lf.code == crlf.code == 1
    assert lf.err.replace(str(tmp_path / "ci.yml"), "F") == crlf.err.replace(str(tmp_path / "crlf" / "ci.yml"), "F")
    assert ":5:5: `name` input: required value has not been provided" in lf.err


# --- `---` is cut in the raw text ---------------------------------------------------------------


def test_a_divider_line_inside_a_block_scalar_cuts_the_component(cli, tmp_path: Path) -> None:
    """GitLab splits the raw text on /^---\\s+/ before any YAML is read.

    The heredoc's `---` line ends the body; what follows is a third piece, which GitLab
    takes as the content (the last of three) and Psych, reading it alone, refuses.
    """
    text = (
        "spec:\n  inputs:\n    name:\n      default: world\n---\n"
        "job:\n  script:\n    - |\n      cat > config.yml <<EOF\n---\nkey: $[[ inputs.name ]]\nEOF\n"
    )
    message = "(<unknown>): could not find expected ':' while scanning a simple key at line 2 column 1"
    assert_refused(cli, write(tmp_path, text), message, (13, 1))


def test_a_divider_line_inside_a_block_scalar_drops_the_rest_of_a_plain_file(cli, tmp_path: Path) -> None:
    """No header: the first piece is the content, so the scalar ends at the cut and the
    jobs after it are gone, as in GitLab."""
    text = "job:\n  script: echo\n  variables:\n    X: |\n      a\n---\nother:\n  script: echo other\n"
    assert rendered(cli, write(tmp_path, text)) == {"job": {"script": "echo", "variables": {"X": "a\n"}}}


def test_a_divider_inside_a_block_scalar_can_leave_a_piece_that_is_not_a_mapping(cli, tmp_path: Path) -> None:
    text = "job:\n  script:\n    - |\n      echo a\n---\n      echo b\n"
    assert_refused(cli, write(tmp_path, text), NOT_A_HASH, (6, 7))


def test_an_indented_divider_inside_a_block_scalar_is_kept(cli, tmp_path: Path) -> None:
    text = "job:\n  script:\n    - |\n      cat <<EOF\n      ---\n      key: value\n      EOF\n"
    assert rendered(cli, write(tmp_path, text)) == {"job": {"script": ["cat <<EOF\n---\nkey: value\nEOF\n"]}}


# --- tags ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("job:\n  script: !foo echo hi\n", {"job": {"script": "echo hi"}}),
        ("job: !foo\n  script: echo\n", {"job": {"script": "echo"}}),
        ("job:\n  script: !foo\n    - echo\n", {"job": {"script": ["echo"]}}),
        ("job:\n  script: echo\n  retry: !foo '2'\n", {"job": {"script": "echo", "retry": 2}}),
        ("job:\n  script: !ruby/object:Foo echo\n", {"job": {"script": "echo"}}),
        ("job:\n  script: !ruby/sym echo\n", {"job": {"script": "echo"}}),
    ],
    ids=["scalar", "mapping", "sequence", "quoted-scalar-is-still-scanned", "ruby-object-on-a-scalar", "symbol"],
)
def test_tags_psych_does_not_know_are_ignored(cli, tmp_path: Path, text: str, expected: Any) -> None:
    assert rendered(cli, write(tmp_path, text)) == expected


@pytest.mark.parametrize(
    ("text", "name", "place"),
    [
        ("job: !ruby/object:Foo\n  script: echo\n", "Foo", (1, 6)),
        ("job: !ruby/object\n  script: echo\n", "Object", (1, 6)),
        ("job: !ruby/hash:Foo\n  script: echo\n", "Foo", (1, 6)),
        ("job: !ruby/struct:Foo\n  script: echo\n", "Foo", (1, 6)),
        ("job: !!set\n  ? a\n", "Psych::Set", (1, 6)),
        ("job:\n  script: !ruby/array:Foo\n    - echo\n", "Foo", (2, 11)),
        ("job:\n  script: !ruby/regexp /a/\n", "Regexp", (2, 11)),
        ("job:\n  script: !ruby/range 1..2\n", "Range", (2, 11)),
        ("job:\n  script: !ruby/class Kernel\n", "Kernel", (2, 11)),
        ("spec:\n  inputs:\n    a:\n      default: !ruby/object:Foo {}\n---\njob: {script: x}\n", "Foo", (4, 16)),
    ],
    ids=[
        "ruby-object",
        "ruby-object-without-a-name",
        "ruby-hash",
        "ruby-struct",
        "set",
        "ruby-array",
        "regexp",
        "range",
        "class",
        "in-the-header",
    ],
)
def test_tags_that_load_a_ruby_class_are_refused(
    cli, tmp_path: Path, text: str, name: str, place: tuple[int, int]
) -> None:
    assert_refused(cli, write(tmp_path, text), f"Tried to load unspecified class: {name}", place)


def test_the_reference_tag_is_kept(cli, tmp_path: Path) -> None:
    text = ".setup:\n  script: echo\njob:\n  script: !reference [.setup, script]\n"
    assert rendered(cli, write(tmp_path, text))["job"] == {"script": [".setup", "script"]}


@pytest.mark.parametrize(
    ("value", "name", "column"),
    [
        ("2024-01-01", "Date", 11),
        ("2024-01-01 10:00:00", "Time", 11),
        # Psych scans a `!!timestamp` scalar like an untagged one: this one is a Date.
        ("!!timestamp 2024-01-01", "Date", 11),
    ],
    ids=["date", "time", "timestamp-tag"],
)
def test_an_unquoted_date_is_refused(cli, tmp_path: Path, value: str, name: str, column: int) -> None:
    text = f"job:\n  script: echo\n  variables:\n    WHEN: {value}\n"
    assert_refused(cli, write(tmp_path, text), f"Tried to load unspecified class: {name}", (4, column))


def test_a_quoted_date_is_a_string(cli, tmp_path: Path) -> None:
    text = "job:\n  script: echo\n  variables:\n    WHEN: '2024-01-01'\n    NOT_A_DATE: !!timestamp soon\n"
    assert rendered(cli, write(tmp_path, text))["job"]["variables"] == {"WHEN": "2024-01-01", "NOT_A_DATE": "soon"}


# --- mappings and syntax -----------------------------------------------------------------------


def test_duplicate_keys_keep_the_last_as_psych_does(cli, tmp_path: Path) -> None:
    text = "job:\n  script: echo one\n  script: echo two\nother:\n  script: a\nother:\n  script: b\n  stage: test\n"
    assert rendered(cli, write(tmp_path, text)) == {
        "job": {"script": "echo two"},
        "other": {"script": "b", "stage": "test"},
    }


def test_a_duplicate_key_with_a_bad_value_is_reported_at_the_last(cli, tmp_path: Path) -> None:
    text = "job:\n  script: echo\n  when: always\n  when: sometimes\n"
    validate = timed(cli, "validate", "--format", "json", write(tmp_path, text))
    assert validate.code == 1
    (report,) = json.loads(validate.out)
    assert [(p["line"], p["column"], p["json_path"]) for p in report["problems"]] == [(4, 3, "job.when")]


def test_a_yaml_syntax_error_is_reported_in_psychs_words(cli, tmp_path: Path) -> None:
    message = "(<unknown>): mapping values are not allowed in this context at line 1 column 14"
    assert_refused(cli, write(tmp_path, "invalid: yaml: all the time\n"), message, (1, 14))


def test_a_syntax_error_in_a_body_counts_lines_from_the_divider_as_psych_does(cli, tmp_path: Path) -> None:
    """GitLab parses each piece alone: Psych's line is the body's, the place is the file's."""
    text = "spec:\n  inputs:\n    a:\n      default: x\n---\njob:\n  script: [\n"
    message = "(<unknown>): did not find expected node content while parsing a flow node at line 3 column 1"
    assert_refused(cli, write(tmp_path, text), message, (8, 1))


def test_a_tab_indent_is_a_syntax_error(cli, tmp_path: Path) -> None:
    message = (
        "(<unknown>): found character that cannot start any token while scanning for the next token at line 2 column 1"
    )
    assert_refused(cli, write(tmp_path, "job:\n\tscript: echo\n"), message, (2, 1))


HTML = """\
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Sign in · GitLab</title>
  <style>body { margin: 0; font-family: sans-serif; }</style>
</head>
<body><p>You need to sign in or sign up before continuing.</p></body>
</html>
"""


@pytest.mark.parametrize(
    "text",
    [HTML, "<!DOCTYPE html>\n<html><body>Not found</body></html>\n"],
    ids=["sign-in-page", "plain-page"],
)
def test_an_html_page_is_not_a_configuration(cli, tmp_path: Path, text: str) -> None:
    assert_refused(cli, write(tmp_path, text), NOT_A_HASH)


@pytest.mark.parametrize(
    "text",
    ["- job\n- other\n", "just a string\n", "42\n", "spec:\n  inputs: {}\n---\n- a\n"],
    ids=["list", "string", "number", "list-after-a-header"],
)
def test_a_top_level_that_is_not_a_mapping_is_an_invalid_format(cli, tmp_path: Path, text: str) -> None:
    assert_refused(cli, write(tmp_path, text), NOT_A_HASH)


def test_a_top_level_list_is_placed_at_its_start(cli, tmp_path: Path) -> None:
    assert_refused(cli, write(tmp_path, "# a comment\n- job\n- other\n"), NOT_A_HASH, (2, 1))


# --- files that cannot be read -----------------------------------------------------------------


def test_a_missing_file_is_named(cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yml"
    render = timed(cli, "render", missing)
    assert render.code == 2 and render.out == ""
    assert str(missing) in render.err and len(render.err.splitlines()) <= 2

    validate = timed(cli, "validate", "--format", "json", missing)
    assert validate.code == 1
    assert json.loads(validate.out) == [
        {
            "file": str(missing),
            "valid": False,
            "problems": [
                {
                    "file": str(missing),
                    "line": 0,
                    "column": 0,
                    "rule": "load",
                    "severity": "error",
                    "message": "cannot read the file: No such file or directory",
                    "json_path": "",
                }
            ],
        }
    ]
    text = timed(cli, "validate", missing)
    assert text.out == f"{missing}: error: cannot read the file: No such file or directory\n"


def test_a_directory_is_not_a_file(cli, tmp_path: Path) -> None:
    render = timed(cli, "render", tmp_path)
    assert render.code == 2 and str(tmp_path) in render.err
    validate = timed(cli, "validate", tmp_path)
    assert validate.code == 1
    assert validate.out == f"{tmp_path}: error: cannot read the file: Is a directory\n"


def test_an_unreadable_file_is_named(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = write(tmp_path, "job:\n  script: echo\n", "locked.yml")
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        locked.chmod(0)
    else:  # root reads anything: refuse the read the way the OS would
        real_open = pathlib.Path.open

        def refuse(self: pathlib.Path, *args: Any, **kwargs: Any) -> Any:
            if self == locked:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(pathlib.Path, "open", refuse)
    try:
        message = "cannot read the file: Permission denied"
        render = timed(cli, "render", locked)
        assert render.code == 1
        assert render.err.splitlines() == [message, f"  {locked}: {message}"]
        validate = timed(cli, "validate", locked)
        assert (validate.code, validate.out) == (1, f"{locked}: error: {message}\n")
    finally:
        locked.chmod(0o644)
