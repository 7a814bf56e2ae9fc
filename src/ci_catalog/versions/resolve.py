"""Resolve a component reference against a catalog's git repository, as GitLab does.

lib/gitlab/ci/components/instance_path.rb: `find_catalog_version&.sha ||
sha_by_released_tag || sha_by_ref`. On GitLab only versions published through a
`release:` job are catalog versions. Git cannot tell which tags were published, so by
default every semver tag that names a commit counts as one; given the list of released
tags (`released`, from `--released-only`), only those do, and any other tag resolves as a
plain git tag, with no catalog version, as GitLab resolves it. The repository counts as
a catalog resource when it has `catalog.yml` (in its work tree, or at HEAD for a bare clone).
Git's own lookup decides the rest: a full SHA, then a tag, then a branch, then an
abbreviated SHA, then any other revision git resolves (`HEAD`, `refs/heads/main`), as
`project.commit(reference)` does through Gitaly. The component file is `templates/<name>.yml`, else
`templates/<name>/template.yml`, at the resolved commit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ci_catalog.catalog import MANIFEST, TEMPLATES, components_by_name
from ci_catalog.versions.address import Address, content_not_found
from ci_catalog.versions.gitrepo import FULL_SHA_LENGTHS, GitRepo
from ci_catalog.versions.releases import LATEST, PARTIAL_VERSION, Release, latest, releases


class Kind(Enum):
    """How a reference was written; only a release tag and a SHA are pinned."""

    RELEASE = "release"
    PARTIAL = "partial version"
    LATEST = "~latest"
    SHA = "commit SHA"
    TAG = "tag"
    BRANCH = "branch"
    REVISION = "revision"  # any other name git resolves: HEAD, refs/heads/main, main~1

    @property
    def pinned(self) -> bool:
        return self in (Kind.RELEASE, Kind.SHA, Kind.TAG)


@dataclass(frozen=True)
class Resolution:
    sha: str
    kind: Kind
    version: str | None  # the catalog version's name, as `$[[ component.version ]]` shows it
    tag: str | None  # the release tag that names this commit, for `pin`

    def component_context(self, address: Address) -> dict[str, object]:
        return {"name": address.name, "sha": self.sha, "version": self.version, "reference": address.reference}


@dataclass
class CatalogRepo:
    repo: GitRepo
    project: str
    # The tags published as catalog versions; None: every semver tag is taken for one.
    released: frozenset[str] | None = None

    @classmethod
    def at(cls, root: Path, project: str) -> CatalogRepo:
        return cls(GitRepo(root), project)

    @functools.cached_property
    def is_catalog_resource(self) -> bool:
        if (self.repo.root / MANIFEST).is_file():
            return True
        head = self.repo.commit_of("HEAD")
        return head is not None and self.repo.show(head, MANIFEST) is not None

    def releases(self) -> list[Release]:
        tags = self.repo.tags()
        return releases(tags if self.released is None else [tag for tag in tags if tag in self.released])

    @functools.cached_property
    def component_names(self) -> frozenset[str]:
        """Every component name the catalog has had: at HEAD and at each release."""
        names: set[str] = set()
        commits = self.repo.tag_commits()
        revisions = {self.repo.commit_of("HEAD")} | {commits[release.tag] for release in self.releases()}
        for sha in sorted(revision for revision in revisions if revision):
            names |= components_by_name(self.repo.files(sha, TEMPLATES)).keys()
        return frozenset(names)


def resolve_reference(catalog: CatalogRepo, address: Address) -> Resolution | str:
    """Where `address` points in the catalog, or GitLab's message when it points nowhere."""
    reference = address.reference
    found = catalog.releases()
    if catalog.is_catalog_resource:
        release = _catalog_version(found, reference)
        if release is not None:
            kind = Kind.RELEASE if release.tag == reference else _loose_kind(reference)
            sha = catalog.repo.tag_commit(release.tag)
            if sha is not None:
                return Resolution(sha, kind, release.tag, release.tag)
    resolution = _by_git(catalog, reference, found)
    if resolution is not None:
        return resolution
    return _not_found(catalog, address)


def _catalog_version(found: list[Release], reference: str) -> Release | None:
    if reference == LATEST:
        return latest(found)
    if PARTIAL_VERSION.match(reference):
        major, _, minor = reference.partition(".")
        return latest(found, int(major), int(minor) if minor else None)
    return next((release for release in found if release.tag == reference), None)


def _loose_kind(reference: str) -> Kind:
    return Kind.LATEST if reference == LATEST else Kind.PARTIAL


def _by_git(catalog: CatalogRepo, reference: str, found: list[Release]) -> Resolution | None:
    repo = catalog.repo
    commits = repo.tag_commits()
    # The highest release wins when several name one commit.
    tags_by_sha = {commits[release.tag]: release.tag for release in reversed(found)}
    lookups = (
        (Kind.SHA, lambda: repo.commit_of(reference) if len(reference) in FULL_SHA_LENGTHS else None),
        (Kind.TAG, lambda: repo.tag_commit(reference)),
        (Kind.BRANCH, lambda: repo.branch_commit(reference)),
        (Kind.SHA, lambda: repo.abbreviated_commit(reference)),
        # GitLab's last step is `project.commit(reference)`: Gitaly resolves any revision.
        (Kind.REVISION, lambda: repo.commit_of(reference)),
    )
    for kind, lookup in lookups:
        sha = lookup()
        if sha is not None:
            return Resolution(sha, kind, None, tags_by_sha.get(sha))
    return None


def _not_found(catalog: CatalogRepo, address: Address) -> str:
    if not catalog.is_catalog_resource:
        if address.reference == LATEST:
            return (
                f"Component '{address.expanded}' - The ~latest version reference is not supported for non-catalog "
                "resources. Use a tag, branch, or commit SHA instead."
            )
        if PARTIAL_VERSION.match(address.reference):
            return (
                f"Component '{address.expanded}' - The partial semantic version reference is not supported for "
                "non-catalog resources. Use a tag, branch, or commit SHA instead."
            )
    return content_not_found(address.expanded)


def component_text(catalog: CatalogRepo, sha: str, name: str) -> tuple[str, str] | None:
    """The component's file path and text at `sha`, in GitLab's lookup order."""
    for path in (f"{TEMPLATES}/{name}.yml", f"{TEMPLATES}/{name}/template.yml"):
        text = catalog.repo.show(sha, path)
        if text is not None:
            return path, text
    return None
