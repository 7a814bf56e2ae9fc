"""`release check`: the version, the tag, the changelog and the interface changes agree.

Before GitLab publishes a release to the catalog it wants a semver tag
(`v?<semver>`), a README.md and at most 100 components (ReleaseService,
ValidateService). This adds what GitLab cannot know: catalog.yml's version is the tag,
CHANGELOG.md's top entry is that version, and the step from the previous release is at
least what the interface changes since then need (see docs/versioning.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import semver

from ci_catalog.catalog import COMPONENTS_LIMIT, MANIFEST, load_catalog
from ci_catalog.problems import Problem
from ci_catalog.versions.catalog_history import catalog_at
from ci_catalog.versions.gitrepo import GitRepo
from ci_catalog.versions.interface_diff import Change, diff_catalogs, level, required_bump
from ci_catalog.versions.releases import Bump, bump_between, bump_needed, next_version, parse_tag, releases

CHANGELOG = "CHANGELOG.md"
# `## 1.2.0 - 2026-11-21`, `## [1.2.0] - ...`, `## v1.2.0`, `## Unreleased`
_ENTRY = re.compile(r"^##\s+\[?(?P<name>[^\]\s]+)\]?")


@dataclass
class ReleaseReport:
    version: str = ""
    previous: str | None = None
    required: Bump = Bump.NONE
    changes: list[Change] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_release(root: Path, tag: str | None) -> ReleaseReport:
    report = ReleaseReport()
    catalog = load_catalog(root)
    manifest = str(root / MANIFEST)
    version = parse_tag(catalog.version) if catalog.version else None
    if version is None:
        # load_catalog says what is wrong with a version it could not take.
        said = [problem for problem in catalog.problems if "`version" in problem.message]
        report.problems += said or [Problem("no `version:`: add the release's version, like 1.2.0", manifest)]
        return report
    report.version = catalog.version
    _check_tag(report, tag, version, manifest)
    _check_changelog(report, root)
    _check_gitlab_requirements(report, root, len(catalog.components))
    # A link under templates/ would be published as a component whose text is a path.
    report.problems += catalog.template_problems
    _check_bump(report, GitRepo(root), tag, version)
    return report


def _check_tag(report: ReleaseReport, tag: str | None, version: semver.Version, manifest: str) -> None:
    if tag is None:
        return
    tagged = parse_tag(tag)
    if tagged is None:
        message = f"tag `{tag}` is not a semantic version (like 1.2.0 or v1.2.0): GitLab's catalog refuses it"
        report.problems.append(Problem(message, manifest))
    elif tagged != version or tagged.build != version.build:
        message = f"catalog.yml says version {report.version} but the tag is `{tag}`: make them the same"
        report.problems.append(Problem(message, manifest))
    else:
        report.passed.append(f"tag `{tag}` is catalog.yml's version")


def _check_changelog(report: ReleaseReport, root: Path) -> None:
    path = root / CHANGELOG
    if not path.is_file():
        report.problems.append(Problem(f"no {CHANGELOG}: add one with a `## {report.version}` entry", str(path)))
        return
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        match = _ENTRY.match(line)
        if match is None:
            continue
        name = match.group("name").removeprefix("v")
        if name == report.version:
            report.passed.append(f"{CHANGELOG}'s top entry is {report.version}")
        else:
            message = (
                f"the top entry is `{match.group('name')}`, not {report.version}: add `## {report.version}` on top"
            )
            report.problems.append(Problem(message, str(path), number, 1))
        return
    report.problems.append(Problem(f"no `## <version>` entry: add `## {report.version}`", str(path)))


def _check_gitlab_requirements(report: ReleaseReport, root: Path, components: int) -> None:
    if not (root / "README.md").is_file():
        report.problems.append(Problem("Project must have a README (README.md at the release commit)", str(root)))
    if components == 0:
        report.problems.append(Problem("no component under templates/ to release", str(root)))
    elif components > COMPONENTS_LIMIT:
        report.problems.append(Problem(f"Release cannot contain more than {COMPONENTS_LIMIT} components", str(root)))


def _check_bump(report: ReleaseReport, repo: GitRepo, tag: str | None, version: semver.Version) -> None:
    if not repo.is_repository():
        report.problems.append(Problem("not a git repository: the previous release cannot be found", str(repo.root)))
        return
    earlier = [release for release in releases(repo.tags()) if release.version < version and not release.is_prerelease]
    if not earlier:
        report.passed.append("first release: no earlier release to compare with")
        return
    previous = earlier[0]
    report.previous = previous.tag
    head = tag if tag is not None and repo.tag_commit(tag) else "HEAD"
    old, new = catalog_at(repo, previous.tag), catalog_at(repo, head)
    report.problems += old.problems + new.problems
    report.changes = diff_catalogs(old.interfaces, new.interfaces)
    report.required = bump_needed(required_bump(report.changes), previous.version)
    made = bump_between(previous.version, version)
    if made >= report.required:
        report.passed.append(
            f"{previous.tag} -> {report.version} is a {made.label} step; the changes need {report.required.label}"
        )
        return
    wanted = next_version(previous.version.finalize_version(), report.required)
    message = (
        f"{previous.tag} -> {report.version} is a {made.label} step, but the changes since need a "
        f"{report.required.label} one ({level(required_bump(report.changes))} changes): release {wanted} instead"
    )
    report.problems.append(Problem(message, MANIFEST))
