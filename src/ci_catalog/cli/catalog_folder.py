"""The catalog folder a command works on: every command that takes one refuses a folder that is not one alike."""

from __future__ import annotations

from pathlib import Path

from ci_catalog.catalog import TEMPLATES, is_catalog
from ci_catalog.exits import UsageError

# How each command is told which catalog to work on.
NAME_ONE = "run it in a catalog or name one"
GIVE_THE_OPTION = "run it in a catalog or give --catalog"
# lint takes files too.
NAME_A_FILE = "name a component file instead"


def catalog_folder(folder: str, how_to_name_one: str) -> Path:
    """`folder` as a catalog root, or a usage error that says how to name one."""
    root = Path(folder)
    if not is_catalog(root):
        raise UsageError(f"{root}: not a catalog (no {TEMPLATES}/ folder); {how_to_name_one}")
    return root
