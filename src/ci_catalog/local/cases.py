"""`test`: run catalog.yml's test cases (`catalog_cases`) through the machinery of `run`.

For each case, a project is made from the fixture (taken from the catalog's next commit, as
`run` takes a project: see `local/checkout.py`) with the case's file changes, and a
`.gitlab-ci.yml` that includes the component as a user would, by its address at that
commit, with the case's inputs, plus the case's own `pipeline` keys. The pipeline is
expanded as `expand` does it, checked as `run` checks it, and run with a fresh state (no
cache); a case with `warm` expectations runs a second time on the caches the first run
left. Each expectation that does not hold is a failure that says what happened instead and
where the job's log is.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from ci_catalog.catalog_cases import Case, Expectation
from ci_catalog.emit import to_yaml
from ci_catalog.local.checkout import Checkout, fresh_checkout
from ci_catalog.local.expand import check_expansion, expand_pipeline
from ci_catalog.local.runner import PipelineRun, RunError, RunOptions, State, write_logs
from ci_catalog.local.runner import run_pipeline as run_with_gitlab_ci_local
from ci_catalog.versions.gitrepo import GitRepo
from ci_catalog.versions.pipeline_resolve import Context
from ci_catalog.versions.resolve import CatalogRepo

# The server the cases' includes name: any will do, the catalog is resolved locally.
SERVER = "gitlab.example.com"


@dataclass
class CaseResult:
    case: Case
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    runs: list[PipelineRun] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Workspace:
    """Where `test` works: the catalog's snapshot, and per case its project, state and logs."""

    folder: Path
    logs: Path

    @property
    def catalog(self) -> Path:
        return self.folder / "catalog"

    def case(self, case: Case) -> Path:
        return self.folder / "cases" / case.component / slug(case.name)

    def case_logs(self, case: Case, run: str) -> Path:
        return self.logs / case.component / slug(case.name) / run


def slug(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name, flags=re.ASCII).strip("-.") or "case"


def snapshot_catalog(root: Path, workspace: Workspace) -> Checkout:
    """The catalog as its work tree holds it, as a commit the cases include the components at."""
    return fresh_checkout(root, workspace.catalog)


def run_case(case: Case, snapshot: Checkout, project: str, workspace: Workspace, options: RunOptions) -> CaseResult:
    result = CaseResult(case)
    began = time.monotonic()
    folder = workspace.case(case)
    shutil.rmtree(folder, ignore_errors=True)  # every case starts without caches
    try:
        pipeline = _case_pipeline(case, snapshot, project, folder / "project", result)
        if pipeline is not None:
            state = State(folder / "state")
            _run(case, "cold", case.expect, pipeline, folder / "project", state, workspace, options, result)
            if case.warm is not None and result.passed:
                _run(case, "warm", case.warm, pipeline, folder / "project", state, workspace, options, result)
    except RunError as error:
        result.failures.append(f"the pipeline could not run: {error}")
    result.seconds = time.monotonic() - began
    return result


def _case_pipeline(case: Case, snapshot: Checkout, project: str, path: Path, result: CaseResult) -> Any:
    """The case's project made at `path`, and its merged pipeline (None, with the failures, when it has errors)."""
    shutil.copytree(snapshot.path / case.fixture, path, symlinks=True)
    for relative, text in case.files.items():
        target = path / relative
        if text is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    include: dict[str, Any] = {"component": f"$CI_SERVER_FQDN/{project}/{case.component}@{snapshot.commit}"}
    if case.inputs:
        include["inputs"] = case.inputs
    (path / ".gitlab-ci.yml").write_text(to_yaml({"include": [include], **case.pipeline}), encoding="utf-8")
    catalog = CatalogRepo(GitRepo(snapshot.path), project)
    context = Context(catalog, SERVER, {"CI_SERVER_FQDN": SERVER, "CI_SERVER_HOST": SERVER, **case.variables})
    expansion = expand_pipeline(path / ".gitlab-ci.yml", path, context)
    if expansion.ok:
        check_expansion(expansion)
    errors = [problem for problem in expansion.problems if problem.severity == "error"]
    if errors:
        result.failures += [f"the pipeline has errors: {problem.where()}: {problem.message}" for problem in errors]
        return None
    return expansion.pipeline


def _run(
    case: Case,
    name: str,
    expectations: list[Expectation],
    pipeline: Any,
    project: Path,
    state: State,
    workspace: Workspace,
    options: RunOptions,
    result: CaseResult,
) -> None:
    offline = any(expectation.check == "downloads" for expectation in expectations)
    run_options = replace(options, variables={**options.variables, **case.variables}, offline=offline)
    began = time.time_ns()
    if options.echo is not None:
        print(f"ci-catalog: {case.component}: {case.name}: {name} run", file=options.echo, flush=True)
    run = run_with_gitlab_ci_local(project, pipeline, state, run_options)
    write_logs(run, workspace.case_logs(case, name))
    result.runs.append(run)
    failures = _unexpected_jobs(case, run) + _unexpected_failures(expectations, run)
    failures += [failure for expectation in expectations if (failure := check(expectation, run, state, began))]
    result.failures += [f"{name} run: {failure}" for failure in failures]


