"""Run `python -m ci_catalog ...` as a child process and measure what it cost.

The child starts from a small launcher, which sets the resource limits, starts it and
reads its usage with `wait4`. Started straight from pytest, a child would begin with
pytest's own resident size as its peak (Linux carries the peak across `exec`), which
after a few thousand tests is larger than any budget here: a child that stays small would
fail, and one that grows might pass.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

LAUNCHER = """\
import os, resource, sys
report, limits, command = sys.argv[1], sys.argv[2], sys.argv[3:]
for item in filter(None, limits.split(",")):
    name, value = item.split("=")
    resource.setrlimit(getattr(resource, name), (int(value), int(value)))
pid = os.posix_spawn(command[0], command, os.environ)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as out:
    out.write(f"{usage.ru_maxrss} {usage.ru_utime} {usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


@dataclass
class Measured:
    """What a child run of `ci-catalog` did, and what it cost."""

    code: int
    out: str
    err: str
    peak: int  # bytes of peak resident memory, of the child and every process it started
    cpu: float  # user + system seconds
    seconds: float  # wall-clock


def run_measured(*args: object, cwd: Path | None = None, limits: dict[str, int] | None = None) -> Measured:
    """`python -m ci_catalog ARGS...` in a child, under `limits` (`{"RLIMIT_AS": bytes, ...}`)."""
    command = [sys.executable, "-m", "ci_catalog", *map(str, args)]
    limit_text = ",".join(f"{name}={value}" for name, value in (limits or {}).items())
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "usage"
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-S", "-c", LAUNCHER, str(report), limit_text, *command],
            capture_output=True,
            cwd=cwd,
            check=False,
        )
        seconds = time.perf_counter() - start
        maxrss, user, system = report.read_text().split()
    return Measured(
        code=done.returncode,
        out=done.stdout.decode("utf-8", "replace"),
        err=done.stderr.decode("utf-8", "replace"),
        peak=int(maxrss) * 1024,  # Linux reports KiB
        cpu=float(user) + float(system),
        seconds=seconds,
    )
