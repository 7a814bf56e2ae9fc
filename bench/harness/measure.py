"""Timing helpers: in-process samples, and commands run in a child that reports their peak memory."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..stats import spread

# A fresh interpreter runs the command and reports its wall time and the peak resident
# memory of its children: RUSAGE_CHILDREN's maximum is that of the largest waited-for
# descendant, so only a new process gives one command's own peak.
_CHILD = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=None)
elapsed = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": elapsed, "peak_mib": peak_kib / 1024, "returncode": done.returncode,
                  "stderr": done.stderr.decode(errors="replace")[-2000:]}))
"""


def run_command(command: Sequence[str | Path], cwd: Path, allowed: Sequence[int] = (0,)) -> dict[str, float]:
    """One run of `command`: wall seconds and peak memory (MiB)."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *map(str, command)], cwd=cwd, capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout)
    if report["returncode"] not in allowed:
        raise RuntimeError(f"{' '.join(map(str, command))} exited {report['returncode']}:\n{report['stderr']}")
    return {"seconds": report["seconds"], "peak_mib": report["peak_mib"], "returncode": report["returncode"]}


def command_samples(command: Sequence[str | Path], cwd: Path, repeat: int, allowed: Sequence[int] = (0,)) -> dict:
    runs = [run_command(command, cwd, allowed) for _ in range(repeat)]
    return {
        "seconds": spread([run["seconds"] for run in runs]),
        "peak_mib": spread([run["peak_mib"] for run in runs]),
        "returncode": runs[0]["returncode"],
    }


def timed(action: Callable[[], object], repeat: int) -> dict[str, float]:
    """Seconds per call of `action`, over `repeat` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return spread(samples)
