"""The options of `run` and `test`: how and where the jobs run (only argparse text here: the parser is
built for every command, and the runner loads when one of them runs)."""

from __future__ import annotations

import argparse

RUN_DESCRIPTION = (
    "Run the pipeline GitLab would build from a project's .gitlab-ci.yml (as `expand` builds it) with "
    "gitlab-ci-local, on a fresh checkout of the project, as a runner runs it."
)
RUN_EPILOG = (
    "The checkout holds what the next commit would: tracked files with their changes, new files git does not "
    "ignore. Nothing is written into the project's folder: the checkout, the caches (kept from run to run "
    "unless --cold), the artifacts and the logs are in the state folder. gitlab-ci-local (pinned) is "
    "installed with npm into ci-catalog's cache on first use. Exit codes: 0 every job passed, 1 a job failed "
    "(or the pipeline could not run), 2 usage error, 3 internal error."
)
TEST_DESCRIPTION = (
    "Run the test cases catalog.yml gives each component (`tests:`): each case's fixture project includes the "
    "component as the catalog's work tree holds it, runs through the same machinery as `run`, and is checked "
    "against the case's expectations."
)
TEST_EPILOG = (
    "Every case starts without caches; a case with `warm:` expectations runs a second time on the caches of "
    "the first. Results are printed as text, and written as JUnit with --junit. Exit codes: 0 every case "
    "passed, 1 a case failed or catalog.yml has problems, 2 usage error, 3 internal error."
)


def add_runner_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--executor",
        choices=("auto", "container", "shell"),
        help="container: each job in a container of its image; shell: on this machine, with its tools; "
        "auto: container when the container engine works, else shell (default: $CI_CATALOG_EXECUTOR, else auto)",
    )
    parser.add_argument(
        "--container-executable",
        metavar="COMMAND",
        help="the container engine (default: $CI_CATALOG_CONTAINER_EXECUTABLE, else podman)",
    )
    parser.add_argument(
        "--network",
        action="append",
        default=[],
        metavar="NAME",
        help="a network for the jobs' containers, e.g. host (default: the engine's)",
    )
    parser.add_argument(
        "--volume", action="append", default=[], metavar="HOST:CONTAINER", help="mounted into every job's container"
    )
    parser.add_argument(
        "--ca-file",
        metavar="FILE",
        help="the certificate bundle the jobs' containers trust (default: $CI_CATALOG_JOB_CA_FILE, else this "
        "machine's bundle when it trusts authorities of its own, in /usr/local/share/ca-certificates)",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="where the checkout, caches, artifacts and logs are kept (default: in ci-catalog's cache, "
        "one folder per project)",
    )
    parser.add_argument(
        "--logs", metavar="DIR", help="write each job's log here (replaced whole; default: the state folder's logs/)"
    )
    parser.add_argument("--quiet", action="store_true", help="do not show gitlab-ci-local's output while it runs")
