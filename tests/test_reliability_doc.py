"""docs/reliability.md names a real test on every row.

Each table row's last cell names the tests that prove it (`tests/<file>.py::<test>`,
parametrised tests without their ids); a name that no longer exists, a row that names
none, or a table with no rows fails here.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"
HEADER = "| input or fault | what happens | test |"
SECTIONS = ("## The harness", "## Security", "## Data loss", "## The components")
TEST_REFERENCE = re.compile(r"`(tests/[\w/.-]+\.py)::(\w+)`")


@dataclass(frozen=True)
class Row:
    section: str
    line: int
    text: str

    @property
    def test_cell(self) -> str:
        # The last cell: the text between the last two pipes (earlier cells may hold `|`).
        return self.text.rstrip().removesuffix("|").rsplit("|", 1)[-1]


def table_rows() -> list[Row]:
    rows: list[Row] = []
    section = ""
    for number, line in enumerate(DOC.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("## "):
            section = line
        elif line.startswith("|") and line != HEADER and not set(line) <= set("|-: "):
            rows.append(Row(section, number, line))
    return rows


@functools.cache
def defined_tests(file: str) -> frozenset[str]:
    """The test functions a file defines, at module level or in a class."""
    tree = ast.parse((ROOT / file).read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    )


ROWS = table_rows() if DOC.exists() else []


def test_the_document_has_every_section_and_the_table_heading() -> None:
    text = DOC.read_text(encoding="utf-8")
    for heading in SECTIONS:
        assert heading in text.splitlines(), heading
    assert HEADER in text.splitlines()


def test_the_table_is_not_empty() -> None:
    assert ROWS, "docs/reliability.md has no table rows"
    for section in SECTIONS:
        assert any(row.section == section for row in ROWS), f"the section {section} has no rows"


@pytest.mark.parametrize("row", ROWS, ids=[f"line-{row.line}" for row in ROWS])
def test_every_row_names_tests_that_exist(row: Row) -> None:
    references = TEST_REFERENCE.findall(row.test_cell)
    assert references, f"line {row.line}: the test cell names no `tests/<file>.py::<test>`"
    for file, name in references:
        assert (ROOT / file).is_file(), f"line {row.line}: no file {file}"
        assert name in defined_tests(file), f"line {row.line}: {file} has no test {name}"
