"""The checks GitLab runs on a configuration once its every keyword is valid.

lib/gitlab/ci/yaml_processor.rb (`run_logical_validations!`), job by job after parallel
jobs are expanded: the stage exists; each dependency, need and `trigger:include:job`
names a job in the same or an earlier stage (a missing optional need is skipped); no
need is listed twice; an `environment:on_stop` job stops the same environment; then the
needs have no cycle (yaml_processor/dag.rb, Ruby's TSort). GitLab stops at the first
failure. Then, as GitLab's pipeline seeds check (lib/gitlab/ci/pipeline/seed/build.rb),
no job needs more than 50 others.

In a file whose `include:` was not merged (`partial`), a job, or the `stages` list, may
come from an include: what is not in the file is not reported missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ci_catalog.processor.needs import job_needs
from ci_catalog.processor.normalize import Instance, expand
from ci_catalog.processor.rubyish import inspect
from ci_catalog.processor.stages import job_stage, pipeline_stages

Path = tuple[Any, ...]
MAX_JOB_NAME_LENGTH = 255
MAX_NEEDS = 50  # the default `ci_needs_size_limit` plan limit


@dataclass(frozen=True)
class LogicError:
    message: str
    path: Path


class _Failed(Exception):
    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.error = LogicError(message, path)


@dataclass(frozen=True)
class _Pipeline:
    jobs: dict[str, Instance]
    stages: list[Any]
    partial: bool
    known_stages: bool


def check_logic(document: dict[str, Any], jobs: dict[str, dict[str, Any]], partial: bool = False) -> list[LogicError]:
    """The first logical error of a valid document (GitLab raises it), or the seed errors."""
    needs = {name: job_needs(job["needs"]) if job.get("needs") is not None else [] for name, job in jobs.items()}
    instances = expand(jobs, needs)
    pipeline = _Pipeline(instances, pipeline_stages(document), partial, not partial or "stages" in document)
    try:
        for instance in instances.values():
            _check_job(instance, pipeline)
        _check_cycles(instances)
    except _Failed as failure:
        return [failure.error]
    return _needs_limits(instances)


def _check_job(job: Instance, pipeline: _Pipeline) -> None:
    stages = pipeline.stages
    stage = job_stage(job.config)
    if pipeline.known_stages and stage not in stages:
        raise _Failed(
            f"{job.name} job: chosen stage {stage} does not exist; available stages are "
            + ", ".join(str(each) for each in stages),
            (job.base, "stage"),
        )
    for index, dependency in enumerate(job.dependencies or []):
        _check_dependency(job, dependency, pipeline, "dependency", _place(job, "dependencies", dependency, index))
    _check_needs(job, job.needs, pipeline, (job.base, "needs"))
    rules = job.config.get("rules")
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        if isinstance(rule, dict) and rule.get("needs") is not None:
            _check_needs(job, job_needs(rule["needs"]), pipeline, (job.base, "rules", index, "needs"))
    for dependency in _child_pipeline_jobs(job.config):
        _check_dependency(job, dependency, pipeline, "dependency", (job.base, "trigger", "include"))
    _check_environment(job, pipeline)


def _place(job: Instance, keyword: str, name: str, index: int) -> Path:
    """Where a dependency is written: its item in the file, when the list was not expanded."""
    written = job.config.get(keyword)
    if isinstance(written, list) and index < len(written) and written[index] == name:
        return (job.base, keyword, index)
    return (job.base, keyword)


def _check_needs(job: Instance, needs: list[dict[str, Any]], pipeline: _Pipeline, at: Path) -> None:
    for need in needs:
        place = at + need["path"] if need.get("path") is not None else at
        _check_dependency(job, need["name"], pipeline, "need", place, optional=need["optional"])
    counts: dict[str, int] = {}
    for need in needs:
        counts[need["name"]] = counts.get(need["name"], 0) + 1
    duplicated = [name for name, count in counts.items() if count > 1]
    if duplicated:
        raise _Failed(f"{job.name} has the following needs duplicated: {', '.join(duplicated)}.", at)


def _check_dependency(
    job: Instance, dependency: str, pipeline: _Pipeline, kind: str, at: Path, optional: bool = False
) -> None:
    """yaml_processor.rb `validate_job_dependency!`."""
    jobs, stages = pipeline.jobs, pipeline.stages
    if dependency not in jobs:
        if optional or pipeline.partial:
            return
        raise _Failed(f"{job.name} job: undefined {kind}: {dependency}", at)
    if kind == "need" and len(dependency) > MAX_JOB_NAME_LENGTH:
        raise _Failed(
            f"{job.name} job: need `{dependency}` name is too long (maximum is {MAX_JOB_NAME_LENGTH} characters)", at
        )
    own, theirs = _index(stages, job_stage(job.config)), _index(stages, job_stage(jobs[dependency].config))
    if theirs is None or own is None or theirs > own:
        raise _Failed(f"{job.name} job: {kind} {dependency} is not defined in current or prior stages", at)


def _index(stages: list[Any], stage: Any) -> int | None:
    return stages.index(stage) if stage in stages else None


def _child_pipeline_jobs(config: dict[str, Any]) -> list[str]:
    """The `job` of each `trigger:include` artifact: the child pipeline's source."""
    trigger = config.get("trigger")
    includes = trigger.get("include") if isinstance(trigger, dict) else None
    items = includes if isinstance(includes, list) else [includes]
    return [item["job"] for item in items if isinstance(item, dict) and isinstance(item.get("job"), str)]


