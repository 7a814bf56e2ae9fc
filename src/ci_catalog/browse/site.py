"""`ci-catalog site`: the catalog as static HTML that works from a folder, without a server.

Everything a user needs is in the HTML: each component at each version the picker offers
(the version being prepared, from the working tree, and the newest releases, rendered at
their tags), with its include snippet, inputs, jobs and examples. `site.js` only adds
search, copy buttons and the picker, which shows one version at a time, and shows their
controls itself, so a page without JavaScript has no dead ones and lists every version.
The site is built in a folder beside OUT and swapped in whole.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ci_catalog.browse.releases import CatalogVersions, catalog_at_tag, catalog_versions
from ci_catalog.browse.views import (
    DEFAULTS,
    ComponentView,
    ExampleView,
    component_view,
    default_text,
    idle_note,
    value_text,
)
from ci_catalog.catalog import Catalog, Component
from ci_catalog.header import InputSpec
from ci_catalog.problems import Problem
from ci_catalog.versions.releases import parse_tag
from ci_catalog.writing import replace_tree

ASSETS = ("style.css", "site.js")
# The picker offers the newest releases rendered at their tags, not every one ever made.
MAX_RELEASES_SHOWN = 12
# Marks a folder as one this command built, and so one it may replace.
SITE_MARKER = ".ci-catalog-site"
# The marker's first line; the files the build wrote follow, one a line, so the next
# build replaces only a folder that holds nothing else.
MARKER_TEXT = "# Built by `ci-catalog site`; the next build replaces this folder whole. It wrote:"


@dataclass
class SiteResult:
    pages: int = 0
    problems: list[Problem] = field(default_factory=list)


def refusal(out: Path, catalog_root: Path) -> str | None:
    """Why OUT must not be replaced, if it must not: only a new or empty folder, or a site this
    command built holding only what it wrote there, may go (a link is followed to its folder)."""
    real = out.resolve()
    if catalog_root.resolve().is_relative_to(real):
        return f"{out} holds the catalog {catalog_root}: the site replaces OUT whole; name a folder outside the catalog"
    if not real.exists():
        return None
    if not real.is_dir():
        return f"{out} is a file; name a folder for the site"
    entries = _entries(real)
    if not entries:
        return None
    if not (real / SITE_MARKER).is_file():
        return f"{out} is a folder that `ci-catalog site` did not build; name an empty or new folder"
    foreign = [entry for entry in entries if entry not in _built_files(real / SITE_MARKER)]
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        return (
            f"{out} holds files an earlier `ci-catalog site` did not write ({shown}); the site replaces OUT whole: "
            "move them out, or name another folder"
        )
    return None


def _entries(folder: Path) -> list[str]:
    """Every file and link under `folder`, relative to it (links are not followed)."""
    found: list[str] = []
    for parent, folders, files in os.walk(folder):
        here = Path(parent)
        found += [(here / name).relative_to(folder).as_posix() for name in files]
        found += [(here / name).relative_to(folder).as_posix() for name in folders if (here / name).is_symlink()]
    return sorted(found)


def _built_files(marker: Path) -> set[str]:
    """What the build that wrote `marker` wrote: listed in it (older builds wrote only the fixed layout)."""
    try:
        lines = marker.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    listed = {line for line in lines[1:] if line and not line.startswith("#")}
    if listed:
        return listed | {SITE_MARKER}
    fixed = {SITE_MARKER, "index.html", *ASSETS}
    return fixed | {path.relative_to(marker.parent).as_posix() for path in marker.parent.glob("components/*.html")}


def build(catalog: Catalog, out: Path) -> SiteResult:
    versions = catalog_versions(catalog)
    views = [component_view(catalog, component, True, _prepared(versions)) for component in catalog.components]
    problems = list(catalog.problems)
    for view in views:
        problems += view.problems + [problem for example in view.examples for problem in example.problems]
    if problems:
        return SiteResult(problems=problems)
    panels = version_panels(catalog, versions, views)
    files = {"index.html": index_page(catalog, views, versions)}
    for view in views:
        files[f"components/{view.name}.html"] = component_page(catalog, view, panels[view.name], versions)
    for asset in ASSETS:
        files[asset] = resources.files("ci_catalog.browse.site_assets").joinpath(asset).read_text(encoding="utf-8")
    files[SITE_MARKER] = "\n".join([MARKER_TEXT, *sorted(files)]) + "\n"
    replace_tree(out, files)
    return SiteResult(pages=1 + len(views))


# ----- versions -----


@dataclass
class Panel:
    """One version of a component, as the picker shows it: its view rendered at that version."""

    version: str
    label: str
    default: bool = False
    view: ComponentView | None = None
    note: str = ""  # why there is no view: not in that version, or it could not be read


def _prepared(versions: CatalogVersions) -> CatalogVersions:
    """The working tree's versions, pinning what it is: the prepared version (or ~latest without one)."""
    return CatalogVersions(versions.prepared, (), None)


