"""`include` entries, at the top and in `trigger:include`, as GitLab checks their shape.

lib/gitlab/ci/config/entry/includes.rb and include.rb, with concerns/base_includes.rb
and base_include.rb; and, first of all, the kind of each top-level include as GitLab's
include processor tells it (lib/gitlab/ci/config/external/mapper/matcher.rb): exactly
one of its keys must name a source. Whether an included file exists is for GitLab's
include processor (or `ci-catalog resolve`) to say.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from ci_catalog.processor.entry import Checks, Node, always, flat_items
from ci_catalog.processor.rubyish import blank

# An include's sources (lib/gitlab/ci/config/external/mapper/matcher.rb).
SOURCE_KEYS = ("local", "project", "remote", "template", "artifact", "component")
ONLY_ONE_SOURCE = "Each include must use only one of: `local`, `project`, `remote`, `template`, `artifact`, `component`"

ALLOWED_KEYS = (
    "local",
    "file",
    "remote",
    "template",
    "component",
    "artifact",
    "inputs",
    "job",
    "project",
    "ref",
    "rules",
    "integrity",
    "cache",
)


class Include(Node):
    label = "include"

    def validate(self, v: Checks) -> None:
        v.hash_or_string("config")
        v.allowed_keys(ALLOWED_KEYS)
        if not isinstance(self.config, dict):
            return
        if self.attribute("artifact") and blank(self.attribute("job")):
            v.add("config", "must specify the job where to fetch the artifact from")
        if self.attribute("project") and blank(self.attribute("file")):
            v.add("config", "must specify the file where to fetch the config from")
        self._validate_integrity(v)
        if self.attribute("rules") is not None:
            v.array_of_hashes("rules")

    def _validate_integrity(self, v: Checks) -> None:
        integrity = self.attribute("integrity")
        if not integrity:
            return
        if blank(self.attribute("remote")):
            v.add("config", "integrity can only be specified for remote includes")
        if not (isinstance(integrity, str) and integrity.startswith("sha256-")):
            v.add("config", "integrity hash must start with 'sha256-'")
            return
        try:
            base64.b64decode(integrity.removeprefix("sha256-"), validate=True)
        except (binascii.Error, ValueError):
            v.add("config", "integrity hash must be base64 encoded")


class Includes(Node):
    label = "includes"

    def validate(self, v: Checks) -> None:
        if not isinstance(self.config, (list, str)):
            v.add("config", "should be an array or a string")
        maximum = self.opt("max_size")
        if maximum and isinstance(self.config, list) and len(self.config) > maximum:
            v.add("config", f"is too long (maximum is {maximum})")

    def build(self, deps: Any) -> None:
        for slot, (path, value) in enumerate(flat_items(self.config, self.path)):
            self.add_entry("include", always(Include), {} if value is None else value, path=path, slot=slot)
        self.compose_entries(deps)


_URL = re.compile(r"\Ahttps?://", re.IGNORECASE)


def include_source_error(document: dict[str, Any]) -> tuple[str, tuple[Any, ...]] | None:
    """The Matcher's error for the first top-level include that names no source, or more than one."""
    entries = document.get("include")
    items: list[Any] = entries if isinstance(entries, list) else [entries]
    single = not isinstance(entries, list)
    for index, entry in enumerate(items):
        if not isinstance(entry, dict):
            continue
        sources = [key for key in SOURCE_KEYS if _names(entry, key)]
        place: tuple[Any, ...] = ("include",) if single else ("include", index)
        if not sources:
            shown = json.dumps(entry, separators=(",", ":"), ensure_ascii=False, default=str)
            valid = "`, `".join(SOURCE_KEYS)
            return f"`{shown}` does not have a valid subkey for include. Valid subkeys are: `{valid}`", place
        if len(sources) > 1:
            return ONLY_ONE_SOURCE, place
    return None


def _names(entry: dict[str, Any], key: str) -> bool:
    """Whether an include entry names this kind of source (File::*#matching?)."""
    if key == "project":
        return not blank(entry.get("project")) and not blank(entry.get("file"))
    return not blank(entry.get(key))
