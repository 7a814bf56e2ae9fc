"""Values Ruby holds that Python or JSON would not: integers of any length, NaN and Infinity.

Psych reads `0x` and 3,600 `f`s as an Integer and GitLab prints every digit; Python
refuses to print an int of more than 4,300 digits. `.nan` and `.inf` are Floats that
JSON cannot write: GitLab's JSON (ActiveSupport's `Float#as_json`) writes null.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_browse import make_catalog

BIG_INTEGERS = {
    "hex-3600-digits": ("0x" + "f" * 3600, 16**3600 - 1),
    "negative-hex": ("-0x" + "f" * 3600, -(16**3600 - 1)),
    "octal-6000-digits": ("0" + "7" * 6000, 8**6000 - 1),
    "binary-20000-digits": ("0b" + "1" * 20000, 2**20000 - 1),
    "decimal-5000-digits": ("9" * 5000, 10**5000 - 1),
    "base-60-with-a-long-part": ("1" + "0" * 5000 + ":30", 10**5000 * 3600 + 30 * 60),
}


def decimal_text(value: int) -> str:
    """Python's own printing, with its digit limit lifted only here (the harness must not need it)."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return str(value)
    finally:
        sys.set_int_max_str_digits(limit)


def strict_json(text: str) -> Any:
    """JSON as a strict reader takes it: NaN and Infinity are errors; long integers stay text."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse, parse_int=str)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ci.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "value"), BIG_INTEGERS.values(), ids=BIG_INTEGERS.keys())
def test_an_integer_of_any_length_and_base_renders_in_full(cli, tmp_path: Path, text: str, value: int) -> None:
    path = write(tmp_path, f"job:\n  script: echo\n  variables:\n    BIG: {text}\n")
    digits = decimal_text(value)

    as_yaml = cli("render", path)
    assert as_yaml.code == 0, as_yaml.err
    assert f"    BIG: {digits}\n" in as_yaml.out

    as_json = cli("render", path, "--format", "json")
    assert as_json.code == 0, as_json.err
    assert strict_json(as_json.out)["job"]["variables"]["BIG"] == digits


@pytest.mark.parametrize(("text", "value"), BIG_INTEGERS.values(), ids=BIG_INTEGERS.keys())
def test_a_long_integer_where_a_job_belongs_is_a_problem_not_a_crash(
    cli, tmp_path: Path, text: str, value: int
) -> None:
    path = write(tmp_path, f"X: {text}\n")
    for command in (("validate",), ("validate", "--format", "json"), ("lint",), ("lint", "--format", "json")):
        result = cli(*command, path)
        assert result.code in (0, 1) and "Traceback" not in result.err, (command, result.err)
    assert strict_json(cli("validate", "--format", "json", path).out)[0]["valid"] is False


NON_FINITE = "job:\n  script: echo\n  variables:\n    NAN: .nan\n    INF: .inf\n    NEG: -.inf\n    LIST: [.NaN, 1.5]\n"


def test_json_output_writes_nan_and_infinity_as_null_as_gitlab_does(cli, tmp_path: Path) -> None:
    result = cli("render", write(tmp_path, NON_FINITE), "--format", "json")
    assert result.code == 0, result.err
    assert strict_json(result.out)["job"]["variables"] == {"NAN": None, "INF": None, "NEG": None, "LIST": [None, 1.5]}


def test_yaml_output_keeps_nan_and_infinity(cli, tmp_path: Path) -> None:
    result = cli("render", write(tmp_path, NON_FINITE))
    assert result.code == 0, result.err
    variables = yaml.safe_load(result.out)["job"]["variables"]
    assert [repr(variables[name]) for name in ("NAN", "INF", "NEG")] == ["nan", "inf", "-inf"]


COUNTER = """\
spec:
  inputs:
    limit:
      type: number
      default: .inf
    ratio:
      type: number
      default: .nan
---
count:
  script: echo $[[ inputs.limit ]] $[[ inputs.ratio ]]
"""

MANIFEST = """\
version: 1.0.0
project: acme/ci
components:
  counter:
    summary: Counts.
"""


def test_show_json_writes_a_nan_or_infinite_default_as_null(cli, tmp_path: Path) -> None:
    catalog = make_catalog(tmp_path, {"counter": COUNTER}, MANIFEST)
    result = cli("show", "counter", "--catalog", catalog, "--format", "json")
    assert result.code == 0, result.err
    defaults = {item["name"]: item["default"] for item in strict_json(result.out)["inputs"]}
    assert defaults == {"limit": None, "ratio": None}
    assert strict_json(cli("list", catalog, "--format", "json").out)


def test_show_text_writes_a_nan_or_infinite_default_as_yaml_spells_it(cli, tmp_path: Path) -> None:
    catalog = make_catalog(tmp_path, {"counter": COUNTER}, MANIFEST)
    result = cli("show", "counter", "--catalog", catalog)
    assert result.code == 0, result.err
    assert ".inf" in result.out and ".nan" in result.out
    assert "NaN" not in result.out and "Infinity" not in result.out
