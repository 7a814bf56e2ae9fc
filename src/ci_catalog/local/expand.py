"""`expand`: the pipeline GitLab builds from a project's `.gitlab-ci.yml`, assembled offline.

GitLab's External::Processor (lib/gitlab/ci/config/external/processor.rb, mapper.rb,
file/*.rb) reads a file's `include` entries, expands each included file the same way
(its own includes first), deep-merges the included files in order, then the file itself
over them, and drops `include`. Here:

- `component:` entries resolve against the catalog (`ci_catalog.versions`) and render at
  the resolved commit with the entry's inputs and the component context; their own
  `local:` includes are read from the catalog at that commit.
- `local:` entries are read from the project's folder (the repository root), wildcards
  (`*`, `**`) matched as GitLab matches them, with the entry's inputs.
- `project:`, `remote:`, `template:` and `artifact:` files are not here: each is an error
  naming it, or with `keep_unresolved` is kept in a top-level `include:` for GitLab (or
  gitlab-ci-local) to fetch. GitLab merges kept includes first, before everything else.
- `rules:` decide whether an entry counts (`ci_catalog.local.include_rules`).
- At most 150 files, nested ones counted (`ci_max_includes`), as GitLab allows.

`extends:` and `!reference` are left as written: GitLab resolves them after this step
(Config::Extendable, Config::Yaml::Tags), and so does gitlab-ci-local. A later stage that
resolves them takes `Expansion.pipeline` as its input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ci_catalog.loading import load_path
from ci_catalog.local.include_rules import evaluate_rules
from ci_catalog.local.sources import CommitSource, FileSource, WorktreeSource, wildcard_matches
from ci_catalog.problems import Marks, Problem, Severity
from ci_catalog.render import NOT_A_HASH, RenderOptions, render_loaded, render_text
from ci_catalog.validate import checked_content
from ci_catalog.versions.includes import IncludeEntry, expand_entry, include_entries, kind_problem
from ci_catalog.versions.pipeline_resolve import Context, ResolvedInclude, deep_merge, job_collisions, resolve_component

MAX_INCLUDES = 150  # ApplicationSetting ci_max_includes, GitLab's default
UNRESOLVABLE = ("project", "remote", "template", "artifact")


@dataclass
class ExpandOptions:
    keep_unresolved: bool = False
    max_includes: int = MAX_INCLUDES
    inputs: dict[str, Any] | None = None  # the pipeline's own inputs (a `spec:inputs` header in PIPELINE)


@dataclass
class IncludedFile:
    """One file merged into the pipeline, as GitLab lists it under the pipeline's includes."""

    kind: str  # local or component
    location: str  # as written in the entry (a component's address expanded)
    read_from: str  # where its text came from: a path in the project, or `templates/x.yml@1.0.0`
    included_from: str  # `file:line:column` of the entry
    depth: int  # 1 for the pipeline file's own includes


@dataclass
class Expansion:
    """The merged pipeline, or the problems that kept it from being built.

    `pipeline` is what GitLab's include processing yields: every include merged in, no
    `include:` (but the kept ones), `extends` and `!reference` as written.
    """

    path: str
    pipeline: dict[str, Any] = field(default_factory=dict)
    marks: Marks = field(default_factory=Marks)
    files: list[IncludedFile] = field(default_factory=list)
    components: list[ResolvedInclude] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(problem.severity == "error" for problem in self.problems)


def expand_pipeline(path: str | Path, root: Path, context: Context, options: ExpandOptions | None = None) -> Expansion:
    """The pipeline GitLab would build from the file at `path` in the repository at `root`."""
    options = options or ExpandOptions()
    expansion = Expansion(str(path))
    rendered = render_loaded(
        load_path(path), RenderOptions(inputs=options.inputs, variables=context.render_variables())
    )
    if not rendered.ok:
        expansion.problems = rendered.problems
        return expansion
    content = rendered.data if isinstance(rendered.data, dict) else {}
    walk = _Walk(context, options, expansion)
    try:
        merged = walk.file(content, rendered.marks, expansion.path, WorktreeSource(root), 0)
    except _TooManyIncludes as error:
        expansion.problems.append(error.problem)
        return expansion
    expansion.problems += job_collisions(expansion.components, severity="warning")
    if not expansion.ok:
        return expansion
    # No schema check here: GitLab checks the configuration after resolving `extends` and
    # `!reference`, which this stage leaves as written (a `!reference` in `variables:` is
    # valid only once resolved). The stage that resolves them is where the check belongs.
    expansion.marks = _top_marks(rendered.marks, walk.top_places)
    expansion.pipeline = ({"include": expansion.kept} if expansion.kept else {}) | merged
    return expansion


