"""`ci-catalog site`: the catalog as static HTML that works from a folder, without a server.

Everything a user needs is in the HTML (the include snippets pinned to the catalog
version, the inputs, the examples); `site.js` only adds search, copy buttons and the
version picker, and shows their controls itself, so a page without JavaScript has no
dead ones. The site is built in a folder beside OUT and swapped in whole.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ci_catalog.browse.views import (
    DEFAULTS,
    ComponentView,
    ExampleView,
    component_view,
    default_text,
    pinned_version,
    value_text,
)
from ci_catalog.catalog import Catalog
from ci_catalog.header import InputSpec
from ci_catalog.problems import Problem
from ci_catalog.versions.gitrepo import GitError, GitRepo
from ci_catalog.versions.releases import releases

ASSETS = ("style.css", "site.js")
# Marks a folder as one this command built, and so one it may replace.
SITE_MARKER = ".ci-catalog-site"
@dataclass
class SiteResult:
    pages: int = 0
    problems: list[Problem] = field(default_factory=list)


def refusal(out: Path) -> str | None:
    """Why OUT must not be replaced, if it must not: only an empty folder or an earlier site may go."""
    if not out.exists():
        return None
    if not out.is_dir():
        return f"{out} is a file; name a folder for the site"
    if any(out.iterdir()) and not (out / SITE_MARKER).is_file():
        return f"{out} is a folder that `ci-catalog site` did not build; name an empty or new folder"
    return None


def build(catalog: Catalog, out: Path) -> SiteResult:
    views = [component_view(catalog, component, with_renders=True) for component in catalog.components]
    problems = list(catalog.problems)
    for view in views:
        problems += view.problems + [problem for example in view.examples for problem in example.problems]
    if problems:
        return SiteResult(problems=problems)
    versions = release_versions(catalog.root, pinned_version(catalog))
    files = {"index.html": index_page(catalog, views)}
    for view in views:
        files[f"components/{view.name}.html"] = component_page(catalog, view, versions)
    for asset in ASSETS:
        files[asset] = resources.files("ci_catalog.browse.site_assets").joinpath(asset).read_text(encoding="utf-8")
    files[SITE_MARKER] = "Built by `ci-catalog site`; the next build replaces this folder whole.\n"
    write_tree(out, files)
    return SiteResult(pages=1 + len(views))


# ----- versions -----


def release_versions(root: Path, current: str) -> list[str]:
    """The versions to offer: release tags and the current one, releases first, each newest first."""
    tags = git_tags(root)
    found = releases(tags + [current] if current and current not in tags else tags)
    ordered = [release.tag for release in found if not release.is_prerelease]
    ordered += [release.tag for release in found if release.is_prerelease]
    if current and current not in ordered:  # a catalog.yml version that is not semver: after every release
        ordered.append(current)
    return ordered


def git_tags(root: Path) -> list[str]:
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


# ----- writing -----


def write_tree(out: Path, files: dict[str, str]) -> None:
    """Build the whole site beside OUT, then swap it in, so a failure leaves the old site or none."""
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}.new-"))
    try:
        for name, text in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        _publishable(staging)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _publishable(folder: Path) -> None:
    """mkdtemp makes a private folder; a site is for everyone the umask lets read it."""
    mask = os.umask(0)
    os.umask(mask)
    for path in [folder, *folder.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        os.replace(staging, out)
        return
    old = Path(tempfile.mkdtemp(dir=staging.parent, prefix=f".{out.name}.old-"))
    old.rmdir()
    os.replace(out, old)
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


# ----- HTML -----


def h(text: object) -> str:
    return html.escape(str(text), quote=True)


def rich(text: str) -> str:
    """Plain text with `code` spans, the only markup descriptions and summaries use here."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: show the text as written
        return h(text)
    return "".join(f"<code>{h(part)}</code>" if index % 2 else h(part) for index, part in enumerate(parts))


