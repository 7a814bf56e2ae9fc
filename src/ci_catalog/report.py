"""Reports: what a command found, as text, JSON, JUnit XML or GitLab Code Quality.

One layer for every command, as check-jsonschema's reporters are one layer with the
formats by name (src/check_jsonschema/reporter.py): a problem is written one way in every
JSON output (`Problem.as_dict`) and one way in every text output (`text_line`), and a
format is picked from `FORMATS` by its name.

Code Quality follows GitLab's documented report format (an array of issues with
`description`, `check_name`, `fingerprint`, `severity`, `location.path` and
`location.lines.begin`); JUnit follows the schema GitLab reads for test reports.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from ci_catalog.emit import to_json
from ci_catalog.problems import Problem
from ci_catalog.sourcemap import source_lines
from ci_catalog.terminal import shown

CODE_QUALITY_SEVERITY = {"error": "major", "warning": "minor"}


@dataclass(frozen=True)
class Report:
    """What a command found: its problems in order, and the files it looked at."""

    problems: Sequence[Problem]
    checked: Sequence[str] = ()
    """Every file looked at, clean or not (JUnit makes each a test case)."""
    rules: Collection[str] = frozenset()
    """The lint rules' ids. A problem of one is tagged `[rule]` in text: the id that an
    `ignore[...]` comment or the lint configuration takes."""


def text_line(problem: Problem, rules: Collection[str] = frozenset(), note: str = "") -> str:
    """`file:line:column: severity: [rule] message [json.path] (note)`, with the parts that
    are known, control characters shown as escapes."""
    tag = f"[{problem.code}] " if problem.code in rules else ""
    detail = problem.message
    if problem.json_path:
        detail += f" [{problem.json_path}]"
    if note:
        detail += f" ({note})"
    return f"{shown(problem.where())}: {problem.severity}: {tag}{shown(detail)}"


def as_text(report: Report) -> str:
    return "".join(text_line(problem, report.rules) + "\n" for problem in report.problems)


def as_json(report: Report) -> str:
    return to_json([problem.as_dict() for problem in report.problems]) + "\n"


def _report_path(path: str) -> str:
    """Paths relative to the project (GitLab links them in the merge request)."""
    base = Path(os.environ.get("CI_PROJECT_DIR") or Path.cwd()).resolve()
    try:
        # The folder resolved, not the file: a finding on a link stays on the link.
        return (Path(path).parent.resolve() / Path(path).name).relative_to(base).as_posix()
    except ValueError:
        return path


def flagged_text(problem: Problem, lines: Sequence[str]) -> str:
    """The source a finding points at: its line from its column on (all of it when the
    column is unknown), without the indentation around it; empty for a whole file."""
    if not 0 < problem.line <= len(lines):
        return ""
    return lines[problem.line - 1][max(problem.column - 1, 0) :].strip()


def _read_lines(path: str) -> list[str]:
    """A reported file's lines as YAML numbers them; none for a folder or a file that is gone."""
    try:
        raw = Path(path).read_bytes() if Path(path).is_file() else b""
    except OSError:
        return []
    # A byte that is not UTF-8 is kept as a surrogate, and hashed as that byte.
    return source_lines(raw.decode("utf-8", "surrogateescape"))


def fingerprints(problems: Sequence[Problem]) -> list[str]:
    """A Code Quality fingerprint for each problem, by what it is, not where it is.

    GitLab's merge request widget matches findings between two reports by fingerprint:
    one that hashed its line would be shown fixed and new again whenever a line above it
    moves. Ruff's GitLab output left the place out for that reason: it hashes the rule and
    the path, again for each repeat (crates/ruff_db/src/diagnostic/render/gitlab.rs).
    Here the flagged source text is hashed too, so that editing one finding's text gives
    it a new fingerprint and leaves the other findings of its rule in its file alone;
    findings with the same rule, path and text are told apart by their occurrence.
    """
    lines: dict[str, list[str]] = {}
    occurrences: Counter[tuple[str, str, str]] = Counter()
    digests = []
    for problem in problems:
        path = _report_path(problem.file)
        if problem.file not in lines:
            lines[problem.file] = _read_lines(problem.file)
        what = (problem.code, path, flagged_text(problem, lines[problem.file]))
        key = "\0".join([*what, str(occurrences[what])])
        occurrences[what] += 1
        # A file name that is not UTF-8 reaches here as surrogates: hash its bytes.
        digests.append(hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest())
    return digests


def as_codequality(report: Report) -> str:
    issues = [
        {
            "description": f"{p.code}: {p.message}",
            "check_name": p.code,
            "fingerprint": fingerprint,
            "severity": CODE_QUALITY_SEVERITY.get(p.severity, "info"),
            "location": {"path": _report_path(p.file), "lines": {"begin": max(p.line, 1)}},
        }
        for p, fingerprint in zip(report.problems, fingerprints(report.problems), strict=True)
    ]
    return to_json(issues) + "\n"


@dataclass(frozen=True)
class JUnitFailure:
    message: str
    kind: str
    text: str


@dataclass(frozen=True)
class JUnitCase:
    classname: str
    name: str
    file: str | None = None
    seconds: float | None = None
    failures: Sequence[JUnitFailure] = ()


def junit_xml(suite: str, cases: Sequence[JUnitCase]) -> str:
    """A JUnit report of one test suite, as GitLab reads test reports. XML 1.0 cannot hold most control
    characters even escaped: they are shown as escapes."""
    element = ElementTree.Element(
        "testsuite", name=suite, tests=str(len(cases)), failures=str(sum(1 for case in cases if case.failures))
    )
    total = sum(case.seconds or 0.0 for case in cases)
    if any(case.seconds is not None for case in cases):
        element.set("time", f"{total:.3f}")
    for case in cases:
        attributes = {"classname": shown(case.classname), "name": shown(case.name)}
        if case.file is not None:
            attributes["file"] = shown(case.file)
        if case.seconds is not None:
            attributes["time"] = f"{case.seconds:.3f}"
        testcase = ElementTree.SubElement(element, "testcase", attributes)
        for failure in case.failures:
            node = ElementTree.SubElement(testcase, "failure", message=shown(failure.message), type=failure.kind)
            node.text = shown(failure.text, keep="\n")
    root = ElementTree.Element("testsuites")
    root.append(element)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def as_junit(report: Report) -> str:
    """One test case a checked file; each finding a failure of it."""
    problems = report.problems
    files = list(dict.fromkeys([*report.checked, *(p.file for p in problems)]))
    cases = []
    for file in files:
        name = _report_path(file)
        failures = [
            JUnitFailure(f"[{p.code}] {p.message}", p.severity, f"{name}:{p.line}:{p.column}: {p.message}")
            for p in problems
            if p.file == file
        ]
        cases.append(JUnitCase("ci-catalog.lint", name, file=name, failures=failures))
    return junit_xml("ci-catalog lint", cases)


FORMATS: dict[str, Callable[[Report], str]] = {
    "text": as_text,
    "json": as_json,
    "junit": as_junit,
    "codequality": as_codequality,
}
