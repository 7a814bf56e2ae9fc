"""`--local-index`: the locked packages served by pypiserver on 127.0.0.1, so that network noise is out.

The fixtures' locks name PyPI's addresses, so the fixtures are copied and locked again
against the local index, which holds only the locked versions: the new locks pin the same
packages. Poetry (for the seed and poetry-test's tool install) and the build backends are
served too. Filling the index downloads from PyPI once, before any run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from servers import ServerProcess

from .contenders import POETRY_VERSION, Fixtures, Setting, _uv_environment

PYPISERVER = "pypiserver==2.4.2"
# What the jobs install besides the locked packages, with what those need (hatchling
# builds an editable install with `editables`).
EXTRA = [f"poetry=={POETRY_VERSION}", "hatchling", "editables", "poetry-core>=2.0", "pip", "setuptools", "wheel"]


def locked_pins(lock: Path) -> list[str]:
    """`name==version` of every package a uv.lock or poetry.lock takes from an index."""
    data = tomllib.loads(lock.read_text(encoding="utf-8"))
    pins = []
    for package in data.get("package", []):
        source = package.get("source", {})
        if isinstance(source, dict) and (
            "editable" in source or "virtual" in source or source.get("type") == "directory"
        ):
            continue  # the project itself
        pins.append(f"{package['name']}=={package['version']}")
    return sorted(set(pins))


class LocalIndex:
    def __init__(self, folder: Path, setting: Setting) -> None:
        self.folder = folder
        self.setting = setting
        self.server: ServerProcess | None = None

    def start(self) -> tuple[Fixtures, dict[str, str]]:
        self.folder.mkdir(parents=True, exist_ok=True)
        venv = self._venv("server", PYPISERVER)
        packages = self._fill()
        self.server = ServerProcess(
            lambda port: [
                str(venv / "bin" / "pypi-server"),
                "run",
                "-i",
                "127.0.0.1",
                "-p",
                str(port),
                "-a",
                ".",
                "-P",
                ".",
                "--disable-fallback",
                str(packages),
            ],
            self.folder / "server.log",
            ready_path="/simple/",
        )
        url = f"{self.server.url}/simple/"
        variables = {"UV_DEFAULT_INDEX": url, "PIP_INDEX_URL": url}
        return self._relock(url, variables), variables

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def _venv(self, name: str, *requirements: str, index: str | None = None) -> Path:
        venv = self.folder / name
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        pip: list[str | Path] = [venv / "bin" / "python", "-m", "pip", "install", "--quiet", *requirements]
        subprocess.run(pip + (["--index-url", index] if index else []), check=True)
        return venv

    def _fill(self) -> Path:
        packages = self.folder / "packages"
        packages.mkdir(exist_ok=True)
        fixtures = self.setting.fixtures
        pins = sorted(set(locked_pins(fixtures.uv / "uv.lock")) | set(locked_pins(fixtures.poetry / "poetry.lock")))
        download: list[str | Path] = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", packages]
        subprocess.run([*download, "--no-deps", *pins], check=True)
        subprocess.run([*download, *EXTRA], check=True)
        return packages

    def _relock(self, url: str, variables: dict[str, str]) -> Fixtures:
        uv = self.folder / "fixtures" / "uv"
        poetry = self.folder / "fixtures" / "poetry"
        for source, target in ((self.setting.fixtures.uv, uv), (self.setting.fixtures.poetry, poetry)):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
        environment = {**_uv_environment(self.setting), **variables}
        subprocess.run(["uv", "lock", "--quiet"], cwd=uv, env=environment, check=True)
        pyproject = poetry / "pyproject.toml"
        pyproject.write_text(pyproject.read_text(encoding="utf-8").replace("https://pypi.org/simple/", url))
        tool = self._venv("poetry", f"poetry=={POETRY_VERSION}", index=url)
        poetry_environment = {**environment, "POETRY_INSTALLER_MAX_WORKERS": "2", "HOME": str(self.folder / "home")}
        subprocess.run(
            [tool / "bin" / "poetry", "lock", "-n", "--quiet"], cwd=poetry, env=poetry_environment, check=True
        )
        return Fixtures(uv, poetry)
