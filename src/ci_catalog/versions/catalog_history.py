"""The catalog at a git revision: its components' interfaces, read without a checkout."""

from __future__ import annotations

from dataclasses import dataclass, field

from ci_catalog.catalog import TEMPLATES, components_by_name
from ci_catalog.interface import ComponentInterface, interface_of_text
from ci_catalog.problems import Problem
from ci_catalog.versions.gitrepo import GitRepo


@dataclass
class CatalogState:
    revision: str
    sha: str = ""
    interfaces: dict[str, ComponentInterface] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def catalog_at(repo: GitRepo, revision: str) -> CatalogState:
    state = CatalogState(revision)
    sha = repo.commit_of(revision)
    if sha is None:
        message = f"`{revision}` names no commit of {repo.root}: give a tag, branch or commit SHA (see `git tag`)"
        state.problems.append(Problem(message, str(repo.root), code="git"))
        return state
    state.sha = sha
    for name, path in components_by_name(repo.files(sha, TEMPLATES)).items():
        text = repo.show(sha, path) or ""
        interface = interface_of_text(name, text, f"{path}@{revision}")
        state.interfaces[name] = interface
        state.problems += interface.problems
    return state
