"""Stage 2: check the `spec` header and turn it into a model of the inputs.

Follows lib/gitlab/ci/config/header/*.rb and lib/gitlab/ci/config/entry/base_input.rb
(GitLab 18.11): the keys GitLab accepts at each level, the combinations it refuses, and
its messages, which are located by entry (`header:spec:inputs:foo`) and lower-cased whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ci_catalog import expressions
from ci_catalog.problems import Marks, Problem
from ci_catalog.rubyfmt import ruby_to_s

INPUT_TYPES = ("array", "boolean", "number", "string")
INPUT_KEYS = ("default", "description", "options", "regex", "type", "rules")
RULE_KEYS = ("if", "options", "default")
SPEC_KEYS = ("inputs", "include", "component", "description")
COMPONENT_FIELDS = ("name", "sha", "version", "reference")
MAX_OPTIONS = 50
MAX_DESCRIPTION = 256
_MISSING = object()


@dataclass
class InputRule:
    condition: str | None
    options: list[Any] | None
    default: Any = None
    has_default: bool = False


@dataclass
class InputSpec:
    name: str
    type: str = "string"
    default: Any = _MISSING
    description: str | None = None
    options: list[Any] | None = None
    regex: str | None = None
    rules: list[InputRule] | None = None
    line: int = 0
    column: int = 0

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING

    @property
    def required(self) -> bool:
        """No default and no rule with a default (base_input.rb#required?)."""
        if self.has_default:
            return False
        return not any(rule.has_default for rule in self.rules or [])


@dataclass
class Spec:
    inputs: list[InputSpec] = field(default_factory=list)
    component: list[str] = field(default_factory=list)
    description: str | None = None
    include: list[Any] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def input(self, name: str) -> InputSpec | None:
        return next((spec for spec in self.inputs if spec.name == name), None)


@dataclass
class HeaderResult:
    spec: Spec
    problems: list[Problem]


class _Checker:
    """Collects header problems in GitLab's order, each at its place in the file."""

    def __init__(self, path: str, marks: Marks) -> None:
        self.path = path
        self.marks = marks
        self.problems: list[Problem] = []

    def add(self, where: tuple[Any, ...], message: str, lower: bool = True) -> None:
        line, column = self.marks.find(where)
        text = message.lower() if lower else message
        self.problems.append(Problem(text, self.path, line, column, code="header"))


def check_header(header: dict[str, Any], path: str, marks: Marks) -> HeaderResult:
    """Validate a header document; the model is usable only when there are no problems."""
    checker = _Checker(path, marks)
    spec = Spec()
    unknown = [key for key in header if key != "spec"]
    if unknown:
        checker.add((unknown[0],), f"header config contains unknown keys: {', '.join(unknown)}")
    body = header.get("spec")
    if body is None:
        return HeaderResult(spec, checker.problems)
    if not isinstance(body, dict):
        checker.add(("spec",), "header:spec config should be a hash")
        return HeaderResult(spec, checker.problems)
    spec.raw = body
    _check_spec(body, spec, checker)
    return HeaderResult(spec, checker.problems)


def _check_spec(body: dict[str, Any], spec: Spec, checker: _Checker) -> None:
    unknown = [key for key in body if key not in SPEC_KEYS]
    if unknown:
        checker.add(("spec", unknown[0]), f"header:spec config contains unknown keys: {', '.join(unknown)}")
    _check_description(body, spec, checker)
    _check_inputs(body.get("inputs"), spec, checker)
    _check_include(body.get("include"), spec, checker)
    _check_component(body.get("component"), spec, checker)


def _check_description(body: dict[str, Any], spec: Spec, checker: _Checker) -> None:
    if "description" not in body or body["description"] is None:
        return
    text = body["description"]
    where = ("spec", "description")
    if not isinstance(text, str):
        checker.add(where, "header:spec config description should be a string")
    elif len(text) > MAX_DESCRIPTION:
        checker.add(where, f"header:spec config description is too long (maximum is {MAX_DESCRIPTION} characters)")
    else:
        spec.description = text


def _check_component(value: Any, spec: Spec, checker: _Checker) -> None:
    if value is None:
        return
    where = ("spec", "component")
    if not isinstance(value, list):
        checker.add(where, "header:spec:component config should be an array")
    elif not all(isinstance(item, str) for item in value):
        checker.add(where, "header:spec:component config should be an array of strings")
    elif unknown := [item for item in value if item not in COMPONENT_FIELDS]:
        checker.add(where, f"header:spec:component config contains unknown values: {', '.join(unknown)}")
    else:
        spec.component = list(dict.fromkeys(value))


def _check_include(value: Any, spec: Spec, checker: _Checker) -> None:
    if value is None:
        return
    where = ("spec", "include")
    entries = value if isinstance(value, list) else [value]
    for index, entry in enumerate(entries):
        if isinstance(entry, str):
            continue
        if not isinstance(entry, dict):
            checker.add(where + (index,), "header:spec:include config should be a hash or a string")
        elif not any(kind in entry for kind in ("local", "remote", "project")):
            checker.add(where + (index,), "header:spec:include config does not have a valid subkey for header include")
    spec.include = entries


def _check_inputs(value: Any, spec: Spec, checker: _Checker) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        checker.add(("spec", "inputs"), "header:spec:inputs config should be a hash")
        return
    for name, definition in value.items():
        model = _check_input(str(name), definition, checker)
        if model is not None:
            spec.inputs.append(model)


def _check_input(name: str, definition: Any, checker: _Checker) -> InputSpec | None:
    where = ("spec", "inputs", name)
    location = f"header:spec:inputs:{name}"
    line, column = checker.marks.find(where)
    if definition is None:
        return InputSpec(name, line=line, column=column)
    if not isinstance(definition, dict):
        checker.add(where, f"{location} config should be a hash")
        return None
    before = len(checker.problems)
    _check_input_keys(definition, where, location, checker)
    model = InputSpec(name, line=line, column=column)
    _read_input(definition, model)
    _check_rules(definition, model, where, location, checker)
    return model if len(checker.problems) == before else None


def _check_input_keys(definition: dict[str, Any], where: tuple[Any, ...], location: str, checker: _Checker) -> None:
    unknown = [key for key in definition if key not in INPUT_KEYS]
    if unknown:
        checker.add(where, f"{location} config contains unknown keys: {', '.join(unknown)}")
    kind = definition.get("type")
    if "type" in definition and kind not in INPUT_TYPES:
        checker.add(where + ("type",), f"{location} input type unknown value: {_text(kind)}")
    description = definition.get("description")
    if (description is not None and not isinstance(description, (str, int))) or isinstance(description, bool):
        checker.add(where + ("description",), f"{location} input description must be an alphanumeric string")
    if "regex" in definition and not isinstance(definition["regex"], str):
        checker.add(where + ("regex",), f"{location} input regex should be a string")
    _check_options(definition, where, location, checker)
    for other in ("options", "default"):
        if "rules" in definition and other in definition:
            pair = [key for key in definition if key in ("rules", other)]
            checker.add(where, f"{location} config these keys cannot be used together: {', '.join(pair)}")


def _check_options(definition: dict[str, Any], where: tuple[Any, ...], location: str, checker: _Checker) -> None:
    if "options" not in definition:
        return
    options = definition["options"]
    if not isinstance(options, list):
        checker.add(where + ("options",), f"{location} input options should be an array")
    elif len(options) > MAX_OPTIONS:
        checker.add(where + ("options",), f"{location} config cannot define more than {MAX_OPTIONS} options")
    elif any(option is None for option in options):
        checker.add(where + ("options",), f"{location} config options array cannot contain null values")


def _read_input(definition: dict[str, Any], model: InputSpec) -> None:
    model.type = definition.get("type") or "string"
    if "default" in definition:
        model.default = definition["default"]
    if isinstance(definition.get("description"), (str, int)):
        model.description = str(definition["description"])
    if isinstance(definition.get("options"), list):
        model.options = definition["options"]
    if isinstance(definition.get("regex"), str):
        model.regex = definition["regex"]


# `Rules#errors` rewrites each rule message to name the input; `\w` cannot match a
# hyphen, which gives hyphenated names GitLab's odd `instance-`type` input:` form.
_RULE_MESSAGE = re.compile(r"(?:header:spec:inputs:)?(\w+):rules:rule (?:base |config )?(.+)", re.ASCII)


def _check_rules(
    definition: dict[str, Any], model: InputSpec, where: tuple[Any, ...], location: str, checker: _Checker
) -> None:
    if "rules" not in definition:
        return
    rules = definition["rules"]
    if not isinstance(rules, list):
        checker.add(where + ("rules",), f"{location}:rules config should be an array")
        return
    model.rules = []
    for index, rule in enumerate(rules):
        messages = _rule_messages(rule)
        for message in messages:
            raw = f"{location}:rules:rule {message}".lower()
            text = _RULE_MESSAGE.sub(lambda m: f"`{m.group(1)}` input: {m.group(2)}", raw)
            checker.add(where + ("rules", index), text, lower=False)
        if not messages:
            model.rules.append(_rule_model(rule))


def _rule_messages(rule: Any) -> list[str]:
    """Messages for one rule, as `header/input/rules/rule.rb` validates it (18.11)."""
    if not isinstance(rule, dict):
        return ["config should be a hash"]
    if not rule:
        return ["config can't be blank"]
    messages = []
    unknown = [key for key in rule if key not in RULE_KEYS]
    if unknown:
        messages.append(f"config contains unknown keys: {', '.join(unknown)}")
    if rule.get("if") is not None and not expressions.is_valid(rule["if"]):
        messages.append("if invalid expression syntax")
    options = rule.get("options")
    if options is not None and not isinstance(options, list):
        messages.append("options should be an array")
    elif isinstance(options, list) and len(options) > MAX_OPTIONS:
        messages.append(f"config cannot define more than {MAX_OPTIONS} options")
    messages.extend(_rule_default_messages(rule))
    return messages


def _rule_default_messages(rule: dict[str, Any]) -> list[str]:
    options = rule.get("options")
    has_options = isinstance(options, list) and len(options) > 0
    if "default" not in rule:
        return ["rule must define 'options' with at least one value and a 'default'"]
    if isinstance(options, list) and has_options and rule["default"] not in options:
        return [f"default '{_text(rule['default'])}' must be one of the options"]
    return []


def _rule_model(rule: dict[str, Any]) -> InputRule:
    options = rule.get("options")
    return InputRule(
        condition=rule.get("if"),
        options=options if isinstance(options, list) and options else None,
        default=rule.get("default"),
        has_default="default" in rule,
    )


def _text(value: Any) -> str:
    return ruby_to_s(value)