def check_expansion(expansion: Expansion) -> dict[str, Any]:
    """GitLab's next steps after the includes, on an expansion that is ok: `extends:` merged, `!reference`
    resolved, then what its processor and schema refuse, added to the expansion's problems. The pipeline
    as GitLab builds it. Kept includes may complete what is checked here, so it is checked as partial."""
    checked = checked_content(expansion.pipeline, expansion.marks, expansion.path, partial=bool(expansion.kept))
    expansion.problems += checked.problems
    return checked.data if isinstance(checked.data, dict) else {}


class _TooManyIncludes(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _Walk:
    def __init__(self, context: Context, options: ExpandOptions, expansion: Expansion) -> None:
        self.context, self.options, self.expansion = context, options, expansion
        self.count = 0
        # For the pipeline file's own entries: the keys each one brought, to place problems.
        self.top_places: list[tuple[list[str], int, int]] = []

    def file(self, content: dict[str, Any], marks: Marks, shown: str, source: FileSource, depth: int) -> dict[str, Any]:
        """`content` with its includes merged in as GitLab merges them, `include` dropped."""
        entries = self._entries(content, marks, shown, source)
        self._count(entries, shown)
        merged: dict[str, Any] = {}
        for entry in entries:
            included = self._include(entry, shown, source, depth + 1)
            if included is None:
                continue
            merged = deep_merge(merged, included)
            if depth == 0:
                self.top_places.append((list(included), entry.line, entry.column))
        return deep_merge(merged, {key: value for key, value in content.items() if key != "include"})

    def _entries(self, content: dict[str, Any], marks: Marks, shown: str, source: FileSource) -> list[IncludeEntry]:
        """The entries that name files, in GitLab's Mapper order: normalize, filter by rules,
        expand wildcards, expand variables, match one kind of file."""
        variables = self.context.variables
        entries, problems = include_entries(content, marks, shown, variables)
        kept: list[IncludeEntry] = []
        for entry in entries:
            verdict = evaluate_rules(entry.entry.get("rules"), variables, source)
            if verdict.error:
                problems.append(_at(shown, entry, verdict.error))
            elif verdict.included:
                kept += self._wildcards(entry, shown, source, problems)
        matched: list[IncludeEntry] = []
        for entry in (expand_entry(item, variables) for item in kept):
            problem = kind_problem(entry, shown)
            if problem is None:
                matched.append(entry)
            else:
                problems.append(problem)
        self.expansion.problems += problems
        return matched

    def _wildcards(
        self, entry: IncludeEntry, shown: str, source: FileSource, problems: list[Problem]
    ) -> list[IncludeEntry]:
        pattern = entry.entry.get("local")
        if not isinstance(pattern, str) or "*" not in pattern or len(entry.kinds) != 1:
            return [entry]
        found = wildcard_matches(pattern, source.paths())
        if not found:
            hint = ": a pattern starting with `/` never matches, write it without" if pattern.startswith("/") else ""
            problems.append(_at(shown, entry, f"`{pattern}` matches no file, so it includes nothing{hint}", "warning"))
        return [IncludeEntry({"local": path}, entry.index, entry.line, entry.column) for path in found]

    def _count(self, entries: list[IncludeEntry], shown: str) -> None:
        for entry in entries:
            self.count += 1
            if self.count > self.options.max_includes:
                message = f"Maximum of {self.options.max_includes} nested includes are allowed!"
                raise _TooManyIncludes(_at(shown, entry, message))

    def _include(self, entry: IncludeEntry, shown: str, source: FileSource, depth: int) -> dict[str, Any] | None:
        if entry.kind == "local":
            return self._local(entry, shown, source, depth)
        if entry.kind == "component":
            return self._component(entry, shown, depth)
        self._unresolved(entry, shown)
        return None

    def _local(self, entry: IncludeEntry, shown: str, source: FileSource, depth: int) -> dict[str, Any] | None:
        location = entry.location
        if not isinstance(location, str):
            return self._fail(shown, entry, f"Included file `{location}` needs to be a string")
        if not _has_yaml_extension(location):
            return self._fail(shown, entry, f"Included file `{location}` does not have YAML extension!")
        text = source.read(location)
        if text is None:
            return self._fail(shown, entry, f"Local file `{location}` does not exist!")
        if not text.strip():
            return self._fail(shown, entry, f"Local file `{location}` is empty!")
        read_from = source.shown(location)
        options = RenderOptions(inputs=entry.entry.get("inputs"), variables=self.context.render_variables())
        rendered = render_text(text, read_from, options)
        if not rendered.ok:
            for problem in rendered.problems:
                self._fail(shown, entry, f"`{location}`: {problem.message} (in {problem.where()})")
            return None
        if not isinstance(rendered.data, dict) or not rendered.data:
            return self._fail(shown, entry, f"Included file `{location}` does not have valid YAML syntax!")
        self._record("local", location, read_from, shown, entry, depth)
        return self.file(rendered.data, rendered.marks, read_from, source, depth)

    def _component(self, entry: IncludeEntry, shown: str, depth: int) -> dict[str, Any] | None:
        written = entry.entry["component"]
        if not isinstance(written, str):
            return self._fail(shown, entry, f"Included file `{written}` needs to be a string")
        inputs = entry.entry.get("inputs")
        if inputs is not None and not isinstance(inputs, dict):
            return self._fail(shown, entry, NOT_A_HASH)
        resolved = resolve_component(entry.as_component(), self.context, shown)
        self.expansion.problems += resolved.problems
        if resolved.resolution is None or self.context.catalog is None:
            if resolved.address is not None and not any(p.severity == "error" for p in resolved.problems):
                self._unresolved(entry, shown)  # another catalog's component: not here
            return None
        if not resolved.ok:
            return None
        self.expansion.components.append(resolved)
        address = resolved.address
        assert address is not None
        self._record("component", address.expanded, resolved.component_path, shown, entry, depth)
        label = address.reference
        component_files = CommitSource(self.context.catalog.repo, resolved.resolution.sha, label)
        return self.file(resolved.data, resolved.marks, resolved.component_path, component_files, depth)

    def _unresolved(self, entry: IncludeEntry, shown: str) -> None:
        if self.options.keep_unresolved:
            self.expansion.kept.append(entry.as_written)  # GitLab expands its variables itself
            message = f"`{entry.described()}` is kept as an include for GitLab to fetch (it is not here to merge)"
            self.expansion.problems.append(_at(shown, entry, message, "warning"))
            return
        why = {
            "project": "another project's files are not here",
            "remote": "expand does not download files",
            "template": "GitLab's own templates are not here",
            "artifact": "a job's artifacts exist only in a running pipeline",
            "component": "its catalog is not the one given with --catalog",
        }[entry.kind]
        message = (
            f"`{entry.described()}` cannot be resolved offline ({why}): keep it for GitLab with --keep-unresolved, "
            "or remove it"
        )
        self.expansion.problems.append(_at(shown, entry, message))

    def _record(self, kind: str, location: str, read_from: str, shown: str, entry: IncludeEntry, depth: int) -> None:
        place = f"{shown}:{entry.line}:{entry.column}"
        self.expansion.files.append(IncludedFile(kind, location, read_from, place, depth))

    def _fail(self, shown: str, entry: IncludeEntry, message: str) -> dict[str, Any] | None:
        """Report the entry's error; nothing of the file is merged."""
        self.expansion.problems.append(_at(shown, entry, message))
        return None


def _has_yaml_extension(location: str) -> bool:
    """`/.+\\.(yml|yaml)$/i` on the file's name: something before the dot, any letter case."""
    name = location.rsplit("/", 1)[-1]
    stem, dot, extension = name.rpartition(".")
    return bool(dot and stem and extension.lower() in ("yml", "yaml"))


def _at(shown: str, entry: IncludeEntry, message: str, severity: Severity = "error") -> Problem:
    return Problem(message, shown, entry.line, entry.column, code="include", severity=severity)


def _top_marks(own: Marks, places: list[tuple[list[str], int, int]]) -> Marks:
    """Marks for the merged pipeline: an included key at the entry that brought it, the file's own keys at them."""
    marks = Marks()
    for keys, line, column in places:
        for key in keys:
            marks.add((key,), line, column)
    marks.by_path.update({path: place for path, place in own.by_path.items() if path[:1] != ("include",)})
    return marks
