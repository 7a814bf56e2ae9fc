"""The keywords whose value is checked on its own: scripts, stages, durations, flags.

Each class names the GitLab entry it follows, in lib/gitlab/ci/config/entry/ (or
lib/gitlab/config/entry/ for the generic ones).
"""

from __future__ import annotations

from typing import Any

from ci_catalog.cimodel import MAX_SCRIPT_NESTING
from ci_catalog.expressions import is_regexp, looks_like_regexp
from ci_catalog.processor import duration
from ci_catalog.processor.entry import Checks, Node, Unknown, always, strategies
from ci_catalog.processor.rubyish import is_hash, is_integer, is_string

MAX_NESTING_LEVEL = MAX_SCRIPT_NESTING


# `default:`'s keywords (entry/default.rb ALLOWED_KEYS); `inherit: default:` may name the
# same ones (inherit/default.rb takes that very list).
DEFAULT_KEYWORDS = (
    "before_script",
    "after_script",
    "hooks",
    "cache",
    "image",
    "services",
    "interruptible",
    "timeout",
    "retry",
    "tags",
    "artifacts",
    "id_tokens",
)


class Commands(Node):
    """commands.rb: `script`, `before_script`, `after_script`, hook scripts."""

    label = "commands"

    def validate(self, v: Checks) -> None:
        v.string_or_nested_array_of_strings("config", MAX_NESTING_LEVEL)


class Stage(Node):
    """stage.rb."""

    label = "stage"

    def validate(self, v: Checks) -> None:
        v.type("config", "String")


class Stages(Node):
    """stages.rb."""

    label = "stages"

    def validate(self, v: Checks) -> None:
        v.nested_array_of_strings("config", MAX_NESTING_LEVEL)


class Boolean(Node):
    """lib/gitlab/config/entry/boolean.rb."""

    label = "boolean"

    def validate(self, v: Checks) -> None:
        v.boolean("config")


class ArrayOfStrings(Node):
    """lib/gitlab/config/entry/array_of_strings.rb."""

    label = "array of strings"

    def validate(self, v: Checks) -> None:
        v.array_of_strings("config")


class Paths(ArrayOfStrings):
    """paths.rb."""

    label = "paths"


class Tags(Node):
    """tags.rb: at most 49 tags (the `ci_build_tags_limit` check is `>= 50`)."""

    label = "tags"
    LIMIT = 50

    def validate(self, v: Checks) -> None:
        v.array_of_strings("config")
        if isinstance(self.config, list) and len(self.config) >= self.LIMIT:
            v.add("config", f"must be less than the limit of {self.LIMIT} tags")


class Timeout(Node):
    """timeout.rb: a duration of at most Project::MAX_BUILD_TIMEOUT (one month)."""

    label = "timeout"

    def validate(self, v: Checks) -> None:
        v.duration("config", limit=duration.ONE_MONTH)


class Coverage(Node):
    """coverage.rb: a `/regexp/` RE2 compiles."""

    label = "coverage"

    def validate(self, v: Checks) -> None:
        value = self.config
        if not (is_string(value) and looks_like_regexp(value) and is_regexp(value)):
            v.add("config", "must be a regular expression with re2 syntax")


class Publish(Node):
    """publish.rb."""

    label = "publish"

    def validate(self, v: Checks) -> None:
        v.type("config", "String")


class Pages(Node):
    """pages.rb."""

    label = "pages"
    ALLOWED_KEYS = ("path_prefix", "expire_in", "publish")

    def validate(self, v: Checks) -> None:
        v.hash_or_boolean("config")
        v.allowed_keys(self.ALLOWED_KEYS)
        if self.attribute("path_prefix") is not None:
            v.type("path_prefix", "String")
        if self.attribute("expire_in") is not None:
            v.duration("expire_in", never=True)
        if self.attribute("publish") is not None:
            v.type("publish", "String")


class Hooks(Node):
    """hooks.rb."""

    label = "hooks"
    nodes = (("pre_get_sources_script", always(Commands), {}),)

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(("pre_get_sources_script",))


