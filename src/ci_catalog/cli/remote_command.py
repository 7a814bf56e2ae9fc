"""`ci-catalog remote list|show|lint`: ask a GitLab instance, report, return the exit code.

Exit codes: 0 done (lint: valid), 1 lint: GitLab found the file invalid, 2 usage error,
4 the remote could not answer (unreachable, timed out, refused the token or the project,
has no such catalog resource, version or component, or answered in a shape GitLab does not use).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from ci_catalog.emit import to_json
from ci_catalog.exits import Exit, UsageError
from ci_catalog.remote import client
from ci_catalog.remote.client import CatalogEntry, CatalogResource, Component, Connection, LintResult, RemoteError
from ci_catalog.terminal import shown

DEFAULT_TOKEN_VARIABLE = "GITLAB_TOKEN"
T = TypeVar("T")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def remote_list(args: argparse.Namespace) -> int:
    connection = connection_from(args)
    entries = _guarded(connection, lambda: client.list_catalog(connection, args.search or None))
    if isinstance(entries, RemoteError):
        return _fail(entries)
    if args.format == "json":
        print(to_json([asdict(entry) for entry in entries]))
    elif entries:
        print(_list_table(entries))
    else:
        matching = f" matching {args.search!r}" if args.search else ""
        print(f"no CI/CD catalog resources{matching} on {connection.host} that this caller can see", file=sys.stderr)
    return Exit.OK


def remote_show(args: argparse.Namespace) -> int:
    connection = connection_from(args)
    resource = _guarded(connection, lambda: client.show_resource(connection, args.project, args.version))
    if isinstance(resource, RemoteError):
        return _fail(resource)
    components = resource.components
    if args.component:
        components = [component for component in components if component.name == args.component]
        if not components:
            return _fail(_no_component(connection, resource, args.component))
    if args.format == "json":
        report = asdict(resource) | {"components": [asdict(component) for component in components]}
        print(to_json(report))
    else:
        print(_show_text(resource, components))
    return Exit.OK


def remote_versions(args: argparse.Namespace) -> int:
    """The published versions, one a line: the file `resolve --released-only` reads."""
    connection = connection_from(args)
    versions = _guarded(connection, lambda: client.published_versions(connection, args.project))
    if isinstance(versions, RemoteError):
        return _fail(versions)
    if args.format == "json":
        print(to_json([asdict(version) for version in versions]))
    elif versions:
        print("\n".join(shown(version.name) for version in versions))
    else:
        print(f"{args.project} on {connection.host} has published no version yet", file=sys.stderr)
    return Exit.OK


def remote_lint(args: argparse.Namespace) -> int:
    connection = connection_from(args)
    content = _read_file(args.file)
    result = _guarded(connection, lambda: client.lint(connection, args.project, content, args.ref, args.dry_run))
    if isinstance(result, RemoteError):
        return _fail(result)
    if args.format == "json":
        print(to_json({"path": args.file, "project": args.project} | asdict(result)))
    else:
        print(_lint_text(args.file, args.project, connection.host, result))
    return Exit.OK if result.valid else Exit.PROBLEMS


# -- the connection: URL, token variable, timeout ------------------------------------------------


def connection_from(args: argparse.Namespace) -> Connection:
    url = _gitlab_url(args.gitlab)
    variable = args.token_variable
    if not _VARIABLE_NAME.fullmatch(variable):
        raise UsageError(f"--token-variable {variable!r}: name an environment variable, e.g. GITLAB_TOKEN")
    token = _token(variable)
    if token is None and variable != DEFAULT_TOKEN_VARIABLE:
        # Naming a variable says a token is meant; going on anonymously would hide the mistake.
        raise UsageError(f"--token-variable {variable}: ${variable} is not set (or empty); export the token first")
    if not math.isfinite(args.timeout) or args.timeout <= 0:
        raise UsageError(f"--timeout {args.timeout:g}: give a number of seconds above 0, such as 30")
    return Connection(url, token, variable, args.timeout)


def _token(variable: str) -> str | None:
    """The token in $variable, without the spaces or line end a file read into it may add.

    A token read from a file with CRLF line ends keeps its `\r`, which no HTTP header may
    hold: the request would fail with the token in the error. Any other character a token
    cannot have is refused without showing the token.
    """
    raw = os.environ.get(variable) or ""
    token = raw.strip()
    if token != raw:
        print(
            f"ci-catalog: warning: ${variable} has spaces or a line end around the token (a file with CRLF line "
            "ends?); they were removed",
            file=sys.stderr,
        )
    if any(not ("!" <= char <= "~") for char in token):
        raise UsageError(
            f"${variable} holds a character no token has (a space, a control character or non-ASCII) "
            "inside it: export the token alone"
        )
    return token or None


def _gitlab_url(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--gitlab {text!r}: give the instance's URL with its scheme, e.g. https://gitlab.com")
    if parts.query or parts.fragment or parts.username or parts.password:
        # Credentials in a URL end up in logs and error messages; the token has its own channel.
        raise UsageError(f"--gitlab {text!r}: give only scheme, host and path; the token goes in $GITLAB_TOKEN")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _read_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read it: {error}") from None


def _guarded(connection: Connection, call: Callable[[], T]) -> T:
    """Run `call`; if it breaks unexpectedly, re-raise with the token scrubbed from the report.

    The CLI prints a traceback for an internal error, and an exception's text can quote a
    request; the token must not reach the terminal or a CI log that way either.
    """
    try:
        return call()
    except Exception as error:  # noqa: BLE001 -- re-raised at once, only with the token scrubbed
        report = connection.scrub("".join(traceback.format_exception(error)))
        raise RuntimeError(f"remote call failed unexpectedly:\n{report}") from None


def _fail(error: RemoteError) -> int:
    print(f"ci-catalog: error: {shown(error.message)}", file=sys.stderr)
    return Exit.REMOTE


def _no_component(connection: Connection, resource: CatalogResource, name: str) -> RemoteError:
    version = resource.version.name if resource.version else "?"
    known = ", ".join(component.name for component in resource.components) or "none"
    return RemoteError(
        "not-found",
        connection.scrub(
            f"{resource.full_path}@{version} on {connection.host} has no component {name} (components: {known})"
        ),
    )


# -- text output ----------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    rows = [[shown(cell) for cell in row] for row in rows]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in [header, *rows]]
    return "\n".join(line.rstrip() for line in lines)


def _list_table(entries: list[CatalogEntry]) -> str:
    rows = [(entry.full_path, entry.latest_version or "-", _one_line(entry.description)) for entry in entries]
    return _table(("PROJECT", "LATEST", "DESCRIPTION"), rows)


def _show_text(resource: CatalogResource, components: list[Component]) -> str:
    description = f" - {_one_line(resource.description)}" if resource.description else ""
    lines = [shown(resource.full_path) + description]
    if resource.version is None:
        lines.append("no version published yet")
        return "\n".join(lines)
    released = f", released {shown(resource.version.released_at)}" if resource.version.released_at else ""
    lines.append(f"version {shown(resource.version.name)}{released}")
    lines.append("versions: " + ", ".join(shown(version.name) for version in resource.versions))
    for component in components:
        lines += ["", f"component {shown(component.name)}", f"  include: {shown(component.include_path)}"]
        lines += _inputs_table(component)
    return "\n".join(lines)


def _inputs_table(component: Component) -> list[str]:
    if not component.inputs:
        return ["  no inputs"]
    rows = [
        (
            item.name,
            item.type,
            "yes" if item.required else "no",
            "-" if item.default is None else _one_line(item.default),
            item.regex or "-",
            _one_line(item.description or ""),
        )
        for item in component.inputs
    ]
    table = _table(("INPUT", "TYPE", "REQUIRED", "DEFAULT", "REGEX", "DESCRIPTION"), rows)
    return ["  " + line for line in table.splitlines()]


def _lint_text(path: str, project: str, host: str, result: LintResult) -> str:
    verdict = "valid" if result.valid else "invalid"
    path = shown(path)
    lines = [f"{path}: {verdict} (GitLab CI Lint at {host}, project {shown(project)})"]
    lines += [f"{path}: error: {shown(message)}" for message in result.errors]
    lines += [f"{path}: warning: {shown(message)}" for message in result.warnings]
    return "\n".join(lines)


def _one_line(text: str) -> str:
    """Server text on one line, its control characters escaped (it may try to drive the terminal)."""
    return shown(" ".join(text.split()))
