"""The documents both validators get: every component of a catalog, rendered with each example input set."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import yaml

from ci_catalog.catalog import load_catalog
from ci_catalog.emit import to_yaml
from ci_catalog.render import RenderOptions, render_path


@dataclass
class Document:
    component: str
    example: str
    template: Path
    options: RenderOptions
    rendered: Path  # the rendered pipeline, as `ci-catalog render` prints it


def component_context(name: str, version: str) -> dict[str, object]:
    """What `ci-catalog check` passes for `$[[ component.* ]]`."""
    return {"name": name, "sha": "0" * 40, "version": version or None, "reference": version or "main"}


def render_documents(root: Path, folder: Path) -> list[Document]:
    catalog = load_catalog(root)
    folder.mkdir(parents=True, exist_ok=True)
    documents = []
    for component in catalog.components:
        for number, example in enumerate(component.examples):
            options = RenderOptions(inputs=example.inputs, component=component_context(component.name, catalog.version))
            result = render_path(component.path, options)
            target = folder / f"{component.name}-{number}.yml"
            target.write_text(to_yaml(result.data, literal_blocks=True), encoding="utf-8")
            documents.append(Document(component.name, example.name, component.path, options, target))
    return documents


# The first line of a literal block script (`- |` or `script: |`) and its indentation.
BLOCK_SCRIPT = re.compile(r"^(\s*(?:- |[\w-]+: )\|[-+]?[ \t]*\n)([ \t]+)", re.MULTILINE)


def synthetic_catalog(source: Path, target: Path, size: int) -> Path:
    """A catalog of `size` components, copies of `source`'s components in turn, each with its first example.

    Each copy's block scripts start with a comment naming the copy, so that its scripts
    are its own: a run that checks a script once for all copies of it does not get the
    other copies for free.
    """
    manifest = yaml.safe_load((source / "catalog.yml").read_text(encoding="utf-8"))
    originals = sorted(manifest["components"])
    components = {}
    for number in range(size):
        original = originals[number % len(originals)]
        name = f"c{number:04d}-{original}"
        folder = target / "templates" / name
        folder.mkdir(parents=True)
        text = (source / "templates" / original / "template.yml").read_text(encoding="utf-8")
        named = BLOCK_SCRIPT.sub(partial(_named_script, name), text)
        folder.joinpath("template.yml").write_text(named, encoding="utf-8")
        # Only the first example input set: a manifest of 1,000 components with all of theirs
        # is more than GitLab's limit on a parsed YAML file, which ci-catalog applies too.
        # No test cases: their fixture projects are not copied, and `check` does not run them.
        entry = {key: value for key, value in manifest["components"][original].items() if key != "tests"}
        components[name] = {**entry, "examples": entry["examples"][:1]}
    (target / "catalog.yml").write_text(yaml.safe_dump({**manifest, "components": components}), encoding="utf-8")
    (target / "README.md").write_bytes((source / "README.md").read_bytes())
    return target


def _named_script(name: str, match: re.Match[str]) -> str:
    """A block script's first line, then a comment naming the copy at its indentation."""
    return f"{match[1]}{match[2]}# {name}\n{match[2]}"


def git_project(folder: Path) -> Path:
    """An empty git repository, where gitlab-ci-local previews one pipeline file at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=folder, check=True)
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=Bench",
            "-c",
            "user.email=bench@example.invalid",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "empty",
        ],
        cwd=folder,
        check=True,
    )
    return folder