def _unexpected_jobs(case: Case, run: PipelineRun) -> list[str]:
    ran = [job.name for job in run.results]
    if not ran and run.returncode != 0:
        said = [line for line in run.output.strip().splitlines() if not line.lstrip().startswith("at ")][-3:]
        return [f"gitlab-ci-local did not run the pipeline (exit {run.returncode}): {' / '.join(said)}"]
    missing = [job for job in case.jobs if job not in ran]
    extra = [job for job in ran if job not in case.jobs]
    if not missing and not extra:
        return []
    parts = [f"expected jobs that did not run: {', '.join(missing)}"] if missing else []
    parts += [f"jobs that ran but are not in `jobs`: {', '.join(extra)}"] if extra else []
    return ["; ".join(parts)]


def _unexpected_failures(expectations: list[Expectation], run: PipelineRun) -> list[str]:
    """Jobs that failed though no expectation is about how they end: a job must pass unless the case says."""
    settled = {item.job for item in expectations if item.check in ("passes", "fails_with")}
    return [
        f"{job.name}: failed; its log: {job.log_file}"
        for job in run.results
        if job.status == "failed" and job.name not in settled
    ]


def check(expectation: Expectation, run: PipelineRun, state: State, warm_began_ns: int) -> str:
    """What happened instead of the expectation; "" when it holds."""
    if expectation.check == "downloads":
        failed = [job.name for job in run.results if job.status == "failed"]
        return f"made without network, {', '.join(failed)} failed: something had to be downloaded" if failed else ""
    if expectation.check == "caches_unchanged":
        changed = _changed_cache_files(state.caches, warm_began_ns)
        if not changed:
            return ""
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        return f"caches changed, so a runner would upload them again: {shown}"
    job = expectation.job or ""
    found = run.result(job)
    log = printed(run.logs.get(job, ""))
    where = f"; its log: {found.log_file}" if found is not None and found.log_file else ""
    status = found.status if found is not None else "did not run"
    value = expectation.value
    if expectation.check == "passes":
        wanted = "passed" if value else "failed"
        holds = (found is not None and found.status == "passed") == bool(value) and found is not None
        return "" if holds else f"{job}: expected to have {wanted}, but it {status}{where}"
    if expectation.check == "fails_with":
        if found is None or found.status == "passed":
            return f"{job}: expected to fail with {value!r}, but it {status}{where}"
        return "" if value in log else f"{job}: failed, but its log does not say {value!r}{where}"
    if expectation.check == "log":
        return "" if value in log else f"{job}: its log does not say {value!r} ({status}){where}"
    if expectation.check == "not_in_log":
        if found is None:
            return f"{job}: did not run"
        return f"{job}: its log says {value!r} ({status}){where}" if value in log else ""
    if expectation.check == "artifact":
        return "" if run.artifact(job, value).exists() else f"{job}: left no artifact {value} ({status}){where}"
    if expectation.check == "dotenv":
        variables = run.dotenv_reports.get(job, {})
        if value in variables:
            return ""
        return f"{job}: its dotenv report has no {value} (it has: {', '.join(variables) or 'nothing'}){where}"
    assert expectation.check == "coverage", expectation.check
    figure = run.coverage(job)
    return "" if figure == value else f"{job}: coverage {figure or 'none'}, expected {value}{where}"


def printed(log: str) -> str:
    """What the job printed: its log without the command lines gitlab-ci-local echoes (`$ command`),
    which hold the script's own text, so that `not_in_log: told to fail` is not met by `echo "told to fail"`."""
    return "".join(line for line in log.splitlines(keepends=True) if not line.startswith("$ "))


def _changed_cache_files(caches: Path, since_ns: int) -> list[str]:
    """Entries of the caches a runner would upload again (see `cache_entries_changed_since`)."""
    return cache_entries_changed_since(caches, since_ns) if caches.is_dir() else []


def cache_entries_changed_since(folder: Path, since_ns: int) -> list[str]:
    """Entries under `folder` (gitlab-ci-local's cache folder, or one key's folder in it) modified
    after `since_ns`, as a runner's cache archiver counts them: it archives and uploads a cache again
    when an entry its paths match is newer than its last archive (gitlab-ci-local keeps file times).

    A folder that holds anything does not count: gitlab-ci-local copies the folders above a cache
    path too, with the times the job gave them, where a runner matches only the paths (files, here).
    So a file removed from a cached folder goes unseen, where a runner would find the folder newer.
    """
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.lstat().st_mtime_ns > since_ns and not _holds_anything(path)
    )


def _holds_anything(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and any(path.iterdir())


def report_text(results: list[CaseResult], out: TextIO, logs: Path) -> None:
    for result in results:
        runs = len(result.runs)
        status = "PASS" if result.passed else "FAIL"
        out.write(f"{status}  {result.case.component}: {result.case.name}  ({runs} run(s), {result.seconds:.1f} s)\n")
        for failure in result.failures:
            out.write(f"      {failure}\n")
    failed = sum(not result.passed for result in results)
    out.write(f"{len(results)} case(s): {len(results) - failed} passed, {failed} failed; logs in {logs}\n")
