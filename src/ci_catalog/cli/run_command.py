"""`ci-catalog run PIPELINE [JOB...]`: run the merged pipeline with gitlab-ci-local, print each job's result.

Exit codes: 0 every job passed (or was allowed to fail); 1 a job failed, the merged pipeline
has errors, or gitlab-ci-local could not run it; 2 usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from ci_catalog.cli.expand_command import expansion_for, project_root
from ci_catalog.cli.versions_command import print_problems
from ci_catalog.exits import Exit, UsageError
from ci_catalog.local.expand import check_expansion
from ci_catalog.local.runner import (
    EXECUTORS,
    PipelineRun,
    RunError,
    RunOptions,
    State,
    check_logs_folder,
    container_engine_works,
    default_state_folder,
    machine_ca_file,
    run_pipeline,
    write_logs,
)
from ci_catalog.options import parse_input_flags
from ci_catalog.terminal import shown


def run(args: argparse.Namespace) -> int:
    path = Path(args.pipeline)
    expansion = expansion_for(args)
    if expansion.ok:
        check_expansion(expansion)
    print_problems(expansion.problems, sys.stderr)
    if not expansion.ok:
        errors = sum(problem.severity == "error" for problem in expansion.problems)
        print(f"{expansion.path}: not run: {errors} error(s) in the merged pipeline", file=sys.stderr)
        return Exit.PROBLEMS
    root = Path(args.root) if args.root else project_root(path)
    state = State(Path(args.state_dir) if args.state_dir else default_state_folder(root))
    logs = Path(args.logs) if args.logs else state.logs
    check_logs_folder(logs)
    options = runner_options(args, sys.stderr)
    options.jobs, options.cold = list(args.jobs), args.cold
    options.variables = parse_input_flags(args.variable, "--variable")
    try:
        result = run_pipeline(root, expansion.pipeline, state, options)
    except RunError as error:
        print(f"ci-catalog: {error}", file=sys.stderr)
        return Exit.PROBLEMS
    write_logs(result, logs)
    return report(result, sys.stdout, sys.stderr)


def runner_options(args: argparse.Namespace, echo: TextIO) -> RunOptions:
    """How the jobs run, from the options `add_runner_options` gives (and their environment variables)."""
    engine = args.container_executable or os.environ.get("CI_CATALOG_CONTAINER_EXECUTABLE") or "podman"
    executor = args.executor or os.environ.get("CI_CATALOG_EXECUTOR") or "auto"
    if executor not in ("auto", *EXECUTORS):
        raise UsageError(f"CI_CATALOG_EXECUTOR={executor!r}: use one of auto, {', '.join(EXECUTORS)}")
    if executor == "auto":
        executor = "container" if container_engine_works(engine) else "shell"
        if executor == "shell":
            print(
                f"ci-catalog: `{engine} info` fails here, so the jobs run on this machine with its tools "
                "(the shell executor); give --executor shell to say so, or --container-executable",
                file=echo,
            )
    ca_file = Path(args.ca_file) if args.ca_file else machine_ca_file()
    if ca_file is not None and not ca_file.is_file():
        raise UsageError(f"--ca-file {ca_file}: no such file")
    return RunOptions(
        executor=executor,
        container_executable=engine,
        networks=list(args.network),
        volumes=list(args.volume),
        ca_file=ca_file if executor == "container" else None,
        echo=None if args.quiet else echo,
    )


def report(result: PipelineRun, out: TextIO, err: TextIO) -> int:
    """Each job's result and time on `out`, the failures and where their logs are on `err`; the exit code."""
    width = max((len(job.name) for job in result.results), default=0)
    for job in result.results:
        status = {"passed": "PASS", "warned": "WARN", "failed": "FAIL"}[job.status]
        time = f"{job.seconds:8.1f} s" if job.seconds is not None else "       ? s"
        coverage = f"  {job.coverage}% coverage" if job.coverage else ""
        out.write(f"{status}  {shown(job.name).ljust(width)}  {time}{coverage}\n")
    out.write(f"{len(result.results)} job(s) in {result.seconds:.1f} s; logs in {result.logs_folder}\n")
    for job in result.failures:
        print(f"ci-catalog: {shown(job.name)} failed; its log: {job.log_file}", file=err)
    if result.failures:
        return Exit.PROBLEMS
    if result.returncode != 0 or not result.results:
        # gitlab-ci-local's last words, without the stack frames of a crash.
        said = [line for line in result.output.strip().splitlines() if not line.lstrip().startswith("at ")][-5:]
        why = "no job ran" if result.returncode == 0 else f"gitlab-ci-local exited with {result.returncode}"
        print(f"ci-catalog: the pipeline did not run as a whole ({why}):", file=err)
        for line in said:
            print(f"  {shown(line)}", file=err)
        return Exit.PROBLEMS
    return Exit.OK
