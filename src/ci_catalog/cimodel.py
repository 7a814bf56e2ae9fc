"""One model of a CI body as GitLab reads it: global keywords, jobs, scripts, and the
values a component is rendered with when nobody gave any.

Lint rules, ShellCheck, `list`/`show`/`docs`/`diff` (the interface) and `resolve` all
read bodies through this module, so that they agree on what is a job and what is a
script line.

Jobs follow GitLab's `Entry::Root#filter_jobs!` (lib/gitlab/ci/config/entry/root.rb):
every top-level key is a job except the reserved global keywords; `default` and
`workflow` are global keywords too, unless their value looks like a job (it has
`script`, `run` or `trigger`, as `Entry::Job.matching?` and `Entry::Bridge.matching?`
ask), in which case GitLab takes them for jobs. A job whose name starts with `.` is
hidden (`Entry::Hidden`): never run, but extended, so it is a job here too. A hidden job
named with the word `internal` (`.internal-…`, `.<prefix>-internal-…`) is a component's
own helper, which its jobs extend or reference and users must not: GitLab knows no such
thing, it is this catalog's convention, and it keeps such helpers out of the interface.

Scripts follow `Entry::Commands` (lib/gitlab/ci/config/entry/commands.rb): a string or
an array of strings nested up to 10 arrays deep, which GitLab flattens into one list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ci_catalog.header import InputSpec, Spec
from ci_catalog.yamlread import Reference

# Root's entries marked `reserved: true`: never a job, whatever their value.
RESERVED_KEYWORDS = frozenset(
    {"include", "before_script", "image", "services", "after_script", "variables", "stages", "cache"}
)
# Root's other entries: a global keyword unless the value looks like a job.
UNRESERVED_KEYWORDS = frozenset({"default", "workflow"})
GLOBAL_KEYWORDS = RESERVED_KEYWORDS | UNRESERVED_KEYWORDS
# Job keywords GitLab still takes at the top level for every job (`default:` is their place).
DEPRECATED_GLOBALS = ("image", "services", "cache", "before_script", "after_script")
# A mapping with one of these is a job or a trigger job (`Entry::Job`, `Entry::Bridge`).
JOB_MARKERS = ("script", "run", "trigger")

# Every script keyword, as a path inside the job; `hooks:pre_get_sources_script` runs
# before the sources are fetched.
SCRIPT_KEYS: tuple[tuple[str, ...], ...] = (
    ("before_script",),
    ("script",),
    ("after_script",),
    ("hooks", "pre_get_sources_script"),
)
# The script keywords each kind of holder has (`default` has no `script`; the deprecated
# globals are only `before_script` and `after_script`).
_HOLDER_SCRIPT_KEYS = {
    "job": SCRIPT_KEYS,
    "default": tuple(key for key in SCRIPT_KEYS if key != ("script",)),
    "global": (("before_script",), ("after_script",)),
}
MAX_SCRIPT_NESTING = 10  # `Entry::Commands::MAX_NESTING_LEVEL`: arrays inside arrays, the outer one counted

# `internal` as a whole word of a hidden job's name: `.internal-x`, `.uv-internal-in-root`.
_INTERNAL_JOB = re.compile(r"^\.(?:\S*-)?internal(?:-|$)")

# A value of each input type for a required input with no options, so the body renders.
TYPE_PLACEHOLDERS: dict[str, Any] = {"string": "placeholder", "number": 1, "boolean": True, "array": []}


# --- jobs ---------------------------------------------------------------------------------


def is_job(name: str, body: Any) -> bool:
    """Whether GitLab takes the top-level entry `name` for a job (hidden ones included).

    Only mappings count: anything else under a job name is an error GitLab reports, with
    nothing in it to look at.
    """
    if not isinstance(body, dict) or name in RESERVED_KEYWORDS:
        return False
    if name in UNRESERVED_KEYWORDS:
        return any(marker in body for marker in JOB_MARKERS)
    return True


def is_hidden(name: str) -> bool:
    """A hidden job (`.name`): a template for `extends` and `!reference`, never run."""
    return name.startswith(".")


def is_internal(name: str) -> bool:
    """A hidden job named `.internal-…` or `.<prefix>-internal-…`: the component's own helper.

    Users must not extend or reference it, so it is not part of the component's interface
    (`list`, `show`, `docs` and `diff` leave it out) and may be renamed in any release.
    """
    return _INTERNAL_JOB.match(name) is not None


def never_runs(job: dict[str, Any]) -> bool:
    """Whether a job's `rules` (its bases merged in) keep it out of every pipeline: each rule says
    `when: never`, so none can add the job."""
    rules = job.get("rules")
    return (
        isinstance(rules, list)
        and bool(rules)
        and all(isinstance(rule, dict) and rule.get("when") == "never" for rule in rules)
    )


def jobs(content: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each job, hidden ones included, with its body, in the order written."""
    for name, body in content.items():
        if is_job(name, body):
            yield name, body


