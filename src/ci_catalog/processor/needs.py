"""`needs`: needs.rb and need.rb (with the forms GitLab's EE edition adds).

Each item is a job name, `{job:, artifacts:, optional:, parallel:}`, a job of another
pipeline `{pipeline:, job:}`, a job of another project `{project:, job:, ref:}` or, for
a trigger job, an upstream pipeline `{pipeline:}`. Which kinds a place takes is its
`allowed_needs` (a job: `job` and `cross_dependency`; a trigger job: `job` and `bridge`;
a rule: `job`): `jobs:rspec:needs config uses invalid types: bridge`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ci_catalog.processor.entry import Checks, Node, Unknown, flat_items, strategies
from ci_catalog.processor.parallel import Parallel
from ci_catalog.processor.rubyish import is_hash, is_string


class _Need(Node):
    kind: ClassVar[str | None] = None


class _JobString(_Need):
    kind = "job"

    def validate(self, v: Checks) -> None:
        v.presence("config")
        v.type("config", "String")


class _JobHash(_Need):
    kind = "job"
    nodes = (("parallel", Parallel, {"allowed_strategies": ("matrix",)}),)

    def validate(self, v: Checks) -> None:
        v.presence("config")
        v.allowed_keys(("job", "artifacts", "optional", "parallel"))
        v.type("job", "String")
        v.presence("job")
        for name in ("artifacts", "optional"):
            if self.attribute(name) is not None:
                v.boolean(name)


class _CrossPipeline(_Need):
    kind = "cross_dependency"

    def validate(self, v: Checks) -> None:
        v.presence("config")
        v.allowed_keys(("pipeline", "job", "artifacts", "optional", "parallel"))
        for name in ("pipeline", "job"):
            v.type(name, "String")
            v.presence(name)
        if self.attribute("artifacts") is not None:
            v.boolean("artifacts")


class _CrossProject(_Need):
    kind = "cross_dependency"

    def validate(self, v: Checks) -> None:
        v.presence("config")
        v.allowed_keys(("job", "project", "ref", "artifacts", "parallel"))
        for name in ("job", "project", "ref"):
            v.type(name, "String")
            v.presence(name)
        if self.attribute("artifacts") is not None:
            v.boolean("artifacts")


class _UpstreamPipeline(_Need):
    kind = "bridge"

    def validate(self, v: Checks) -> None:
        v.presence("config")
        v.allowed_keys(("pipeline",))
        v.type("pipeline", "String")
        v.presence("pipeline")


class _UnknownNeed(Unknown):
    text = "{location} has an unsupported type"


def _same_pipeline(value: Any) -> bool:
    return is_hash(value) and "job" in value and not any(key in value for key in ("project", "ref", "pipeline"))


def _other_pipeline(value: Any) -> bool:
    return is_hash(value) and "job" in value and "pipeline" in value and "project" not in value


def _upstream(value: Any) -> bool:
    return is_hash(value) and "job" not in value


def _other_project(value: Any) -> bool:
    return is_hash(value) and all(key in value for key in ("job", "project", "ref"))


Need = strategies(
    (is_string, _JobString),
    (_same_pipeline, _JobHash),
    (_other_pipeline, _CrossPipeline),
    (_upstream, _UpstreamPipeline),
    (_other_project, _CrossProject),
    unknown=_UnknownNeed,
)


class Needs(Node):
    label = "needs"
    CROSS_PIPELINE_LIMIT = 5

    def validate(self, v: Checks) -> None:
        if not isinstance(self.config, (dict, list)):
            v.add("config", "can only be a Hash or an Array")
        if isinstance(self.config, dict) and not self.config:
            v.add("config", "can not be an empty Hash")
        if any(_numeric_parallel(item) for _path, item in flat_items(self.config, self.path)):
            v.add("config", 'cannot use "parallel: <number>".')

    def build(self, deps: Any) -> None:
        for slot, (path, value) in enumerate(flat_items(self.config, self.path)):
            self.add_entry("need", Need, value, path=path, slot=slot)
        self.compose_entries(deps)

    def validate_composed(self, v: Checks) -> None:
        needs = [entry for entry in self.entries.values() if isinstance(entry, _Need) and entry.kind is not None]
        allowed = self.opt("allowed_needs") or ()
        extra = [kind for kind in dict.fromkeys(need.kind for need in needs if need.kind) if kind not in allowed]
        if extra:
            v.add("config", "uses invalid types: " + ", ".join(extra))
        other_pipelines = [need for need in needs if isinstance(need, _CrossPipeline) and need.attribute("pipeline")]
        if len(other_pipelines) > self.CROSS_PIPELINE_LIMIT:
            v.add("config", f"must be less than or equal to {self.CROSS_PIPELINE_LIMIT}")


def _numeric_parallel(item: Any) -> bool:
    """`needs:parallel` takes only a matrix; GitLab reports a number on `needs` itself."""
    return is_hash(item) and isinstance(item.get("parallel"), (int, float)) and not isinstance(item["parallel"], bool)


def job_needs(value: Any) -> list[dict[str, Any]]:
    """The `needs:job` list GitLab builds from a valid `needs`: each job's name, whether
    its artifacts are fetched, whether it is optional, its `parallel`, and its place."""
    needs: list[dict[str, Any]] = []
    for path, item in flat_items(value, ()):
        if isinstance(item, str):
            needs.append({"name": item, "artifacts": True, "optional": False, "parallel": None, "path": path})
        elif _same_pipeline(item):
            artifacts = item.get("artifacts")
            needs.append(
                {
                    "name": item["job"],
                    "artifacts": artifacts is None or bool(artifacts),
                    "optional": bool(item.get("optional")),
                    "parallel": item.get("parallel"),
                    "path": path,
                }
            )
    return needs
