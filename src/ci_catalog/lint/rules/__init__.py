"""The lint rules, registered here and nowhere else.

Each rule is a module with `ID` (kebab-case, named after the bad pattern), `SEVERITY`
(`error` or `warning`), `SCOPE` (`file`: one CI file; `catalog`: a catalog folder), a
`check(ctx)` generator of problems, and a docstring in ruff's form — `## What it does`,
`## Why is this bad?`, `## Example`, `Use instead:` — whose YAML examples are run by the
test suite, so the documentation cannot drift from the behaviour.
"""

from __future__ import annotations

from types import ModuleType

from ci_catalog.lint.rules import (  # inputs
    only_except,  # jobs
)
from ci_catalog.options import OptionError

ALL_RULES: tuple[ModuleType, ...] = (
    # inputs
    # jobs
    only_except,
    # catalog
    # scripts
)

RULES_BY_ID: dict[str, ModuleType] = {rule.ID: rule for rule in ALL_RULES}


def get_rule(rule_id: str) -> ModuleType:
    try:
        return RULES_BY_ID[rule_id]
    except KeyError:
        raise OptionError(f'no such rule: "{rule_id}" (known: {", ".join(sorted(RULES_BY_ID))})') from None