def global_keywords(content: dict[str, Any]) -> Iterator[str]:
    """The top-level keys that are global keywords, not jobs."""
    for name, body in content.items():
        if name in GLOBAL_KEYWORDS and not is_job(name, body):
            yield name


def default_section(content: dict[str, Any]) -> dict[str, Any] | None:
    """The `default:` mapping, unless there is none (or it is a job)."""
    default = content.get("default")
    return default if isinstance(default, dict) and not is_job("default", default) else None


# --- what holds job keywords ---------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """A mapping of job keywords: a job, `default`, or the deprecated global keywords.

    `path` is where it is in the body (`()` for the globals, whose `body` is then a
    mapping of just those keys); `kind` is `job`, `default` or `global`.
    """

    path: tuple[Any, ...]
    kind: str
    body: dict[str, Any]

    @property
    def name(self) -> str:
        """The job's name, `default`, or "" for the globals."""
        return str(self.path[0]) if self.path else ""

    @property
    def script_keys(self) -> tuple[tuple[str, ...], ...]:
        return _HOLDER_SCRIPT_KEYS[self.kind]


def holders(content: dict[str, Any]) -> Iterator[Holder]:
    """Each job, then `default`, then the deprecated global keywords, if there are any."""
    for name, body in jobs(content):
        yield Holder((name,), "job", body)
    default = default_section(content)
    if default is not None:
        yield Holder(("default",), "default", default)
    deprecated = {key: content[key] for key in DEPRECATED_GLOBALS if key in content}
    if deprecated:
        yield Holder((), "global", deprecated)


# --- what a job takes from `extends` and `default:` ---------------------------------------

# The `default:` keywords a job takes when it has none of its own, unless its
# `inherit:default` says otherwise (`Entry::Default::ALLOWED_KEYS`, inherit/default.rb).
DEFAULT_KEYWORDS = frozenset(
    {
        "after_script",
        "artifacts",
        "before_script",
        "cache",
        "hooks",
        "id_tokens",
        "image",
        "interruptible",
        "retry",
        "services",
        "tags",
        "timeout",
    }
)
MAX_EXTENDS_LEVELS = 10  # `Extendable::Entry::MAX_NESTING_LEVELS`


def extends_of(body: dict[str, Any]) -> list[str]:
    """The names a job's `extends` gives (one or a list)."""
    bases = body.get("extends")
    if isinstance(bases, str):
        return [bases]
    return [base for base in bases if isinstance(base, str)] if isinstance(bases, list) else []


def extends_chain(content: dict[str, Any], name: str) -> list[str]:
    """The top-level entries a job's keywords come from, the one that wins first: the job,
    then what it extends, the last base first, each followed by what it extends in turn.

    GitLab deep-merges the bases in order and the job last (extendable/entry.rb), so a
    keyword comes from the first of these that has it (a mapping, such as `variables`,
    key by key). Unknown, circular or too deep bases are left out: GitLab refuses those.
    """
    chain: list[str] = []

    def visit(entry: str, depth: int, seen: tuple[str, ...]) -> None:
        body = content.get(entry)
        if not isinstance(body, dict) or entry in seen or depth > MAX_EXTENDS_LEVELS:
            return
        if entry not in chain:
            chain.append(entry)
        for base in reversed(extends_of(body)):
            visit(base, depth + 1, (*seen, entry))

    visit(name, 0, ())
    return chain