def page(title: str, body: str, depth: int, lead: str) -> str:
    up = "../" * depth
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{h(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{up}style.css">
<script src="{up}site.js" defer></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
<p class="site-title"><a href="{up}index.html">{h(lead)}</a></p>
</header>
{body}
<footer class="site-footer">
<p>Generated by <code>ci-catalog site</code> from <code>catalog.yml</code>.</p>
</footer>
</body>
</html>
"""


def _lead(catalog: Catalog) -> str:
    return f"{catalog.project} {pinned_version(catalog)}: CI/CD components"


def index_page(catalog: Catalog, views: list[ComponentView]) -> str:
    items = "\n".join(
        f'<li data-component="{h(view.name)}">'
        f'<h2><a href="components/{h(view.name)}.html">{h(view.name)}</a></h2>'
        f"<p>{rich(view.summary)}</p></li>"
        for view in views
    )
    body = f"""<main id="main">
<h1>Components</h1>
<p>Version {h(pinned_version(catalog))} of <code>{h(catalog.project)}</code>, {len(views)} components.</p>
<form class="search" role="search" data-search hidden>
<label for="search">Filter components</label>
<input id="search" type="search" autocomplete="off" aria-controls="component-list" aria-describedby="search-count">
<p id="search-count" role="status" aria-live="polite"></p>
</form>
<ul id="component-list" class="components">
{items}
</ul>
<p id="no-match" hidden>No component matches the filter.</p>
</main>"""
    return page(f"{catalog.project} CI/CD components", body, 0, _lead(catalog))


def component_page(catalog: Catalog, view: ComponentView, versions: list[str]) -> str:
    sections = [
        _usage_section(view, versions),
        _inputs_section(view),
        _jobs_section(view),
        _examples_section(view),
    ]
    intro = "".join(f"<p>{rich(text)}</p>\n" for text in (view.summary, view.description) if text)
    body = f"""<nav class="breadcrumb" aria-label="Breadcrumb"><a href="../index.html">All components</a></nav>
<main id="main">
<h1>{h(view.name)}</h1>
{intro}<p class="source">Source: <code>{h(view.path)}</code></p>
{"".join(sections)}</main>"""
    return page(f"{view.name}: {catalog.project} CI/CD components", body, 1, _lead(catalog))


def snippet_html(snippet: str, address: str, version: str) -> str:
    """The snippet, its version in a span the picker rewrites; its text stays what `show` prints."""
    base = address.removesuffix(f"@{version}")
    marked = f"{h(base)}@<span data-version>{h(version)}</span>"
    return h(snippet).replace(h(address), marked, 1)


def _snippet_block(block_id: str, label: str, snippet: str, view: ComponentView) -> str:
    code = snippet_html(snippet, view.address, view.version)
    return f"""<div class="snippet">
<pre><code id="{block_id}">{code}</code></pre>
<button type="button" class="copy" data-copy="{block_id}" data-status="{block_id}-status" hidden>
Copy {h(label)}</button>
<span id="{block_id}-status" class="copy-status" role="status" aria-live="polite"></span>
</div>
"""


def _version_picker(view: ComponentView, versions: list[str]) -> str:
    options = "".join(
        f'<option value="{h(version)}"{" selected" if version == view.version else ""}>'
        f"{h(version)}{' (this catalog.yml)' if version == view.version else ''}</option>"
        for version in versions
    )
    return f"""<p class="picker" data-picker hidden>
<label for="version">Version</label>
<select id="version" data-versions>{options}</select>
</p>
"""


def _usage_section(view: ComponentView, versions: list[str]) -> str:
    picker = _version_picker(view, versions)
    block = _snippet_block("snippet", "include snippet", view.snippet, view)
    return f"""<section aria-labelledby="usage">
<h2 id="usage">Usage</h2>
<p>Add this to your <code>.gitlab-ci.yml</code>:</p>
{picker}{block}</section>
"""


def _inputs_section(view: ComponentView) -> str:
    if not view.inputs:
        return '<section aria-labelledby="inputs"><h2 id="inputs">Inputs</h2><p>None.</p></section>\n'
    headers = ("Name", "Type", "Default", "Options or regex", "Required", "Description")
    head = "".join(f'<th scope="col">{name}</th>' for name in headers)
    rows = "\n".join(_input_row(spec) for spec in view.inputs)
    return f"""<section aria-labelledby="inputs">
<h2 id="inputs">Inputs</h2>
<div class="table-scroll" role="region" aria-labelledby="inputs-caption" tabindex="0">
<table>
<caption id="inputs-caption">Inputs of {h(view.name)}</caption>
<thead><tr>{head}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
</div>
</section>
"""


def _input_row(spec: InputSpec) -> str:
    default = default_text(spec)
    default_cell = f"<code>{h(default)}</code>" if spec.has_default else h(default)
    return (
        f'<tr><th scope="row"><code>{h(spec.name)}</code></th><td>{h(spec.type)}</td><td>{default_cell}</td>'
        f"<td>{_constraint(spec)}</td><td>{'yes' if spec.required else 'no'}</td>"
        f"<td>{rich(spec.description or '')}</td></tr>"
    )


def _constraint(spec: InputSpec) -> str:
    if spec.options is not None:
        return "one of " + ", ".join(f"<code>{h(value_text(option))}</code>" for option in spec.options)
    if spec.regex is not None:
        return f"matches <code>{h(spec.regex)}</code>"
    return ""


def _jobs_section(view: ComponentView) -> str:
    source = "the defaults" if view.jobs_from == DEFAULTS else f"the example “{h(view.jobs_from)}”"
    items = "".join(f"<li><code>{h(job)}</code></li>" for job in view.jobs) or "<li>None.</li>"
    internal = (
        " The component's internal helpers (<code>.…-internal-…</code>) are left out: extend none of them,"
        " they may change in any release."
        if view.internal_jobs
        else ""
    )
    return f"""<section aria-labelledby="jobs">
<h2 id="jobs">Jobs</h2>
<p>Rendered with {source}; names starting with <code>.</code> are hidden templates to extend.{internal}</p>
<ul>{items}</ul>
</section>
"""


def _examples_section(view: ComponentView) -> str:
    parts = [_example(view, index, example) for index, example in enumerate(view.examples, start=1)]
    return f"""<section aria-labelledby="examples">
<h2 id="examples">Examples</h2>
{"".join(parts)}</section>
"""


def _example(view: ComponentView, index: int, example: ExampleView) -> str:
    block = _snippet_block(f"example-{index}", f"example “{example.name}”", example.snippet, view)
    rendered = ""
    if example.rendered:
        rendered = f"<details><summary>Rendered jobs</summary><pre><code>{h(example.rendered)}</code></pre></details>\n"
    return f"""<article aria-labelledby="example-{index}-title">
<h3 id="example-{index}-title">{h(example.name)}</h3>
{block}{rendered}</article>
"""
