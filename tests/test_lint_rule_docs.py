"""Every lint rule is registered, documented in ruff's form, and does what its docs show.

The `## Example` block of each rule's documentation must make the rule fire and the
`Use instead:` block must not, so the documentation cannot drift from the behaviour.
File rules take a component file; catalog rules take a YAML mapping of file paths (in
the catalog folder) to their text.
"""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from ci_catalog.lint import lint_catalog, lint_text
from ci_catalog.lint import rules as rules_package
from ci_catalog.lint.config import LintConfig
from ci_catalog.lint.rules import ALL_RULES, RULES_BY_ID

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "Use instead:")
_YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def example_blocks(rule: ModuleType) -> tuple[str, str]:
    doc = rule.__doc__ or ""
    bad = _YAML_BLOCK.search(doc.split("## Example", 1)[1])
    good = _YAML_BLOCK.search(doc.split("Use instead:", 1)[1])
    assert bad and good, f"{rule.ID}: the Example and Use instead sections need a ```yaml block each"
    return bad.group(1), good.group(1)


def findings(rule: ModuleType, example: str, tmp_path: Path) -> list[str]:
    config = LintConfig(select={rule.ID})
    if rule.SCOPE == "catalog":
        for name, text in yaml.safe_load(example).items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text or "", encoding="utf-8")
        problems = lint_catalog(tmp_path, config)
    else:
        problems = lint_text(example, "templates/example/template.yml", config)
    return [f"{p.code}: {p.message}" for p in problems if p.code == rule.ID]


def test_every_rule_module_is_registered() -> None:
    modules = {name for _, name, _ in pkgutil.iter_modules(rules_package.__path__) if not name.startswith("_")}
    assert modules == {rule.__name__.rsplit(".", 1)[1] for rule in ALL_RULES}


def test_rule_ids_are_unique_and_kebab_case() -> None:
    assert len(RULES_BY_ID) == len(ALL_RULES)
    for rule_id in RULES_BY_ID:
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule_id), rule_id


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.ID)
def test_rule_metadata_is_complete(rule: ModuleType) -> None:
    assert rule.SEVERITY in ("error", "warning")
    assert rule.SCOPE in ("file", "catalog")
    assert callable(rule.check)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.ID)
def test_rule_documentation_has_ruffs_sections_in_order(rule: ModuleType) -> None:
    doc = rule.__doc__ or ""
    positions = [doc.find(section) for section in SECTIONS]
    assert -1 not in positions, f"{rule.ID}: missing {[s for s, p in zip(SECTIONS, positions, strict=True) if p < 0]}"
    assert positions == sorted(positions), f"{rule.ID}: sections out of order"
    assert doc.split("## What it does", 1)[1].strip().startswith("Checks for"), rule.ID


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.ID)
def test_the_documented_example_is_reported(rule: ModuleType, tmp_path: Path) -> None:
    bad, _ = example_blocks(rule)
    assert findings(rule, bad, tmp_path), f"{rule.ID} does not fire on its own example"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.ID)
def test_the_documented_fix_is_not_reported(rule: ModuleType, tmp_path: Path) -> None:
    _, good = example_blocks(rule)
    assert findings(rule, good, tmp_path) == []
