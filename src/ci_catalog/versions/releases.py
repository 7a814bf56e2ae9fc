"""Catalog versions: release tags as GitLab's catalog reads them, and semver bumps.

A release tag is `v?<semver 2.0.0>` (Gitlab::Regex::SemVer.optional_prefixed); `1.0` is
not one. `~latest` and partial versions pick the highest release that is not a
pre-release (Ci::Catalog::Resources::Version.latest), whatever the order of tagging.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

import semver

PARTIAL_VERSION = re.compile(r"^\d+(\.\d+)?$")  # instance_path.rb SHORTHAND_SEMVER_PATTERN
LATEST = "~latest"


class Bump(IntEnum):
    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Release:
    tag: str
    version: semver.Version

    @property
    def is_prerelease(self) -> bool:
        return self.version.prerelease is not None


def parse_tag(tag: str) -> semver.Version | None:
    """The semver of a release tag (`1.2.0` or `v1.2.0`), or None when it is not one."""
    text = tag[1:] if tag.startswith("v") else tag
    try:
        return semver.Version.parse(text)
    except ValueError:
        return None


def releases(tags: list[str]) -> list[Release]:
    """The tags that are releases, highest version first (a tie keeps tag order)."""
    found = [Release(tag, version) for tag in tags if (version := parse_tag(tag)) is not None]
    return sorted(found, key=lambda release: release.version, reverse=True)


def latest(found: list[Release], major: int | None = None, minor: int | None = None) -> Release | None:
    """The highest release that is not a pre-release, within `major` and `minor` when given."""
    for release in found:
        version = release.version
        if release.is_prerelease:
            continue
        if major is not None and version.major != major:
            continue
        if minor is not None and version.minor != minor:
            continue
        return release
    return None


def bump_between(old: semver.Version, new: semver.Version) -> Bump:
    """How big the step from `old` to `new` is; NONE when `new` is not higher."""
    if new <= old:
        return Bump.NONE
    if new.major != old.major:
        return Bump.MAJOR
    if new.minor != old.minor:
        return Bump.MINOR
    return Bump.PATCH


def bump_needed(required: Bump, version: semver.Version) -> Bump:
    """What a change needs before 1.0.0: one step less (0.x breaking changes bump the minor)."""
    if version.major == 0 and required > Bump.PATCH:
        return Bump(required - 1)
    return required


def next_version(old: semver.Version, bump: Bump) -> semver.Version:
    if bump is Bump.MAJOR:
        return old.bump_major()
    if bump is Bump.MINOR:
        return old.bump_minor()
    if bump is Bump.PATCH:
        return old.bump_patch()
    return old
