"""The harness's YAML reader gives what Ruby's Psych gives, row by row of a table of Psych's answers.

tests/data/psych-scalars.yaml holds inputs and what GitLab's loader (`YAML.safe_load` with
`permitted_classes: [Symbol], permitted_symbols: [], aliases: true`) loaded for each, as
written by scripts/psych-table.rb under the Ruby and Psych versions named in the file.

Two readings of Psych's answers are deliberate: a Symbol is compared as its name (the
harness keeps symbols as strings, as GitLab's `to_s` and JSON turn them back into
strings), a Hash subclass (`Psych::Omap`) as a Hash, and a binary string (`!!binary`)
that is not UTF-8 as its UTF-8 reading, with U+FFFD for each bad byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_catalog.rubyfmt import float_to_s, ruby_to_s
from ci_catalog.yamlread import Reference, YamlError, read_document

TABLE_PATH = Path(__file__).parent / "data" / "psych-scalars.yaml"
TABLE = yaml.load(TABLE_PATH.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
NO_LIMIT = 1 << 40

# Rows where the harness knowingly gives another answer, and why.
# Where the harness knowingly reads otherwise: the row, and what the harness gives instead.
# Psych loads an Encoding object, which the harness has no model of: it reads the name as
# a string, what the object's to_s gives (Psych's next release refuses the tag: ruby/psych f2e4b9d).
DIVERGENCES = {"!ruby/encoding UTF-8": "UTF-8"}


def expand(entry: str | dict[str, Any]) -> str:
    if isinstance(entry, str):
        return entry
    return entry.get("prefix", "") + entry["repeat"] * entry["times"] + entry.get("suffix", "")


def row_id(entry: str | dict[str, Any]) -> str:
    if isinstance(entry, str):
        return entry if len(entry) < 60 else entry[:57] + "..."
    return f"{entry.get('prefix', '')}{entry['repeat']}*{entry['times']}{entry.get('suffix', '')}"


def describe(value: Any) -> dict[str, Any]:
    """A harness value in the table's terms (class and text, as the generator writes Ruby's)."""
    if value is None or value is True or value is False:
        return {"class": {None: "NilClass", True: "TrueClass", False: "FalseClass"}[value]}
    if isinstance(value, int):
        return {"class": "Integer", "value": str(value)}
    if isinstance(value, float):
        return {"class": "Float", "value": float_to_s(value)}
    if isinstance(value, str):
        return {"class": "String", "value": value}
    if isinstance(value, (list, Reference)):
        return {"class": "Array", "items": [describe(item) for item in value]}
    if isinstance(value, dict):
        return {"class": "Hash", "pairs": [[describe(key), describe(item)] for key, item in value.items()]}
    raise AssertionError(f"not a YAML value: {value!r}")


def ruby_key(answer: dict[str, Any]) -> Any:
    """A described hash key as a Python value, for its Ruby `to_s` (the harness's key)."""
    kind = answer["class"]
    if kind in ("NilClass", "TrueClass", "FalseClass"):
        return {"NilClass": None, "TrueClass": True, "FalseClass": False}[kind]
    if kind == "Integer":
        return int(answer["value"])
    if kind == "Float":
        return float(answer["value"].replace("Infinity", "inf").replace("NaN", "nan"))
    if "items" in answer:
        return [ruby_key(item) for item in answer["items"]]
    if "pairs" in answer:
        return {ruby_to_s(ruby_key(key)): ruby_key(item) for key, item in answer["pairs"]}
    return answer["value"]


def expected(answer: dict[str, Any]) -> dict[str, Any]:
    """Psych's answer as the harness should describe it: symbols as strings, keys as their `to_s`."""
    kind = answer["class"]
    if "bytes" in answer:
        return {"class": "String", "value": bytes.fromhex(answer["bytes"]).decode("utf-8", "replace")}
    if kind in ("String", "Symbol"):
        return {"class": "String", "value": answer["value"]}
    if "items" in answer:
        return {"class": "Array", "items": [expected(item) for item in answer["items"]]}
    if "pairs" in answer:
        pairs = {ruby_to_s(ruby_key(key)): expected(item) for key, item in answer["pairs"]}
        return {"class": "Hash", "pairs": [[{"class": "String", "value": key}, item] for key, item in pairs.items()]}
    return answer


def harness_answer(text: str, value_only: bool) -> dict[str, Any]:
    try:
        document = read_document(text, NO_LIMIT)
    except YamlError as error:
        return {"error": error.message}
    assert document is not None
    return describe(document.data["v"] if value_only else document.data)


def check(text: str, answer: dict[str, Any], value_only: bool) -> None:
    got = harness_answer(text, value_only)
    if "error" in answer:
        assert "error" in got, f"Psych fails with {answer['error']}: {answer['message']}; the harness read {got}"
        if answer["error"].startswith("Psych::"):
            assert answer["message"] in got["error"]
            return
        # A Ruby exception GitLab does not catch: its class, and its message where that
        # names no Ruby object (`#<Psych::Visitors::ToRuby:0x…>`).
        first_line = answer["message"].splitlines()[0]
        assert answer["error"] in got["error"]
        assert "#<" in first_line or first_line in got["error"]
    else:
        assert got == expected(answer)


def test_the_table_names_the_ruby_and_psych_it_came_from() -> None:
    assert TABLE["ruby"] and TABLE["psych"] and TABLE["libyaml"]
    assert len(TABLE["values"]) + len(TABLE["documents"]) >= 300


@pytest.mark.parametrize("row", TABLE["values"], ids=[row_id(row["input"]) for row in TABLE["values"]])
def test_a_value_reads_as_psych_reads_it(row: dict[str, Any]) -> None:
    if row_id(row["input"]) in DIVERGENCES:
        assert read_document(f"v: {expand(row['input'])}\n", NO_LIMIT).data["v"] == DIVERGENCES[row_id(row["input"])]
        return
    check(f"v: {expand(row['input'])}\n", row["answer"], value_only=True)


@pytest.mark.parametrize("row", TABLE["documents"], ids=[row_id(row["input"]) for row in TABLE["documents"]])
def test_a_document_reads_as_psych_reads_it(row: dict[str, Any]) -> None:
    check(row["input"], row["answer"], value_only=False)
