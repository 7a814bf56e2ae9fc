"""A cache of each file's lint findings, and of `check`'s render and schema problems for
each example input set, keyed on what they depend on, as ruff and pre-commit keep.

An entry's key is the hash of the file's bytes and path, the harness (its version and,
for a development install, its source files), the ShellCheck binary, GitLab's CI schema
and the libraries that decide results (`LIBRARIES`), the lint configuration, and for `check`'s example input sets the
inputs and the component context: change any of them and the file is linted again. Entries live in the
cache folder (`cache_folder`); each is written to a temporary file and renamed into
place, so two runs at once never read half an entry, and an entry that cannot be read
back whole is ignored and written again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import os
import pickle
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ci_catalog
from ci_catalog.problems import Problem

if TYPE_CHECKING:
    from ci_catalog.lint.config import LintConfig

# Bump when what an entry holds changes.
FORMAT = 1
# The libraries whose behaviour decides findings or an example's problems: reading YAML,
# RE2 (an input's `regex:`, `=~`), the schema's two validators, Bash's grammar (the rules
# that read scripts' commands).
LIBRARIES = ("yaml", "re2", "jsonschema", "jsonschema_rs", "tree_sitter", "tree_sitter_bash")
_FIELDS = {"message": str, "file": str, "line": int, "column": int, "json_path": str, "code": str, "severity": str}
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by ci-catalog.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def cache_folder() -> Path:
    """`$CI_CATALOG_CACHE_DIR`, else `$XDG_CACHE_HOME/ci-catalog`, else `~/.cache/ci-catalog`."""
    explicit = os.environ.get("CI_CATALOG_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg if xdg and Path(xdg).is_absolute() else Path.home() / ".cache") / "ci-catalog"


@functools.cache
def harness_fingerprint() -> str:
    """The version, and the size and time of each source and data file: a development
    install changes without a new version, and its cache must not outlive the change (the
    images' command lists, `ci_catalog/lint/images/*.txt`, decide findings as code does)."""
    package = Path(ci_catalog.__file__).parent
    digest = hashlib.sha256(ci_catalog.__version__.encode())
    for folder, folders, files in sorted(os.walk(package)):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".txt")):
                stat = os.stat(os.path.join(folder, name))
                digest.update(f"{os.path.relpath(folder, package)}/{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def binary_fingerprint(path: str | None) -> str:
    """A program or data file by its real path, size and time: a new ShellCheck is a new binary."""
    if path is None:
        return "missing"
    try:
        real = os.path.realpath(path)
        stat = os.stat(real)
    except OSError:
        return f"unreadable:{path}"
    return f"{real}:{stat.st_size}:{stat.st_mtime_ns}"


def library_fingerprint(name: str) -> str:
    """An installed library by the file it loads from (not imported): a new version is a new file."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    return binary_fingerprint(spec.origin if spec else None)


class FindingsCache:
    """Lint findings by file, under `folder`; `settings` is everything else they depend on."""

    def __init__(self, folder: Path, settings: Any) -> None:
        self.folder = folder / "lint"
        self.root = folder
        self._prefix = json.dumps([FORMAT, harness_fingerprint(), settings], sort_keys=True).encode()
        self.hits = 0

    def key(self, path: str, data: bytes, *context: Any) -> str:
        """The key of the file at `path` holding `data`; `context` is what else the entry depends
        on (an example's inputs, say)."""
        digest = hashlib.sha256(self._prefix)
        # Pickled, not JSON: it tells every YAML value apart (a `!reference` list from a list,
        # 1 from 1.0 and True), and where it ends, so no two keys hash the same bytes.
        digest.update(pickle.dumps([path, *context], protocol=5))
        digest.update(data)
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> list[Problem] | None:
        """The findings stored under `key`, or None when there are none or they cannot be read."""
        try:
            data = json.loads(self._entry(key).read_bytes())
            problems = _problems(data, key)
        except (OSError, ValueError, TypeError, KeyError):
            return None
        self.hits += 1
        return problems

    def put(self, key: str, problems: list[Problem]) -> None:
        """Store findings; a cache that cannot be written is no cache, not an error."""
        entry = self._entry(key)
        text = json.dumps({"key": key, "problems": [asdict(problem) for problem in problems]})
        try:
            if not self.root.is_dir():
                self.root.mkdir(parents=True, exist_ok=True)
                (self.root / "CACHEDIR.TAG").write_text(CACHEDIR_TAG, encoding="utf-8")
            entry.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, entry)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _problems(data: Any, key: str) -> list[Problem]:
    """Findings read back, each field of the type it must have; anything else is corrupt."""
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("problems"), list):
        raise ValueError("not a cache entry")
    problems = []
    for item in data["problems"]:
        if not isinstance(item, dict) or set(item) != set(_FIELDS):
            raise ValueError("not a finding")
        if not all(type(item[name]) is kind for name, kind in _FIELDS.items()):
            raise ValueError("a finding's field of the wrong type")
        if item["severity"] not in ("error", "warning"):
            raise ValueError("no such severity")
        problems.append(Problem(**item))
    return problems


def findings_cache(config: LintConfig, folder: Path | None = None) -> FindingsCache:
    """The cache for findings under `config`: its rule selection and severities as written
    (with the harness's fingerprint, they decide which rules run and how severely, so no
    rule is imported here), GitLab's schema (for `check`'s examples), the libraries that
    decide findings and verdicts (`LIBRARIES`), and the ShellCheck binary."""
    from ci_catalog.lint.shellcheck_runner import find_shellcheck
    from ci_catalog.schema import schema_path

    schema = schema_path()
    settings: dict[str, Any] = {
        "select": None if config.select is None else sorted(config.select),
        "ignore": sorted(config.ignore),
        "severity": sorted(config.severity.items()),
        "schema": binary_fingerprint(str(schema) if schema else None),
        "libraries": [library_fingerprint(name) for name in LIBRARIES],
        "shellcheck": binary_fingerprint(find_shellcheck()),
    }
    return FindingsCache(folder or cache_folder(), settings)
