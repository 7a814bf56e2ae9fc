"""gitlab-ci-local, pinned: found in the user's cache, installed there with npm on first use.

`run` and `test` drive this one version, whose output, state folder and options they
read (see `local/runner.py`). It lives in
`$XDG_CACHE_HOME/ci-catalog/tools/gitlab-ci-local/<version>` (default `~/.cache/…`), put
there by `npm install --prefix`: into a folder beside it first, renamed into place when
npm is done, so that an install that was cut short is never taken for one that worked.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from ci_catalog.exits import UsageError
from ci_catalog.userdirs import cache_home

# The newest release that runs on Node.js 20.
VERSION = "4.72.0"
PACKAGE = "gitlab-ci-local"


def tool_folder(version: str = VERSION) -> Path:
    return cache_home() / "tools" / PACKAGE / version


def executable(version: str = VERSION) -> Path:
    """Where the pinned gitlab-ci-local is, installed or not."""
    return tool_folder(version) / "node_modules" / ".bin" / PACKAGE


def ensure_installed(progress: TextIO | None = None, version: str = VERSION) -> Path:
    """The pinned gitlab-ci-local, installed with npm first if the cache does not hold it yet;
    npm's progress goes to `progress` (stderr by default)."""
    found = executable(version)
    if found.exists():
        return found
    stream = progress or sys.stderr
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise UsageError(
            f"gitlab-ci-local {version} runs the jobs, and installing it needs Node.js 20 or newer and npm, "
            "which are not on PATH: install them (Debian: `apt-get install nodejs npm`)"
        )
    folder = tool_folder(version)
    folder.parent.mkdir(parents=True, exist_ok=True)
    print(f"ci-catalog: installing {PACKAGE} {version} into {folder} (first use)", file=stream, flush=True)
    began = time.monotonic()
    staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=folder.parent))
    try:
        _npm_install(npm, staging, version, stream)
        try:
            staging.rename(folder)
        except OSError:
            if not executable(version).exists():  # not another run that installed it meanwhile
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"ci-catalog: {PACKAGE} {version} installed in {time.monotonic() - began:.0f} s", file=stream, flush=True)
    return executable(version)


def _npm_install(npm: str, prefix: Path, version: str, stream: TextIO) -> None:
    command = [
        npm,
        "install",
        "--no-audit",
        "--no-fund",
        "--no-save",
        "--loglevel=http",  # one line a download: the progress, also where no terminal shows npm's bar
        "--prefix",
        str(prefix),
        f"{PACKAGE}@{version}",
    ]
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
    except OSError as error:
        raise UsageError(f"cannot run npm to install {PACKAGE} {version}: {error}") from None
    assert process.stdout is not None
    tail: list[str] = []
    for line in process.stdout:
        stream.write(line)
        stream.flush()
        tail = [*tail[-19:], line]
    if process.wait() != 0 or not (prefix / "node_modules" / ".bin" / PACKAGE).exists():
        said = "".join(tail).strip()
        raise UsageError(
            f"npm could not install {PACKAGE}@{version} (exit {process.returncode}); check the network to the npm "
            f"registry and npm's configuration{': ' + said.splitlines()[-1] if said else ''}"
        )
