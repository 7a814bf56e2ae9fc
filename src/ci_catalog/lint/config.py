"""Lint configuration: which rules run and how severe they are.

Read from `catalog.yml` (key `lint`) or, for a project without one, from
`[tool.ci-catalog]` in pyproject.toml:

    lint:
      select: [only-except, unpinned-image]   # default: every rule
      ignore: [hard-coded-stage]
      severity: {unpinned-image: error}
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from ci_catalog.exits import UsageError
from ci_catalog.lint.rules import ALL_RULES, RULES_BY_ID
from ci_catalog.options import read_yaml_file

SEVERITIES = ("error", "warning")


class ConfigError(UsageError):
    """A configuration mistake: the message names the file and the fix (exit code 2)."""


@dataclass
class LintConfig:
    select: set[str] | None = None
    ignore: set[str] = field(default_factory=set)
    severity: dict[str, str] = field(default_factory=dict)
    source: str = "defaults"

    def enabled(self, scope: str) -> list[ModuleType]:
        return [
            rule
            for rule in ALL_RULES
            if rule.SCOPE == scope and (self.select is None or rule.ID in self.select) and rule.ID not in self.ignore
        ]

    def severity_of(self, rule: ModuleType) -> str:
        return self.severity.get(rule.ID, rule.SEVERITY)


def find_config(start: Path) -> LintConfig:
    """The configuration for files under `start`: the nearest catalog.yml or pyproject.toml."""
    folder = start if start.is_dir() else start.parent
    for candidate in [folder.resolve(), *folder.resolve().parents]:
        manifest = candidate / "catalog.yml"
        if manifest.is_file():
            data = read_yaml_file(str(manifest), "catalog.yml")
            section = data.get("lint") if isinstance(data, dict) else None
            return parse_config(section, f"{manifest}: lint")
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            return parse_config(_pyproject_section(pyproject), f"{pyproject}: [tool.ci-catalog]")
    return LintConfig()


def _pyproject_section(path: Path) -> Any:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read it: {error}") from None
    return data.get("tool", {}).get("ci-catalog")


def parse_config(section: Any, where: str) -> LintConfig:
    if section is None:
        return LintConfig(source=where)
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: expected a mapping with select, ignore and severity")
    unknown = sorted(set(section) - {"select", "ignore", "severity"})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; use select, ignore, severity")
    config = LintConfig(source=where)
    if "select" in section:
        config.select = set(_rule_ids(section["select"], f"{where}.select"))
    config.ignore = set(_rule_ids(section.get("ignore") or [], f"{where}.ignore"))
    config.severity = _severities(section.get("severity") or {}, f"{where}.severity")
    return config


def _rule_ids(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: expected a list of rule ids")
    unknown = [item for item in value if item not in RULES_BY_ID]
    if unknown:
        raise ConfigError(f"{where}: no such rule {', '.join(unknown)} (see `ci-catalog rules`)")
    return value


def _severities(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping of rule id to error or warning")
    _rule_ids(list(value), where)
    bad = {key: level for key, level in value.items() if level not in SEVERITIES}
    if bad:
        raise ConfigError(f"{where}: {', '.join(bad)}: severity must be error or warning")
    return dict(value)
