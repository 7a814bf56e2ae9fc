"""Write a rendered document as YAML or JSON, the way a user reads it back."""

from __future__ import annotations

import json
from typing import Any

import yaml

from ci_catalog.schema import as_json
from ci_catalog.yamlread import Reference


class _Dumper(yaml.SafeDumper):
    """Block style, insertion order, no anchors for values that happen to be shared."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_reference(dumper: yaml.SafeDumper, value: Reference) -> yaml.Node:
    return dumper.represent_sequence("!reference", list(value), flow_style=True)


_Dumper.add_representer(Reference, _represent_reference)


def to_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1 << 30)


def to_json(data: Any) -> str:
    return json.dumps(as_json(data), indent=2, ensure_ascii=False)
