"""Stages: the `.pre`/`.post` edges GitLab adds, and the stages a component is checked in.

lib/gitlab/ci/config/edge_stages_injector.rb: a `stages` list loses every `.pre` and
`.post` written in it (at its first level) and gets `.pre` first and `.post` last, so a
list that repeats them is fine. Without `stages`, they are `.pre, build, test, deploy,
.post` (entry/stages.rb). A job without `stage` is in `test` (entry/stage.rb).
"""

from __future__ import annotations

from typing import Any

PRE, POST = ".pre", ".post"
DEFAULT_STAGES = ["build", "test", "deploy"]
DEFAULT_STAGE = "test"


def wrap(stages: list[Any]) -> list[Any]:
    """EdgeStagesInjector.wrap_stages."""
    return [PRE, *(stage for stage in stages if stage not in (PRE, POST)), POST]


def inject_edges(document: dict[str, Any]) -> dict[str, Any]:
    """The document with `.pre` and `.post` around a non-empty `stages` list."""
    stages = document.get("stages")
    if not isinstance(stages, list) or not stages:
        return document
    return {**document, "stages": wrap(stages)}


def pipeline_stages(document: dict[str, Any]) -> list[Any]:
    """The stage names GitLab knows for a valid document (`stages` flattened)."""
    stages = document.get("stages")
    if stages is None:
        return wrap(DEFAULT_STAGES)
    return _flatten(stages)


def _flatten(value: Any) -> list[Any]:
    if not isinstance(value, list):
        return [value]
    flat: list[Any] = []
    for item in value:
        flat += _flatten(item)
    return flat


def job_stage(job: dict[str, Any]) -> Any:
    stage = job.get("stage")
    return DEFAULT_STAGE if stage is None else stage


def stages_for_include(document: dict[str, Any]) -> dict[str, Any]:
    """A component's body as an include would be checked: with the default stages, its
    own `stages`, and every stage its jobs name, as the pipeline including it defines
    the stages its jobs run in."""
    stages: list[Any] = list(DEFAULT_STAGES)
    own = document.get("stages")
    for stage in _flatten(own) if isinstance(own, list) else []:
        if stage not in stages:
            stages.append(stage)
    for name, job in document.items():
        if isinstance(job, dict) and not str(name).startswith(".") and isinstance(job.get("stage"), str):
            if job["stage"] not in stages:
                stages.append(job["stage"])
    return {**document, "stages": stages}
