"""The machine a benchmark ran on, as its reports name it."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    """Cores, processor model, memory and kernel: the sessions' virtual machines differ in
    each, and the figures of two runs compare only when these match."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        # ARM's /proc/cpuinfo names no model; platform.processor() may be empty too.
        platform.processor() or platform.machine(),
    )
    # One decimal: MemTotal is what the kernel leaves of the machine's memory, so a whole
    # number rounded down names a 24 GiB machine 23 GiB.
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
    return f"{os.cpu_count()} cores ({model}), {memory:.1f} GiB, {platform.system()} {platform.release()}"