def version_panels(catalog: Catalog, versions: CatalogVersions, views: list[ComponentView]) -> dict[str, list[Panel]]:
    """For each component, its panels in picker order: the prepared version when it is not
    released (the working tree), then the newest releases, each rendered at its tag."""
    panels: dict[str, list[Panel]] = {view.name: [] for view in views}
    if not versions.tags or (versions.prepared and not versions.prepared_is_released):
        label = f"{versions.prepared} (being prepared)" if versions.prepared else ""
        for view in views:
            panels[view.name].append(Panel(view.version, label or view.version, view=view))
    for tag in versions.tags[:MAX_RELEASES_SHOWN]:
        with catalog_at_tag(catalog.root, tag) as released:
            by_name = {component.name: component for component in released.components}
            for view in views:
                panels[view.name].append(_release_panel(released, by_name.get(view.name), view.name, tag, versions))
    for choices in panels.values():
        default = next((panel for panel in choices if panel.version == versions.newest), choices[0])
        default.default = True
    return panels


def _release_panel(
    released: Catalog, component: Component | None, name: str, tag: str, versions: CatalogVersions
) -> Panel:
    label, parsed = tag, parse_tag(tag)
    if tag == versions.newest:
        label = f"{tag} (newest release)"
    elif parsed is not None and parsed.prerelease is not None:
        label = f"{tag} (pre-release)"
    if component is None:
        return Panel(tag, label, note=f"{name} is not in version {tag}.")
    view = component_view(released, component, True, CatalogVersions(tag, (tag,), tag))
    failed = view.problems + [problem for example in view.examples for problem in example.problems]
    if failed or released.problems:
        first = (failed or released.problems)[0]
        return Panel(tag, label, note=f"Version {tag} could not be read here: {first.message}")
    return Panel(tag, label, view=view)


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


def _lead(catalog: Catalog, versions: CatalogVersions) -> str:
    return f"{catalog.project} {versions.pinned}: CI/CD components"


def index_page(catalog: Catalog, views: list[ComponentView], versions: CatalogVersions) -> str:
    items = "\n".join(
        f'<li data-component="{h(view.name)}">'
        f'<h2><a href="components/{h(view.name)}.html">{h(view.name)}</a></h2>'
        f"<p>{rich(view.summary)}</p></li>"
        for view in views
    )
    body = f"""<main id="main">
<h1>Components</h1>
<p><code>{h(catalog.project)}</code>, {len(views)} components. Version: {h(versions.note())}.</p>
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
    return page(f"{catalog.project} CI/CD components", body, 0, _lead(catalog, versions))


def component_page(catalog: Catalog, view: ComponentView, panels: list[Panel], versions: CatalogVersions) -> str:
    """The component at each version the picker offers; without JavaScript, every version one below the other."""
    intro = "".join(f"<p>{rich(text)}</p>\n" for text in (view.summary, view.description) if text)
    shown = "".join(_panel(panel, "" if panel.default else f"-v{index}") for index, panel in enumerate(panels))
    body = f"""<nav class="breadcrumb" aria-label="Breadcrumb"><a href="../index.html">All components</a></nav>
