"""`artifacts`: artifacts.rb, reports.rb, reports/coverage_report.rb."""

from __future__ import annotations

import re
from typing import Any

from ci_catalog.processor.entry import Checks, Node, always, is_array_of_strings
from ci_catalog.processor.rubyish import is_string

ALLOWED_KEYS = (
    "name",
    "untracked",
    "paths",
    "reports",
    "when",
    "expire_in",
    "expose_as",
    "exclude",
    "public",
    "access",
)
ALLOWED_WHEN = ("on_success", "on_failure", "always")
ALLOWED_ACCESS = ("none", "developer", "maintainer", "all")
EXPOSE_AS = re.compile(r"\w[-\w ]*", re.ASCII)
EXPOSE_AS_MESSAGE = "can contain only letters, digits, '-', '_' and spaces"

# The report types of GitLab 17+ (reports.rb, with the EE ones the JSON schema lists).
REPORTS = (
    "junit",
    "codequality",
    "sast",
    "secret_detection",
    "dependency_scanning",
    "container_scanning",
    "dast",
    "performance",
    "browser_performance",
    "load_performance",
    "license_scanning",
    "license_management",
    "metrics",
    "lsif",
    "dotenv",
    "terraform",
    "accessibility",
    "requirements",
    "requirements_v2",
    "coverage_fuzzing",
    "api_fuzzing",
    "cluster_image_scanning",
    "coverage_report",
    "cyclonedx",
    "annotations",
    "repository_xray",
    "sarif",
)
COVERAGE_FORMATS = ("cobertura", "jacoco")


class CoverageReport(Node):
    label = "coverage report"

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(("coverage_format", "path"))
        fmt = self.attribute("coverage_format")
        if fmt is None or (isinstance(fmt, str) and not fmt.strip()):
            v.add("coverage_format", "can't be blank")
        elif fmt not in COVERAGE_FORMATS:
            v.add("coverage_format", "must be one of supported formats: " + ", ".join(COVERAGE_FORMATS) + ".")
        path = self.attribute("path")
        if path is None or (isinstance(path, str) and not path.strip()):
            v.add("path", "can't be blank")
        elif not is_string(path):
            v.add("path", "should be a string")


class Reports(Node):
    label = "reports"
    nodes = (("coverage_report", always(CoverageReport), {}),)

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(REPORTS)
        if isinstance(self.config, dict):
            for name, value in self.config.items():
                if name in REPORTS and name != "coverage_report" and value is not None:
                    v.array_of_strings_or_string(name)


class Artifacts(Node):
    label = "artifacts"
    nodes = (("reports", always(Reports), {}),)

    def validate(self, v: Checks) -> None:
        v.type("config", "Hash")
        v.allowed_keys(ALLOWED_KEYS)
        exposed = self.attribute("expose_as") is not None
        if exposed:
            v.presence("paths")
        v.mutually_exclusive_keys(("access", "public"))
        self._validate_values(v, exposed)

    def _validate_values(self, v: Checks, exposed: bool) -> None:
        def given(name: str) -> bool:
            return self.attribute(name) is not None

        if given("name"):
            v.type("name", "String")
        if given("public"):
            v.boolean("public")
        if given("untracked"):
            v.boolean("untracked")
        if given("paths"):
            v.array_of_strings("paths")
            paths = self.attribute("paths")
            if exposed and is_array_of_strings(paths) and any("*" in path for path in paths):
                v.add("paths", "can't contain '*' when used with 'expose_as'")
        if exposed:
            expose_as: Any = self.attribute("expose_as")
            v.type("expose_as", "String")
            v.length("expose_as", maximum=100)
            if not (isinstance(expose_as, str) and EXPOSE_AS.fullmatch(expose_as)):
                v.add("expose_as", EXPOSE_AS_MESSAGE)
        if given("exclude"):
            v.array_of_strings("exclude")
        if given("reports"):
            v.type("reports", "Hash")
        if given("when"):
            v.type("when", "String")
            v.inclusion("when", ALLOWED_WHEN, "should be one of: " + ", ".join(ALLOWED_WHEN))
        if given("expire_in"):
            v.duration("expire_in", never=True)
        if given("access"):
            v.type("access", "String")
            v.inclusion("access", ALLOWED_ACCESS, "should be one of: " + ", ".join(ALLOWED_ACCESS))