def _environment(config: dict[str, Any]) -> dict[str, Any] | None:
    environment = config.get("environment")
    if isinstance(environment, str):
        return {"name": environment, "action": "start"}
    return environment if isinstance(environment, dict) else None


def _check_environment(job: Instance, pipeline: _Pipeline) -> None:
    jobs = pipeline.jobs
    environment = _environment(job.config)
    on_stop = environment.get("on_stop") if environment else None
    if environment is None or on_stop is None:
        return
    at = (job.base, "environment", "on_stop")
    prefix = f"{job.name} job: on_stop job {on_stop}"
    stopper = jobs.get(on_stop)
    if stopper is None and pipeline.partial:
        return
    if stopper is None:
        raise _Failed(f"{prefix} is not defined", at)
    theirs = _environment(stopper.config)
    if theirs is None:
        raise _Failed(f"{prefix} does not have environment defined", at)
    if theirs.get("name") != environment.get("name"):
        raise _Failed(f"{prefix} have different environment name", at)
    if theirs.get("action") != "stop":
        raise _Failed(f"{prefix} needs to have action stop defined", at)


def _check_cycles(jobs: dict[str, Instance]) -> None:
    """Dag.check_circular_dependencies!: Ruby's TSort over the job needs, in file order."""
    graph = {name: [need["name"] for need in job.needs] for name, job in jobs.items()}
    ids: dict[str, int | None] = {}
    stack: list[str] = []

    def visit(node: str) -> _Frame:
        ids[node] = len(ids)
        stack.append(node)
        children = graph.get(node, [])
        if node in children:
            _cyclic(jobs, node, f"self-dependency: {node}")
        return _Frame(node, len(ids) - 1, len(ids) - 1, len(stack) - 1, iter(children))

    for start in graph:
        if start in ids:
            continue
        # Tarjan's algorithm, without recursion, taking children in TSort's order.
        frames = [visit(start)]
        while frames:
            frame = frames[-1]
            child = next(frame.children, None)
            if child is not None:
                if child not in ids:
                    frames.append(visit(child))
                    continue
                child_id = ids[child]
                if child_id is not None and child_id < frame.minimum:
                    frame.minimum = child_id
                continue
            frames.pop()
            if frame.id == frame.minimum:
                component = stack[frame.depth :]
                del stack[frame.depth :]
                for member in component:
                    ids[member] = None
                if len(component) > 1:
                    _cyclic(jobs, component[0], f"topological sort failed: {inspect(component)}")
            if frames and frame.minimum < frames[-1].minimum:
                frames[-1].minimum = frame.minimum


@dataclass
class _Frame:
    node: str
    id: int
    minimum: int
    depth: int
    children: Iterator[str]


def _cyclic(jobs: dict[str, Instance], node: str, detail: str) -> None:
    base = jobs[node].base if node in jobs else node
    raise _Failed(f"The pipeline has circular dependencies: {detail}", (base, "needs"))


def _needs_limits(jobs: dict[str, Instance]) -> list[LogicError]:
    return [
        LogicError(
            f"{job.name}: one job can only need {MAX_NEEDS} others, but you have listed {len(job.needs)}. "
            "See needs keyword documentation for more details",
            (job.base, "needs"),
        )
        for job in jobs.values()
        if len(job.needs) > MAX_NEEDS
    ]
