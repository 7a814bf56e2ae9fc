"""Which versions a catalog's pages name: its releases, and the version being prepared.

catalog.yml's `version` is the version being prepared: until its tag exists, an include
of it finds nothing (`Component '…' - content not found`). So snippets pin the newest
release (the highest release tag that is not a pre-release, as `~latest` picks it), and
the prepared version is named as such. A release is a semver tag of the catalog's own
git repository that names a commit, the rule `resolve` follows by default.

`docs` pages are committed with the catalog and checked byte for byte in its pipeline,
the tag pipeline too: they count only releases below the prepared version, so that
tagging the release commit does not make its own pages stale.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ci_catalog.catalog import MANIFEST, TEMPLATES, Catalog, load_catalog
from ci_catalog.versions.gitrepo import GitError, GitRepo
from ci_catalog.versions.releases import LATEST, Release, parse_tag, releases


@dataclass(frozen=True)
class CatalogVersions:
    prepared: str  # catalog.yml's `version`; "" when it names none
    tags: tuple[str, ...]  # the release tags: releases, then pre-releases, each newest first
    newest: str | None  # the newest release that is not a pre-release
    below_prepared: bool = False  # only releases before the prepared version were counted (`docs`)

    @property
    def pinned(self) -> str:
        """What snippets pin: the newest release; before the first, the prepared version (or ~latest)."""
        return self.newest or self.prepared or LATEST

    @property
    def prepared_is_released(self) -> bool:
        prepared = parse_tag(self.prepared) if self.prepared else None
        return prepared is not None and any(parse_tag(tag) == prepared for tag in self.tags)

    def note(self) -> str:
        """The versions in a sentence: what the snippets pin, and what is being prepared."""
        newest, prepared = self.newest, self.prepared
        if self.below_prepared and prepared:
            # Whether the prepared version is tagged yet is left out: the sentence stays true after tagging.
            if newest:
                return f"{prepared} (catalog.yml); snippets pin {newest}, the newest release before it"
            return f"{prepared} (catalog.yml), the first: snippets pin it, and work once it is released"
        if newest and (not prepared or self.prepared_is_released):
            return f"{newest}, the newest release"
        if newest:
            return f"{prepared}, being prepared; snippets pin {newest}, the newest release"
        if prepared:
            return f"{prepared}, being prepared and not released yet: snippets pin it, and work once it is released"
        return f"none in catalog.yml and no release: snippets pin {LATEST}"


def catalog_versions(catalog: Catalog, below_prepared: bool = False) -> CatalogVersions:
    """The catalog's versions; `below_prepared` counts only releases before catalog.yml's version (for `docs`)."""
    found = releases(release_tags(catalog.root))
    prepared = parse_tag(catalog.version) if catalog.version else None
    if below_prepared and prepared is not None:
        found = [release for release in found if release.version < prepared]
    ordered = [release.tag for release in found if not release.is_prerelease]
    ordered += [release.tag for release in found if release.is_prerelease]
    return CatalogVersions(catalog.version, tuple(ordered), _newest(found), below_prepared and prepared is not None)


def _newest(found: list[Release]) -> str | None:
    return next((release.tag for release in found if not release.is_prerelease), None)


def release_tags(root: Path) -> list[str]:
    """The tags of the git repository whose top folder is `root`; none when it is not one.

    A catalog is a project of its own: the tags of a repository that merely contains the
    folder (a fixture inside another project) are not its releases.
    """
    repo = GitRepo(root)
    try:
        top = repo.run("rev-parse", "--show-toplevel", check=False).stdout.strip()
        if not top or Path(top).resolve() != root.resolve():
            return []
        return repo.tags()
    except GitError:
        return []


@contextmanager
def catalog_at_tag(root: Path, tag: str) -> Iterator[Catalog]:
    """The catalog as released at `tag`: its catalog.yml and templates/ written out of git into a
    temporary folder (a link as the text git keeps for it, never followed) and loaded there."""
    repo = GitRepo(root)
    sha = repo.commit_of(tag)
    with tempfile.TemporaryDirectory(prefix="ci-catalog-release-") as folder:
        copy = Path(folder)
        names = ([MANIFEST] + repo.files(sha, TEMPLATES)) if sha else []
        for name in names:
            text = repo.show(sha or "", name)
            if text is None:
                continue
            path = copy / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        yield load_catalog(copy)
