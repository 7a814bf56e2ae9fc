"""Parallel jobs as GitLab expands them before its logical checks.

lib/gitlab/ci/config/normalizer.rb with normalizer/number_strategy.rb and
matrix_strategy.rb: `parallel: 3` makes `rspec 1/3` to `rspec 3/3`; `parallel:matrix`
makes one job per combination, `rspec: [ruby, 3.3]`. A `needs` or `dependencies` entry
naming the job names every one of them (or, with `needs:parallel:matrix`, the chosen
combinations).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from ci_catalog.processor.rubyish import to_s


@dataclass
class Instance:
    """One job after expansion, with the name it had in the file."""

    name: str
    base: str
    config: dict[str, Any]
    needs: list[dict[str, Any]] = field(default_factory=list)
    dependencies: list[str] | None = None


def instance_names(name: str, parallel: Any) -> list[str] | None:
    """The names a `parallel:` value gives a job (None when it does not expand)."""
    if isinstance(parallel, bool) or parallel is None:
        return None
    if isinstance(parallel, int):
        return [f"{name} {index}/{parallel}" for index in range(1, parallel + 1)]
    if isinstance(parallel, dict) and isinstance(parallel.get("number"), int):
        return instance_names(name, parallel["number"])
    if isinstance(parallel, dict) and isinstance(parallel.get("matrix"), list):
        return [f"{name}: [{', '.join(values)}]" for values in _combinations(parallel["matrix"])]
    return None


def _combinations(matrix: list[Any]) -> list[list[str]]:
    combinations: list[list[str]] = []
    for entry in matrix:
        if not isinstance(entry, dict) or not entry:
            continue
        lists = [
            [to_s(item) for item in value] if isinstance(value, list) else [to_s(value)] for value in entry.values()
        ]
        combinations += [list(values) for values in itertools.product(*lists)]
    return combinations


def expand(jobs: dict[str, dict[str, Any]], needs_of: dict[str, list[dict[str, Any]]]) -> dict[str, Instance]:
    """Every job by its expanded name, its needs and dependencies naming expanded jobs."""
    expanded_names = {name: instance_names(name, job.get("parallel")) for name, job in jobs.items()}
    instances: dict[str, Instance] = {}
    for name, job in jobs.items():
        needs = [need for raw in needs_of.get(name, []) for need in _expand_need(raw, expanded_names)]
        dependencies = job.get("dependencies")
        if isinstance(dependencies, list):
            dependencies = [each for dep in dependencies for each in (expanded_names.get(dep) or [dep])]
        for instance in expanded_names[name] or [name]:
            instances[instance] = Instance(instance, name, job, needs, dependencies)
    return instances


def _expand_need(need: dict[str, Any], expanded_names: dict[str, list[str] | None]) -> list[dict[str, Any]]:
    names = expanded_names.get(need["name"])
    if not names:
        return [need]
    if need.get("parallel") is not None:
        names = instance_names(need["name"], need["parallel"]) or []
    return [{**need, "name": name} for name in names]
