"""Headless Chromium for the `browser` tests: Debian's chromium driven by its chromedriver through selenium.

`scripts/setup-browser` installs both when they are missing; no browser is ever
downloaded. Screenshots go to `$CI_ARTIFACTS_DIR/browser/` (or `test-artifacts/browser/`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from servers import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
SETUP = ROOT / "scripts" / "setup-browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# What works in a container without a display, a GPU or the network: no sandbox (root),
# and none of the background traffic that would wait on the network.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
)


def install_browser() -> None:
    """chromium and chromium-driver, from apt when missing."""
    done = subprocess.run([str(SETUP)], capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{SETUP} failed:\n{done.stderr[-3000:]}")


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("CI_ARTIFACTS_DIR") or ROOT / "test-artifacts") / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def ensure_browser() -> None:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        install_browser()


def start_chromium(profile: Path, javascript: bool = True) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    # The Debian driver, named: selenium then never looks for (or fetches) one of its own.
    return webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))


@contextmanager
def chromium(profile: Path, javascript: bool = True) -> Iterator[Any]:
    """A headless Chromium with a fresh profile, quit however the test ends."""
    driver = start_chromium(profile, javascript)
    try:
        yield driver
    finally:
        driver.quit()


def serve(folder: Path, log: Path) -> ServerProcess:
    """A static file server for `folder` on 127.0.0.1 (a secure context, so the async clipboard exists)."""
    return ServerProcess(
        lambda port: [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(folder),
        ],
        log,
    )


def console_errors(driver: Any) -> list[str]:
    """The browser log's errors since the last call (reading the log empties it)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def screenshot(driver: Any, name: str) -> Path:
    path = artifacts_dir() / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
