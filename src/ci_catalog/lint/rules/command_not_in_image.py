"""## What it does
Checks for script commands that the job's image does not provide.
A program called by name (`git`, `curl`, `zstd`, `sudo`) that is not on the `PATH` of the
image the job runs in is reported, unless the script installs it before
(`apt-get install -y git`, `apk add git`, `pip install twine`) or defines a function of
that name.

The job's image is its `image:` (or `image:name`), its own or from what it `extends`,
else `default:`'s, as GitLab renders the component with the inputs' defaults; variables
in it are filled in from the job's `variables` and `parallel:matrix` (one image for each
value). The images known are those the catalog's components name, with the commands of
each real image shipped with ci-catalog (`ci_catalog/lint/images/`):
`python:3.N-slim`, `python:3.N-alpine`, uv's `*-python3.N-trixie-slim` and
`*-python3.N-alpine`, Buildah's and skopeo's stable images. A job in any other image is
not checked.

`before_script` and `script` run in one shell, so a function or an install in
`before_script` counts for `script`; `after_script` and `hooks:pre_get_sources_script`
run in shells of their own. How commands, wrappers (`sudo`, `env`, `xargs`...) and
installs are read: `ci_catalog.lint.shellcommands`.

## Why is this bad?
A job runs in a fresh container of its image, which holds far less than a developer's
machine: no git, curl, wget, zstd or xz in the slim images, BusyBox instead of GNU tools
in the Alpine ones, no `sudo` anywhere. A script that calls a tool its image lacks passes
wherever it was tried by hand and fails on the runner with `command not found`, in every
pipeline that includes the component.

## Example
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: release
---
"$[[ inputs.job_prefix ]]-notes":
  image: ghcr.io/astral-sh/uv:0.13.8-python3.13-trixie-slim
  script:
    - git log --oneline -5 > notes.txt
```

Use instead:
```yaml
spec:
  inputs:
    job_prefix:
      description: Prefix of the job name.
      default: release
---
"$[[ inputs.job_prefix ]]-notes":
  image: ghcr.io/astral-sh/uv:0.13.8-python3.13-trixie-slim
  script:
    - apt-get update -qq && apt-get install -y -qq --no-install-recommends git
    - git log --oneline -5 > notes.txt
```

## Known problems
Only the image the defaults give is checked: an input whose other options name another
image (uv-cache's `base_layer: alpine`) is not tried with them. A command is taken as
installed from the install onwards, even when the install is conditional; an install
whose packages come from a variable or a file (`apt-get install $packages`,
`pip install -r requirements.txt`) may install anything, so no command after it is
reported. A package gives the command of its own name unless ci-catalog knows better
(`xz-utils` gives `xz`). A function counts wherever in the shell it is defined. Commands
given as text to another program (`sh -c '…'`, `eval`, `uv run …`) and commands called
by a path (`/usr/bin/git`, `.venv/bin/python`) are not checked. The lists of the Alpine,
Buildah and skopeo images are made from look-alikes built from Debian, corrected where
the real image is known to differ: each data file says what is still a stand-in.

To silence one finding, end the line with `# ci-catalog: ignore[command-not-in-image]`.

## References
- https://docs.gitlab.com/ci/yaml/#image
- https://docs.gitlab.com/ci/yaml/script/
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ci_catalog.cimodel import ScriptLine, extends_chain, job_keyword, job_script_lines, jobs
from ci_catalog.lint.context import FileContext
from ci_catalog.lint.imagetools import ImageTools, tools_for
from ci_catalog.lint.shellcommands import Call, Install, ScriptCommands, script_commands
from ci_catalog.lint.shellscript import SECTION_OF, ScriptItem
from ci_catalog.problems import Problem, format_json_path

ID = "command-not-in-image"
SEVERITY = "warning"
SCOPE = "file"

_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
MAX_MATRIX_IMAGES = 200  # GitLab's limit of jobs a `parallel:matrix` makes


@dataclass(frozen=True)
class _Image:
    reference: str
    tools: ImageTools


def check(ctx: FileContext) -> Iterator[Problem]:
    failure = ctx.not_rendered()
    if failure is not None:
        yield failure
        return
    data = ctx.rendered.data
    if not isinstance(data, dict):
        return
    parsed: dict[str, ScriptCommands] = {}
    reported: set[tuple[tuple[int, int], str]] = set()
    for name, _ in jobs(data):
        images = _job_images(data, name)
        if not images:
            continue
        for line, call, missing in _missing_commands(data, name, images, parsed):
            item = ScriptItem(line.path, line.text, ctx.rendered.marks, ctx.lines)
            place = item.source.locate(call.offset)
            if (place, call.name) in reported:
                continue  # a script several jobs share (`extends`, `default:`, a YAML anchor)
            reported.add((place, call.name))
            yield ctx.problem(_message(name, call.name, missing), place, format_json_path(line.path))


def _message(job: str, command: str, missing: list[str]) -> str:
    images = f"`{missing[0]}`" if len(missing) == 1 else f"`{missing[0]}` (and {len(missing) - 1} more)"
    return (
        f"Job `{job}` runs `{command}`, which its image {images} does not provide: "
        "install it in the script before using it, or run the job in an image that has it"
    )


# --- the job's images -----------------------------------------------------------------------


def _job_images(data: dict[str, Any], name: str) -> list[_Image]:
    """The images with known commands that the job runs in (several with a matrix)."""
    found = job_keyword(data, name, ("image",))
    if found is None:
        return []
    value = found[1]
    if isinstance(value, dict):
        value = value.get("name")
    if not isinstance(value, str):
        return []
    images: dict[str, _Image] = {}
    for variables in _variable_sets(data, name):
        reference = _expand(value, variables).strip()
        tools = tools_for(reference) if reference and "$" not in reference else None
        if tools is not None and reference not in images:
            images[reference] = _Image(reference, tools)
    return list(images.values())


def _variable_sets(data: dict[str, Any], name: str) -> Iterator[dict[str, str]]:
    """The variables the job's image is expanded with: the global ones, the job's own (with
    what it extends), and each combination of its `parallel:matrix`."""
    variables = _values(data.get("variables"))
    for entry in reversed(extends_chain(data, name)):
        variables.update(_values(data[entry].get("variables")))
    found = job_keyword(data, name, ("parallel", "matrix"))
    matrix = found[1] if found is not None and isinstance(found[1], list) else []
    combinations = [combination for entry in matrix if isinstance(entry, dict) for combination in _product(entry)]
    if not combinations:
        yield variables
        return
    for combination in combinations[:MAX_MATRIX_IMAGES]:
        yield {**variables, **combination}


def _values(node: Any) -> dict[str, str]:
    """A `variables:` mapping's values as text (`{value: …, description: …}` included)."""
    if not isinstance(node, dict):
        return {}
    found: dict[str, str] = {}
    for key, value in node.items():
        if isinstance(value, dict):
            value = value.get("value")
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            found[str(key)] = str(value)
    return found


