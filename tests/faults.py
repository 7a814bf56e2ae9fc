"""Faults the end-to-end tests put in a component's way, and what must hold whatever happens.

- `FailingProxy`: an HTTP proxy on 127.0.0.1 in front of a real server (the registry, the
  package index) that answers chosen requests with an error instead of forwarding them.
- `full_filesystem`: a tiny tmpfs, filled up, for a report to be written into (root only);
  `small_filesystem`, `fill_up` and `make_read_only` to fill one or make it read-only later.
- `assert_secret_absent`: a secret appears in no job log of a pipeline run.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipelines import PipelineRun

# Headers that belong to one connection, not to the request or response forwarded.
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class FailingProxy:
    """Forwards every request to `target` (`host:port`), except those `refuse(method, path)`
    picks, which get `status` and a short text body. `refused` lists them as `METHOD path`.
    With `forward_first`, a refused request still reaches the target first: it is done there,
    though the client is told it failed."""

    def __init__(
        self, target: str, refuse: Callable[[str, str], bool], status: int = 500, forward_first: bool = False
    ) -> None:
        self.target = target
        self.refused: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _handle(self) -> None:
                body = self._body()
                if refuse(self.command, self.path):
                    proxy.refused.append(f"{self.command} {self.path}")
                    if forward_first:
                        self._forward(body)
                    text = f"refused by the test proxy: HTTP {status}\n".encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                    return
                response, data = self._forward(body)
                self.send_response(response.status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                # A HEAD answer tells the length of what a GET would give.
                length = response.getheader("Content-Length", "0") if self.command == "HEAD" else len(data)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _forward(self, body: bytes) -> tuple[http.client.HTTPResponse, bytes]:
                """The target's answer to this request, read whole."""
                # A list, not a dict: a request can repeat a header (registry clients send several Accept).
                headers = [(name, value) for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP]
                upstream = http.client.HTTPConnection(proxy.target, timeout=60)
                try:
                    upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                    for name, value in headers:
                        if name.lower() != "content-length":
                            upstream.putheader(name, value)
                    upstream.putheader("Content-Length", str(len(body)))
                    upstream.endheaders(body)
                    response = upstream.getresponse()
                    return response, response.read()
                finally:
                    upstream.close()

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FailingProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def registry_writes(method: str, path: str) -> bool:
    """A request that stores a blob or a manifest in a container registry."""
    return method in ("PUT", "POST", "PATCH") and ("/blobs/" in path or "/manifests/" in path)


@contextmanager
def small_filesystem(mount_point: Path, size: str = "64k") -> Iterator[Path]:
    """A tmpfs of `size` at `mount_point`, empty; unmounted afterwards (root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount_point.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def fill_up(mount_point: Path) -> None:
    """Write to a file on the file system until no byte more fits."""
    try:
        with (mount_point / "filler").open("wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
    except OSError:
        pass


def make_read_only(mount_point: Path) -> None:
    """Remount a `small_filesystem` read-only: every write to it fails with EROFS, even root's."""
    subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True)


@contextmanager
def full_filesystem(mount_point: Path, size: str = "64k") -> Iterator[Path]:
    """A tmpfs of `size` at `mount_point`, filled to the last byte; unmounted afterwards."""
    with small_filesystem(mount_point, size) as mounted:
        fill_up(mounted)
        yield mounted


def assert_secret_absent(run: PipelineRun, secret: str) -> None:
    """Neither gitlab-ci-local's output nor any job's log shows `secret`."""
    assert secret, "no secret to look for"
    assert secret not in run.output, "the secret is in gitlab-ci-local's output"
    assert run.logs, "the run left no job log to search"
    for job, log in run.logs.items():
        assert secret not in log, f"the secret is in the log of {job}"
