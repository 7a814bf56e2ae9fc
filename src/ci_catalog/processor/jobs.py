"""The jobs, and each kind of job.

Follows lib/gitlab/ci/config/entry/jobs.rb, processable.rb, job.rb, bridge.rb and
hidden.rb. A job is hidden (`.name`), a job (it has `script:` or `run:`), a trigger job
(`trigger:`, `needs:` or `status:`), or nothing GitLab can run (`jobs rspec config
should implement the script:, run:, or trigger: keyword`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ci_catalog.processor import duration
from ci_catalog.processor.artifacts import Artifacts
from ci_catalog.processor.cache import Caches
from ci_catalog.processor.entry import Checks, Factory, Node, always, nested
from ci_catalog.processor.environment import Environment, Release
from ci_catalog.processor.images import Image, Services
from ci_catalog.processor.inherit import Inherit
from ci_catalog.processor.keywords import (
    MAX_NESTING_LEVEL,
    AllowFailure,
    Boolean,
    Commands,
    Coverage,
    Hooks,
    IdTokens,
    Pages,
    Publish,
    Retry,
    Stage,
    Tags,
    Timeout,
)
from ci_catalog.processor.needs import Needs, job_needs
from ci_catalog.processor.parallel import Parallel
from ci_catalog.processor.rubyish import blank, is_hash
from ci_catalog.processor.rules import JOB_RULE_KEYS, JOB_RULE_WHEN, Policy, Rules
from ci_catalog.processor.steps import run_errors
from ci_catalog.processor.trigger import Trigger
from ci_catalog.processor.variables import JOB_DATA, Variables

MAX_JOB_NAME_LENGTH = 255
PROCESSABLE_KEYS = (
    "extends",
    "stage",
    "only",
    "except",
    "rules",
    "variables",
    "inherit",
    "allow_failure",
    "when",
    "needs",
    "resource_group",
    "environment",
    "interruptible",
)
JOB_KEYS = (
    "tags",
    "script",
    "image",
    "services",
    "start_in",
    "artifacts",
    "cache",
    "dependencies",
    "before_script",
    "after_script",
    "hooks",
    "coverage",
    "retry",
    "parallel",
    "timeout",
    "release",
    "id_tokens",
    "publish",
    "pages",
    "manual_confirmation",
    "run",
    # GitLab's EE edition (gitlab.com) and newer keywords the JSON schema lists.
    "secrets",
    "dast_configuration",
    "identity",
    "inputs",
)
JOB_WHEN = ("on_success", "on_failure", "always", "manual", "delayed")
BRIDGE_KEYS = ("trigger", "parallel", "status")  # `status`: GitLab's EE edition
BRIDGE_WHEN = ("on_success", "on_failure", "always", "manual")
IMPLEMENT = "config should implement the script:, run:, or trigger: keyword"


def _policy(value: Any) -> type[Node]:
    return Policy(value)


_PROCESSABLE_NODES: tuple[tuple[str, Factory, dict[str, Any]], ...] = (
    ("stage", always(Stage), {}),
    ("only", _policy, {}),
    ("except", _policy, {}),
    ("rules", always(Rules), {"allowed_when": JOB_RULE_WHEN, "allowed_keys": JOB_RULE_KEYS}),
    ("variables", always(Variables), {"allowed_value_data": JOB_DATA}),
    ("inherit", always(Inherit), {}),
    ("environment", always(Environment), {}),
    ("interruptible", always(Boolean), {}),
)


class _Processable(Node):
    """processable.rb: what a job and a trigger job share."""

    allowed: ClassVar[tuple[str, ...]] = ()

    @property
    def name(self) -> str:
        return str(self.meta.get("name", self.key))

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.presence("config")
        name_type = self.meta.get("name_type")
        if blank(self.name) or name_type == "NilClass":
            v.add("name", "can't be blank", self.path)
        if name_type is not None:
            v.add("name", "should be a symbol", self.path)
        if len(self.name) > MAX_JOB_NAME_LENGTH:
            v.add("name", f"is too long (maximum is {MAX_JOB_NAME_LENGTH} characters)", self.path)
        v.mutually_exclusive_keys(("script", "trigger"))
        v.mutually_exclusive_keys(("run", "trigger"))
        if self.attribute("rules") is not None:
            v.disallowed_keys(("only", "except", "start_in"), "key may not be used with `rules`", ignore_nil=True)
        if self.attribute("extends") is not None:
            v.array_of_strings_or_string("extends")
        rules = self.attribute("rules")
        if rules is not None and not (isinstance(rules, list) and nested(rules, MAX_NESTING_LEVEL, is_hash)):
            v.add("rules", "should be an array containing hashes and arrays of hashes")
        if self.attribute("resource_group") is not None:
            v.type("resource_group", "String")
        self.validate_kind(v)

    def validate_kind(self, v: Checks) -> None:
        """The checks of the job's kind, after the shared ones."""


