"""Timing helpers: in-process samples, and commands run in a child that reports their cost.

A command runs in a fresh interpreter that reports, for the command and every process it
starts: wall time, CPU time (user + system), the peak resident memory of the largest
one (`RUSAGE_CHILDREN`'s maximum; only a new process gives one command's own), and the
peak of all of them together, sampled from /proc every 20 ms while it runs (ShellCheck
runs in several processes at once, so the largest alone is not the whole cost).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..stats import spread

_CHILD = r"""
import json, os, resource, subprocess, sys, threading, time

PAGE = os.sysconf("SC_PAGE_SIZE")
peak = [0]


def tree_rss(group):
    # The command runs in a session of its own: its processes are those of its group.
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            total += int(fields[21]) * PAGE  # rss
    return total


def sample(process, stop):
    while not stop.is_set():
        peak[0] = max(peak[0], tree_rss(process.pid))
        stop.wait(0.02)


start = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
stop = threading.Event()
sampler = threading.Thread(target=sample, args=(process, stop), daemon=True)
sampler.start()
stderr = process.communicate()[1]
elapsed = time.perf_counter() - start
stop.set()
sampler.join()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": elapsed, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_mib": usage.ru_maxrss / 1024, "tree_peak_mib": peak[0] / 2**20,
                  "returncode": process.returncode, "stderr": stderr.decode(errors="replace")[-2000:]}))
"""
_MEASURES = ("seconds", "cpu_seconds", "peak_mib", "tree_peak_mib")


def run_command(
    command: Sequence[str | Path], cwd: Path, allowed: Sequence[int] = (0,), env: dict[str, str] | None = None
) -> dict[str, Any]:
    """One run of `command`: wall and CPU seconds, and peak memory (MiB)."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *map(str, command)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    report = json.loads(done.stdout)
    if report["returncode"] not in allowed:
        raise RuntimeError(f"{' '.join(map(str, command))} exited {report['returncode']}:\n{report['stderr']}")
    return {name: report[name] for name in (*_MEASURES, "returncode")}


def command_samples(
    command: Sequence[str | Path],
    cwd: Path,
    repeat: int,
    allowed: Sequence[int] = (0,),
    env: dict[str, str] | None = None,
    before: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """`repeat` runs of `command` (`before` is called before each): the spread of each measure."""
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        runs.append(run_command(command, cwd, allowed, env))
    return {name: spread([run[name] for run in runs]) for name in _MEASURES} | {"returncode": runs[0]["returncode"]}


def cache_runs(
    command: Sequence[str | Path], cwd: Path, repeat: int, cache: Path, allowed: Sequence[int] = (0,)
) -> dict[str, Any]:
    """`command` with an empty findings cache in `cache` each time (cold), then with the cache
    the last cold run left, nothing changed (warm)."""
    env = {"CI_CATALOG_CACHE_DIR": str(cache)}
    cold = command_samples(command, cwd, repeat, allowed, env, before=lambda: shutil.rmtree(cache, True))
    warm = command_samples(command, cwd, repeat, allowed, env)
    return {"cold": cold, "warm": warm}


def timed(action: Callable[[], object], repeat: int) -> dict[str, float]:
    """Seconds per call of `action`, over `repeat` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return spread(samples)
