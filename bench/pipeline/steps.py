"""Per-step times of a job, read from gitlab-ci-local's output as it streams.

gitlab-ci-local prints each line of a job as the job prints it, and reports how long it
took to import and create each cache. Its own per-line times (`--timestamps`) round to
whole seconds once a job has run ten, too coarse for a warm job's steps, so the benchmark
stamps each line when it arrives instead. A step runs from the line that marks its start to
the mark of the next step (or the job's end): the components' own messages and the shell's
`$` command echoes are the step boundaries, and the real scripts run unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

UNITS = {"h": 3600.0, "min": 60.0, "s": 1.0, "ms": 1e-3, "μs": 1e-6, "us": 1e-6, "ns": 1e-9}
_DURATION_PART = re.compile(r"([\d.]+)\s*(h|min|s|ms|μs|us|ns)\b")
_IMPORTED = re.compile(r"^imported cache '[^']*' in (?P<duration>.+)$")
_CREATED = re.compile(r"^cache created in '[^']*' in (?P<duration>.+)$")
_FINISHED = re.compile(r"^finished in (?P<duration>.+)$")


# The steps a job's figure is made of, in the order a job runs them.
@dataclass(frozen=True)
class Mark:
    """The `nth` line of a job that matches `pattern` (`$ ` starts a command's echo, `> ` its output)."""

    pattern: str
    nth: int = 1


# The shell's echo of the job's `nth` script entry (before_script entries count first).
def command(nth: int) -> Mark:
    return Mark(r"^\$ ", nth)


STEPS = ("cache restore", "tool install", "dependency install", "tests", "cache save")


def seconds(text: str) -> float:
    """A pretty-hrtime duration (`1.12 s`, `364 ms`, `1 min 3.2 s`) in seconds."""
    parts = _DURATION_PART.findall(text)
    if not parts:
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(number) * UNITS[unit] for number, unit in parts)


@dataclass
class JobLog:
    """One job's timestamped lines: (seconds since the job started, text after the job name)."""

    name: str
    lines: list[tuple[float, str]] = field(default_factory=list)

    def when(self, mark: Mark) -> float | None:
        """When the `mark.nth` line matching `mark.pattern` was printed."""
        compiled = re.compile(mark.pattern)
        found = [when for when, text in self.lines if compiled.search(text)]
        return found[mark.nth - 1] if len(found) >= mark.nth else None

    def durations(self, pattern: re.Pattern[str]) -> float:
        """The sum of the durations gitlab-ci-local reports on lines matching `pattern`."""
        return sum(seconds(found["duration"]) for _, text in self.lines if (found := pattern.match(text)))

    @property
    def restore(self) -> float:
        return self.durations(_IMPORTED)

    @property
    def save(self) -> float:
        return self.durations(_CREATED)

    @property
    def finished(self) -> float:
        """Seconds from the job's first line to its `finished in` line."""
        end = next((when for when, text in self.lines if _FINISHED.match(text)), None)
        if end is None:
            raise ValueError(f"{self.name}: no 'finished in' line: the job did not run to its end")
        return end


def job_logs(stamped: list[tuple[float, str]], jobs: list[str]) -> dict[str, JobLog]:
    """Each of `jobs`' lines in gitlab-ci-local's output, with the seconds since the job's first line."""
    logs = {job: JobLog(job) for job in jobs}
    starts: dict[str, float] = {}
    # Longest names first, so that `uv-test` never claims the lines of `uv-test-extra`.
    by_length = sorted(jobs, key=len, reverse=True)
    for stamp, line in stamped:
        job = next((name for name in by_length if line.startswith(name + " ")), None)
        if job is not None:
            start = starts.setdefault(job, stamp)
            # Past the name's padding to the longest job name.
            logs[job].lines.append((stamp - start, line[len(job) + 1 :].lstrip(" ")))
    return logs


@dataclass(frozen=True)
class Marks:
    """Where a job's steps start; what runs before the first mark is the job's own start."""

    tool: Mark | None = None
    dependencies: Mark | None = None
    tests: Mark | None = None


def job_steps(log: JobLog, marks: Marks) -> dict[str, float]:
    """Seconds per step of one job; restore and save are gitlab-ci-local's own cache copies."""
    wanted = {"tool install": marks.tool, "dependency install": marks.dependencies, "tests": marks.tests}
    starts = {step: log.when(mark) for step, mark in wanted.items() if mark is not None}
    missing = [step for step, when in starts.items() if when is None]
    if missing:
        raise ValueError(f"{log.name}: no line marks the start of {', '.join(missing)}")
    ordered = sorted((when, step) for step, when in starts.items() if when is not None)
    end = log.finished
    steps = dict.fromkeys(STEPS, 0.0)
    for index, (when, step) in enumerate(ordered):
        following = ordered[index + 1][0] if index + 1 < len(ordered) else end
        steps[step] = max(0.0, following - when)
    steps["cache restore"] = log.restore
    steps["cache save"] = log.save
    steps["job"] = end
    return steps