class Job(_Processable):
    """job.rb: a job GitLab runs on a runner."""

    label = "job"
    nodes = (
        *_PROCESSABLE_NODES,
        ("before_script", always(Commands), {}),
        ("script", always(Commands), {}),
        ("after_script", always(Commands), {}),
        ("hooks", always(Hooks), {}),
        ("cache", always(Caches), {}),
        ("image", always(Image), {}),
        ("services", always(Services), {}),
        ("timeout", always(Timeout), {}),
        ("retry", Retry, {}),
        ("tags", always(Tags), {}),
        ("artifacts", always(Artifacts), {}),
        ("needs", always(Needs), {"allowed_needs": ("job", "cross_dependency")}),
        ("coverage", always(Coverage), {}),
        ("release", always(Release), {}),
        ("parallel", Parallel, {}),
        ("allow_failure", always(AllowFailure), {}),
        ("id_tokens", always(IdTokens), {}),
        ("publish", always(Publish), {}),
        ("pages", always(Pages), {}),
    )

    def validate_kind(self, v: Checks) -> None:
        v.allowed_keys(JOB_KEYS + PROCESSABLE_KEYS)
        v.mutually_exclusive_keys(("script", "run"))
        if not self.has("run"):
            v.presence("script")
        given = {key for key, value in self.config.items() if value is not None}
        if "when" in given:
            v.type("when", "String")
            v.inclusion("when", JOB_WHEN, "should be one of: " + ", ".join(JOB_WHEN))
        if "dependencies" in given:
            v.array_of_strings("dependencies")
        if "allow_failure" in given:
            v.hash_or_boolean("allow_failure")
        if "manual_confirmation" in given:
            v.type("manual_confirmation", "String")
        if "run" in given:
            for message in run_errors(self.config["run"]):
                v.add("run", message)
        delayed = self.attribute("when") == "delayed"
        if delayed:
            v.duration("start_in", limit=duration.ONE_WEEK)
        if self.has("rules") or not delayed:
            v.absence("start_in")
        if not self._pages_job():
            v.absence("publish", "can only be used within a `pages` job")

    def _pages_job(self) -> bool:
        if not blank(self.attribute("pages")):
            return True
        return self.name == "pages" and self.attribute("pages") is not False

    def validate_composed(self, v: Checks) -> None:
        dependencies = self.attribute("dependencies")
        needs = self.entries.get("needs")
        if blank(dependencies) or needs is None or not needs.valid() or not isinstance(dependencies, list):
            return
        kinds = {getattr(entry, "kind", None) for entry in needs.entries.values()}
        if "job" not in kinds and "cross_dependency" in kinds:
            v.add("needs", "corresponding to dependencies must be from the same pipeline")
            return
        names = [need["name"] for need in job_needs(needs.config)]
        missing = [name for name in dependencies if name not in names]
        if missing:
            v.add("dependencies", f"the {', '.join(missing)} should be part of needs")


class Bridge(_Processable):
    """bridge.rb (with the EE edition's `status`): a trigger job, which starts a downstream
    pipeline or mirrors an upstream one's status."""

    label = "bridge"
    nodes = (
        *_PROCESSABLE_NODES,
        ("trigger", Trigger, {}),
        ("needs", always(Needs), {"allowed_needs": ("job", "bridge")}),
        ("parallel", Parallel, {"allowed_strategies": ("matrix",)}),
    )

    def validate_kind(self, v: Checks) -> None:
        v.allowed_keys(BRIDGE_KEYS + PROCESSABLE_KEYS)
        if self.attribute("when") is not None:
            v.inclusion("when", BRIDGE_WHEN, "should be one of: " + ", ".join(BRIDGE_WHEN))
        if self.attribute("allow_failure") is not None:
            v.boolean("allow_failure")

    def validate_composed(self, v: Checks) -> None:
        needs = self.entries.get("needs")
        upstream: list[Any] = []
        if self.attribute("status") is not None:
            upstream = [self.attribute("status")]
        elif needs is not None and needs.valid():
            upstream = [entry for entry in needs.entries.values() if getattr(entry, "kind", None) == "bridge"]
        if "trigger" not in self.entries and not upstream:
            v.add("config", "should contain one of the keywords; trigger, status or needs:pipeline")
        if len(upstream) > 1:
            v.add("config", "should contain at most one bridge need")
        if self.attribute("needs") is not None and self.attribute("status") is not None:
            v.add("config", 'should not contain both "needs" and "status" keywords')


class Hidden(Node):
    """hidden.rb: a `.name` template, checked only for having a value."""

    label = "hidden"

    def validate(self, v: Checks) -> None:
        v.presence("config")


def job_kind(name: str, value: Any) -> type[Node] | None:
    """Jobs.find_type: hidden, a job, a trigger job, or None."""
    if name.startswith("."):
        return Hidden
    if is_hash(value) and ("script" in value or "run" in value):
        return Job
    if is_hash(value) and any(key in value for key in ("trigger", "needs", "status")):
        return Bridge
    return None


class Jobs(Node):
    """jobs.rb: every job; at least one of them visible (not for a component's body)."""

    label = "jobs"

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        for name, value in self.config.items():
            if job_kind(name, value) is None:
                v.add(name, IMPLEMENT, (name,))
        if not (self.opt("component") or self.opt("partial")) and not any(
            job_kind(name, value) in (Job, Bridge) for name, value in self.config.items()
        ):
            v.add("config", "should contain at least one visible job", ())

    def build(self, deps: Any) -> None:
        key_types = self.opt("key_types") or {}
        for name, value in self.config.items():
            kind = job_kind(name, value)
            if kind is not None:
                config = {} if value is None else value
                # GitLab names a job by its key, which is a Symbol unless YAML read a number.
                key = None if key_types.get((name,)) == "NilClass" else name
                self.add_entry(
                    key, always(kind), config, path=(name,), slot=name, name=name, name_type=key_types.get((name,))
                )
        self.compose_entries(deps)