def job_keyword(content: dict[str, Any], name: str, key: tuple[str, ...]) -> tuple[Holder, Any] | None:
    """The value at `key` (`("image",)`, `("hooks", "pre_get_sources_script")`) that job
    `name` runs with, and the holder it is written in: the job's own, an entry it extends,
    or else `default:` (or the deprecated global keyword) when `inherit:default` allows it.
    None when the job has no such keyword."""
    for entry in extends_chain(content, name):
        found, value = _at(content[entry], key)
        if found:
            return Holder((entry,), "job", content[entry]), value
    if key[0] not in DEFAULT_KEYWORDS or not _inherits_default(content, name, key[0]):
        return None
    for holder in holders(content):
        if holder.kind != "job":
            found, value = _at(holder.body, key)
            if found:
                return holder, value
    return None


def _at(body: dict[str, Any], key: tuple[str, ...]) -> tuple[bool, Any]:
    value: Any = body
    for part in key:
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _inherits_default(content: dict[str, Any], name: str, keyword: str) -> bool:
    """`inherit:default`: true (the default), false, or the keywords to take."""
    found = job_keyword(content, name, ("inherit", "default"))
    setting = True if found is None else found[1]
    return keyword in setting if isinstance(setting, list) else setting is not False


# --- scripts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScriptLine:
    """One string of a script, as GitLab runs it after flattening nested arrays.

    `key` is the script keyword (`("script",)`, `("hooks", "pre_get_sources_script")`);
    `path` is where the string is in the body, nested indexes included.
    """

    holder: Holder
    key: tuple[str, ...]
    path: tuple[Any, ...]
    text: str

    @property
    def key_name(self) -> str:
        return ":".join(self.key)


def script_lines(holder: Holder) -> Iterator[ScriptLine]:
    """The strings of every script the holder has, in the order of `SCRIPT_KEYS`."""
    for key in holder.script_keys:
        value: Any = holder.body
        for part in key:
            value = value.get(part) if isinstance(value, dict) else None
        for path, text in _flattened(value, (*holder.path, *key), 0):
            yield ScriptLine(holder, key, path, text)


def job_script_lines(content: dict[str, Any], name: str) -> Iterator[ScriptLine]:
    """The strings of every script job `name` runs, in the order of `SCRIPT_KEYS`, each
    from where it is written: the job, an entry it extends, or `default:` (`job_keyword`)."""
    for key in SCRIPT_KEYS:
        found = job_keyword(content, name, key)
        if found is not None:
            holder, value = found
            for path, text in _flattened(value, (*holder.path, *key), 0):
                yield ScriptLine(holder, key, path, text)


def all_script_lines(content: dict[str, Any]) -> Iterator[ScriptLine]:
    """Every script line of the body, holder by holder."""
    for holder in holders(content):
        yield from script_lines(holder)


def _flattened(value: Any, path: tuple[Any, ...], level: int) -> Iterator[tuple[tuple[Any, ...], str]]:
    """A script's strings, nested arrays flattened up to GitLab's limit (deeper ones are an
    error GitLab reports); a `!reference` cannot be resolved offline and is left out."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list) and not isinstance(value, Reference) and level < MAX_SCRIPT_NESTING:
        for index, item in enumerate(value):
            yield from _flattened(item, (*path, index), level + 1)


# --- rendering a component with nobody's inputs -------------------------------------------


def placeholder(item: InputSpec) -> Any:
    """A value GitLab accepts for the input: its first option, else one of its type.

    (A rule that offers options must have a default too, so such an input is never required.)
    """
    return item.options[0] if item.options else TYPE_PLACEHOLDERS.get(item.type, TYPE_PLACEHOLDERS["string"])


def placeholder_inputs(spec: Spec) -> dict[str, Any]:
    """A value for each required input, so that the body renders with the defaults."""
    return {item.name: placeholder(item) for item in spec.inputs if item.required}


def component_context(name: str, version: str | None = None) -> dict[str, Any]:
    """`$[[ component.* ]]` for a component rendered offline.

    Any commit would do, and the interface must not depend on which one it is read at,
    so the `sha` is zeros; without a version the reference is `main`.
    """
    return {"name": name, "sha": "0" * 40, "version": version or None, "reference": version or "main"}


def component_name(path: str) -> str:
    """The name a component file has in a catalog: `templates/NAME.yml` or `templates/NAME/template.yml`."""
    file = PurePosixPath(path.replace("\\", "/"))
    return file.parent.name if file.name == "template.yml" and file.parent.name else file.stem
