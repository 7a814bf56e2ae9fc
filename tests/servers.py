"""Start a local server process for a test on a free port of 127.0.0.1, wait until it answers, stop it."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (now: take it before another process does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """A server started with `command(port)`, its output in `log`, ready once `ready_path` answers over HTTP."""

    def __init__(
        self,
        command: Callable[[int], Sequence[str]],
        log: Path,
        ready_path: str = "/",
        timeout: float = 30,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                list(command(self.port)), stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        self._wait(ready_path, timeout)

    def _wait(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers, if only to refuse
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"the server did not answer on {self.url} in {timeout}s:\n{self.output()}"
                    ) from None
                time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
