"""A real container registry for the end-to-end tests, and Buildah pointed at a private store.

The registry is Debian's `docker-registry` (the CNCF distribution registry) on
127.0.0.1, plain HTTP, with htpasswd (bcrypt) authentication and its storage in a
temporary folder. `scripts/setup-container-tools` installs it, Buildah, skopeo and
busybox when they are missing.

Buildah and skopeo keep their images in a store of the test's own (`storage.conf` in a
temporary folder, named by `CONTAINERS_STORAGE_CONF`), so the tests leave
/var/lib/containers alone.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from servers import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
SETUP = ROOT / "scripts" / "setup-container-tools"
REGISTRY_BINARY = Path("/usr/bin/docker-registry")
BUSYBOX = Path("/bin/busybox")
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


def install_container_tools() -> None:
    """Buildah, skopeo, docker-registry, htpasswd and busybox, from apt when missing."""
    done = subprocess.run([str(SETUP)], capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{SETUP} failed:\n{done.stderr[-3000:]}")


def storage_environment(folder: Path) -> dict[str, str]:
    """Variables that give Buildah and skopeo a store under `folder` (vfs, chroot isolation)."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "storage.conf"
    conf.write_text(f'[storage]\ndriver = "vfs"\ngraphroot = "{folder / "graph"}"\nrunroot = "{folder / "run"}"\n')
    return {"CONTAINERS_STORAGE_CONF": str(conf), "STORAGE_DRIVER": "vfs", "BUILDAH_ISOLATION": "chroot"}


@dataclass
class Registry:
    """A running registry: `host` is `127.0.0.1:<port>`."""

    folder: Path
    user: str = "ci-user"
    password: str = "s3cret-registry-password"
    server: ServerProcess | None = None

    @property
    def host(self) -> str:
        assert self.server is not None, "the registry is not started"
        return f"127.0.0.1:{self.server.port}"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        htpasswd = self.folder / "htpasswd"
        subprocess.run(
            ["htpasswd", "-B", "-b", "-c", str(htpasswd), self.user, self.password], check=True, capture_output=True
        )
        self.server = ServerProcess(
            lambda port: [str(REGISTRY_BINARY), "serve", str(self._write_config(port, htpasswd))],
            self.folder / "registry.log",
            ready_path="/v2/",
        )

    def _write_config(self, port: int, htpasswd: Path) -> Path:
        config = self.folder / "config.yml"
        config.write_text(
            json.dumps(
                {
                    "version": 0.1,
                    "log": {"level": "warn", "accesslog": {"disabled": True}},
                    "storage": {"filesystem": {"rootdirectory": str(self.folder / "data")}},
                    "http": {"addr": f"127.0.0.1:{port}", "secret": "deps-image-tests"},
                    "auth": {"htpasswd": {"realm": "deps-image-tests", "path": str(htpasswd)}},
                }
            )
        )
        return config

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def _request(self, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(f"http://{self.host}{path}")
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        if accept:
            request.add_header("Accept", accept)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def tags(self, repository: str) -> list[str]:
        """The tags of `repository` (a path on this registry); none if it does not exist."""
        status, _, body = self._request(f"/v2/{repository}/tags/list")
        if status == 404:
            return []
        assert status == 200, (status, body)
        return sorted(json.loads(body).get("tags") or [])

    def digest(self, repository: str, tag: str) -> str | None:
        """The manifest digest the registry gives for `repository:tag`, or None if it has none."""
        status, headers, body = self._request(f"/v2/{repository}/manifests/{tag}", accept=MANIFEST_TYPES)
        if status == 404:
            return None
        assert status == 200, (status, body)
        return headers["Docker-Content-Digest"]


def push_base_image(registry: Registry, environment: dict[str, str], workdir: Path, reference: str) -> None:
    """A tiny image with a shell (static busybox) made from scratch and pushed as `reference`."""
    rootfs = workdir / "rootfs"
    (rootfs / "bin").mkdir(parents=True, exist_ok=True)
    (rootfs / "tmp").mkdir(exist_ok=True)
    shutil.copy2(BUSYBOX, rootfs / "bin" / "busybox")
    for applet in ("sh", "cat", "ls", "echo", "env", "mkdir", "test", "true"):
        link = rootfs / "bin" / applet
        if not link.exists():
            link.symlink_to("busybox")
    env = {**os.environ, **environment}

    def buildah(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run(["buildah", *args], env=env, input=stdin, capture_output=True, text=True)
        if done.returncode != 0:
            raise AssertionError(f"buildah {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout.strip()

    container = buildah("from", "scratch")
    try:
        buildah("copy", container, str(rootfs), "/")
        buildah("config", "--env", "PATH=/bin", "--cmd", "/bin/sh", "--os", "linux", "--arch", "amd64", container)
        buildah("commit", "--quiet", container, "localhost/deps-image-tests-base:1")
    finally:
        buildah("rm", container)
    buildah(
        "push",
        "--tls-verify=false",
        "--creds",
        f"{registry.user}:{registry.password}",
        "localhost/deps-image-tests-base:1",
        f"docker://{reference}",
    )
