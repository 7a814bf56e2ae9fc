"""What changed in the components' interfaces between two catalog states, and how much.

Breaking: what can fail a pipeline that worked (a component, input or job gone, a job
that no longer runs with the default inputs, an input now required, a type changed,
fewer options, a new or changed regex, changed conditional rules). Minor: what only adds
(a component, an optional input, a job, a job that now runs with the default inputs, more
options, a regex or option list dropped). Patch: what changes no pipeline's validity
(descriptions, a default of the same type). A changed regex counts as breaking because
whether it accepts every value the old one did cannot be decided in general. A
component's internal helpers (`.<prefix>-internal-…`) are not part of its interface:
adding, changing or renaming one is no change here, and a hidden template renamed into
one is a job removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ci_catalog.header import InputSpec
from ci_catalog.interface import ComponentInterface
from ci_catalog.versions.releases import Bump


@dataclass(frozen=True)
class Change:
    component: str
    bump: Bump
    kind: str  # a stable identifier, for JSON readers
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"component": self.component, "level": _LEVELS[self.bump], "kind": self.kind, "message": self.message}


# Makes a Change of one input: (bump, kind, message) -> Change.
ChangeMaker = Callable[[Bump, str, str], Change]

_LEVELS = {Bump.MAJOR: "breaking", Bump.MINOR: "minor", Bump.PATCH: "patch", Bump.NONE: "none"}


def level(bump: Bump) -> str:
    return _LEVELS[bump]


def required_bump(changes: list[Change]) -> Bump:
    return max((change.bump for change in changes), default=Bump.NONE)


def diff_catalogs(old: dict[str, ComponentInterface], new: dict[str, ComponentInterface]) -> list[Change]:
    changes: list[Change] = []
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            changes.append(Change(name, Bump.MAJOR, "component-removed", f"component `{name}` removed"))
        elif name not in old:
            changes.append(Change(name, Bump.MINOR, "component-added", f"component `{name}` added"))
        else:
            changes += diff_component(old[name], new[name])
    return changes


def diff_component(old: ComponentInterface, new: ComponentInterface) -> list[Change]:
    name = new.name
    changes: list[Change] = []
    for input_name in old.inputs.keys() - new.inputs.keys():
        changes.append(Change(name, Bump.MAJOR, "input-removed", f"input `{input_name}` removed"))
    for input_name in new.inputs.keys() - old.inputs.keys():
        changes.append(_added_input(name, new.inputs[input_name]))
    for input_name in old.inputs.keys() & new.inputs.keys():
        changes += _changed_input(name, old.inputs[input_name], new.inputs[input_name])
    changes += _changed_jobs(name, old.jobs, new.jobs)
    changes += _changed_idle_jobs(name, old, new)
    if (old.spec.description or "") != (new.spec.description or ""):
        changes.append(Change(name, Bump.PATCH, "description-changed", "component description changed"))
    return sorted(changes, key=lambda change: (-change.bump, change.kind, change.message))


def _added_input(component: str, spec: InputSpec) -> Change:
    if spec.required:
        return Change(component, Bump.MAJOR, "required-input-added", f"new input `{spec.name}` has no default")
    return Change(component, Bump.MINOR, "optional-input-added", f"new optional input `{spec.name}`")


def _changed_input(component: str, old: InputSpec, new: InputSpec) -> list[Change]:
    name = old.name

    def change(bump: Bump, kind: str, message: str) -> Change:
        return Change(component, bump, kind, f"input `{name}`: {message}")

    changes: list[Change] = []
    if old.type != new.type:
        changes.append(change(Bump.MAJOR, "type-changed", f"type changed from {old.type} to {new.type}"))
    if new.required and not old.required:
        changes.append(change(Bump.MAJOR, "default-removed", "default removed, so the input is now required"))
    elif old.required and not new.required:
        changes.append(change(Bump.MINOR, "default-added", "default added, so the input is now optional"))
    elif old.has_default and new.has_default and old.default != new.default and old.type == new.type:
        changes.append(
            change(Bump.PATCH, "default-changed", f"default changed from {_show(old.default)} to {_show(new.default)}")
        )
    changes += _changed_options(change, old.options, new.options)
    changes += _changed_regex(change, old.regex, new.regex)
    if _rules(old) != _rules(new):
        changes.append(change(Bump.MAJOR, "rules-changed", "conditional rules changed"))
    if (old.description or "") != (new.description or ""):
        changes.append(change(Bump.PATCH, "input-description-changed", "description changed"))
    return changes


def _changed_options(change: ChangeMaker, old: list[Any] | None, new: list[Any] | None) -> list[Change]:
    if old == new:
        return []
    if old is None:
        return [change(Bump.MAJOR, "options-narrowed", f"now limited to the options {_show(new)}")]
    if new is None:
        return [change(Bump.MINOR, "options-widened", "options dropped: any value is accepted")]
    removed = [option for option in old if option not in new]
    added = [option for option in new if option not in old]
    changes = []
    if removed:
        changes.append(change(Bump.MAJOR, "options-narrowed", f"options removed: {_show(removed)}"))
    if added:
        changes.append(change(Bump.MINOR, "options-widened", f"options added: {_show(added)}"))
    return changes


def _changed_regex(change: ChangeMaker, old: str | None, new: str | None) -> list[Change]:
    if old == new:
        return []
    if new is None:
        return [change(Bump.MINOR, "regex-removed", f"regex `{old}` dropped")]
    if old is None:
        return [change(Bump.MAJOR, "regex-tightened", f"values must now match `{new}`")]
    return [change(Bump.MAJOR, "regex-tightened", f"regex changed from `{old}` to `{new}`")]


def _changed_jobs(component: str, old: list[str], new: list[str]) -> list[Change]:
    changes = [
        Change(component, Bump.MAJOR, "job-removed", f"job `{job}` removed or renamed") for job in old if job not in new
    ]
    changes += [Change(component, Bump.MINOR, "job-added", f"job `{job}` added") for job in new if job not in old]
    return changes


def _changed_idle_jobs(component: str, old: ComponentInterface, new: ComponentInterface) -> list[Change]:
    """Jobs in both that now stay out of every pipeline with the defaults, or now run: a pipeline whose
    jobs `needs:` one that no longer runs is refused, as if the job were gone."""
    kept = [job for job in old.jobs if job in new.jobs]
    changes = [
        Change(component, Bump.MAJOR, "job-off-by-default", f"job `{job}` no longer runs with the default inputs")
        for job in kept
        if job in new.idle_jobs and job not in old.idle_jobs
    ]
    changes += [
        Change(component, Bump.MINOR, "job-on-by-default", f"job `{job}` now runs with the default inputs")
        for job in kept
        if job in old.idle_jobs and job not in new.idle_jobs
    ]
    return changes


def _rules(spec: InputSpec) -> list[Any]:
    return [(rule.condition, rule.options, rule.default if rule.has_default else None) for rule in spec.rules or []]


def _show(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else f'"{value}"'
