"""Component addresses: `<fqdn>/<project path>/<component name>@<reference>`.

As lib/gitlab/ci/components/instance_path.rb reads them: variables are expanded first
(unknown ones become empty, ExpandVariables), the address must contain `@` and start
with the instance's FQDN and `/`, it is split at the first `@`, and the last `/` of the
path separates the project from the component name, so a name never holds a `/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ExpandVariables: $NAME, ${NAME} and %NAME%.
_VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}|%(\w+)%")


@dataclass(frozen=True)
class Address:
    written: str  # as in the file
    expanded: str
    project: str
    name: str
    reference: str

    @property
    def reference_is_literal(self) -> bool:
        """Written as it resolves (not through a variable), so that `pin` may rewrite it."""
        return self.written.endswith(f"@{self.reference}")


def expand(text: str, variables: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3)
        return variables.get(name, "")

    return _VARIABLE.sub(value, text)


def not_supported(written: str) -> str:
    return f"Component '{written}' - the component path is not supported"


def content_not_found(written: str) -> str:
    return f"Component '{written}' - content not found"


def parse_address(written: str, fqdn: str, variables: dict[str, str]) -> Address | str:
    """The parts of an address, or GitLab's message when it cannot be one."""
    expanded = expand(written, variables)
    prefix = f"{fqdn}/"
    if "@" not in expanded or not expanded.startswith(prefix):
        return not_supported(expanded)
    full_path, reference = expanded.split("@", 1)
    instance_path = full_path.removeprefix(prefix)
    if instance_path.startswith("/") or "/" not in instance_path:
        return content_not_found(expanded)
    project, name = instance_path.rsplit("/", 1)
    return Address(written, expanded, project, name, reference)
