"""catalog.yml's test cases: per component, fixture projects to run it on and what must happen.

```yaml
components:
  poetry-test:
    tests:
      - name: cold then warm                  # unique within the component
        fixture: tests/fixtures/poetry-project  # a folder of the catalog: the project's files
        inputs: {python_versions: ["3.13"]}   # the include's inputs
        variables: {NAME: value}              # CI/CD variables of the jobs
        files: {tests/test_x.py: "...", poetry.lock: null}  # the fixture changed: written, or deleted
        pipeline: {my-job: {...}}             # added to the project's .gitlab-ci.yml after the include
        jobs: ["poetry-test: [3.13]"]         # exactly the jobs that run
        expect:                               # the first run, without caches
          - {job: "poetry-test: [3.13]", passes: true}
        warm:                                 # a second run, on the caches the first one left
          expect:
            - {downloads: 0}
            - {caches_unchanged: true}
```

Each expectation is a mapping with one check: `passes: true|false`, `fails_with: TEXT`
(the job fails and its log holds TEXT), `log: TEXT`, `not_in_log: TEXT`, `artifact: PATH` (relative to the
project), `dotenv: NAME` (a variable of the job's dotenv report), `coverage: FIGURE` (the
job's `coverage:` figure), each with the `job` it is about; and for a whole run
`downloads: 0` (the run is made without network, and every job passes) and, in `warm` only,
`caches_unchanged: true` (no file in any cache is new or newer after the run, so a runner
would not upload them again). Every problem is reported at its place in catalog.yml.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ci_catalog.problems import Marks, Problem

CASE_KEYS = ("name", "fixture", "inputs", "variables", "files", "pipeline", "jobs", "expect", "warm")
JOB_CHECKS = ("passes", "fails_with", "log", "not_in_log", "artifact", "dotenv", "coverage")
RUN_CHECKS = ("downloads", "caches_unchanged")


@dataclass(frozen=True)
class Expectation:
    check: str  # one of JOB_CHECKS or RUN_CHECKS
    value: Any
    job: str | None = None
    line: int = 0
    column: int = 0

    def described(self) -> str:
        """The expectation as catalog.yml writes it."""
        value = str(self.value).lower() if isinstance(self.value, bool) else self.value
        return f"{self.job}: {self.check} {value}" if self.job else f"{self.check}: {value}"


@dataclass
class Case:
    component: str
    name: str
    fixture: str
    jobs: list[str]
    inputs: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    files: dict[str, str | None] = field(default_factory=dict)
    pipeline: dict[str, Any] = field(default_factory=dict)
    expect: list[Expectation] = field(default_factory=list)
    warm: list[Expectation] | None = None  # None: the case runs once
    line: int = 0
    column: int = 0


class _Reader:
    """Reads one component's `tests` list; what is wrong goes to `problems`, at its place."""

    def __init__(self, component: str, root: Path, manifest: Path, marks: Marks, problems: list[Problem]) -> None:
        self.component, self.root, self.manifest, self.marks, self.problems = (
            component,
            root,
            manifest,
            marks,
            problems,
        )
        self.base: tuple[object, ...] = ("components", component, "tests")

    def problem(self, path: tuple[object, ...], message: str) -> None:
        line, column = self.marks.find(self.base + path)
        self.problems.append(
            Problem(f"`{self.component}` tests: {message}", str(self.manifest), line, column, code="catalog")
        )

    def cases(self, value: Any) -> list[Case]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem((), "must be a list of test cases (each a mapping with name, fixture, jobs, expect)")
            return []
        found: list[Case] = []
        names: set[str] = set()
        for index, item in enumerate(value):
            before = len(self.problems)
            case = self.case(index, item)
            if case is not None and case.name in names:
                self.problem((index, "name"), f"a second case named `{case.name}`: name each case once")
            if case is not None and len(self.problems) == before:
                names.add(case.name)
                found.append(case)
        return found

    def case(self, index: int, item: Any) -> Case | None:
        if not isinstance(item, dict):
            self.problem((index,), "each test case must be a mapping with name, fixture, jobs and expect")
            return None
        for key in item:
            if key not in CASE_KEYS:
                self.problem((index, key), f"unknown key `{key}` in a test case; the keys are {', '.join(CASE_KEYS)}")
        name = self.text(item, index, "name")
        fixture = self.fixture(item, index)
        jobs = self.job_names(item.get("jobs"), (index, "jobs"))
        line, column = self.marks.find(self.base + (index,))
        case = Case(self.component, name or "", fixture or "", jobs, line=line, column=column)
        case.inputs = self.mapping(item, index, "inputs", "the component's inputs")
        case.variables = self.variables(item, index)
        case.files = self.files(item, index)
        case.pipeline = self.mapping(item, index, "pipeline", "jobs and keywords added to the project's pipeline")
        if "include" in case.pipeline:
            self.problem((index, "pipeline", "include"), "`include` is the case's own: give the component's `inputs`")
        case.expect = self.expectations(item.get("expect"), (index, "expect"), jobs, warm=False)
        warm = item.get("warm")
        if warm is not None:
            if isinstance(warm, dict) and set(warm) <= {"expect"}:
                case.warm = self.expectations(warm.get("expect"), (index, "warm", "expect"), jobs, warm=True)
            else:
                self.problem((index, "warm"), "`warm` must be a mapping with `expect`, the second run's expectations")
        return case

    def text(self, item: dict[str, Any], index: int, key: str) -> str | None:
        """A required text field."""
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problem((index, key), f"`{key}` must be text" + (" (it is required)" if value is None else ""))
            return None
        return value

    def fixture(self, item: dict[str, Any], index: int) -> str | None:
        fixture = self.text(item, index, "fixture")
        if fixture is None:
            return None
        if not _inside(fixture):
            self.problem(
                (index, "fixture"),
                f"fixture `{fixture}` must be a folder of the catalog, written relative "
                "to it (no leading `/`, no `..`)",
            )
            return None
        folder = self.root / fixture
        if folder.is_symlink() or not folder.is_dir():
            self.problem((index, "fixture"), f"fixture `{fixture}` is not a folder of the catalog")
            return None
        return fixture

    def job_names(self, value: Any, path: tuple[object, ...]) -> list[str]:
        if not isinstance(value, list) or not value or not all(isinstance(job, str) and job for job in value):
            self.problem(path, "`jobs` must list the names of the jobs that run (at least one)")
            return []
        return list(value)

    def mapping(self, item: dict[str, Any], index: int, key: str, what: str) -> dict[str, Any]:
        value = item.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem((index, key), f"`{key}` must be a mapping ({what})")
            return {}
        return value

    def variables(self, item: dict[str, Any], index: int) -> dict[str, str]:
        found = self.mapping(item, index, "variables", "variable names and values")
        variables: dict[str, str] = {}
        for name, value in found.items():
            if isinstance(value, dict | list) or value is None:
                self.problem((index, "variables", name), f"variable `{name}` must be text")
            else:
                variables[str(name)] = str(value).lower() if isinstance(value, bool) else str(value)
        return variables

    def files(self, item: dict[str, Any], index: int) -> dict[str, str | None]:
        found = self.mapping(item, index, "files", "paths in the project, each with its text, or null to delete it")
        files: dict[str, str | None] = {}
        for path, text in found.items():
            place = (index, "files", path)
            if not isinstance(path, str) or not _inside(path):
                self.problem(place, f"`{path}` must be a path in the project, relative to it (no leading `/`, no `..`)")
            elif text is not None and not isinstance(text, str):
                self.problem(place, f"`{path}` must be given text, or null to delete the file")
            else:
                files[path] = text
        return files

    def expectations(self, value: Any, path: tuple[object, ...], jobs: list[str], warm: bool) -> list[Expectation]:
        if not isinstance(value, list) or not value:
            self.problem(path, "`expect` must list what must happen (at least one expectation)")
            return []
        found = [self.expectation(item, path + (index,), jobs, warm) for index, item in enumerate(value)]
        return [item for item in found if item is not None]

    def expectation(self, item: Any, path: tuple[object, ...], jobs: list[str], warm: bool) -> Expectation | None:
        known = (*JOB_CHECKS, *RUN_CHECKS)
        checks = [key for key in item if key in known] if isinstance(item, dict) else []
        if not isinstance(item, dict) or len(checks) != 1 or set(item) - {"job", *known}:
            self.problem(
                path,
                f"an expectation is a mapping with one of {', '.join(known)} (and `job` for the first "
                f"{len(JOB_CHECKS)})",
            )
            return None
        check = checks[0]
        value, job = item[check], item.get("job")
        line, column = self.marks.find(self.base + path)
        problem = _VALUES[check](value)
        if problem:
            self.problem(path + (check,), f"`{check}`: {problem}")
            return None
        if check in RUN_CHECKS:
            if job is not None:
                self.problem(path + ("job",), f"`{check}` is about the whole run: leave `job` out")
                return None
            if check == "caches_unchanged" and not warm:
                self.problem(path, "`caches_unchanged` needs caches restored by a first run: put it under `warm`")
                return None
            return Expectation(check, value, None, line, column)
        if not isinstance(job, str) or job not in jobs:
            self.problem(path + ("job",), f"`{check}` needs `job`, one of the case's jobs ({', '.join(jobs)})")
            return None
        return Expectation(check, str(value) if check == "coverage" else value, job, line, column)


