"""The progress line of long runs: on a terminal only, and only after two seconds."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys

from ci_catalog.cli.progress import DELAY, Progress
from conftest import ROOT

# `ci-catalog` in a child, with the progress line shown from the start (DELAY 0).
AT_ONCE = (
    "import sys; import ci_catalog.cli.progress as progress; progress.DELAY = 0.0; "
    "from ci_catalog.cli import main; sys.exit(main(sys.argv[1:]))"
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_shown_in_the_first_two_seconds() -> None:
    clock, terminal = Clock(), Terminal()
    progress = Progress(10, stream=terminal, clock=clock)
    progress.phase("linting")
    clock.now += DELAY - 0.1
    progress.advance()
    progress.close()
    assert terminal.getvalue() == ""


def test_after_two_seconds_the_count_is_redrawn_in_place_and_cleared_at_the_end() -> None:
    clock, terminal = Clock(), Terminal()
    progress = Progress(10, stream=terminal, clock=clock)
    progress.phase("linting")
    progress.advance()
    clock.now += DELAY
    progress.advance()
    progress.advance()
    progress.close()
    assert terminal.getvalue() == ("\rlinting 2/10 components\x1b[K" + "\rlinting 3/10 components\x1b[K" + "\r\x1b[K")


def test_nothing_is_added_to_a_stream_that_is_not_a_terminal() -> None:
    clock, stream = Clock(), io.StringIO()
    progress = Progress(10, stream=stream, clock=clock)
    clock.now += 60
    progress.phase("linting")
    progress.advance()
    progress.close()
    assert stream.getvalue() == ""


def check_in_child(stderr: int) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", AT_ONCE, "check", "--no-cache", str(ROOT)]
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=300, check=False)


def test_check_on_a_terminal_shows_components_done_out_of_the_total() -> None:
    controller, terminal = pty.openpty()
    try:
        done = check_in_child(terminal)
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    text = shown.decode()
    components = len(list((ROOT / "templates").glob("*/template.yml")))
    assert f"\rchecking {components}/{components} components" in text
    assert text.endswith("\r\x1b[K")  # the line is gone before the report
    assert done.stdout.endswith("0 lint findings\n")


def test_check_into_a_pipe_adds_nothing() -> None:
    done = check_in_child(subprocess.PIPE)
    assert done.stderr == ""
    assert done.stdout.endswith("0 lint findings\n")
