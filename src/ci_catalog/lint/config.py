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

from ci_catalog.catalog import MANIFEST, link_out_of, read_manifest
from ci_catalog.exits import UsageError
from ci_catalog.problems import Problem

SEVERITIES = ("error", "warning")


class ConfigError(UsageError):
    """A configuration mistake: the message names the file and the fix (exit code 2)."""


@dataclass
class LintConfig:
    select: set[str] | None = None
    ignore: set[str] = field(default_factory=set)
    severity: dict[str, str] = field(default_factory=dict)
    source: str = "defaults"
    # What is wrong with the configuration's file; the defaults apply meanwhile.
    problems: list[Problem] = field(default_factory=list)

    def enabled(self, scope: str) -> list[ModuleType]:
        from ci_catalog.lint.rules import ALL_RULES  # here: reading a configuration loads no rule

        return [
            rule
            for rule in ALL_RULES
            if rule.SCOPE == scope and (self.select is None or rule.ID in self.select) and rule.ID not in self.ignore
        ]

    def severity_of(self, rule: ModuleType) -> str:
        return self.severity.get(rule.ID, rule.SEVERITY)


def find_config(start: Path) -> LintConfig:
    """The configuration for files under `start`: the nearest catalog.yml or pyproject.toml.

    A configuration that cannot be read, or names rules that do not exist, is a problem
    located in its file (exit 1, as any problem of the catalog), and the defaults apply.
    """
    folder = start if start.is_dir() else start.parent
    for candidate in [folder.resolve(), *folder.resolve().parents]:
        manifest = candidate / MANIFEST
        if manifest.is_file():
            return _from_manifest(manifest)
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            return _from_pyproject(pyproject)
    return LintConfig()


def _from_manifest(path: Path) -> LintConfig:
    problems: list[Problem] = []
    outside = link_out_of(path.parent, path)
    if outside is not None:
        return LintConfig(problems=[outside])
    data, marks = read_manifest(path, problems)
    if problems:
        return LintConfig(problems=problems)
    return _parsed(data.get("lint"), "lint", path, marks.find(("lint",)))


def _from_pyproject(path: Path) -> LintConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return LintConfig(problems=[Problem(f"cannot read pyproject.toml: {error}", str(path), code="config")])
    return _parsed(data.get("tool", {}).get("ci-catalog"), "[tool.ci-catalog]", path, (0, 0))


def _parsed(section: Any, where: str, path: Path, place: tuple[int, int]) -> LintConfig:
    try:
        return parse_config(section, where)
    except ConfigError as error:
        return LintConfig(problems=[Problem(str(error), str(path), *place, code="config")])


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
    from ci_catalog.lint.rules import RULES_BY_ID  # only a configuration that names rules loads them

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