class IdToken(Node):
    """id_token.rb."""

    label = "id token"

    def validate(self, v: Checks) -> None:
        v.required_keys(("aud",))
        v.allowed_keys(("aud",))
        v.array_of_strings_or_string("aud")


class IdTokens(Node):
    """An `id_tokens` mapping (a ComposableHash of id_token.rb entries)."""

    label = "id tokens"

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")

    def build(self, deps: Any) -> None:
        for name, value in self.config.items():
            self.add_entry(name, always(IdToken), {} if value is None else value)
        self.compose_entries(deps)


class AllowFailure(Node):
    """allow_failure.rb."""

    label = "allow failure"

    def validate(self, v: Checks) -> None:
        v.hash_or_boolean("config")
        v.allowed_keys(("exit_codes",))
        if self.attribute("exit_codes") is not None:
            v.array_of_integers_or_integer("exit_codes")


class _SimpleRetry(Node):
    """retry.rb SimpleRetry: 0 to 2 (its location is `retry`, wherever it is)."""

    @property
    def location(self) -> str:
        return "retry"

    def validate(self, v: Checks) -> None:
        v.numericality("config", 0, 2)


class _FullRetry(Node):
    ALLOWED_KEYS = ("max", "when", "exit_codes")

    @property
    def location(self) -> str:
        return "retry"

    def validate(self, v: Checks) -> None:
        v.allowed_keys(self.ALLOWED_KEYS)
        if self.attribute("max") is not None:
            v.numericality("max", 0, 2)
        when = self.attribute("when")
        if when is not None:
            v.array_of_strings_or_string("when")
            if isinstance(when, list):
                v.allowed_array_values("when", RETRY_WHEN)
            elif isinstance(when, str):
                v.inclusion("when", RETRY_WHEN)
        if self.attribute("exit_codes") is not None:
            v.array_of_integers_or_integer("exit_codes")


class _UnknownRetry(Unknown):
    text = "retry config has to be either an integer or a hash"


Retry = strategies((is_integer, _SimpleRetry), (is_hash, _FullRetry), unknown=_UnknownRetry)

# Ci::Build.failure_reasons (app/models/concerns/enums/ci/commit_status.rb) and `always`.
RETRY_WHEN = (
    "always",
    "unknown_failure",
    "script_failure",
    "api_failure",
    "stuck_or_timeout_failure",
    "runner_system_failure",
    "missing_dependency_failure",
    "runner_unsupported",
    "stale_schedule",
    "job_execution_timeout",
    "archived_failure",
    "unmet_prerequisites",
    "scheduler_failure",
    "data_integrity_failure",
    "forward_deployment_failure",
    "user_blocked",
    "project_deleted",
    "ci_quota_exceeded",
    "pipeline_loop_detected",
    "no_matching_runner",
    "trace_size_exceeded",
    "builds_disabled",
    "environment_creation_failure",
    "deployment_rejected",
    "failed_outdated_deployment_job",
    "job_execution_server_timeout",
    "stuck_pending_with_matching_runners",
    "stuck_pending_no_matching_runners",
    "no_updates_running",
    "no_updates_canceling",
    "server_timeout_running",
    "server_timeout_canceling",
    "runner_configuration_error",
    "runner_external_dependency_failure",
    "runner_interrupted",
    "protected_environment_failure",
    "insufficient_bridge_permissions",
    "downstream_bridge_project_not_found",
    "invalid_bridge_trigger",
    "upstream_bridge_project_not_found",
    "insufficient_upstream_permissions",
    "bridge_pipeline_is_child_pipeline",
    "downstream_pipeline_creation_failed",
    "secrets_provider_not_found",
    "reached_max_descendant_pipelines_depth",
    "ip_restriction_failure",
    "reached_max_pipeline_hierarchy_size",
    "reached_downstream_pipeline_trigger_rate_limit",
    "duo_workflow_not_allowed",
    "job_router_failure",
    "job_token_expired",
    "id_token_burned_project_path",
    "downstream_project_trigger_resolved_to_empty",
)