<main id="main">
<h1>{h(view.name)}</h1>
{intro}<p class="source">Source: <code>{h(view.path)}</code>. Version: {h(versions.note())}.</p>
{_version_picker(panels)}{shown}</main>"""
    return page(f"{view.name}: {catalog.project} CI/CD components", body, 1, _lead(catalog, versions))


def _panel(panel: Panel, suffix: str) -> str:
    if panel.view is None:
        content = f"<p>{h(panel.note)}</p>\n"
    else:
        sections = (_usage_section, _inputs_section, _jobs_section, _examples_section)
        content = "".join(section(panel.view, suffix) for section in sections)
    return f"""<section class="version" data-panel="{h(panel.version)}" aria-labelledby="version{suffix}-title">
<h2 id="version{suffix}-title">Version {h(panel.label)}</h2>
{content}</section>
"""


def _snippet_block(block_id: str, label: str, snippet: str) -> str:
    return f"""<div class="snippet">
<pre><code id="{block_id}">{h(snippet)}</code></pre>
<button type="button" class="copy" data-copy="{block_id}" data-status="{block_id}-status" hidden>
Copy {h(label)}</button>
<span id="{block_id}-status" class="copy-status" role="status" aria-live="polite"></span>
</div>
"""


def _version_picker(panels: list[Panel]) -> str:
    options = "".join(
        f'<option value="{h(panel.version)}"{" selected" if panel.default else ""}>{h(panel.label)}</option>'
        for panel in panels
    )
    return f"""<p class="picker" data-picker hidden>
<label for="version">Version</label>
<select id="version" data-versions>{options}</select>
</p>
"""


def _usage_section(view: ComponentView, suffix: str) -> str:
    block = _snippet_block(f"snippet{suffix}", "include snippet", view.snippet)
    return f"""<section aria-labelledby="usage{suffix}">
<h3 id="usage{suffix}">Usage</h3>
<p>Add this to your <code>.gitlab-ci.yml</code>:</p>
{block}</section>
"""


def _inputs_section(view: ComponentView, suffix: str) -> str:
    if not view.inputs:
        return f'<section aria-labelledby="inputs{suffix}"><h3 id="inputs{suffix}">Inputs</h3><p>None.</p></section>\n'
    headers = ("Name", "Type", "Default", "Options or regex", "Required", "Description")
    head = "".join(f'<th scope="col">{name}</th>' for name in headers)
    rows = "\n".join(_input_row(spec) for spec in view.inputs)
    return f"""<section aria-labelledby="inputs{suffix}">
<h3 id="inputs{suffix}">Inputs</h3>
<div class="table-scroll" role="region" aria-labelledby="inputs{suffix}-caption" tabindex="0">
<table>
<caption id="inputs{suffix}-caption">Inputs of {h(view.name)} {h(view.version)}</caption>
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


def _jobs_section(view: ComponentView, suffix: str) -> str:
    source = "the defaults" if view.jobs_from == DEFAULTS else f"the example “{h(view.jobs_from)}”"
    items = "".join(f"<li><code>{h(job)}</code>{h(idle_note(view, job))}</li>" for job in view.jobs) or "<li>None.</li>"
    internal = (
        " The component's internal helpers (<code>.…-internal-…</code>) are left out: extend none of them,"
        " they may change in any release."
        if view.internal_jobs
        else ""
    )
    return f"""<section aria-labelledby="jobs{suffix}">
<h3 id="jobs{suffix}">Jobs</h3>
<p>Rendered with {source}; names starting with <code>.</code> are hidden templates to extend.{internal}</p>
<ul>{items}</ul>
</section>
"""


def _examples_section(view: ComponentView, suffix: str) -> str:
    parts = [_example(index, example, suffix) for index, example in enumerate(view.examples, start=1)]
    return f"""<section aria-labelledby="examples{suffix}">
<h3 id="examples{suffix}">Examples</h3>
{"".join(parts)}</section>
"""


def _example(index: int, example: ExampleView, suffix: str) -> str:
    block = _snippet_block(f"example-{index}{suffix}", f"example “{example.name}”", example.snippet)
    rendered = ""
    if example.rendered:
        rendered = f"<details><summary>Rendered jobs</summary><pre><code>{h(example.rendered)}</code></pre></details>\n"
    return f"""<article aria-labelledby="example-{index}{suffix}-title">
<h4 id="example-{index}{suffix}-title">{h(example.name)}</h4>
{block}{rendered}</article>
"""