def _product(entry: dict[str, Any]) -> list[dict[str, str]]:
    names = [str(key) for key in entry]
    choices = [[str(item) for item in value] if isinstance(value, list) else [str(value)] for value in entry.values()]
    return [dict(zip(names, combination, strict=True)) for combination in itertools.product(*choices)]


def _expand(text: str, variables: dict[str, str]) -> str:
    """`$NAME` and `${NAME}` replaced by the variables known; unknown ones are left as written."""
    return _VARIABLE.sub(lambda match: variables.get(match.group(1) or match.group(2), match.group(0)), text)


# --- the commands the job's scripts run -----------------------------------------------------


def _missing_commands(
    data: dict[str, Any], name: str, images: list[_Image], parsed: dict[str, ScriptCommands]
) -> Iterator[tuple[ScriptLine, Call, list[str]]]:
    """Each command a script of the job runs that an image lacks, with the images lacking it."""
    shells: dict[str, list[ScriptLine]] = {}
    for line in job_script_lines(data, name):
        shells.setdefault(SECTION_OF[line.key], []).append(line)
    for lines in shells.values():
        facts = [(line, _parsed(line.text, parsed)) for line in lines]
        yield from _missing_in_shell(facts, images)


def _parsed(text: str, parsed: dict[str, ScriptCommands]) -> ScriptCommands:
    if text not in parsed:
        parsed[text] = script_commands(text)
    return parsed[text]


def _missing_in_shell(
    facts: list[tuple[ScriptLine, ScriptCommands]], images: list[_Image]
) -> Iterator[tuple[ScriptLine, Call, list[str]]]:
    """The commands one shell runs that an image lacks, in the order they run."""
    functions = set().union(*(commands.functions for _, commands in facts))
    installed: set[str] = set()
    for line, commands in facts:
        events: list[Call | Install] = [*commands.calls, *commands.installs]
        for event in sorted(events, key=lambda event: event.offset):
            if isinstance(event, Install):
                if event.commands is None:
                    return  # anything may be installed from here on
                installed |= event.commands
            elif event.name not in functions and event.name not in installed:
                missing = [image.reference for image in images if not image.tools.provides(event.name)]
                if missing:
                    yield line, event, missing
