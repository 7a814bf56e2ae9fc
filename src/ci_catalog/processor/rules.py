"""`rules`, `only`/`except` and `workflow`.

Follows lib/gitlab/ci/config/entry/rules.rb, rules/rule.rb, rules/rule/changes.rb,
rules/rule/exists.rb, policy.rb, workflow.rb and auto_cancel.rb. Which `when` values and
which keys a rule takes depend on where it is: the metadata `allowed_when` and
`allowed_keys` the job or `workflow` gives its rules.
"""

from __future__ import annotations

from typing import Any

from ci_catalog.expressions import is_regexp, is_valid, looks_like_regexp
from ci_catalog.processor import duration
from ci_catalog.processor.entry import Checks, Node, Unknown, always, flat_items, is_array_of_strings, strategies
from ci_catalog.processor.needs import Needs
from ci_catalog.processor.rubyish import blank, is_hash, is_string
from ci_catalog.processor.variables import Variables

JOB_RULE_WHEN = ("on_success", "on_failure", "always", "never", "manual", "delayed")
JOB_RULE_KEYS = ("if", "changes", "exists", "when", "start_in", "allow_failure", "variables", "needs", "interruptible")
WORKFLOW_RULE_WHEN = ("always", "never")
WORKFLOW_RULE_KEYS = (
    "if",
    "changes",
    "exists",
    "when",
    "start_in",
    "allow_failure",
    "variables",
    "needs",
    "auto_cancel",
)
MAX_PATHS = 50
ON_NEW_COMMIT = ("conservative", "interruptible", "none")
ON_JOB_FAILURE = ("none", "all")


class _SimpleChanges(Node):
    def validate(self, v: Checks) -> None:
        v.array_of_strings("config")
        if isinstance(self.config, list) and len(self.config) > MAX_PATHS:
            v.add("config", f"has too many entries (maximum {MAX_PATHS})")


class _ComplexChanges(Node):
    def validate(self, v: Checks) -> None:
        v.allowed_keys(("paths", "compare_to"))
        v.required_keys(("paths",))
        v.array_of_strings("paths")
        paths = self.attribute("paths")
        if isinstance(paths, list) and len(paths) > MAX_PATHS:
            v.add("paths", f"has too many entries (maximum {MAX_PATHS})")
        if self.attribute("compare_to") is not None:
            v.type("compare_to", "String")


class _UnknownChanges(Unknown):
    text = "{location} should be an array or a hash"


Changes = strategies(
    (lambda value: isinstance(value, list), _SimpleChanges), (is_hash, _ComplexChanges), unknown=_UnknownChanges
)


class _SimpleExists(Node):
    def validate(self, v: Checks) -> None:
        if isinstance(self.config, list):
            v.array_of_strings("config")
            if len(self.config) > MAX_PATHS:
                v.add("config", f"has too many entries (maximum {MAX_PATHS})")


class _ComplexExists(Node):
    def validate(self, v: Checks) -> None:
        v.allowed_keys(("paths", "project", "ref"))
        v.required_keys(("paths",))
        if self.attribute("ref") is not None:
            if not self.has("project"):
                v.add("config", "missing required keys: project")
        paths = self.attribute("paths")
        if paths is not None:
            v.array_of_strings("paths")
            if isinstance(paths, list) and len(paths) > MAX_PATHS:
                v.add("paths", f"has too many entries (maximum {MAX_PATHS})")
        for name in ("project", "ref"):
            if self.attribute(name) is not None:
                v.type(name, "String")


class _UnknownExists(Unknown):
    text = "{location} should be a string, an array of strings, or a hash"


Exists = strategies(
    (lambda value: is_string(value) or isinstance(value, list) or blank(value), _SimpleExists),
    (is_hash, _ComplexExists),
    unknown=_UnknownExists,
)


class AutoCancel(Node):
    label = "auto cancel"

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(("on_new_commit", "on_job_failure"))
        for name, allowed in (("on_new_commit", ON_NEW_COMMIT), ("on_job_failure", ON_JOB_FAILURE)):
            if self.attribute(name) is not None:
                v.type(name, "String")
                v.inclusion(name, allowed, "must be one of: " + ", ".join(allowed))


class Rule(Node):
    label = "rule"
    nodes = (
        ("changes", Changes, {}),
        ("exists", Exists, {}),
        ("variables", always(Variables), {}),
        ("needs", always(Needs), {"allowed_needs": ("job",)}),
        ("auto_cancel", always(AutoCancel), {}),
    )

    def validate(self, v: Checks) -> None:
        v.presence("config")
        v.type("config", "Hash")
        delayed = self.attribute("when") == "delayed"
        if not delayed:
            v.disallowed_keys(("start_in",))
        else:
            v.presence("start_in")
            v.duration("start_in", limit=duration.ONE_WEEK)
        if self.attribute("if") is not None and not is_valid(self.attribute("if")):
            v.add("if", "invalid expression syntax")
        for name in ("allow_failure", "interruptible"):
            if self.attribute(name) is not None:
                v.boolean(name)
        if self.attribute("when") is not None:
            v.allowed_values("when", self.opt("allowed_when") or ())
        v.allowed_keys(self.opt("allowed_keys") or ())


class Rules(Node):
    label = "rules"

    def validate(self, v: Checks) -> None:
        v.presence("config")
        v.type("config", "Array")

    def build(self, deps: Any) -> None:
        for slot, (path, value) in enumerate(flat_items(self.config, self.path)):
            self.add_entry("rule", always(Rule), value, path=path, slot=slot)
        self.compose_entries(deps)


def _string_or_regexp(value: Any) -> bool:
    if not is_string(value):
        return False
    return is_regexp(value) if looks_like_regexp(value) else True


class _RefsPolicy(Node):
    def validate(self, v: Checks) -> None:
        if not (isinstance(self.config, list) and all(_string_or_regexp(item) for item in self.config)):
            v.add("config", "should be an array of strings or regular expressions using re2 syntax")


class _ComplexPolicy(Node):
    def validate(self, v: Checks) -> None:
        v.presence("config")
        v.allowed_keys(("refs", "kubernetes", "variables", "changes"))
        variables = self.attribute("variables")
        if isinstance(variables, list):
            for statement in variables:
                if not is_valid(statement):
                    v.add("variables", "Invalid expression syntax")
        refs = self.attribute("refs")
        if refs is not None and not (isinstance(refs, list) and all(_string_or_regexp(item) for item in refs)):
            v.add("refs", "should be an array of strings or regular expressions using re2 syntax")
        if self.attribute("kubernetes") is not None:
            v.allowed_values("kubernetes", ("active",))
        for name in ("variables", "changes"):
            if self.attribute(name) is not None and not is_array_of_strings(self.attribute(name)):
                v.add(name, "should be an array of strings")


class _UnknownPolicy(Unknown):
    text = "{location} has to be either an array of conditions or a hash"


Policy = strategies(
    (lambda value: isinstance(value, list), _RefsPolicy), (is_hash, _ComplexPolicy), unknown=_UnknownPolicy
)


class Workflow(Node):
    label = "workflow"
    nodes = (
        ("rules", always(Rules), {"allowed_when": WORKFLOW_RULE_WHEN, "allowed_keys": WORKFLOW_RULE_KEYS}),
        ("auto_cancel", always(AutoCancel), {}),
    )

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(("rules", "name", "auto_cancel"))
        if self.attribute("name") is not None:
            v.length("name", minimum=1, maximum=255)
