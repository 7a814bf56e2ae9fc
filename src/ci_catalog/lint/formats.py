"""Reports of lint findings: text, JSON, JUnit XML and GitLab Code Quality.

Code Quality follows GitLab's documented report format (an array of issues with
`description`, `check_name`, `fingerprint`, `severity`, `location.path` and
`location.lines.begin`); JUnit follows the schema GitLab reads for test reports.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

from ci_catalog.emit import to_json
from ci_catalog.problems import Problem
from ci_catalog.terminal import shown

CODE_QUALITY_SEVERITY = {"error": "major", "warning": "minor"}


def as_text(problems: list[Problem]) -> str:
    lines = [f"{shown(p.where())}: {p.severity}: [{p.code}] {shown(p.message)}" for p in problems]
    return "\n".join(lines) + ("\n" if lines else "")


def as_json(problems: list[Problem]) -> str:
    rows = [
        {"path": p.file, "line": p.line, "column": p.column, "rule": p.code, "severity": p.severity,
         "message": p.message, "json_path": p.json_path}
        for p in problems
    ]
    return to_json(rows) + "\n"


def _report_path(path: str) -> str:
    """Paths relative to the project (GitLab links them in the merge request)."""
    base = Path(os.environ.get("CI_PROJECT_DIR") or Path.cwd()).resolve()
    try:
        return Path(path).resolve().relative_to(base).as_posix()
    except ValueError:
        return path


def as_codequality(problems: list[Problem]) -> str:
    issues = []
    seen: set[str] = set()
    for p in problems:
        path = _report_path(p.file)
        # A file name that is not UTF-8 reaches here as surrogates: hash its bytes.
        key = f"{p.code}\0{path}\0{p.line}\0{p.column}\0{p.message}".encode("utf-8", "surrogateescape")
        digest = hashlib.sha256(key).hexdigest()
        while digest in seen:  # the same finding twice on one line still needs its own fingerprint
            digest = hashlib.sha256(digest.encode()).hexdigest()
        seen.add(digest)
        issues.append({
            "description": f"{p.code}: {p.message}",
            "check_name": p.code,
            "fingerprint": digest,
            "severity": CODE_QUALITY_SEVERITY.get(p.severity, "info"),
            "location": {"path": path, "lines": {"begin": max(p.line, 1)}},
        })
    return to_json(issues) + "\n"


def as_junit(problems: list[Problem], checked: list[str] | None = None) -> str:
    """One test case a checked file; each finding a failure of it."""
    files = list(dict.fromkeys([*(checked or []), *(p.file for p in problems)]))
    suite = ElementTree.Element("testsuite", name="ci-catalog lint", tests=str(len(files)),
                                failures=str(sum(1 for f in files if any(p.file == f for p in problems))))
    for file in files:
        name = shown(_report_path(file))
        case = ElementTree.SubElement(suite, "testcase", classname="ci-catalog.lint", name=name, file=name)
        found = [p for p in problems if p.file == file]
        for p in found:
            # XML 1.0 cannot hold most control characters even escaped: show them as escapes.
            message = shown(p.message)
            failure = ElementTree.SubElement(case, "failure", message=f"[{p.code}] {message}", type=p.severity)
            failure.text = f"{name}:{p.line}:{p.column}: {message}"
    root = ElementTree.Element("testsuites")
    root.append(suite)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


FORMATS: dict[str, Callable[..., str]] = {
    "text": as_text, "json": as_json, "junit": as_junit, "codequality": as_codequality,
}
