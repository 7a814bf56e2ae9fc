"""The lint rules, registered here and nowhere else.

Each rule is a module with `ID` (kebab-case, named after the bad pattern), `SEVERITY`
(`error` or `warning`), `SCOPE` (`file`: one CI file; `catalog`: a catalog folder), a
`check(ctx)` generator of problems, and a docstring in ruff's form — `## What it does`,
`## Why is this bad?`, `## Example`, `Use instead:` — whose YAML examples are run by the
test suite, so the documentation cannot drift from the behaviour.
"""

from __future__ import annotations

from types import ModuleType

from ci_catalog.exits import UsageError
from ci_catalog.lint.rules import (  # inputs
    catalog_manifest_mismatch,  # catalog
    closed_input_without_options,  # inputs
    command_not_in_image,  # jobs
    global_keyword_in_component,  # jobs
    hard_coded_gitlab_host,  # jobs
    hard_coded_stage,  # jobs
    hyphenated_input_indexed,  # inputs
    input_in_shell_unescaped,  # jobs
    input_without_description,  # inputs
    interpolation_without_header,  # inputs
    job_name_not_from_input,  # jobs
    literal_secret_variable,  # jobs
    missing_readme,  # catalog
    only_except,  # jobs
    pipe_to_shell,  # jobs
    shellcheck,  # scripts
    template_outside_gitlab_layout,  # catalog
    too_many_components,  # catalog
    undeclared_input,  # inputs
    unpinned_image,  # jobs
    untyped_input_non_string_default,  # inputs
    unused_input,  # inputs
    version_read_as_float,  # inputs
)

ALL_RULES: tuple[ModuleType, ...] = (
    # inputs
    input_without_description,
    untyped_input_non_string_default,
    unused_input,
    undeclared_input,
    hyphenated_input_indexed,
    closed_input_without_options,
    version_read_as_float,
    interpolation_without_header,
    # jobs
    only_except,
    job_name_not_from_input,
    hard_coded_stage,
    global_keyword_in_component,
    hard_coded_gitlab_host,
    unpinned_image,
    pipe_to_shell,
    input_in_shell_unescaped,
    literal_secret_variable,
    command_not_in_image,
    # catalog
    template_outside_gitlab_layout,
    too_many_components,
    missing_readme,
    catalog_manifest_mismatch,
    # scripts
    shellcheck,
)

RULES_BY_ID: dict[str, ModuleType] = {rule.ID: rule for rule in ALL_RULES}


def get_rule(rule_id: str) -> ModuleType:
    try:
        return RULES_BY_ID[rule_id]
    except KeyError:
        raise UsageError(f'no such rule: "{rule_id}" (known: {", ".join(sorted(RULES_BY_ID))})') from None