def _text_value(value: Any) -> str:
    return "" if isinstance(value, str) and value else "must be text"


_VALUES: dict[str, Callable[[Any], str]] = {
    "passes": lambda value: "" if isinstance(value, bool) else "must be true or false",
    "fails_with": _text_value,
    "log": _text_value,
    "not_in_log": _text_value,
    "artifact": lambda value: _text_value(value) or ("" if _inside(value) else "must be a path in the project"),
    "dotenv": _text_value,
    "coverage": lambda value: (
        "" if isinstance(value, str | int | float) and not isinstance(value, bool) else "must be the figure, e.g. 100"
    ),
    "downloads": lambda value: (
        "" if value == 0 and not isinstance(value, bool) else "only 0 can be checked (the run is made without network)"
    ),
    "caches_unchanged": lambda value: "" if value is True else "only true can be checked",
}


def _inside(path: str) -> bool:
    """A relative path with no `..` (and no empty or `.` part): it stays in the folder it is relative to."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith("/") and not any(part in ("..", ".") for part in path.split("/"))


def read_cases(
    component: str, value: Any, root: Path, manifest: Path, marks: Marks, problems: list[Problem]
) -> list[Case]:
    """A component's `tests` from catalog.yml: the valid cases; the problems of the others in `problems`."""
    return _Reader(component, root, manifest, marks, problems).cases(value)
