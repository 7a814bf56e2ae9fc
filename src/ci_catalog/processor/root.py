"""The top of the tree: the file's global keywords, `default:`, and its jobs.

Follows lib/gitlab/ci/config/entry/root.rb and default.rb. A top-level key is a job
unless it is a global keyword (`default` and `workflow` only when they are no job).
"""

from __future__ import annotations

from typing import Any

from ci_catalog.cimodel import JOB_MARKERS, RESERVED_KEYWORDS
from ci_catalog.processor.artifacts import Artifacts
from ci_catalog.processor.cache import Caches
from ci_catalog.processor.entry import Checks, Node, always
from ci_catalog.processor.images import Image, Services
from ci_catalog.processor.includes import Includes
from ci_catalog.processor.jobs import Jobs, job_kind
from ci_catalog.processor.keywords import (
    DEFAULT_KEYWORDS,
    Boolean,
    Commands,
    Hooks,
    IdTokens,
    Retry,
    Stages,
    Tags,
    Timeout,
)
from ci_catalog.processor.rubyish import is_hash
from ci_catalog.processor.rules import Workflow
from ci_catalog.processor.variables import TOP_LEVEL_DATA, Variables

# GitLab EE adds `identity` to what `default:` takes, not to what `inherit:` may name.
DEFAULT_KEYS = (*DEFAULT_KEYWORDS, "identity")
DEFAULT_INHERITED = ("before_script", "after_script", "cache", "image", "services")
ROOT_KEYS = (
    "default",
    "include",
    "before_script",
    "image",
    "services",
    "after_script",
    "variables",
    "stages",
    "cache",
    "workflow",
)
RESERVED = RESERVED_KEYWORDS


class InheritError(Exception):
    """Raised while composing `default:` (GitLab's Inheritable::InheritError)."""

    def __init__(self, message: str, path: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def left_to_includes(document: dict[str, Any]) -> set[str]:
    """The jobs of a file whose includes were not merged that an include may complete: a
    job with no `script:`, `run:` or `trigger:` of its own (an override of an included job)."""
    return {
        name
        for name, value in document.items()
        if name not in RESERVED
        and name not in ROOT_KEYS
        and not name.startswith(".")
        and not (is_hash(value) and any(key in value for key in JOB_MARKERS))
    }


class Default(Node):
    """default.rb; a keyword both here and at the top is an error that stops GitLab."""

    label = "default"
    nodes = (
        ("before_script", always(Commands), {}),
        ("after_script", always(Commands), {}),
        ("hooks", always(Hooks), {}),
        ("cache", always(Caches), {}),
        ("image", always(Image), {}),
        ("services", always(Services), {}),
        ("interruptible", always(Boolean), {}),
        ("timeout", always(Timeout), {}),
        ("retry", Retry, {}),
        ("tags", always(Tags), {}),
        ("artifacts", always(Artifacts), {}),
        ("id_tokens", always(IdTokens), {}),
    )

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(DEFAULT_KEYS)

    def compose(self, deps: Any = None) -> None:
        super().compose(deps)
        if not isinstance(deps, Root):
            return
        for key in DEFAULT_INHERITED:
            if key in deps.entries and key in self.entries:
                raise InheritError(f"{key} is defined in top-level and `default:` entry", ("default", key))


class Root(Node):
    """root.rb: the file; its global keywords, then its jobs."""

    label = "root"
    nodes = (
        ("default", always(Default), {}),
        ("include", always(Includes), {}),
        ("before_script", always(Commands), {}),
        ("image", always(Image), {}),
        ("services", always(Services), {}),
        ("after_script", always(Commands), {}),
        ("variables", always(Variables), {"allowed_value_data": TOP_LEVEL_DATA}),
        ("stages", always(Stages), {}),
        ("cache", always(Caches), {}),
        ("workflow", always(Workflow), {}),
    )

    def __init__(self, config: dict[str, Any], skip: frozenset[str] = frozenset(), **meta: Any) -> None:
        config = {name: value for name, value in config.items() if name not in skip}
        self.jobs_config = {
            name: value
            for name, value in config.items()
            if name not in RESERVED and (job_kind(name, value) is not None or name not in ROOT_KEYS)
        }
        globals_only = {name: value for name, value in config.items() if name not in self.jobs_config}
        super().__init__(globals_only, None, None, (), **meta)

    def build(self, deps: Any) -> None:
        for key, factory, meta in self.nodes:
            self.add_entry(key, factory, self.config.get(key), **meta)
        self.add_entry("jobs", always(Jobs), self.jobs_config, path=())
        self.compose_entries(self)


def check_tree(
    document: dict[str, Any],
    component: bool = False,
    partial: bool = False,
    skip: frozenset[str] = frozenset(),
    key_types: dict[tuple[object, ...], str] | None = None,
) -> Root:
    """The composed tree of a document (raises InheritError as GitLab raises it).

    `partial`: the file's includes were not merged, so it may have no visible job of its
    own; `skip`: top-level keys not to check, as an include would complete them;
    `key_types`: the Ruby class of keys that are not text (Marks.key_types).
    """
    root = Root(document, skip, component=component, partial=partial, key_types=key_types or {})
    root.compose()
    return root
